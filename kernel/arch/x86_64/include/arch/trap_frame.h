/*
 * arch/trap_frame.h - for assembly: saving and restoring the general
 * registers in the order of struct trap_frame (<mango/trap.h>: r15 at the
 * lowest address, rax just below the vector). trap_entry.S (interrupts
 * and exceptions) and user_entry.S (system calls) build the same frame
 * with these, so the layout is written once.
 */
#ifndef ARCH_TRAP_FRAME_H_
#define ARCH_TRAP_FRAME_H_

#ifdef __ASSEMBLER__
.macro TRAP_FRAME_PUSH_REGS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro TRAP_FRAME_POP_REGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm
#endif

#endif /* ARCH_TRAP_FRAME_H_ */
