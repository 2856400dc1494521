/*
 * probe_access.S - the accesses of <mango/probe.h>. Each function is one access
 * at a labelled instruction; probe.c knows the labels, so a page fault at
 * one of them resumes at probe_faulted with rax = the status to return.
 * Leaf functions: only the return address is on the stack when they fault.
 */
	.text

/* kern_status_t probe_read64(uintptr_t va [rdi], uint64_t *out [rsi]) */
	.globl probe_read64, probe_read64_access
	.type probe_read64, @function
probe_read64:
probe_read64_access:
	movq (%rdi), %rax
	movq %rax, (%rsi)
	xorl %eax, %eax
	ret
	.size probe_read64, . - probe_read64

/* kern_status_t probe_write64(uintptr_t va [rdi], uint64_t value [rsi]) */
	.globl probe_write64, probe_write64_access
	.type probe_write64, @function
probe_write64:
probe_write64_access:
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
