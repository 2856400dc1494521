/*
 * printk.c - leveled kernel messages (see <mango/printk.h>).
 */
#include <arch/io.h>
#include <mango/console.h>
#include <mango/format.h>
#include <mango/printk.h>

#define PRINTK_BUF 512

static int console_level = LOG_INFO;


void printk_set_level(int level)
{
	console_level = level < LOG_EMERG ? LOG_EMERG : level > LOG_DEBUG ? LOG_DEBUG : level;
}

int printk_get_level(void)
{
	return console_level;
}

int vprintk(const char *fmt, va_list ap)
{
	char buf[PRINTK_BUF];
	int level = LOG_EMERG, n; /* no level: always shown */
	const char *prefix = "";
	bool was;

	const char *start = fmt;

	if (fmt[0] == KERN_SOH[0] && fmt[1] >= '0' && fmt[1] <= '7') {
		level = fmt[1] - '0';
		fmt += 2;
	}
	if (level > console_level)
		return 0;
	if (fmt != start && level <= LOG_ERR)
		prefix = "error: ";
	else if (level == LOG_WARNING)
		prefix = "warning: ";

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1; /* truncated: print what fits */

	/* one message at a time, even against an interrupt handler's printk */
	was = irq_save();
	while (*prefix)
		console_putc(*prefix++);
	console_write(buf, (size_t)n);
	irq_restore(was);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}
