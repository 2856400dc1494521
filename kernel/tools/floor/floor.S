/*
 * floor.S - the smallest multiboot2 kernel: print one byte on COM1, power
 * off. Booted from a GRUB ISO built exactly like Mango's, it measures the
 * floor for boot time (BIOS + GRUB + QEMU start-up): `make bench-boot`.
 */
#define MB2_MAGIC 0xE85250D6
#define COM1 0x3F8
#define QEMU_PM1A_CNT 0x604
#define ACPI_SLP_EN 0x2000

	.section .multiboot, "a"
	.balign 8
header:
	.long MB2_MAGIC, 0, header_end - header
	.long -(MB2_MAGIC + (header_end - header))
	.word 0, 0
	.long 8
header_end:

	.text
	.code32
	.globl _start
_start:
	movw $COM1, %dx
	movb $'F', %al
	outb %al, %dx
	movb $'\n', %al
	outb %al, %dx
	movw $QEMU_PM1A_CNT, %dx
	movw $ACPI_SLP_EN, %ax
	outw %ax, %dx
1:	hlt
	jmp 1b
