/*
 * host.h - the machine vm/ expects (see <mango/vm_arch.h>), simulated on the
 * host for tests under ASan/UBSan and for benchmarks.
 *
 * "Physical memory" is a host buffer, host_phys_base; physical address pa
 * is host_phys_base + pa. panic() flushes stdout (so a test's seed line
 * is not lost when its output is piped), prints the message with a
 * greppable marker and aborts, so a test can run a case in a child process
 * and expect that.
 */
#ifndef MANGO_VM_HOST_H_
#define MANGO_VM_HOST_H_

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mango/types.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)

extern unsigned char *host_phys_base;

static inline void *phys_to_virt(phys_addr_t pa)
{
	return host_phys_base + pa;
}

#define panic(...) host_panic(__func__, __VA_ARGS__)
static inline __noreturn __printf(2, 3) void host_panic(const char *func, const char *fmt, ...)
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

static inline bool irq_save(void)
{
	return false;
}

static inline void irq_restore(bool was)
{
	(void)was;
}

#endif /* MANGO_VM_HOST_H_ */
