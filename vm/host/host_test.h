/*
 * host_test.h - what every host test shares: CHECK() (report and count a
 * failure, go on), a seeded generator (next_rand, splitmix64) so that a
 * failing run can be replayed with its seed, and the start and end of
 * main (host_test_begin/host_test_end: the seed printed, the verdict),
 * and expect_panic() (a case that must panic, run in a child).
 */
#ifndef MANGO_HOST_TEST_H_
#define MANGO_HOST_TEST_H_

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mango/splitmix64.h>

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

/* next_rand - the next number of the seeded sequence (splitmix64). */
static inline uint64_t next_rand(void)
{
	return splitmix64_next(&rng);
}

/* host_test_begin - a host test's main starts here: the seed is argv[1]
 * (default: the process id), printed with the command that replays it,
 * and seeds next_rand(). Returns the seed. */
static inline uint64_t host_test_begin(const char *name, int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : (uint64_t)getpid();

	printf("%s: seed %llu (replay: %s %llu)\n", name, (unsigned long long)seed, name,
	       (unsigned long long)seed);
	rng = seed;
	return seed;
}

/* host_test_end - print the verdict; returns main's exit status (1 if a
 * CHECK failed). */
static inline int host_test_end(const char *name)
{
	printf("%s: %s\n", name, failures ? "FAILED" : "all passed");
	return failures ? 1 : 0;
}

/* Run @fn in a child; it must die by abort() with @marker on stderr. */
static inline void expect_panic(const char *what, void (*fn)(void), const char *marker)
{
	int fds[2], status;
	char buf[512] = "";
	pid_t pid;

	if (pipe(fds) || (pid = fork()) < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		dup2(fds[1], 2);
		fn();
		_exit(0);
	}
	close(fds[1]);
	/* the child writes its message in several pieces: read to the end */
	size_t used = 0;
	ssize_t n;
	while (used < sizeof(buf) - 1 && (n = read(fds[0], buf + used, sizeof(buf) - 1 - used)) > 0)
		used += (size_t)n;
	buf[used] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && strstr(buf, marker), "%s: expected a panic with '%s', got: %s",
	      what, marker, buf);
}

#endif /* MANGO_HOST_TEST_H_ */
