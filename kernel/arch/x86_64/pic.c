/*
 * pic.c - 8259A pair in the PC/AT cascade (master IRQ 0-7, slave 8-15 on
 * the master's IRQ 2), remapped away from the CPU exception vectors.
 */
#include <arch/io.h>
#include <arch/pic.h>
#include <arch/x86.h>

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1

#define ICW1_INIT 0x10
#define ICW1_ICW4 0x01
#define ICW4_8086 0x01
#define OCW2_EOI 0x20
#define OCW3_READ_ISR 0x0B
#define CASCADE_IRQ 2

static uint16_t mask = 0xFFFF; /* bit set = IRQ masked */

static void write_mask(void)
{
	outb(PIC1_DATA, mask & 0xFF);
	outb(PIC2_DATA, mask >> 8);
}

void pic_init(void)
{
	outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4);
	outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
	outb(PIC1_DATA, T_IRQ_BASE);
	outb(PIC2_DATA, T_IRQ_BASE + 8);
	outb(PIC1_DATA, 1u << CASCADE_IRQ); /* slave on IRQ 2 */
	outb(PIC2_DATA, CASCADE_IRQ);       /* slave identity */
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	mask = (uint16_t)~(1u << CASCADE_IRQ);
	write_mask();
}

void pic_unmask(unsigned irq)
{
	mask &= (uint16_t)~(1u << irq);
	write_mask();
}

void pic_mask(unsigned irq)
{
	mask |= (uint16_t)(1u << irq);
	write_mask();
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}

bool pic_is_spurious(unsigned irq)
{
	uint16_t port = irq >= 8 ? PIC2_CMD : PIC1_CMD;
	outb(port, OCW3_READ_ISR);
	if (inb(port) & (1u << (irq & 7)))
		return false;
	if (irq >= 8)
		outb(PIC1_CMD, OCW2_EOI); /* the master did see the cascade */
	return true;
}
