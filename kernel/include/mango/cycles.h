/*
 * mango/cycles.h - a fine-grained clock for benchmarks.
 *
 * cycles_now() reads a free-running counter (the TSC on x86-64): cheap,
 * monotonic on one CPU, but in units the kernel does not know until it has
 * measured them. cycles_hz() measures them once, against the 8254 PIT's
 * fixed 1193182 Hz input, and cycles_to_ns() converts. The periodic tick
 * (<mango/time.h>) is too coarse (10 ms) to time one page fault.
 */
#ifndef MANGO_CYCLES_H_
#define MANGO_CYCLES_H_

#include <mango/types.h>

/* cycles_now - the counter's current value. */
uint64_t cycles_now(void);

/* cycles_hz - counter ticks per second, measured against the PIT on the
 * first call (which takes about 90 ms, busy-waiting; interrupts may be on
 * or off) and remembered. */
uint64_t cycles_hz(void);

/* cycles_to_ns - @cycles in nanoseconds at cycles_hz(). */
uint64_t cycles_to_ns(uint64_t cycles);

#endif /* MANGO_CYCLES_H_ */
