/*
 * probe_access.S - the accesses of <mango/probe.h>. Each function's first
 * instruction is its one access to the probed address; probe.c knows them,
 * so a page fault there resumes at probe_faulted with rax = the status.
 * Leaf functions: only the return address is on the stack when they fault.
 */
	.text

/* kern_status_t probe_read64(uintptr_t va [rdi], uint64_t *out [rsi]) */
	.globl probe_read64
	.type probe_read64, @function
probe_read64:
	movq (%rdi), %rax
	movq %rax, (%rsi)
	xorl %eax, %eax
	ret
	.size probe_read64, . - probe_read64

/* kern_status_t probe_write64(uintptr_t va [rdi], uint64_t value [rsi]) */
	.globl probe_write64
	.type probe_write64, @function
probe_write64:
	movq %rsi, (%rdi)
	xorl %eax, %eax
	ret
	.size probe_write64, . - probe_write64

/* where a faulted probe resumes: rax already holds its status */
	.globl probe_faulted
	.type probe_faulted, @function
probe_faulted:
	ret
	.size probe_faulted, . - probe_faulted
