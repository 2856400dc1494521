/*
 * pit.c - the 8254 programmable interval timer as the periodic tick.
 */
#include <arch/io.h>
#include <arch/x86.h>
#include <mango/time.h>
#include <mango/trap.h>

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_FREQ 1193182u
/* channel 0, lobyte/hibyte access, mode 2 (rate generator), binary */
#define PIT_CMD_CH0_RATE 0x34
#define PIT_MIN_HZ 19 /* below that the divisor no longer fits 16 bits */

static volatile uint64_t ticks; /* written only by the timer interrupt */
static unsigned hz;

static void timer_irq(struct trap_frame *tf)
{
	(void)tf;
	ticks++;
}

void timer_init(unsigned want_hz)
{
	unsigned div;

	hz = want_hz < PIT_MIN_HZ ? PIT_MIN_HZ : want_hz > PIT_FREQ ? PIT_FREQ : want_hz;
	div = PIT_FREQ / hz;
	outb(PIT_CMD, PIT_CMD_CH0_RATE);
	outb(PIT_CH0, div & 0xFF);
	outb(PIT_CH0, (div >> 8) & 0xFF);
	irq_register(IRQ_TIMER, timer_irq);
}

uint64_t timer_ticks(void)
{
	return ticks;
}

unsigned timer_hz(void)
{
	return hz;
}

uint64_t uptime_ms(void)
{
	return hz ? ticks * 1000 / hz : 0;
}
