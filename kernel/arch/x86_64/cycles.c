/*
 * cycles.c - the TSC as the benchmark clock, calibrated against the PIT.
 *
 * The PIT's channel 2 (the one behind the PC speaker) is the only timer
 * whose count can be polled without an interrupt: load it in mode 0
 * ("interrupt on terminal count") with its gate high and its output, read
 * back as bit 5 of port 0x61, goes high when the count reaches 0. Reading
 * the TSC before and after one such countdown of a known length gives the
 * TSC's rate, as Linux's pit_calibrate_tsc() and FreeBSD's
 * init_TSC() do. Channel 0 (the tick, pit.c) is left alone.
 */
#include <arch/io.h>
#include <mango/cycles.h>

#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_FREQ 1193182u
/* channel 2, lobyte/hibyte access, mode 0 (interrupt on terminal count), binary */
#define PIT_CMD_CH2_ONESHOT 0xB0
#define PORT_B 0x61          /* the PC's "port B": speaker and channel 2 control */
#define PORT_B_GATE2 0x01    /* channel 2's gate: counts while high */
#define PORT_B_SPEAKER 0x02  /* channel 2's output to the speaker */
#define PORT_B_OUT2 0x20     /* channel 2's output, read only */
#define CALIBRATE_MS 10u
#define CALIBRATE_COUNT (PIT_FREQ * CALIBRATE_MS / 1000u) /* fits 16 bits */
#define CALIBRATE_RUNS 9     /* the shortest countdown wins: least disturbed */

static uint64_t hz;

uint64_t cycles_now(void)
{
	return rdtsc();
}

/* TSC ticks over one countdown of CALIBRATE_COUNT PIT ticks. */
static uint64_t one_countdown(void)
{
	uint8_t b = inb(PORT_B);
	uint64_t t0, t1;

	outb(PORT_B, (uint8_t)((b & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	outb(PIT_CMD, PIT_CMD_CH2_ONESHOT);
	outb(PIT_CH2, CALIBRATE_COUNT & 0xFF);
	outb(PIT_CH2, (CALIBRATE_COUNT >> 8) & 0xFF); /* counting starts here */
	t0 = rdtsc();
	while (!(inb(PORT_B) & PORT_B_OUT2))
		;
	t1 = rdtsc();
	outb(PORT_B, b);
	return t1 - t0;
}

uint64_t cycles_hz(void)
{
	uint64_t best = UINT64_MAX;

	if (hz)
		return hz;
	for (unsigned i = 0; i < CALIBRATE_RUNS; i++) {
		uint64_t c = one_countdown();
		if (c < best)
			best = c;
	}
	hz = best * PIT_FREQ / CALIBRATE_COUNT;
	return hz ? hz : 1;
}

uint64_t cycles_to_ns(uint64_t cycles)
{
	uint64_t f = cycles_hz();

	/* split so that cycles * 1e9 cannot overflow for any plausible run */
	return cycles / f * 1000000000u + cycles % f * 1000000000u / f;
}
