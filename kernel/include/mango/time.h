/*
 * mango/time.h - the periodic timer and uptime.
 */
#ifndef MANGO_TIME_H_
#define MANGO_TIME_H_

#include <mango/types.h>

#define TIMER_HZ_DEFAULT 100

/* timer_init - program the 8254 PIT for @hz interrupts a second and start
 * counting ticks. Needs pic_init() and the IDT. */
void timer_init(unsigned hz);

/* timer_ticks - timer interrupts since timer_init(). */
uint64_t timer_ticks(void);
unsigned timer_hz(void);

/* uptime_ms - milliseconds since timer_init(), at tick resolution. */
uint64_t uptime_ms(void);

#endif /* MANGO_TIME_H_ */
