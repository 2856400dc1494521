/*
 * usercopy_access.S - the one instruction that touches user memory for
 * <mango/usercopy.h>. A page fault on it that the page-fault handler does
 * not resolve resumes at usercopy_faulted (usercopy.c's fixup sets
 * rax = KERN_MEMORY_FAULT), like the probes of probe_access.S.
 */
	.text

/* kern_status_t usercopy_bytes(void *dst [rdi], const void *src [rsi], size_t n [rdx])
 * Both addresses checked by the caller; the direction flag is clear in
 * the kernel (trap_common's cld; SFMASK clears DF on syscall). */
	.globl usercopy_bytes, usercopy_access, usercopy_faulted
	.type usercopy_bytes, @function
usercopy_bytes:
	movq %rdx, %rcx
usercopy_access:
	rep movsb
	xorl %eax, %eax
	ret
usercopy_faulted:
	ret
	.size usercopy_bytes, . - usercopy_bytes
