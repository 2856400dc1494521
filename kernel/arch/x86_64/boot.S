/*
 * boot.S - from GRUB to kmain().
 *
 * GRUB (multiboot2) enters _start in 32-bit protected mode with paging off,
 * EAX = MULTIBOOT2_BOOTLOADER_MAGIC and EBX = physical address of the boot
 * information. This file:
 *   1. checks the CPU can do long mode and NX (else says so on COM1 and halts),
 *   2. zeroes .bss,
 *   3. builds boot page tables mapping physical [0, 1 GiB) twice, at 0
 *      (so the next instruction still runs) and at KERNEL_BASE (-2 GiB),
 *   4. turns on PAE, long mode, NX and paging, loads a 64-bit GDT,
 *   5. jumps to the higher half, switches to the guarded boot stack and
 *      calls kmain(magic, mbi_phys) with a zero frame pointer so that
 *      backtraces stop there.
 * mmu_init() later replaces these tables (see docs/boot.md).
 */
#include <arch/mmu.h>
#include <arch/x86.h>
#include <mango/multiboot2.h>

#define PHYS(sym) ((sym) - KERNEL_BASE)
#define COM1_DATA 0x3F8

/* ------------------------------------------------------------------ */
	.section .multiboot, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* ask for page-aligned boot modules */
	.balign 8
	.word MB2_HEADER_TAG_MODULE_ALIGN
	.word 0
	.long 8
	/* end tag */
	.balign 8
	.word MB2_HEADER_TAG_END
	.word 0
	.long 8
mb2_header_end:

/* ------------------------------------------------------------------ */
	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, %ebp			/* multiboot magic, kept for kmain */
	movl %ebx, %esi			/* multiboot info (physical), ditto */
	movl $PHYS(boot_stack_top), %esp

	/* 1. long mode and NX present? */
	movl $CPUID_EXT_MAX, %eax
	cpuid
	cmpl $CPUID_EXT_FEATURES, %eax
	jb no_long_mode
	movl $CPUID_EXT_FEATURES, %eax
	cpuid
	testl $CPUID_EXT_EDX_LM, %edx
	jz no_long_mode
	testl $CPUID_EXT_EDX_NX, %edx
	jz no_long_mode

	/* 2. zero .bss (the boot page tables and stack live there) */
	movl $PHYS(__bss_start), %edi
	movl $PHYS(__bss_end), %ecx
	subl %edi, %ecx
	shrl $2, %ecx
	xorl %eax, %eax
	rep stosl

	/* 3. boot page tables */
	movl $(PHYS(boot_pdpt_low) + PTE_P + PTE_W), PHYS(boot_pml4)
	movl $(PHYS(boot_pdpt_high) + PTE_P + PTE_W), PHYS(boot_pml4) + 8 * (PT_ENTRIES - 1)
	movl $(PHYS(boot_pd) + PTE_P + PTE_W), PHYS(boot_pdpt_low)
	/* KERNEL_BASE is PML4 slot 511, PDPT slot 510 */
	movl $(PHYS(boot_pd) + PTE_P + PTE_W), PHYS(boot_pdpt_high) + 8 * (PT_ENTRIES - 2)
	movl $PHYS(boot_pd), %edx
	movl $(PTE_P + PTE_W + PTE_PS), %eax
	movl $PT_ENTRIES, %ecx
1:	movl %eax, (%edx)
	addl $LARGE_PAGE_SIZE, %eax
	addl $8, %edx
	loop 1b

	/* 4. PAE, CR3, EFER.LME|NXE, paging */
	movl %cr4, %eax
	orl $X86_CR4_PAE, %eax
	movl %eax, %cr4
	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $(EFER_LME | EFER_NXE), %eax
	wrmsr
	movl %cr0, %eax
	orl $(X86_CR0_PG | X86_CR0_WP | X86_CR0_PE), %eax
	movl %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $GDT_KERNEL_CODE, $long_mode_low

no_long_mode:
	movl $no_lm_msg, %esi
	movw $COM1_DATA, %dx
2:	lodsb
	testb %al, %al
	jz 3f
	outb %al, %dx
	jmp 2b
3:	hlt
	jmp 3b

	.code64
long_mode_low:
	movw $GDT_KERNEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabs $long_mode_high, %rax
	jmp *%rax

	.section .boot.data, "a"
no_lm_msg:
	.asciz "Mango needs an x86-64 CPU with long mode and NX; halting.\r\n"
	.balign 8
boot_gdt:
	.quad 0
	.quad SEG_P | SEG_S | SEG_CODE | SEG_RW | SEG_L | SEG_ACCESSED	/* 0x08 */
	.quad SEG_P | SEG_S | SEG_RW | SEG_ACCESSED			/* 0x10 */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

/* ------------------------------------------------------------------ */
	.text
	.globl long_mode_high
	.type long_mode_high, @function
long_mode_high:
	movabs $boot_stack_top, %rsp
	movl %ebp, %edi			/* arg 0: magic (zero-extended) */
	movl %esi, %esi			/* arg 1: mbi physical address */
	xorl %ebp, %ebp			/* outermost frame: backtraces stop here */
	call kmain
	/* kmain does not return; if it does, stop here */
4:	cli
	hlt
	jmp 4b

/* ------------------------------------------------------------------ */
	.bss
	.balign PAGE_SIZE
	.globl boot_pml4
boot_pml4:	.skip PAGE_SIZE
boot_pdpt_low:	.skip PAGE_SIZE
boot_pdpt_high:	.skip PAGE_SIZE
boot_pd:	.skip PAGE_SIZE
	/* One page below the stack is left unmapped by mmu_init(), so a
	 * kernel stack overflow faults (and lands on the double-fault IST
	 * stack) instead of silently corrupting .bss. */
	.globl boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:	.skip PAGE_SIZE
boot_stack_bottom:	.skip BOOT_STACK_SIZE
boot_stack_top:
