// LAB 3 FILE
/*
 * vm_object_test.c - Lab 3's in-kernel tests. The suite's setup warms up
 * kmalloc (whose slab pages are kept) and its leak check
 * (KTEST_SUITE_LEAK_CHECK) that every case gave back exactly the page
 * frames it took.
 */
#include <mango/ktest.h>
#include <mango/vm_object.h>
#include <mango/vm_arch.h>

/* vm_object_get_page() under the lock its contract asks for. */
static struct vm_page *page_at(struct vm_object *vo, off_t offset)
{
	struct vm_page *p;

	if (!vo)
		return vm_object_get_page(NULL, offset);
	vm_object_lock(vo);
	p = vm_object_get_page(vo, offset);
	vm_object_unlock(vo);
	return p;
}

/* Before the count: the first object takes a page for kmalloc's slab,
 * which is kept, so make that happen outside the cases. */
static void vmo_warm_up(struct ktest *kt)
{
	(void)kt;
	vm_object_put(vm_object_create("warm-up", PAGE_SIZE, VM_PROT_READ));
}

KTEST_SUITE_LEAK_CHECK(vmo, vmo_warm_up, vm_page_nr_free, "free pages");

KTEST(vmo, create_rounds_and_allocates_nothing)
{
	struct vm_object *vo = vm_object_create("round", 5000, VM_PROT_READ | VM_PROT_WRITE);

	KT_ASSERT_NOT_NULL(vo);
	KT_EXPECT_EQ(vo->vo_size, 8192);
	KT_EXPECT_EQ(btree_count(&vo->vo_pages), 0);
	KT_EXPECT_EQ(vm_page_nr_free(), kt->count_before);
	for (off_t off = 0; off < 8192; off += 512)
		KT_EXPECT_NULL(page_at(vo, off));
	vm_object_check(vo);
	vm_object_put(vo);
}

KTEST(vmo, names_and_protections_as_given)
{
	struct vm_object *vo = vm_object_create("stack", PAGE_SIZE, VM_PROT_READ | VM_PROT_USER);
	char longest[VM_OBJECT_NAME_MAX];
	struct vm_object *named;

	KT_ASSERT_NOT_NULL(vo);
	KT_EXPECT_STREQ(vo->vo_name, "stack");
	KT_EXPECT_EQ(vo->vo_prot, VM_PROT_READ | VM_PROT_USER);
	KT_EXPECT_EQ(vo->vo_flags & VMO_IN_PLACE, 0);
	KT_EXPECT_TRUE(vm_object_find("stack") == vo);
	vm_object_put(vo);
	KT_EXPECT_NULL(vm_object_find("stack"));
	/* the longest name that fits (VM_OBJECT_NAME_MAX - 1 bytes) is kept whole */
	for (size_t i = 0; i < VM_OBJECT_NAME_MAX - 1; i++)
		longest[i] = (char)('a' + i % 26);
	longest[VM_OBJECT_NAME_MAX - 1] = '\0';
	named = vm_object_create(longest, PAGE_SIZE, VM_PROT_READ);
	KT_ASSERT_NOT_NULL(named);
	KT_EXPECT_STREQ(named->vo_name, longest);
	KT_EXPECT_TRUE(vm_object_find(longest) == named);
	vm_object_put(named);
}

/* Write 0xa5 over a few frames and free them (the allocator poisons them
 * on top), so that the next pages handed out were used before: RAM
 * fresh from QEMU is zero, and a missing VM_ALLOC_ZERO would not show. */
static void dirty_some_frames(void)
{
	struct vm_page *held[8];

	for (unsigned i = 0; i < ARRAY_SIZE(held); i++) {
		held[i] = vm_page_alloc(VM_PAGE_4K, 0);
		if (held[i])
			memset(vm_page_to_virt(held[i]), 0xa5, PAGE_SIZE);
	}
	for (unsigned i = ARRAY_SIZE(held); i-- > 0;)
		if (held[i])
			vm_page_free(held[i]);
}

