/*
 * ktest.c - running in-kernel tests and reporting them in KTAP version 1
 * on COM2 (see <mango/ktest.h> and docs/grading.md).
 *
 * The stream for `ktest=lib.*` looks like:
 *
 *   KTAP version 1
 *   # mango-ktest nonce=abc123 seed=42
 *   1..1
 *       KTAP version 1
 *       # Subtest: lib
 *       1..2
 *       ok 1 format_decimal
 *       # kernel/ktest/lib_tests.c:40: expected x == 3, got x = 4 (0x4), 3 = 3 (0x3)
 *       not ok 2 parse_hex
 *   not ok 1 lib
 *   # mango-ktest done: passed=1 failed=1 skipped=0
 *
 * Only this file writes to COM2; the console (COM1) gets a readable copy.
 */
#include <arch/io.h>
#include <arch/uart.h>
#include <mango/console.h>
#include <mango/format.h>
#include <mango/init.h>
#include <mango/ktest.h>
#include <mango/machine.h>
#include <mango/monitor.h>
#include <mango/panic.h>
#include <mango/param.h>
#include <mango/printk.h>
#include <mango/splitmix64.h>
#include <mango/string.h>

extern const struct ktest_case __ktests_start[], __ktests_end[];
extern const struct ktest_suite __ksuites_start[], __ksuites_end[];

KERNEL_PARAM(ktest, "ktest", "run the tests matching <glob>[,<glob>...] at boot, then power off");
KERNEL_PARAM(ktest_list, "ktest.list", "list the test cases (on the console and COM2), then power off");
KERNEL_PARAM(ktest_seed, "ktest.seed", "seed for randomized test cases (default: from the TSC)");
KERNEL_PARAM(ktest_nonce, "ktest.nonce", "token echoed in the KTAP header (set by the grader)");
KERNEL_PARAM(ktest_skip, "ktest.skip", "do not run the tests matching <glob>[,<glob>...]");
KERNEL_PARAM(ktest_flood, "ktest.flood", "end the machine (status 7) once the console passes <bytes> (set by the grader)");
KERNEL_PARAM(ktest_selftest, "ktest.selftest", "enable the harness self-test case selftest.<kind>");

#define LINE_MAX 320

static bool com2_ready;
static uint64_t seed;
static bool seed_chosen;
static struct ktest *current; /* the case running now, for ktest_on_panic */

/* Write a KTAP line to COM2 at @indent levels (4 spaces each). */
static void ktap(int indent, const char *fmt, ...) __printf(2, 3);
static void ktap(int indent, const char *fmt, ...)
{
	char line[LINE_MAX];
	va_list ap;

	if (!com2_ready)
		com2_ready = uart_init(COM2_BASE, false);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (int i = 0; i < indent * 4; i++)
		uart_putc(COM2_BASE, ' ');
	for (const char *p = line; *p; p++)
		uart_putc(COM2_BASE, *p);
	uart_putc(COM2_BASE, '\n');
}

/* Does @s match one of the comma-separated globs in @globs? */
static bool match_any(const char *globs, const char *s)
{
	char pat[128];

	while (globs && *globs) {
		size_t n = 0;
		while (globs[n] && globs[n] != ',')
			n++;
		if (n && n < sizeof(pat)) {
			memcpy(pat, globs, n);
			pat[n] = '\0';
			if (glob_match(pat, s))
				return true;
		}
		globs += n + (globs[n] == ',');
	}
	return false;
}

static const struct ktest_suite *suite_of(const struct ktest_case *c)
{
	for (const struct ktest_suite *s = __ksuites_start; s < __ksuites_end; s++)
		if (!strcmp(s->name, c->suite))
			return s;
	return NULL;
}

static void full_name(const struct ktest_case *c, char *buf, size_t size)
{
	snprintf(buf, size, "%s.%s", c->suite, c->name);
}

static bool visible(const struct ktest_case *c)
{
	const char *kind = param_get("ktest.selftest");
	if (!(c->flags & KTEST_F_SELFTEST))
		return true;
	/* selftest.pass and selftest.<kind> exist only in a self-test boot */
	return kind && (!strcmp(c->name, "pass") || !strcmp(c->name, kind));
}

static bool selected(const struct ktest_case *c, const char *globs)
{
	char name[96];
	full_name(c, name, sizeof(name));
	return visible(c) && match_any(globs, name);
}

static bool skipped_by_param(const struct ktest_case *c)
{
	char name[96];
	full_name(c, name, sizeof(name));
	return match_any(param_get("ktest.skip"), name);
}

