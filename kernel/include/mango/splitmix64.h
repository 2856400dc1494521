/*
 * mango/splitmix64.h - splitmix64 (Steele, Lea and Flood, 2014), the
 * generator of every randomized test: ktest_rand() in the kernel and
 * next_rand() in the host tests (vm/host/host_test.h). One word of state,
 * any seed is a good one, and the same seed replays the same sequence.
 */
#ifndef MANGO_SPLITMIX64_H_
#define MANGO_SPLITMIX64_H_

#include <mango/types.h>

/* splitmix64_next - advance *@state and return the next 64 random bits. */
static inline uint64_t splitmix64_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

#endif /* MANGO_SPLITMIX64_H_ */
