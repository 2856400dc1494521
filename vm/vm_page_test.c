// LAB 1 FILE
/*
 * vm_page_test.c - Lab 1's in-kernel tests of the buddy allocator. The suite's
 * leak check (KTEST_SUITE_LEAK_CHECK) compares the free-page count after
 * each case with the one before it, so a case that leaks pages fails even
 * if everything else was right.
 */
#include <mango/ktest.h>
#include <mango/vm_arch.h>
#include <mango/vm_page.h>

#define MAX_RANGES 16

KTEST_SUITE_LEAK_CHECK(pages, NULL, vm_page_nr_free, "free pages");

KTEST(pages, initial_accounting)
{
	struct vm_page_stats st;
	size_t blocks = 0;

	vm_page_get_stats(&st);
	KT_ASSERT_GT(st.free, 0);
	KT_EXPECT_EQ(st.free + st.allocated + st.reserved, st.frames);
	for (int k = 0; k < VM_PAGE_NR_ORDERS; k++)
		blocks += st.free_blocks[k] << k;
	KT_EXPECT_EQ(blocks, st.free);
	vm_page_check();
}

/* Fill every free frame with 0xa5 (take every block, the largest first,
 * fill it, give them all back), so that a block handed out afterwards
 * reads as zero only if vm_page_alloc() zeroed it: RAM fresh from QEMU
 * is zero already. */
static void dirty_free_memory(void)
{
	struct queue held;
	struct queue_entry *e;
	struct vm_page *p;

	queue_init(&held);
	for (int k = VM_PAGE_MAX_ORDER; k >= 0; k--)
		while ((p = vm_page_alloc((enum vm_page_order)k, 0)) != NULL) {
			memset(vm_page_to_virt(p), 0xa5, vm_page_order_bytes((enum vm_page_order)k));
			queue_push_back(&held, &p->p_link);
		}
	while ((e = queue_pop_front(&held)) != NULL)
		vm_page_free(container_of(e, struct vm_page, p_link));
}

/* Expect the block of @bytes at @p to be all zero; reports the first
 * non-zero word (and goes on: the case still frees its blocks). */
static void expect_zeroed(struct ktest *kt, const struct vm_page *p, size_t bytes)
{
	const uint64_t *w = vm_page_to_virt(p);

	for (size_t i = 0; i < bytes / 8; i++)
		if (w[i]) {
			ktest_fail(kt, __FILE__, __LINE__, false, "block at 0x%lx (%zu bytes) is not "
				   "zeroed at byte %zu: 0x%lx", (unsigned long)vm_page_to_phys(p), bytes,
				   i * 8, (unsigned long)w[i]);
			return;
		}
}

KTEST(pages, every_order_distinct_aligned_zeroed)
{
	dirty_free_memory();
	for (unsigned k = 0; k <= VM_PAGE_MAX_ORDER; k++) {
		struct vm_page *a = vm_page_alloc((enum vm_page_order)k, VM_ALLOC_ZERO);
		struct vm_page *b = vm_page_alloc((enum vm_page_order)k, VM_ALLOC_ZERO);
		size_t bytes = vm_page_order_bytes((enum vm_page_order)k);

		KT_ASSERT_NOT_NULL(a);
		KT_ASSERT_NOT_NULL(b);
		KT_EXPECT_NE(vm_page_to_phys(a), vm_page_to_phys(b));
		KT_EXPECT_EQ(vm_page_to_phys(a) % bytes, 0);
		KT_EXPECT_EQ(vm_page_to_phys(b) % bytes, 0);
		/* the blocks do not overlap */
		KT_EXPECT_TRUE(vm_page_to_phys(a) + bytes <= vm_page_to_phys(b) ||
			       vm_page_to_phys(b) + bytes <= vm_page_to_phys(a));
		expect_zeroed(kt, a, bytes);
		expect_zeroed(kt, b, bytes);
		vm_page_free(a);
		vm_page_free(b);
		vm_page_check();
	}
}

