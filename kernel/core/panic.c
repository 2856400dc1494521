/*
 * panic.c - stop the machine on a broken invariant (see <mango/panic.h>).
 *
 * Output order is part of the contract with the grader and with students:
 *   1. "MANGO PANIC: <function>: <reason>"   (always, even if 2 fails)
 *   2. "backtrace:" and one line per frame
 *   3. QEMU exits with status 3 (MANGO_EXIT_PANIC)
 * Between 1 and 2 the registered listeners hear of it (ktest reports the
 * marker line on COM2). A panic while panicking prints a second marker
 * line and exits at once.
 */
#include <arch/io.h>
#include <mango/backtrace.h>
#include <mango/console.h>
#include <mango/format.h>
#include <mango/machine.h>
#include <mango/panic.h>
#include <mango/printk.h>

#define REASON_MAX 256

static volatile int panicking;
static struct panic_listener *listeners, **listeners_tail = &listeners;

bool panic_in_progress(void)
{
	return panicking != 0;
}

void panic_listen(struct panic_listener *l)
{
	l->pl_next = NULL;
	*listeners_tail = l;
	listeners_tail = &l->pl_next;
}

/* Print the marker line, bypassing the log level, and tell the listeners;
 * return false if this is a nested panic, which has then been reported. */
static bool begin(const char *func, const char *fmt, va_list ap)
{
	char reason[REASON_MAX];
	char line[REASON_MAX + 64];
	int n;

	irq_disable();
	vsnprintf(reason, sizeof(reason), fmt, ap);
	n = snprintf(line, sizeof(line), "\n%s%s: %s: %s\n", PANIC_MARKER,
		     panicking ? " (nested)" : "", func ? func : "unknown",
		     reason);
	console_write(line, (size_t)MIN(n, (int)sizeof(line) - 1));
	if (panicking++)
		return false;
	for (struct panic_listener *l = listeners; l; l = l->pl_next)
		l->pl_notify(line + 1); /* without the leading newline */
	printk_set_level(LOG_DEBUG); /* everything from here on is shown */
	return true;
}

void panic_vfrom(const char *func, uintptr_t pc, uintptr_t fp, const char *fmt, va_list ap)
{
	if (begin(func, fmt, ap))
		backtrace_print_from(pc, fp);
	printk("QEMU exits with status %d (panic)\n", (MANGO_EXIT_PANIC << 1) | 1);
	machine_exit(MANGO_EXIT_PANIC);
}

/* The name in parentheses: not the panic() macro of <mango/panic.h>. */
void (panic)(const char *func, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	panic_vfrom(func, BACKTRACE_NO_PC, (uintptr_t)__builtin_frame_address(0), fmt, ap);
}
