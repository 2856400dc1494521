// LAB 1 FILE
/*
 * page_bench.c - cost of the buddy allocator on the host (make bench).
 *
 * Prints nanoseconds per alloc+free pair for order 0 and order 9, and the
 * same loop over a bare free-list pop/push (the floor: what any
 * list-based allocator must do at least), with the ratio. Figures, not a
 * pass/fail test.
 */
#include <time.h>

#include <mango/vm_arch.h>
#include <mango/vm_page.h>


#define FRAMES (1u << 16) /* 256 MiB of simulated frames */
#define PAIRS 10000000
#define REPEAT 5 /* report the best of REPEAT runs: the least disturbed */

static struct vm_page pages[FRAMES];

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double bench_order(unsigned order)
{
	double t0 = now_ns();
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

int main(void)
{
	double floor_ns, o0, o9;

	host_phys_base = NULL;
	vm_page_set_debug(false, false);
	vm_page_allocator_init(pages, FRAMES);
	vm_page_add_range(0, (phys_addr_t)FRAMES << PAGE_SHIFT);
	/* a little fragmentation, so order 0 really splits and merges */
	struct vm_page *keep = vm_page_alloc(VM_PAGE_4K, 0);
	(void)keep;
	floor_ns = o0 = o9 = 1e9;
	for (int r = 0; r < REPEAT; r++) {
		double f = bench_floor(), a = bench_order(VM_PAGE_4K), b = bench_order(VM_PAGE_2M);
		floor_ns = f < floor_ns ? f : floor_ns;
		o0 = a < o0 ? a : o0;
		o9 = b < o9 ? b : o9;
	}
	printf("page allocator, host, best of %d runs of %d alloc+free pairs (%u frames):\n",
	       REPEAT, PAIRS, FRAMES);
	printf("  floor (one free list, pop+push) %6.1f ns\n", floor_ns);
	printf("  order 0 (4 KiB)                  %6.1f ns   %.2fx floor\n", o0, o0 / floor_ns);
	printf("  order 9 (2 MiB)                  %6.1f ns   %.2fx floor\n", o9, o9 / floor_ns);
	return 0;
}
