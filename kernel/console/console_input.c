/*
 * console_input.c - COM1 input: polled, then by interrupt into a ring (see
 * <mango/console.h>).
 */
#include <arch/io.h>
#include <arch/uart.h>
#include <mango/console.h>
#include <mango/trap.h>

#define INPUT_RING 256 /* power of two */

/*
 * Input ring. Written only by console_irq() (interrupts off), read only by
 * console_getc() with interrupts off around the index update. Indexes run
 * freely; head - tail is the fill level.
 */
static struct {
	char buf[INPUT_RING];
	unsigned head; /* next slot the IRQ writes */
	unsigned tail; /* next slot getc reads */
	bool irq_mode; /* input arrives by interrupt */
} in;

/* IRQ 4: drain the UART into the ring; drop bytes when it is full. */
static void console_irq(struct trap_frame *tf)
{
	int c;
	(void)tf;
	while ((c = uart_getc(COM1_BASE)) >= 0) {
		if (in.head - in.tail < INPUT_RING)
			in.buf[in.head++ % INPUT_RING] = (char)c;
	}
}

void console_enable_irq(void)
{
	irq_register(IRQ_COM1, console_irq);
	uart_init(COM1_BASE, true);
	in.irq_mode = true;
}

int console_getc(void)
{
	for (;;) {
		bool was = irq_save();
		if (in.head != in.tail) {
			int c = (unsigned char)in.buf[in.tail++ % INPUT_RING];
			irq_restore(was);
			return c;
		}
		if (!in.irq_mode || !was) {
			int c = uart_getc(COM1_BASE);
			irq_restore(was);
			if (c >= 0)
				return c;
			cpu_relax();
			continue;
		}
		/* sti; hlt: the wakeup interrupt cannot slip in between */
		irq_enable_and_halt();
	}
}