KTEST(pages, split_then_merge_restores_the_largest_blocks)
{
	struct vm_page_stats before, after;
	struct vm_page *p;

	vm_page_get_stats(&before);
	KT_ASSERT_GT(before.free_blocks[VM_PAGE_MAX_ORDER], 0);
	p = vm_page_alloc(VM_PAGE_4K, 0);
	KT_ASSERT_NOT_NULL(p);
	vm_page_check();
	vm_page_free(p);
	vm_page_check();
	vm_page_get_stats(&after);
	for (int k = 0; k < VM_PAGE_NR_ORDERS; k++)
		KT_EXPECT_EQ(after.free_blocks[k], before.free_blocks[k]);
}

KTEST(pages, exhaustion_returns_null_and_free_restores)
{
	struct queue held;
	struct queue_entry *e;
	size_t before = vm_page_nr_free(), n = 0;
	struct vm_page *p;

	queue_init(&held);
	while ((p = vm_page_alloc(VM_PAGE_4K, 0)) != NULL) {
		queue_push_back(&held, &p->p_link);
		n++;
	}
	KT_EXPECT_EQ(n, before);
	KT_EXPECT_EQ(vm_page_nr_free(), 0);
	KT_EXPECT_NULL(vm_page_alloc(VM_PAGE_4K, 0));
	vm_page_check();
	while ((e = queue_pop_front(&held)) != NULL)
		vm_page_free(container_of(e, struct vm_page, p_link));
	vm_page_check();
	KT_EXPECT_EQ(vm_page_nr_free(), before);
}

KTEST(pages, reserved_frames_are_never_returned)
{
	phys_addr_t s[MAX_RANGES], e[MAX_RANGES];
	unsigned nr = vm_page_reserved_ranges(s, e, MAX_RANGES);
	struct queue held;
	struct queue_entry *q;
	struct vm_page *p;
	size_t n = 0;

	KT_ASSERT_GE(nr, 4); /* low memory, kernel, boot information, page array */
	queue_init(&held);
	while ((p = vm_page_alloc(VM_PAGE_4K, 0)) != NULL) {
		phys_addr_t pa_ = vm_page_to_phys(p);
		for (unsigned i = 0; i < nr; i++)
			if (pa_ >= s[i] && pa_ < e[i])
				KT_FAIL("frame 0x%lx is in reserved range [0x%lx, 0x%lx)",
					(unsigned long)pa_, (unsigned long)s[i], (unsigned long)e[i]);
		queue_push_back(&held, &p->p_link);
		n++;
	}
	KT_EXPECT_GT(n, 0);
	while ((q = queue_pop_front(&held)) != NULL)
		vm_page_free(container_of(q, struct vm_page, p_link));
}

KTEST(pages, random_sequences_keep_the_invariants)
{
	enum { SLOTS = 64, STEPS = 400 };
	struct vm_page *slot[SLOTS] = { 0 };
	size_t before = vm_page_nr_free();

	for (int step = 0; step < STEPS; step++) {
		unsigned i = (unsigned)(ktest_rand(kt) % SLOTS);
		if (slot[i]) {
			vm_page_free(slot[i]);
			slot[i] = NULL;
		} else {
			unsigned order = (unsigned)(ktest_rand(kt) % (VM_PAGE_MAX_ORDER + 1));
			slot[i] = vm_page_alloc((enum vm_page_order)order, 0);
			KT_EXPECT_NOT_NULL(slot[i]);
		}
		vm_page_check();
	}
	for (unsigned i = 0; i < SLOTS; i++)
		if (slot[i])
			vm_page_free(slot[i]);
	vm_page_check();
	KT_EXPECT_EQ(vm_page_nr_free(), before);
}

KTEST_PANICS(pages, double_free_is_caught)
{
	struct vm_page *p = vm_page_alloc(VM_PAGE_4K, 0);
	KT_ASSERT_NOT_NULL(p);
	vm_page_free(p);
	vm_page_free(p); /* must panic */
}
