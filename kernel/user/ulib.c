/*
 * ulib.c - system-call stubs and printf for user programs (<ulib.h>).
 */
#include <mango/format.h>
#include <ulib.h>

long syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

void exit(int status)
{
	syscall6(SYS_EXIT, status, 0, 0, 0, 0, 0);
	for (;;)
		__asm__ volatile("ud2"); /* exit does not return */
}

long write(const void *buf, size_t len)
{
	return syscall6(SYS_WRITE, (long)buf, (long)len, 0, 0, 0, 0);
}

long yield(void)
{
	return syscall6(SYS_YIELD, 0, 0, 0, 0, 0, 0);
}

long printf(const char *fmt, ...)
{
	char buf[ULIB_PRINTF_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 1;
	return write(buf, (size_t)n);
}

const char *status_name(long result)
{
	if (result >= 0)
		return "OK";
	return kern_status_name((kern_status_t)-result);
}
