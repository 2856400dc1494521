// LAB 3 FILE
/*
 * vm_object_host_test.c - vm_objects on the host under ASan and UBSan
 * (make test-host): the object model, the page allocator and the btree
 * underneath are the real ones; kmalloc is the C library's. Seeded random
 * allocations and lookups against a model, vm_object_check() after each
 * step, destruction returning every frame, in-place objects, bad input.
 *
 * Usage: vm_object_host_test [seed]
 */
#include <stdint.h>

#include <mango/kmalloc.h>
#include <mango/vm-object.h> /* the seed's path, kept working */
#include <mango/vm_arch.h>

#include "host_test.h"


#define FRAMES 4096
#define SLOTS 128

static struct vm_page pages[FRAMES];



/* vm_object_get_page() under the lock its contract asks for. */
static struct vm_page *page_at(struct vm_object *vo, off_t offset)
{
	struct vm_page *p;

	if (!vo) /* a stub's vm_object_create(): there is no lock to take */
		return vm_object_get_page(NULL, offset);
	vm_object_lock(vo);
	p = vm_object_get_page(vo, offset);
	vm_object_unlock(vo);
	return p;
}

static void test_random(void)
{
	struct vm_object *vo = vm_object_create("random", SLOTS * PAGE_SIZE, VM_PROT_READ);
	static struct vm_page *model[SLOTS];
	size_t start = vm_page_nr_free();

	memset(model, 0, sizeof(model));
	for (int step = 0; step < 5000 && !failures; step++) {
		unsigned order = (unsigned)(next_rand() % 4), span = 1u << order;
		unsigned slot = (unsigned)(next_rand() % (SLOTS / span)) * span;
		struct vm_page *p;
		kern_status_t s = vm_object_alloc_page_status(vo, (off_t)slot * (off_t)PAGE_SIZE,
							      (enum vm_page_order)order, &p);
		bool empty = true;
		for (unsigned i = 0; i < span; i++)
			empty &= model[slot + i] == NULL;
		if (empty) {
			CHECK(s == KERN_OK, "step %d: status %s", step, kern_status_name(s));
			for (unsigned i = 0; i < span; i++)
				model[slot + i] = p;
		} else if (model[slot] && model[slot]->p_vmo_offset == (off_t)(slot * PAGE_SIZE) &&
			   model[slot]->p_order == order) {
			CHECK(s == KERN_OK && p == model[slot], "step %d: repeat alloc", step);
		} else {
			CHECK(s == KERN_EXISTS, "step %d: overlap gave %s", step, kern_status_name(s));
		}
		for (unsigned q = 0; q < SLOTS; q += 7)
			CHECK(page_at(vo, (off_t)(q * PAGE_SIZE + 16)) == model[q],
			      "step %d: get_page(slot %u)", step, q);
		vm_object_check(vo);
	}
	vm_object_put(vo);
	CHECK(vm_page_nr_free() == start, "destroy returned %zu of %zu frames", vm_page_nr_free(), start);
}

static void test_in_place_and_arguments(void)
{
	size_t start = vm_page_nr_free();
	struct vm_object *vo = vm_object_create_in_place("fixed", 16 * PAGE_SIZE, 5000, VM_PROT_READ);
	struct vm_page *p;

	CHECK(vo && vo->vo_size == 2 * PAGE_SIZE, "in-place size");
	CHECK(vm_page_to_phys(page_at(vo, 4100)) == 17 * PAGE_SIZE, "in-place lookup");
	CHECK(vm_object_alloc_page_status(vo, 0, VM_PAGE_4K, &p) == KERN_INVALID_ARGUMENT, "in-place alloc");
	vm_object_put(vo);
	CHECK(vm_page_nr_free() == start, "in-place objects allocate nothing");
	CHECK(!vm_object_create(NULL, 1, VM_PROT_READ), "NULL name");
	CHECK(!vm_object_create("x", 0, VM_PROT_READ), "zero length");
	CHECK(!vm_object_create("x", SIZE_MAX, VM_PROT_READ), "overflow");
	CHECK(!vm_object_create("x", 1, (enum vm_prot)0x80), "prot bits");
	CHECK(!vm_object_create_in_place("x", 123, 1, VM_PROT_READ), "unaligned base");
}

/* The lock rules of the contracts are asserted, not only written: a call
 * that breaks one panics with the rule. */
static struct vm_object *lock_test_object(const char *name)
{
	struct vm_object *vo = vm_object_create(name, PAGE_SIZE, VM_PROT_READ);

	if (!vo) {
		fprintf(stderr, "vm_object_create(%s) returned NULL: no object to lock\n", name);
		exit(1);
	}
	return vo;
}

static void get_page_unlocked(void)
{
	vm_object_get_page(lock_test_object("unlocked"), 0); /* Lock: held - and it is not */
}

static void alloc_page_locked(void)
{
	struct vm_object *vo = lock_test_object("locked");

	vm_object_lock(vo);
	vm_object_alloc_page(vo, 0, VM_PAGE_4K); /* Lock: not held - and it is */
}

static void test_lock_rules(void)
{
	expect_panic("vm_object_get_page without the lock", get_page_unlocked,
		     "vm_object_get_page: vo 'unlocked' must be locked");
	expect_panic("vm_object_alloc_page with the lock", alloc_page_locked,
		     "vo 'locked' must not be locked");
}

int main(int argc, char **argv)
{
	host_test_begin("vm_object_host_test", argc, argv);
	host_phys_base = aligned_alloc(PAGE_SIZE, (size_t)FRAMES << PAGE_SHIFT);
	vm_page_allocator_init(pages, FRAMES);
	vm_page_add_range(PAGE_SIZE, (phys_addr_t)FRAMES << PAGE_SHIFT);
	if (vm_object_type_init() != KERN_OK)
		return 2;
	test_random();
	test_in_place_and_arguments();
	test_lock_rules();
	free(host_phys_base);
	return host_test_end("vm_object_host_test");
}
