/*
 * mango/ktest.h - in-kernel unit tests, reported in KTAP on COM2.
 *
 *     KTEST(lib, parse_hex)
 *     {
 *             uint64_t v;
 *             KT_ASSERT_TRUE(parse_u64("0x10", &v, false));
 *             KT_EXPECT_EQ(v, 16);
 *     }
 *
 * A case is registered in a linker section (sorted by suite, then name) and
 * runs with `ktest=<glob>[,<glob>...]` on the kernel command line (the
 * machine powers off afterwards) or `ktest [glob]` at the monitor.
 * KT_EXPECT_* records a failure with file:line and both values and goes
 * on; KT_ASSERT_* does the same and ends the case. Two signed integers
 * compare as signed, anything else as uint64_t. Every case should also
 * check something that a stub cannot satisfy (check-labs fails a test
 * that a stub passes). Results go to COM2 in
 * KTAP version 1, with diagnostics echoed on the console.
 *
 * Parameters: ktest=<globs>, ktest.list, ktest.seed=<n> (for ktest_rand;
 * the seed used is always printed), ktest.nonce=<token> (echoed in the
 * KTAP header so the grader can tell real results from forged ones),
 * ktest.skip=<globs> (cases not to run).
 *
 * A case that must end in a panic (a caught double free, say) is declared
 * with KTEST_PANICS; it runs only when it is the only case selected.
 */
#ifndef MANGO_KTEST_H_
#define MANGO_KTEST_H_

#include <mango/setjmp.h>
#include <mango/types.h>

#define KTEST_F_PANICS 0x1u   /* passes only by panicking */
#define KTEST_F_SELFTEST 0x2u /* harness self-test; hidden unless ktest.selftest */

struct ktest;

struct ktest_case {
	const char *suite;
	const char *name;
	void (*fn)(struct ktest *kt);
	unsigned flags;
	const char *file;
	int line;
};

struct ktest_suite {
	const char *name;
	void (*setup)(struct ktest *kt);    /* before each case; may KT_ASSERT */
	void (*teardown)(struct ktest *kt); /* after each case, even a failed one */
	size_t (*count)(void);  /* leak check: the same before and after a case */
	const char *counted;    /* what count() counts, for the failure message */
};

/* The running case's state: passed to every case as `kt`. */
struct ktest {
	const struct ktest_case *c;
	unsigned failures;
	uint64_t rng;   /* ktest_rand() state */
	jmp_buf abort;  /* where KT_ASSERT_* jumps */
	bool in_case;
	bool quiet;     /* count failures without reporting them (self-tests) */
	size_t count_before; /* the suite's count() as the case began (leak check) */
};

#define KTEST_DEFINE(suite_, name_, flags_)                                          \
	static void ktest_fn_##suite_##_##name_(struct ktest *kt);                   \
	static const struct ktest_case ktest_case_##suite_##_##name_                 \
		__section("mango_ktests." #suite_ "." #name_) __used __aligned(8) = { \
			.suite = #suite_, .name = #name_,                            \
			.fn = ktest_fn_##suite_##_##name_, .flags = flags_,          \
			.file = __FILE__, .line = __LINE__ };                        \
	static void ktest_fn_##suite_##_##name_(struct ktest *kt __unused)

#define KTEST(suite, name) KTEST_DEFINE(suite, name, 0)
#define KTEST_PANICS(suite, name) KTEST_DEFINE(suite, name, KTEST_F_PANICS)

/* KTEST_SUITE_HOOKS(name, .field = value, ...): a suite's hooks (struct
 * ktest_suite); one per suite. The two forms below are the usual ones. */
#define KTEST_SUITE_HOOKS(suite_, ...)                                             \
	static const struct ktest_suite ktest_suite_##suite_                       \
		__section("mango_ksuites." #suite_) __used __aligned(8) = {         \
			.name = #suite_, __VA_ARGS__ }

/* KTEST_SUITE(name, setup, teardown): optional hooks for a suite. */
#define KTEST_SUITE(suite_, setup_, teardown_) \
	KTEST_SUITE_HOOKS(suite_, .setup = setup_, .teardown = teardown_)

/*
 * KTEST_SUITE_LEAK_CHECK(name, setup, count, "what"): the shared fixture
 * of suites whose cases must give back what they take. After @setup (may
 * be NULL; a warm-up, say) count() is read into kt->count_before; after
 * the case, even a failed one, it must read the same, or the case fails
 * with "leak check: N <what> before the case, M after".
 *
 *     KTEST_SUITE_LEAK_CHECK(pages, NULL, vm_page_nr_free, "free pages");
 */
#define KTEST_SUITE_LEAK_CHECK(suite_, setup_, count_, what_) \
	KTEST_SUITE_HOOKS(suite_, .setup = setup_, .count = count_, .counted = what_)

/* Reporting (use the macros below). Return whether the check passed. */
bool ktest_check_u64(struct ktest *kt, bool ok, uint64_t a, uint64_t b, const char *op,
		     const char *sa, const char *sb, const char *file, int line, bool fatal);
bool ktest_check_str(struct ktest *kt, const char *a, const char *b, const char *sa,
		     const char *sb, const char *file, int line, bool fatal);
void ktest_fail(struct ktest *kt, const char *file, int line, bool fatal, const char *fmt, ...)
	__printf(5, 6);

/* Signed integer types compare as signed (when both sides are), all else
 * as uint64_t, as C itself would for mixed operands. */
#define KT__SIGNED(x) _Generic((x), signed char: 1, short: 1, int: 1, long: 1, long long: 1, \
			       default: 0)
