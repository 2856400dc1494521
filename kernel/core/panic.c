/*
 * panic.c - stop the machine on a broken invariant (see <mango/panic.h>).
 *
 * Output order is part of the contract with the grader and with students:
 *   1. "MANGO PANIC: <function>: <reason>"   (always, even if 2 fails)
 *   2. "backtrace:" and one line per frame
 *   3. QEMU exits with status 3 (MANGO_EXIT_PANIC)
 * A panic while panicking prints a second marker line and exits at once.
 */
#include <arch/io.h>
#include <mango/backtrace.h>
#include <mango/console.h>
#include <mango/format.h>
#include <mango/ktest.h>
#include <mango/machine.h>
#include <mango/panic.h>
#include <mango/printk.h>
#include <mango/trap.h>

#define REASON_MAX 256

static volatile int panicking;

bool panic_in_progress(void)
{
	return panicking != 0;
}

/* Print the marker line, bypassing the log level; return false if this
 * is a nested panic, which has then already been reported. */
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
	ktest_on_panic(line + 1); /* without the leading newline */
	printk_set_level(LOG_DEBUG); /* everything from here on is shown */
	return true;
}

static void __noreturn finish(void)
{
	printk("QEMU exits with status %d (panic)\n", (MANGO_EXIT_PANIC << 1) | 1);
	machine_exit(MANGO_EXIT_PANIC);
}

/* The name in parentheses: not the panic() macro of <mango/panic.h>. */
void (panic)(const char *func, const char *fmt, ...)
{
	va_list ap;
	bool first;

	va_start(ap, fmt);
	first = begin(func, fmt, ap);
	va_end(ap);
	if (first)
		backtrace_print_from(BACKTRACE_NO_PC, (uintptr_t)__builtin_frame_address(0));
	finish();
}

void panic_trap(const char *func, const struct trap_frame *tf, const char *fmt, ...)
{
	va_list ap;
	bool first;

	va_start(ap, fmt);
	first = begin(func, fmt, ap);
	va_end(ap);
	if (first)
		backtrace_print_from(tf->rip, tf->rbp);
	finish();
}
