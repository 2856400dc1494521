// LAB 1 FILE
/*
 * vm_page_host_test.c - the buddy allocator on the host, under ASan and UBSan
 * (make test-host). Seeded random alloc/free sequences are checked against
 * a simple reference model, with vm_page_check() after every step; panics
 * (a double free, a wrong-order free) are checked in child processes.
 *
 * Usage: vm_page_host_test [seed]   (the seed used is printed; replay with it)
 */
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mango/vm_arch.h>
#include <mango/vm_page.h>

#include "host_test.h"


#define FRAMES 2048 /* 8 MiB of simulated memory */
#define SLOTS 256

static struct vm_page pages[FRAMES];



/* A map with holes: frames [1, 300), [512, 1500), [1600, 2048). */
static const size_t ranges[][2] = { { 1, 300 }, { 512, 1500 }, { 1600, FRAMES } };
static size_t usable_frames(void)
{
	size_t n = 0;
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		n += ranges[i][1] - ranges[i][0];
	return n;
}

static bool in_ranges(size_t pfn, size_t count)
{
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (pfn >= ranges[i][0] && pfn + count <= ranges[i][1])
			return true;
	return false;
}

static void setup(void)
{
	vm_page_allocator_init(pages, FRAMES);
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		vm_page_add_range(ranges[i][0] << PAGE_SHIFT, ranges[i][1] << PAGE_SHIFT);
	vm_page_check();
}

/* The reference model: which frames are allocated now. */
static unsigned char owned[FRAMES];

static void test_random(void)
{
	struct vm_page *slot[SLOTS] = { 0 };
	size_t start = vm_page_nr_free(), model_free = start;

	CHECK(start == usable_frames(), "free %zu, usable %zu", start, usable_frames());
	for (int step = 0; step < 20000; step++) {
		unsigned i = (unsigned)(next_rand() % SLOTS);
		if (slot[i]) {
			size_t pfn = vm_page_to_phys(slot[i]) >> PAGE_SHIFT, n = (size_t)1 << slot[i]->p_order;
			memset(owned + pfn, 0, n);
			model_free += n;
			vm_page_free(slot[i]);
			slot[i] = NULL;
		} else {
			unsigned order = (unsigned)(next_rand() % 6);
			size_t n = (size_t)1 << order;
			slot[i] = vm_page_alloc((enum vm_page_order)order, (next_rand() & 1) ? VM_ALLOC_ZERO : 0);
			if (slot[i]) {
				size_t pfn = vm_page_to_phys(slot[i]) >> PAGE_SHIFT;
				CHECK(pfn % n == 0, "order %u block at pfn %zu is misaligned", order, pfn);
				CHECK(in_ranges(pfn, n), "block at pfn %zu is outside the map", pfn);
				for (size_t k = 0; k < n; k++) {
					CHECK(!owned[pfn + k], "frame %zu handed out twice", pfn + k);
					owned[pfn + k] = 1;
				}
				model_free -= n;
			}
		}
		vm_page_check();
		CHECK(vm_page_nr_free() == model_free, "step %d: free %zu, model %zu", step, vm_page_nr_free(), model_free);
		if (failures)
			return;
	}
	for (unsigned i = 0; i < SLOTS; i++)
		if (slot[i])
			vm_page_free(slot[i]);
	memset(owned, 0, sizeof(owned));
	vm_page_check();
	CHECK(vm_page_nr_free() == start, "free %zu after freeing everything, %zu at start", vm_page_nr_free(), start);
}

static void test_exhaust(void)
{
	size_t start = vm_page_nr_free(), n = 0;
	static struct vm_page *held[FRAMES];
	struct vm_page *p;

	while ((p = vm_page_alloc(VM_PAGE_4K, 0)) != NULL)
		held[n++] = p;
	CHECK(n == start, "allocated %zu order-0 pages, %zu were free", n, start);
	CHECK(vm_page_alloc(VM_PAGE_MAX_ORDER, 0) == NULL, "an empty allocator returned a block");
	CHECK(vm_page_alloc((enum vm_page_order)99, 0) == NULL, "order 99 was accepted");
	while (n)
		vm_page_free(held[--n]);
	vm_page_check();
	CHECK(vm_page_nr_free() == start, "not everything came back");
	/* everything merged back: the largest blocks are all there again */
	CHECK(vm_page_alloc(VM_PAGE_2M, 0) != NULL, "no 2 MiB block after freeing all");
}

static void test_zero_and_poison(void)
{
	struct vm_page *p;

	vm_page_set_debug(true, false);
	p = vm_page_alloc(VM_PAGE_16K, 0);
	unsigned char *mem = vm_page_to_virt(p);

	memset(mem, 0xAA, vm_page_order_bytes(VM_PAGE_16K));
	vm_page_free(p);
	CHECK(mem[0] == VM_PAGE_POISON && mem[16383] == VM_PAGE_POISON, "freed block not poisoned");
	p = vm_page_alloc(VM_PAGE_16K, VM_ALLOC_ZERO);
	mem = vm_page_to_virt(p);
	CHECK(mem[0] == 0 && mem[16383] == 0, "VM_ALLOC_ZERO block not zeroed");
	vm_page_free(p);
	vm_page_set_debug(false, false);
}

static void double_free(void)
{
	struct vm_page *p = vm_page_alloc(VM_PAGE_4K, 0);
	vm_page_free(p);
	vm_page_free(p);
}

static void free_inside_block(void)
{
	struct vm_page *p = vm_page_alloc(VM_PAGE_16K, 0);
	vm_page_free(p + 1);
}

static void free_reserved(void)
{
	vm_page_free(&pages[0]);
}

static void free_foreign(void)
{
	static struct vm_page stray;
	vm_page_free(&stray);
}

int main(int argc, char **argv)
{
	uint64_t seed = host_test_begin("vm_page_host_test", argc, argv);

	host_phys_base = aligned_alloc(PAGE_SIZE, (size_t)FRAMES << PAGE_SHIFT);
	for (int round = 0; round < 3 && !failures; round++) {
		rng = seed + (uint64_t)round;
		vm_page_set_debug(round == 1, round == 1); /* round 1: use-after-free checks */
		setup();
		test_random();
		test_exhaust();
		test_zero_and_poison();
	}
	setup();
	vm_page_set_debug(true, false);
	expect_panic("double free", double_free, "double free of frame");
	expect_panic("free inside a block", free_inside_block, "not the head of an allocated block");
	expect_panic("free of a reserved frame", free_reserved, "is reserved");
	expect_panic("free of a foreign page", free_foreign, "is not a struct vm_page");
	free(host_phys_base);
	return host_test_end("vm_page_host_test");
}