/* @sa and @sb: the operands as the test wrote them, stringized by the
 * KT_ macros themselves, so a message shows `TWO_M`, not its expansion. */
#define KT__CMP(a, op, b, sa, sb, fatal)                                             \
	({                                                                           \
		uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b);                     \
		bool _ok = (KT__SIGNED(a) && KT__SIGNED(b)) ? (int64_t)_a op (int64_t)_b \
							      : _a op _b;            \
		ktest_check_u64(kt, _ok, _a, _b, #op, sa, sb, __FILE__, __LINE__, fatal); \
	})

#define KT_EXPECT_EQ(a, b) KT__CMP(a, ==, b, #a, #b, false)
#define KT_EXPECT_NE(a, b) KT__CMP(a, !=, b, #a, #b, false)
#define KT_EXPECT_LT(a, b) KT__CMP(a, <, b, #a, #b, false)
#define KT_EXPECT_LE(a, b) KT__CMP(a, <=, b, #a, #b, false)
#define KT_EXPECT_GT(a, b) KT__CMP(a, >, b, #a, #b, false)
#define KT_EXPECT_GE(a, b) KT__CMP(a, >=, b, #a, #b, false)
#define KT_EXPECT_TRUE(c) KT__CMP(!!(c), ==, 1, "!!(" #c ")", "1", false)
#define KT_EXPECT_FALSE(c) KT__CMP(!!(c), ==, 0, "!!(" #c ")", "0", false)
#define KT_EXPECT_NULL(p) KT__CMP((uintptr_t)(p), ==, 0, "(uintptr_t)(" #p ")", "0", false)
#define KT_EXPECT_NOT_NULL(p) KT__CMP((uintptr_t)(p), !=, 0, "(uintptr_t)(" #p ")", "0", false)
#define KT_EXPECT_STREQ(a, b) ktest_check_str(kt, a, b, #a, #b, __FILE__, __LINE__, false)

#define KT_ASSERT_EQ(a, b) KT__CMP(a, ==, b, #a, #b, true)
#define KT_ASSERT_NE(a, b) KT__CMP(a, !=, b, #a, #b, true)
#define KT_ASSERT_LT(a, b) KT__CMP(a, <, b, #a, #b, true)
#define KT_ASSERT_LE(a, b) KT__CMP(a, <=, b, #a, #b, true)
#define KT_ASSERT_GT(a, b) KT__CMP(a, >, b, #a, #b, true)
#define KT_ASSERT_GE(a, b) KT__CMP(a, >=, b, #a, #b, true)
#define KT_ASSERT_TRUE(c) KT__CMP(!!(c), ==, 1, "!!(" #c ")", "1", true)
#define KT_ASSERT_FALSE(c) KT__CMP(!!(c), ==, 0, "!!(" #c ")", "0", true)
#define KT_ASSERT_NULL(p) KT__CMP((uintptr_t)(p), ==, 0, "(uintptr_t)(" #p ")", "0", true)
#define KT_ASSERT_NOT_NULL(p) KT__CMP((uintptr_t)(p), !=, 0, "(uintptr_t)(" #p ")", "0", true)
#define KT_ASSERT_STREQ(a, b) ktest_check_str(kt, a, b, #a, #b, __FILE__, __LINE__, true)

#define KT_FAIL(...) ktest_fail(kt, __FILE__, __LINE__, true, __VA_ARGS__)

/* ktest_rand - deterministic per case: from ktest.seed and the case name. */
uint64_t ktest_rand(struct ktest *kt);

/* ktest_leak_check - the leak check's comparison: true if @s's count()
 * still reads @before; otherwise a failure of @kt's case, reported. */
bool ktest_leak_check(struct ktest *kt, const struct ktest_suite *s, size_t before);

/* ktest_boot - act on ktest= / ktest.list at boot (may power off). */
void ktest_boot(void);

/* ktest_selftest_before_run - the grader's self-tests of a kernel that
 * dies or hangs before the first case (kernel/ktest/selftest.c): panics
 * for @kind "boot-panic", never returns for "boot-hang", else returns. */
void ktest_selftest_before_run(const char *kind);

/* ktest_run - run the cases matching @globs (comma-separated); returns the
 * number of failed cases. */
unsigned ktest_run(const char *globs);

#endif /* MANGO_KTEST_H_ */
