// LAB 1 FILE
/*
 * vm_page_bench.c - cost of the buddy allocator on the host (make bench).
 *
 * Prints nanoseconds per alloc+free pair, and the same loop over a bare
 * free-list pop/push (the floor: what any list-based allocator must do at
 * least), with the ratio. Three cases:
 *   - order 0 and order 9 in the common case: a block of that size is
 *     free and its buddy is in use, so nothing splits or merges;
 *   - order 0 in the worst case: the only free memory is blocks of the
 *     largest order, so each alloc splits VM_PAGE_MAX_ORDER times and
 *     each free merges as many times back.
 * Each is run over two memory sizes, 16 times apart: O(1) in the number
 * of pages means the figures do not grow with memory.
 * Figures, not a pass/fail test.
 */
#include <time.h>

#include <mango/vm_arch.h>
#include <mango/vm_page.h>


#define SMALL_FRAMES (1u << 16) /* 256 MiB of simulated frames */
#define LARGE_FRAMES (1u << 20) /* 4 GiB */
#define PAIRS 10000000
#define REPEAT 5 /* report the best of REPEAT runs: the least disturbed */

static struct vm_page pages[LARGE_FRAMES];

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double bench_order(unsigned order)
{
	struct vm_page *first = vm_page_alloc((enum vm_page_order)order, 0);
	double t0;

	if (!first) {
		fprintf(stderr, "vm_page_bench: vm_page_alloc(%u, 0) returned NULL though memory is free: "
			"finish Lab 1 (buddy_alloc and buddy_free in vm/vm_page.c) first\n", order);
		exit(1);
	}
	vm_page_free(first);
	t0 = now_ns();
	for (int i = 0; i < PAIRS; i++) {
		struct vm_page *p = vm_page_alloc((enum vm_page_order)order, 0);
		vm_page_free(p);
	}
	return (now_ns() - t0) / PAIRS;
}

/*
 * The floor: the least a page allocator can do, a single free list of
 * frames, behind the same kind of interface (out-of-line alloc and free
 * taking and returning struct vm_page pointers), so that the comparison is
 * of the work done and not of inlining.
 */
static struct queue floor_list;

__attribute__((noinline)) static struct vm_page *floor_alloc(void)
{
	struct queue_entry *e = queue_pop_front(&floor_list);
	return e ? container_of(e, struct vm_page, p_link) : NULL;
}

__attribute__((noinline)) static void floor_free(struct vm_page *p)
{
	queue_push_front(&floor_list, &p->p_link);
}

static double bench_floor(void)
{
	static struct vm_page frames[64];
	double t0;

	queue_init(&floor_list);
	for (unsigned i = 0; i < 64; i++)
		floor_free(&frames[i]);
	t0 = now_ns();
	for (int i = 0; i < PAIRS; i++)
		floor_free(floor_alloc());
	return (now_ns() - t0) / PAIRS;
}

static double best(double (*run)(unsigned), unsigned order)
{
	double b = 1e9;
	for (int r = 0; r < REPEAT; r++) {
		double t = run(order);
		b = t < b ? t : b;
	}
	return b;
}

static double floor_run(unsigned order)
{
	(void)order;
	return bench_floor();
}

/* A fresh allocator over @frames frames, all free. */
static void setup(size_t frames)
{
	vm_page_allocator_init(pages, frames);
	vm_page_add_range(0, (phys_addr_t)frames << PAGE_SHIFT);
}

static void report(const char *what, double ns, double floor_ns)
{
	printf("  %-44s %6.1f ns   %.2fx floor\n", what, ns, ns / floor_ns);
}

int main(void)
{
	static const size_t sizes[] = { SMALL_FRAMES, LARGE_FRAMES };
	double floor_ns;

	host_phys_base = NULL;
	vm_page_set_debug(false, false);
	floor_ns = best(floor_run, 0);
	printf("page allocator, host, best of %d runs of %d alloc+free pairs:\n", REPEAT, PAIRS);
	printf("  %-44s %6.1f ns\n", "floor (one free list, pop+push)", floor_ns);
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		char what[64];
		size_t mib = sizes[s] >> (20 - PAGE_SHIFT);

		/* common case: one frame in use leaves a free order-0 block
		 * (its buddy) and a free block of every order up to the
		 * largest beside it */
		setup(sizes[s]);
		struct vm_page *keep = vm_page_alloc(VM_PAGE_4K, 0);
		snprintf(what, sizeof(what), "%zu MiB, order 0 (4 KiB), no split", mib);
		report(what, best(bench_order, VM_PAGE_4K), floor_ns);
		snprintf(what, sizeof(what), "%zu MiB, order 9 (2 MiB), no split", mib);
		report(what, best(bench_order, VM_PAGE_2M), floor_ns);
		vm_page_free(keep);
		/* worst case: nothing but largest blocks are free */
		snprintf(what, sizeof(what), "%zu MiB, order 0, %d splits + %d merges", mib,
			 VM_PAGE_MAX_ORDER, VM_PAGE_MAX_ORDER);
		report(what, best(bench_order, VM_PAGE_4K), floor_ns);
		vm_page_check();
	}
	return 0;
}
