/*
 * ktest_test.c - the test framework tested by itself: passing checks do not
 * count as failures, a fatal check ends the case, random numbers are
 * reproducible, setup and teardown run around each case, the leak check
 * compares a count before and after.
 */
#include <mango/ktest.h>
#include <mango/panic.h>
#include <mango/string.h>

static unsigned setups, teardowns;

static void count_setup(struct ktest *kt)
{
	(void)kt;
	setups++;
}

static void count_teardown(struct ktest *kt)
{
	(void)kt;
	teardowns++;
}

/* The leak check (KTEST_SUITE_LEAK_CHECK's fixture) counts these: no
 * case changes them for good, so every case passes it. */
static size_t things = 5, things_counted;

static size_t count_things(void)
{
	things_counted++;
	return things;
}

KTEST_SUITE_HOOKS(ktest, .setup = count_setup, .teardown = count_teardown, .count = count_things,
		  .counted = "things");

KTEST(ktest, checks_that_pass_are_silent)
{
	KT_EXPECT_EQ(2 + 2, 4);
	KT_EXPECT_NE(1, 2);
	KT_EXPECT_LT(1, 2);
	KT_EXPECT_GE(2, 2);
	KT_EXPECT_TRUE(1);
	KT_EXPECT_FALSE(0);
	KT_EXPECT_NULL(NULL);
	KT_EXPECT_STREQ("mango", "mango");
	KT_ASSERT_EQ(kt->failures, 0);
}

KTEST(ktest, failed_check_is_counted_and_reported)
{
	/* fail checks against a scratch state so that this case still passes */
	struct ktest scratch = { .c = kt->c, .quiet = true };

	KT_EXPECT_FALSE(ktest_check_u64(&scratch, 1 == 2, 1, 2, "==", "1", "2", __FILE__,
					__LINE__, false));
	KT_EXPECT_FALSE(ktest_check_str(&scratch, "a", "b", "a", "b", __FILE__, __LINE__, false));
	KT_EXPECT_EQ(scratch.failures, 2);
	KT_EXPECT_EQ(kt->failures, 0);
}

KTEST(ktest, fatal_check_ends_the_case)
{
	struct ktest scratch = { .c = kt->c, .in_case = true, .quiet = true };
	volatile bool reached = false;

	if (setjmp(scratch.abort) == 0) {
		ktest_check_u64(&scratch, false, 1, 2, "==", "1", "2", __FILE__, __LINE__, true);
		reached = true;
	}
	KT_EXPECT_FALSE(reached);
	KT_EXPECT_EQ(scratch.failures, 1);
}

KTEST(ktest, rand_is_reproducible)
{
	struct ktest a = { .rng = 42 }, b = { .rng = 42 };
	uint64_t x = ktest_rand(&a);
	KT_EXPECT_EQ(x, ktest_rand(&b));
	KT_EXPECT_NE(x, ktest_rand(&a));
}

KTEST(ktest, setup_and_teardown_run_around_cases)
{
	/* this case's own setup ran; every earlier case in the suite was torn down */
	KT_EXPECT_EQ(setups, teardowns + 1);
	KT_EXPECT_GE(setups, 1);
}

/* Passes only by panicking; runs only when selected alone (ktest=ktest.panic_is_expected). */
KTEST_PANICS(ktest, panic_is_expected)
{
	panic("ktest: this case is meant to panic");
}

KTEST(ktest, signed_values_compare_as_signed)
{
	long minus_one = -1;
	size_t big = ~(size_t)0;
	KT_EXPECT_LT(minus_one, 0);
	KT_EXPECT_GT(0, minus_one);
	KT_EXPECT_GT(big, 0); /* unsigned stays unsigned */
}

KTEST(ktest, leak_check_counts_before_the_case)
{
	KT_EXPECT_EQ(kt->count_before, 5);
	KT_EXPECT_GE(things_counted, 1);
}

KTEST(ktest, leak_check_fails_a_changed_count)
{
	const struct ktest_suite s = { .name = "scratch", .count = count_things, .counted = "things" };
	struct ktest scratch = { .c = kt->c, .quiet = true };

	KT_EXPECT_TRUE(ktest_leak_check(&scratch, &s, 5));
	KT_EXPECT_EQ(scratch.failures, 0);
	things = 6; /* a "leak", seen by the scratch check only */
	KT_EXPECT_FALSE(ktest_leak_check(&scratch, &s, 5));
	things = 5;
	KT_EXPECT_EQ(scratch.failures, 1);
}