/* Diagnostics go to both channels: KTAP for the grader, console for people. */
static void diag(struct ktest *kt, const char *fmt, ...) __printf(2, 3);
static void diag(struct ktest *kt, const char *fmt, ...)
{
	char line[LINE_MAX];
	va_list ap;

	if (kt->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ktap(1, "# %s", line);
	printk("    # %s\n", line);
}

static void failed(struct ktest *kt, bool fatal)
{
	kt->failures++;
	if (fatal && kt->in_case)
		longjmp(kt->abort, 1);
}

bool ktest_check_u64(struct ktest *kt, bool ok, uint64_t a, uint64_t b, const char *op,
		     const char *sa, const char *sb, const char *file, int line, bool fatal)
{
	if (ok)
		return true;
	diag(kt, "%s:%d: expected %s %s %s, got %s = %ld (0x%lx), %s = %ld (0x%lx)", file, line,
	     sa, op, sb, sa, (long)a, (unsigned long)a, sb, (long)b, (unsigned long)b);
	failed(kt, fatal);
	return false;
}

bool ktest_check_str(struct ktest *kt, const char *a, const char *b, const char *sa,
		     const char *sb, const char *file, int line, bool fatal)
{
	if (a && b && !strcmp(a, b))
		return true;
	diag(kt, "%s:%d: expected %s == %s, got \"%s\" and \"%s\"", file, line, sa, sb,
	     a ? a : "(null)", b ? b : "(null)");
	failed(kt, fatal);
	return false;
}

void ktest_fail(struct ktest *kt, const char *file, int line, bool fatal, const char *fmt, ...)
{
	char msg[LINE_MAX - 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag(kt, "%s:%d: %s", file, line, msg);
	failed(kt, fatal);
}

uint64_t ktest_rand(struct ktest *kt)
{
	return splitmix64_next(&kt->rng);
}

static uint64_t hash_name(const struct ktest_case *c)
{
	uint64_t h = 0xCBF29CE484222325ull; /* FNV-1a */
	for (const char *p = c->suite; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001B3ull;
	for (const char *p = c->name; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001B3ull;
	return h;
}

static void choose_seed(void)
{
	if (seed_chosen)
		return;
	seed = rdtsc() % 1000000;
	param_get_u64("ktest.seed", UINT64_MAX, &seed);
	seed_chosen = true;
}

bool ktest_leak_check(struct ktest *kt, const struct ktest_suite *s, size_t before)
{
	size_t after = s->count();

	if (after == before)
		return true;
	ktest_fail(kt, kt->c->file, kt->c->line, false, "leak check: %zu %s before the case, "
		   "%zu after", before, s->counted, after);
	return false;
}

/* Run one case; returns true if it passed. */
static bool run_case(const struct ktest_case *c)
{
	/* volatile: live across setjmp() */
	const struct ktest_suite *volatile s = suite_of(c);
	volatile bool counted = false;
	struct ktest kt = { .c = c, .rng = seed ^ hash_name(c) };

	current = &kt;
	kt.in_case = true;
	if (setjmp(kt.abort) == 0) {
		if (s && s->setup)
			s->setup(&kt);
		if (s && s->count) {
			kt.count_before = s->count();
			counted = true;
		}
		c->fn(&kt);
	}
	kt.in_case = false;
	if (s && s->teardown)
		s->teardown(&kt);
	if (counted)
		ktest_leak_check(&kt, s, kt.count_before);
	current = NULL;
	return kt.failures == 0;
}

unsigned ktest_run(const char *globs)
{
	unsigned nsuites = 0, nselected = 0, passed = 0, failures = 0, skipped = 0;
	const char *nonce = param_get("ktest.nonce"), *last = NULL;
	const struct ktest_case *c;

	ktest_selftest_before_run(param_get("ktest.selftest"));
	choose_seed();
	/* cases are sorted by suite, so a suite's selected cases are adjacent */
	for (c = __ktests_start; c < __ktests_end; c++) {
		if (!selected(c, globs))
			continue;
		nselected++;
		if (!last || strcmp(last, c->suite)) {
			nsuites++;
			last = c->suite;
		}
	}

	ktap(0, "KTAP version 1");
	ktap(0, "# mango-ktest nonce=%s seed=%lu", nonce ? nonce : "none", (unsigned long)seed);
	ktap(0, "1..%u", nsuites);
	printk("ktest: running %u case(s) matching '%s' (seed %lu)\n", nselected, globs,
	       (unsigned long)seed);

	c = __ktests_start;
	for (unsigned si = 1; si <= nsuites; si++) {
		const char *suite;
		unsigned n = 0, idx = 0, suite_failed = 0;

		while (!selected(c, globs))
			c++;
		suite = c->suite;
		for (const struct ktest_case *p = c; p < __ktests_end; p++)
			n += selected(p, globs) && !strcmp(p->suite, suite);
		ktap(1, "KTAP version 1");
		ktap(1, "# Subtest: %s", suite);
		ktap(1, "1..%u", n);
		for (; c < __ktests_end && idx < n; c++) {
			bool ok;
			if (!selected(c, globs) || strcmp(c->suite, suite))
				continue;
			idx++;
			if (skipped_by_param(c)) {
				ktap(1, "ok %u %s # SKIP ktest.skip", idx, c->name);
				skipped++;
				continue;
			}
			if ((c->flags & KTEST_F_PANICS) && nselected > 1) {
				ktap(1, "ok %u %s # SKIP expects a panic: run alone with ktest=%s.%s",
				     idx, c->name, suite, c->name);
				skipped++;
				continue;
			}
			printk("ktest: %s.%s\n", suite, c->name);
			ktap(1, "# start %s.%s", suite, c->name);
			if (c->flags & KTEST_F_PANICS)
				ktap(1, "# %s: expecting MANGO PANIC", c->name);
			ok = run_case(c);
			if (ok && (c->flags & KTEST_F_PANICS)) {
				ktap(1, "# %s:%d: expected a panic, but the case returned", c->file,
				     c->line);
				ok = false;
			}
			ktap(1, "%s %u %s", ok ? "ok" : "not ok", idx, c->name);
			printk("ktest: %s.%s %s\n", suite, c->name, ok ? "ok" : "FAILED");
			if (ok) {
				passed++;
			} else {
				failures++;
				suite_failed++;
			}
		}
		ktap(0, "%s %u %s", suite_failed ? "not ok" : "ok", si, suite);
	}
	ktap(0, "# mango-ktest done: passed=%u failed=%u skipped=%u", passed, failures, skipped);
	printk("ktest: %u passed, %u failed, %u skipped\n", passed, failures, skipped);
	return failures;
}

static void list_cases(void)
{
	char name[96];

	ktap(0, "# mango-ktest list");
	for (const struct ktest_case *c = __ktests_start; c < __ktests_end; c++) {
		if (!visible(c))
			continue;
		full_name(c, name, sizeof(name));
		ktap(0, "# case %s%s", name, (c->flags & KTEST_F_PANICS) ? " panics" : "");
		printk("%s%s\n", name, (c->flags & KTEST_F_PANICS) ? "   (expects a panic)" : "");
	}
	ktap(0, "# mango-ktest list end");
}

void ktest_boot(void)
{
	const char *globs = param_get("ktest");

	if (param_get("ktest.list")) {
		list_cases();
		if (!globs)
			machine_poweroff();
	}
	if (!globs)
		return;
	ktest_run(globs[0] ? globs : "*");
	machine_poweroff();
}

/* A panic ends the running case: say so on COM2 (a panic listener). */
static void ktest_on_panic(const char *marker_line)
{
	int n = (int)strlen(marker_line);

	if (!current)
		return;
	while (n > 0 && marker_line[n - 1] == '\n')
		n--;
	ktap(1, "# %.*s", n, marker_line);
	ktap(1, "# the case %s.%s ended in a panic", current->c->suite, current->c->name);
}

static struct panic_listener ktest_panic_listener = { .pl_notify = ktest_on_panic };

/* The console passed ktest.flood bytes: end the machine with the status
 * the grader reads as FLOOD (the case that was running is the one whose
 * "# start" line on COM2 has no result). */
static void ktest_flooded(void)
{
	machine_exit(MANGO_EXIT_FLOOD);
}

/* ktest registers itself: panic() tells it of a panic without naming it,
 * the console of a flood. */
static void ktest_init(void)
{
	uint64_t limit = 0;

	panic_listen(&ktest_panic_listener);
	if (param_get_u64("ktest.flood", UINT64_MAX, &limit) && limit)
		console_set_flood_limit(limit, ktest_flooded);
}
INITCALL(INIT_CORE, ktest_init);

static int cmd_ktest(int argc, char **argv)
{
	if (argc > 2)
		return monitor_usage(argv[0]);
	if (argc == 2 && !strcmp(argv[1], "list")) {
		list_cases();
		return 0;
	}
	return ktest_run(argc == 2 ? argv[1] : "*") ? 1 : 0;
}
MONITOR_COMMAND(ktest, "[glob[,glob...]|list]", "run in-kernel tests (all by default), or list them", cmd_ktest);