KTEST(vmo, alloc_page_zeroed_and_idempotent)
{
	struct vm_object *vo = vm_object_create("data", 4 * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
	struct vm_page *p, *again;
	uint64_t *mem;

	KT_ASSERT_NOT_NULL(vo);
	dirty_some_frames();
	p = vm_object_alloc_page(vo, PAGE_SIZE, VM_PAGE_4K);
	KT_ASSERT_NOT_NULL(p);
	KT_EXPECT_EQ(p->p_vmo_offset, PAGE_SIZE);
	mem = vm_page_to_virt(p);
	for (size_t i = 0; i < PAGE_SIZE / 8; i++)
		if (mem[i]) {
			KT_FAIL("new page not zeroed at byte %zu", i * 8);
			break;
		}
	mem[0] = 0x6d616e676f;
	again = vm_object_alloc_page(vo, PAGE_SIZE, VM_PAGE_4K);
	KT_EXPECT_TRUE(again == p);
	KT_EXPECT_EQ(mem[0], 0x6d616e676f); /* not re-zeroed */
	KT_EXPECT_TRUE(page_at(vo, PAGE_SIZE + 100) == p);
	KT_EXPECT_NULL(page_at(vo, 0));
	KT_EXPECT_EQ(vm_page_nr_free(), kt->count_before - 1);
	vm_object_check(vo);
	vm_object_put(vo);
}

KTEST(vmo, mixed_orders_and_a_large_page_covers_its_offsets)
{
	const size_t two_m = vm_page_order_bytes(VM_PAGE_2M);
	struct vm_object *vo = vm_object_create("mixed", 4 * two_m, VM_PROT_READ);
	struct vm_page *big, *small, *p;

	KT_ASSERT_NOT_NULL(vo);
	big = vm_object_alloc_page(vo, (off_t)two_m, VM_PAGE_2M);
	small = vm_object_alloc_page(vo, 0, VM_PAGE_4K);
	KT_ASSERT_NOT_NULL(big);
	KT_ASSERT_NOT_NULL(small);
	for (off_t off = (off_t)two_m; off < (off_t)(2 * two_m); off += 4099)
		KT_EXPECT_TRUE(page_at(vo, off) == big);
	KT_EXPECT_NULL(page_at(vo, (off_t)(2 * two_m)));
	KT_EXPECT_NULL(page_at(vo, PAGE_SIZE));
	/* overlaps with a page of another size are refused, naming the page */
	KT_EXPECT_EQ(vm_object_alloc_page_status(vo, (off_t)two_m + PAGE_SIZE, VM_PAGE_4K, &p), KERN_EXISTS);
	KT_EXPECT_TRUE(p == big);
	KT_EXPECT_EQ(vm_object_alloc_page_status(vo, 0, VM_PAGE_2M, &p), KERN_EXISTS);
	KT_EXPECT_TRUE(p == small);
	KT_EXPECT_EQ(btree_count(&vo->vo_pages), 2);
	/* a smaller page that starts inside a new large one is an overlap too */
	small = vm_object_alloc_page(vo, (off_t)(2 * two_m) + PAGE_SIZE, VM_PAGE_4K);
	KT_ASSERT_NOT_NULL(small);
	KT_EXPECT_EQ(vm_object_alloc_page_status(vo, (off_t)(2 * two_m), VM_PAGE_2M, &p), KERN_EXISTS);
	KT_EXPECT_TRUE(p == small);
	KT_EXPECT_EQ(btree_count(&vo->vo_pages), 3);
	vm_object_check(vo);
	vm_object_put(vo);
}

KTEST(vmo, bad_arguments_come_back_as_statuses)
{
	char long_name[VM_OBJECT_NAME_MAX + 1];
	struct vm_object *vo = vm_object_create("args", 4 * PAGE_SIZE, VM_PROT_READ);
	struct vm_page *p;

	for (size_t i = 0; i < VM_OBJECT_NAME_MAX; i++)
		long_name[i] = 'n';
	long_name[VM_OBJECT_NAME_MAX] = '\0';
	KT_EXPECT_NULL(vm_object_create(NULL, PAGE_SIZE, VM_PROT_READ));
	KT_EXPECT_NULL(vm_object_create(long_name, PAGE_SIZE, VM_PROT_READ));
	KT_EXPECT_NULL(vm_object_create("zero", 0, VM_PROT_READ));
	KT_EXPECT_NULL(vm_object_create("huge", SIZE_MAX, VM_PROT_READ));
	KT_EXPECT_NULL(vm_object_create("prot", PAGE_SIZE, (enum vm_prot)0x100));
	KT_EXPECT_NULL(vm_object_create_in_place("odd", 0x100123, PAGE_SIZE, VM_PROT_READ));
	KT_ASSERT_NOT_NULL(vo);
	KT_EXPECT_EQ(vm_object_alloc_page_status(vo, 100, VM_PAGE_4K, &p), KERN_INVALID_ARGUMENT);
	KT_EXPECT_EQ(vm_object_alloc_page_status(vo, 4 * PAGE_SIZE, VM_PAGE_4K, &p), KERN_OUT_OF_RANGE);
	KT_EXPECT_EQ(vm_object_alloc_page_status(vo, 0, VM_PAGE_16K + 1, &p), KERN_OUT_OF_RANGE);
	KT_EXPECT_EQ(vm_object_alloc_page_status(vo, -PAGE_SIZE, VM_PAGE_4K, &p), KERN_INVALID_ARGUMENT);
	KT_EXPECT_EQ(vm_object_alloc_page_status(vo, 0, (enum vm_page_order)99, &p), KERN_INVALID_ARGUMENT);
	KT_EXPECT_EQ(vm_object_alloc_page_status(NULL, 0, VM_PAGE_4K, &p), KERN_INVALID_ARGUMENT);
	KT_EXPECT_NULL(page_at(NULL, 0));
	KT_EXPECT_NULL(page_at(vo, -1));
	KT_EXPECT_NULL(page_at(vo, 4 * PAGE_SIZE));
	KT_EXPECT_EQ(btree_count(&vo->vo_pages), 0);
	vm_object_put(vo);
}

KTEST(vmo, in_place_resolves_to_its_frames_and_allocates_nothing)
{
	const phys_addr_t base = 0x100000; /* the kernel image: reserved, never freed */
	struct vm_object *vo = vm_object_create_in_place("image", base, 4 * PAGE_SIZE, VM_PROT_READ);
	struct vm_page *p;

	KT_ASSERT_NOT_NULL(vo);
	KT_EXPECT_TRUE(vo->vo_flags & VMO_IN_PLACE);
	for (off_t off = 0; off < (off_t)(4 * PAGE_SIZE); off += PAGE_SIZE / 2)
		KT_EXPECT_EQ(vm_page_to_phys(page_at(vo, off)),
			     base + ALIGN_DOWN((phys_addr_t)off, PAGE_SIZE));
	/* the last byte is inside, the size itself is past the end */
	KT_EXPECT_EQ(vm_page_to_phys(page_at(vo, 4 * PAGE_SIZE - 1)), base + 3 * PAGE_SIZE);
	KT_EXPECT_NULL(page_at(vo, 4 * PAGE_SIZE));
	KT_EXPECT_EQ(vm_object_alloc_page_status(vo, 0, VM_PAGE_4K, &p), KERN_INVALID_ARGUMENT);
	KT_EXPECT_EQ(btree_count(&vo->vo_pages), 0);
	KT_EXPECT_EQ(vm_page_nr_free(), kt->count_before);
	vm_object_check(vo);
	vm_object_put(vo); /* frees nothing: the frames were never ours */
	KT_EXPECT_EQ(vm_page_nr_free(), kt->count_before);
}

KTEST(vmo, destroy_returns_exactly_its_pages)
{
	struct vm_object *vo = vm_object_create("many", 64 * PAGE_SIZE, VM_PROT_READ);

	KT_ASSERT_NOT_NULL(vo);
	KT_ASSERT_NOT_NULL(vm_object_alloc_page(vo, 0, VM_PAGE_4K));
	KT_ASSERT_NOT_NULL(vm_object_alloc_page(vo, 16 * PAGE_SIZE, VM_PAGE_64K));
	KT_ASSERT_NOT_NULL(vm_object_alloc_page(vo, 40 * PAGE_SIZE, VM_PAGE_32K));
	KT_EXPECT_EQ(vm_page_nr_free(), kt->count_before - 1 - 16 - 8);
	vm_object_put(vo);
	KT_EXPECT_EQ(vm_page_nr_free(), kt->count_before);
}

KTEST(vmo, random_allocations_and_lookups)
{
	enum { PAGES = 256, STEPS = 300 };
	struct vm_object *vo = vm_object_create("random", PAGES * PAGE_SIZE, VM_PROT_READ);
	static struct vm_page *model[PAGES]; /* the page covering each 4 KiB slot */

	KT_ASSERT_NOT_NULL(vo);
	for (int i = 0; i < PAGES; i++)
		model[i] = NULL;
	for (int step = 0; step < STEPS; step++) {
		unsigned order = (unsigned)(ktest_rand(kt) % 4), span = 1u << order;
		unsigned slot = (unsigned)(ktest_rand(kt) % (PAGES / span)) * span;
		struct vm_page *p;
		kern_status_t s = vm_object_alloc_page_status(vo, (off_t)slot * PAGE_SIZE,
							      (enum vm_page_order)order, &p);
		bool free_span = true, same = model[slot] && vm_page_to_phys(model[slot]) &&
					       model[slot]->p_vmo_offset == (off_t)(slot * PAGE_SIZE) &&
					       model[slot]->p_order == order;
		for (unsigned i = 0; i < span; i++)
			free_span &= model[slot + i] == NULL;
		if (free_span) {
			KT_ASSERT_EQ(s, KERN_OK);
			for (unsigned i = 0; i < span; i++)
				model[slot + i] = p;
		} else if (same) {
			KT_ASSERT_EQ(s, KERN_OK);
			KT_ASSERT_TRUE(p == model[slot]);
		} else {
			KT_ASSERT_EQ(s, KERN_EXISTS);
		}
		for (int probe = 0; probe < 8; probe++) {
			unsigned q = (unsigned)(ktest_rand(kt) % PAGES);
			KT_ASSERT_TRUE(page_at(vo, (off_t)q * PAGE_SIZE + 8) == model[q]);
		}
		vm_object_check(vo);
	}
	vm_object_put(vo);
}
