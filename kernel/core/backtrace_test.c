/*
 * backtrace_test.c - Lab 0's in-kernel tests: the frame-pointer walk and
 * symbolization (kernel/core/backtrace.c, kernel/core/ksyms.c).
 */
#include <arch/mmu.h>
#include <mango/backtrace.h>
#include <mango/ksyms.h>
#include <mango/ktest.h>
#include <mango/string.h>

void kmain(uint32_t magic, phys_addr_t mbi);
extern char __text_end[];
extern char boot_stack_guard[]; /* boot.S: the unmapped page below the boot stack */
/* the symbol table's layout (kernel/core/ksyms.c) */
extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addrs[];
extern const uint32_t ksyms_name_offsets[];
extern const char ksyms_names[];

/* Name of the function a return address returns into. */
static const char *caller_name(uintptr_t ret)
{
	uintptr_t off;
	return ksym_lookup(ret - 1, &off);
}

static __attribute__((noinline)) int walk_from_here(uintptr_t *pcs, int max)
{
	return backtrace_walk((uintptr_t)__builtin_frame_address(0), pcs, max);
}

KTEST(backtrace, first_frame_is_the_caller)
{
	uintptr_t pcs[BACKTRACE_MAX];
	int n = walk_from_here(pcs, BACKTRACE_MAX);

	KT_ASSERT_GE(n, 1);
	KT_EXPECT_STREQ(caller_name(pcs[0]), "ktest_fn_backtrace_first_frame_is_the_caller");
}

KTEST(backtrace, walk_reaches_kmain_and_stops)
{
	uintptr_t pcs[BACKTRACE_MAX];
	int n = walk_from_here(pcs, BACKTRACE_MAX), kmain_at = -1;

	for (int i = 0; i < n; i++)
		if (caller_name(pcs[i]) && !strcmp(caller_name(pcs[i]), "kmain"))
			kmain_at = i;
	KT_ASSERT_GE(kmain_at, 1);
	/* the chain ends at the frame boot.S set up: at most one frame past kmain */
	KT_EXPECT_LE(n, kmain_at + 2);
	KT_EXPECT_LT(n, BACKTRACE_MAX);
}

KTEST(backtrace, zero_frame_pointer_is_the_end)
{
	uintptr_t pcs[4];
	KT_EXPECT_EQ(backtrace_walk(0, pcs, 4), 0);
	/* and a real frame pointer is not the end */
	KT_EXPECT_EQ(walk_from_here(pcs, 1), 1);
}

KTEST(backtrace, respects_max)
{
	uintptr_t pcs[BACKTRACE_MAX];
	KT_EXPECT_EQ(walk_from_here(pcs, 2), 2);
	KT_EXPECT_EQ(walk_from_here(pcs, 0), 0);
}

/* A fake chain of frames on this stack, to test robustness. */
struct fake {
	struct stack_frame f[3];
};

KTEST(backtrace, stops_at_unmapped_frame)
{
	struct fake s = { .f = {
		{ .next = (const struct stack_frame *)0xdead000, .ret = (uintptr_t)kmain + 1 },
	} };
	uintptr_t pcs[4], guard = (uintptr_t)boot_stack_guard;
	KT_EXPECT_EQ(backtrace_walk((uintptr_t)&s.f[0], pcs, 4), 1);
	KT_EXPECT_FALSE(mmu_is_mapped((const void *)0xdead000));
	/* kernel-half frames: one on the unmapped guard page, and one whose
	 * saved %rbp is the last word of a mapped page and whose return
	 * address would be the guard page's first word */
	KT_ASSERT_FALSE(mmu_is_mapped((const void *)guard));
	KT_ASSERT_TRUE(mmu_is_mapped((const void *)(guard - 8)));
	KT_EXPECT_EQ(backtrace_walk(guard, pcs, 4), 0);
	KT_EXPECT_EQ(backtrace_walk(guard - 8, pcs, 4), 0);
}

KTEST(backtrace, stops_at_misaligned_frame)
{
	/* f[1] and f[2] are a good chain, so that the words read from a
	 * misaligned pointer into them look like a frame too */
	struct fake s = { .f = {
		{ .next = (const struct stack_frame *)((uintptr_t)&s.f[1] + 3), .ret = (uintptr_t)kmain + 1 },
		{ .next = &s.f[2], .ret = (uintptr_t)kmain + 2 },
		{ .next = NULL, .ret = (uintptr_t)kmain + 3 },
	} };
	uintptr_t pcs[4];
	KT_EXPECT_EQ(backtrace_walk((uintptr_t)&s.f[0], pcs, 4), 1);
	KT_EXPECT_EQ(backtrace_walk((uintptr_t)&s.f[1] + 4, pcs, 4), 0);
	/* while the aligned chain is followed to its end */
	KT_EXPECT_EQ(backtrace_walk((uintptr_t)&s.f[1], pcs, 4), 2);
}

KTEST(backtrace, stops_at_a_loop)
{
	struct fake s;
	uintptr_t pcs[8];
	s.f[0].next = &s.f[1];
	s.f[0].ret = (uintptr_t)kmain + 1;
	s.f[1].next = &s.f[0]; /* points back down: not a caller's frame */
	s.f[1].ret = (uintptr_t)kmain + 2;
	KT_EXPECT_EQ(backtrace_walk((uintptr_t)&s.f[0], pcs, 8), 2);
	s.f[1].next = &s.f[1]; /* points at itself: not strictly greater either */
	KT_EXPECT_EQ(backtrace_walk((uintptr_t)&s.f[0], pcs, 8), 2);
}

KTEST(backtrace, non_canonical_frame_is_rejected)
{
	uintptr_t pcs[4];
	KT_EXPECT_EQ(backtrace_walk(0x8000000000000000ull, pcs, 4), 0);
	KT_EXPECT_EQ(backtrace_walk(0x1000, pcs, 4), 0);
	/* while a kernel-half frame pointer is followed */
	KT_EXPECT_EQ(walk_from_here(pcs, 4), 4);
}

KTEST(ksyms, lookup_finds_function_and_offset)
{
	uintptr_t off = 99;
	KT_EXPECT_STREQ(ksym_lookup((uintptr_t)kmain, &off), "kmain");
	KT_EXPECT_EQ(off, 0);
	KT_EXPECT_STREQ(ksym_lookup((uintptr_t)kmain + 5, &off), "kmain");
	KT_EXPECT_EQ(off, 5);
}

KTEST(ksyms, lookup_outside_the_kernel_fails)
{
	uintptr_t off;
	KT_EXPECT_NULL(ksym_lookup(0x1000, &off));
	KT_EXPECT_NULL(ksym_lookup(UINTPTR_MAX, &off));
	/* the first byte past the last function belongs to none either */
	KT_EXPECT_NULL(ksym_lookup((uintptr_t)__text_end, &off));
	KT_EXPECT_NOT_NULL(ksym_lookup((uintptr_t)kmain, &off));
}

KTEST(ksyms, address_by_name)
{
	/* the first and the last entry of the table are found too */
	uint64_t first = 0, last = ksyms_count - 1;

	KT_EXPECT_EQ(ksym_address("kmain"), (uintptr_t)kmain);
	KT_EXPECT_EQ(ksym_address(ksyms_names + ksyms_name_offsets[first]), ksyms_addrs[first]);
	/* (a static function's name may be in the table twice: found is enough) */
	KT_EXPECT_NE(ksym_address(ksyms_names + ksyms_name_offsets[last]), 0);
	KT_EXPECT_EQ(ksym_address("no_such_function_anywhere"), 0);
	KT_EXPECT_GT(ksym_count(), 100);
}
