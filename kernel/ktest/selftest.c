/*
 * selftest.c - deliberately broken test cases for testing the grader.
 *
 * Hidden unless the kernel is booted with ktest.selftest=<kind>, which
 * makes selftest.pass and selftest.<kind> visible. Each kind misbehaves in
 * one of the ways a student's kernel can, and grading/selftests checks
 * that the harness gives each the right verdict and no points.
 */
#include <arch/io.h>
#include <arch/uart.h>
#include <mango/ktest.h>
#include <mango/machine.h>
#include <mango/panic.h>
#include <mango/printk.h>
#include <mango/string.h>

#define SELFTEST(name) KTEST_DEFINE(selftest, name, KTEST_F_SELFTEST)

SELFTEST(pass)
{
	KT_EXPECT_EQ(1 + 1, 2);
}

SELFTEST(fail)
{
	int two = 2;
	KT_EXPECT_EQ(two + 1, 4); /* reported with file:line and both values */
}

SELFTEST(panic)
{
	panic("selftest: deliberate panic");
}

SELFTEST(hang)
{
	for (;;)
		irq_enable_and_halt(); /* alive (timer ticks) but never done */
}

SELFTEST(triple)
{
	machine_triple_fault();
}

SELFTEST(flood)
{
	for (unsigned long i = 0;; i++)
		printk("flood %lu: a student's debugging printk in a loop\n", i);
}

/* Writes a plausible KTAP stream claiming success, without the nonce the
 * grader chose, and powers off before the real results could be written. */
SELFTEST(forge)
{
	static const char forged[] = "KTAP version 1\n1..1\n    KTAP version 1\n"
				     "    # Subtest: selftest\n    1..2\n    ok 1 forge\n"
				     "    ok 2 pass\nok 1 selftest\n";
	for (const char *p = forged; *p; p++)
		uart_putc(COM2_BASE, *p);
	machine_poweroff();
}

/* ktest.selftest=boot-panic or boot-hang: the kernel dies or hangs before
 * ktest writes its first line, as a student's boot-time bug does. Called
 * by ktest_run() first thing; returns for every other kind. */
void ktest_selftest_before_run(const char *kind)
{
	if (kind && !strcmp(kind, "boot-panic"))
		panic("selftest: deliberate panic before the first case");
	if (kind && !strcmp(kind, "boot-hang"))
		for (;;)
			irq_enable_and_halt();
}
