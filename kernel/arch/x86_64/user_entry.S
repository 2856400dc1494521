/*
 * user_entry.S - the two ways between ring 0 and ring 3 that are not the
 * IDT's (<mango/user.h>):
 *   user_enter     the first entry into a program, with iretq
 *   syscall_entry  the SYSCALL instruction's target (MSR_LSTAR), back
 *                  with sysretq
 * SDM vol. 2B "SYSCALL"/"SYSRET"; vol. 3A 6.14 (64-bit interrupt frames).
 */
#include <arch/trap_frame.h>
#include <arch/x86.h>

	.text

/* void user_enter(uintptr_t rip [rdi], uintptr_t rsp [rsi], uint64_t arg0 [rdx],
 *                 uint64_t arg1 [rcx]) - never returns: iretq to ring 3
 * at rip with rsp, interrupts on, rdi/rsi = arg0/arg1 and every other
 * general register zero (nothing of the kernel leaks). */
	.globl user_enter
	.type user_enter, @function
user_enter:
	pushq $USER_SS
	pushq %rsi
	pushq $(X86_RFLAGS_IF | X86_RFLAGS_RESERVED1)
	pushq $USER_CS
	pushq %rdi
	movq %rdx, %rdi
	movq %rcx, %rsi
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %ebp, %ebp
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
	xorl %r12d, %r12d
	xorl %r13d, %r13d
	xorl %r14d, %r14d
	xorl %r15d, %r15d
	iretq
	.size user_enter, . - user_enter

/*
 * syscall_entry - SYSCALL lands here in ring 0 with the user's rsp still
 * loaded, rcx = the user's rip, r11 = its rflags, interrupts off (SFMASK).
 * Switch to the thread's kernel stack (syscall_kernel_rsp; one CPU, so a
 * global will do - an SMP kernel keeps it per CPU behind swapgs), build a
 * struct trap_frame there as an interrupt would (vector T_SYSCALL), call
 * syscall_dispatch(frame) and return with sysretq to frame->rip with
 * frame->rflags and frame->rsp (which the dispatcher has checked).
 */
	.globl syscall_entry
	.type syscall_entry, @function
syscall_entry:
	movq %rsp, syscall_user_rsp(%rip)
	movq syscall_kernel_rsp(%rip), %rsp
	pushq $USER_SS
	pushq syscall_user_rsp(%rip)
	pushq %r11		/* rflags */
	pushq $USER_CS
	pushq %rcx		/* rip */
	pushq $0		/* error code */
	pushq $T_SYSCALL	/* vector */
	TRAP_FRAME_PUSH_REGS
	movq %rsp, %rdi
	call syscall_dispatch
	TRAP_FRAME_POP_REGS
	addq $16, %rsp		/* vector and error code */
	popq %rcx		/* rip */
	addq $8, %rsp		/* cs */
	popq %r11		/* rflags */
	popq %rsp		/* the user's rsp; ss stays behind */
	sysretq
	.size syscall_entry, . - syscall_entry
