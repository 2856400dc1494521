/*
 * trap_entry.S - one stub per vector, all funnelling into trap_common,
 * which saves the general registers as a struct trap_frame
 * (<mango/trap.h>) and calls trap_dispatch(frame).
 *
 * Vectors where the CPU pushes an error code: 8, 10-14, 17, 21, 29, 30.
 * For the others the stub pushes a 0 so every frame has the same shape.
 */
#include <arch/trap_frame.h>
#include <arch/x86.h>

	.altmacro
.macro TRAP_STUB vec
	.balign 16
trap_stub_\vec:
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp trap_common
.endm

.macro TRAP_STUB_ADDR vec
	.quad trap_stub_\vec
.endm

	.text
	.set vec, 0
	.rept T_NUM_VECTORS
	TRAP_STUB %vec
	.set vec, vec + 1
	.endr

	.type trap_common, @function
trap_common:
	TRAP_FRAME_PUSH_REGS
	cld
	movq %rsp, %rdi
	call trap_dispatch
	TRAP_FRAME_POP_REGS
	addq $16, %rsp		/* vector and error code */
	iretq
	.size trap_common, . - trap_common

	/* table of stub addresses for idt_init() */
	.section .rodata
	.balign 8
	.globl trap_stub_table
trap_stub_table:
	.set vec, 0
	.rept T_NUM_VECTORS
	TRAP_STUB_ADDR %vec
	.set vec, vec + 1
	.endr
