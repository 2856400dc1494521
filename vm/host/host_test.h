/*
 * host_test.h - what every host test shares: CHECK() (report and count a
 * failure, go on), and a seeded splitmix64 generator so that a failing run
 * can be replayed with its seed.
 */
#ifndef MANGO_HOST_TEST_H_
#define MANGO_HOST_TEST_H_

#include <stdint.h>
#include <stdio.h>

static int failures __attribute__((unused));

#define CHECK(cond, ...)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                      \
			fputc('\n', stderr);                                               \
			failures++;                                                        \
		}                                                                          \
	} while (0)

static uint64_t rng;

static uint64_t next_rand(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

#endif /* MANGO_HOST_TEST_H_ */
