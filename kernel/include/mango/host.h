/*
 * mango/host.h - the machine that kernel/'s portable parts (the object
 * model, locks, lib) expect, simulated on the host. Host builds
 * (-DMANGO_HOST: tests under ASan/UBSan, benchmarks) include this instead
 * of <arch/...> and the kernel's console; kernel/host/host.c holds what is
 * not inline. vm/host/host.h builds vm/'s machine on top of it.
 *
 * panic() flushes stdout (so a test's seed line is not lost when its
 * output is piped), prints the message with the kernel's marker and
 * aborts, so a test can run a case in a child process and expect that.
 */
#ifndef MANGO_HOST_H_
#define MANGO_HOST_H_

#ifndef MANGO_HOST
#error "<mango/host.h> is for host builds (-DMANGO_HOST) only"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mango/types.h>

/* A function named panic behind the macro of that name, as in the kernel
 * (<mango/panic.h>), so that gdb's `break panic` works on host tests too;
 * noinline: a real frame in each file that uses it. */
static __noreturn __printf(2, 3) __attribute__((noinline, unused)) void panic(const char *func,
										 const char *fmt, ...);
#define panic(...) panic(__func__, __VA_ARGS__)
static void (panic)(const char *func, const char *fmt, ...)
{
	va_list ap;
	fflush(NULL); /* what was printed before (a test's seed) survives a pipe */
	fprintf(stderr, "MANGO PANIC: %s: ", func);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define printk(...) printf(__VA_ARGS__)
#define pr_info(...) printf(__VA_ARGS__)
#define pr_warn(...) printf("warning: " __VA_ARGS__)

/* glibc before 2.38 has no strlcpy: host builds link kernel/lib/strlcpy.c */
size_t strlcpy(char *dst, const char *src, size_t size);

/* One thread, no interrupts: a section is atomic as it is. */
static inline bool irq_save(void)
{
	return false;
}

static inline void irq_restore(bool was)
{
	(void)was;
}

#endif /* MANGO_HOST_H_ */
