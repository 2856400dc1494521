// LAB 4 FILE
/*
 * vm_region_bench.c - cost of mapping and unmapping on the host (make
 * bench-map).
 *
 * Prints nanoseconds per page for vm_region_map() + vm_region_unmap() of
 * a whole object, and for the floor: the same leaves entered with bare
 * pmap_enter() calls and taken away with one pmap_remove(), with the
 * ratio, and the mapping's cost per MiB mapped. What a mapping adds over
 * the floor is its bookkeeping: argument
 * checks, placement, the mapping's node in the region's tree, its link on
 * the object's vo_mappings and its reference, finding the object's pages.
 * The page-table work (tables allocated, filled, emptied and freed) is in
 * both. Cases:
 *   - a demand object of N 4 KiB pages, for several N: ns per 4 KiB page;
 *   - an object of 2 MiB pages (order 9), and an in-place object at a
 *     2 MiB-aligned physical base: ns per 2 MiB leaf, which maps what 512
 *     leaves of 4 KiB would.
 * The pmap is kernel/arch/x86_64/pmap.c over vm/host/pmap_host.c (table
 * pages from the C library, no TLB). Times are this thread's CPU time, so
 * other work on a busy machine is not counted. Figures, not a pass/fail
 * test.
 */
#include <time.h>

#include <mango/pmap.h>
#include <mango/vm_arch.h>
#include <mango/vm_object.h>
#include <mango/vm_page.h>
#include <mango/vm_region.h>

#define MIB2 (2ull << 20)
#define FRAMES (1u << 15)            /* 128 MiB of simulated frames */
#define ALLOC_END (96ull << 20)      /* the allocator gets [0, 96 MiB) */
#define IN_PLACE_BASE (96ull << 20)  /* in-place objects: [96, 128 MiB), 2 MiB aligned */
#define REGION_START 0x40000000ull   /* the address space: [1 GiB, 2 GiB) */
#define REGION_SIZE 0x40000000ull
#define PAGES_PER_RUN (1u << 16)     /* 4 KiB pages (or 2 MiB leaves / 8) mapped per run */
#define REPEAT 7 /* report the best of REPEAT runs: the least disturbed */
#define PROT (VM_PROT_READ | VM_PROT_WRITE)

static struct vm_page pages[FRAMES];
static struct vm_region *region;
static struct pmap *floor_pmap;

/* This thread's CPU time, in ns (wall time on a shared 2-core machine
 * under load came out up to 5 times too high). */
static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Stop with a message naming what to finish: the bench needs Lab 4. */
static void need(kern_status_t s, const char *what)
{
	if (s == KERN_OK)
		return;
	fprintf(stderr, "vm_region_bench: %s returned %s: finish Lab 4 (vm/vm_region.c) first\n",
		what, kern_status_name(s));
	exit(1);
}

/* One leaf of the case: its frame and order, as the floor enters it. */
struct leaf {
	phys_addr_t pa;
	unsigned order;
};

/* A case: an object, and the leaves mapping it whole takes. */
struct bench_case {
	struct vm_object *vo;
	size_t len;
	struct leaf *leaves;
	size_t nr_leaves;
};

/* A demand object of @n pages of @order, allocated now, and its leaves. */
static struct bench_case demand_case(size_t n, enum vm_page_order order)
{
	size_t bytes = vm_page_order_bytes(order);
	struct bench_case c = { .len = n * bytes, .nr_leaves = n };

	c.vo = vm_object_create("bench", c.len, VM_PROT_ALL);
	c.leaves = calloc(n, sizeof(*c.leaves));
	if (!c.vo || !c.leaves) {
		fprintf(stderr, "vm_region_bench: vm_object_create returned NULL: finish Lab 3 first\n");
		exit(1);
	}
	for (size_t i = 0; i < n; i++) {
		struct vm_page *p;
		need(vm_object_alloc_page_status(c.vo, (off_t)(i * bytes), order, &p),
		     "vm_object_alloc_page_status");
		c.leaves[i] = (struct leaf){ vm_page_to_phys(p), order };
	}
	return c;
}

/* An in-place object of @n 2 MiB frames at IN_PLACE_BASE, and its leaves. */
static struct bench_case in_place_case(size_t n)
{
	struct bench_case c = { .len = n * MIB2, .nr_leaves = n };

	c.vo = vm_object_create_in_place("bench-in-place", IN_PLACE_BASE, c.len, VM_PROT_ALL);
	c.leaves = calloc(n, sizeof(*c.leaves));
	if (!c.vo || !c.leaves) {
		fprintf(stderr, "vm_region_bench: vm_object_create_in_place returned NULL: "
			"finish Lab 3 first\n");
		exit(1);
	}
	for (size_t i = 0; i < n; i++)
		c.leaves[i] = (struct leaf){ IN_PLACE_BASE + i * MIB2, VM_PAGE_2M };
	return c;
}

static void drop_case(struct bench_case *c)
{
	vm_object_put(c->vo);
	free(c->leaves);
}

/* Times mapping @c whole and unmapping it, @rounds times; ns per leaf. */
static double run_region(const struct bench_case *c, unsigned rounds)
{
	double t0 = now_ns();

	for (unsigned r = 0; r < rounds; r++) {
		uintptr_t where = VM_REGION_ANYWHERE;
		need(vm_region_map(region, c->vo, 0, c->len, PROT, &where), "vm_region_map");
		need(vm_region_unmap(region, where, c->len), "vm_region_unmap");
	}
	return (now_ns() - t0) / ((double)rounds * (double)c->nr_leaves);
}

/* The floor: the same leaves at the same place, entered one by one and
 * removed with one call; ns per leaf. */
static double run_floor(const struct bench_case *c, unsigned rounds)
{
	double t0 = now_ns();

	for (unsigned r = 0; r < rounds; r++) {
		uintptr_t va = REGION_START;
		for (size_t i = 0; i < c->nr_leaves; i++) {
			need(pmap_enter(floor_pmap, va, c->leaves[i].pa, c->leaves[i].order, PROT),
			     "pmap_enter");
			va += (uintptr_t)PAGE_SIZE << c->leaves[i].order;
		}
		need(pmap_remove(floor_pmap, REGION_START, c->len), "pmap_remove");
	}
	return (now_ns() - t0) / ((double)rounds * (double)c->nr_leaves);
}

/* Checks that mapping @c gives the leaves the floor enters (the figures
 * compare like with like), then unmaps it. */
static void check_leaves(const struct bench_case *c)
{
	uintptr_t where = VM_REGION_ANYWHERE, va;

	need(vm_region_map(region, c->vo, 0, c->len, PROT, &where), "vm_region_map");
	va = where;
	for (size_t i = 0; i < c->nr_leaves; i++) {
		phys_addr_t pa;
		unsigned order;
		if (pmap_extract(region->vr_pmap, va, &pa, &order, NULL) != KERN_OK ||
		    pa != c->leaves[i].pa || order != c->leaves[i].order) {
			fprintf(stderr, "vm_region_bench: the mapping at 0x%lx is not the leaf of "
				"order %u at 0x%llx (Exercise 4)\n", (unsigned long)va,
				c->leaves[i].order, (unsigned long long)c->leaves[i].pa);
			exit(1);
		}
		va += (uintptr_t)PAGE_SIZE << order;
	}
	need(vm_region_unmap(region, where, c->len), "vm_region_unmap");
}

static void report(const char *what, const struct bench_case *c)
{
	unsigned rounds = PAGES_PER_RUN / (unsigned)c->nr_leaves;
	double ns, floor_ns;

	if (c->leaves[0].order)
		rounds /= 8; /* a 2 MiB leaf costs more than a 4 KiB one */
	rounds = rounds ? rounds : 1;
	check_leaves(c);
	/* the two alternate, so that a busy spell of the machine hits both */
	ns = floor_ns = 1e18;
	for (int r = 0; r < REPEAT; r++) {
		double t = run_region(c, rounds);
		ns = t < ns ? t : ns;
		t = run_floor(c, rounds);
		floor_ns = t < floor_ns ? t : floor_ns;
	}
	printf("  %-40s %9.1f ns %9.1f ns %6.2fx %10.0f ns\n", what, ns, floor_ns, ns / floor_ns,
	       ns * (double)(1u << 20) / (double)(PAGE_SIZE << c->leaves[0].order));
}

int main(void)
{
	static const size_t small[] = { 1, 16, 512, 4096 };
	static const size_t large[] = { 1, 8 };
	char what[64];

	host_phys_base = aligned_alloc(MIB2, (size_t)FRAMES << PAGE_SHIFT);
	vm_page_allocator_init(pages, FRAMES);
	vm_page_add_range(0, ALLOC_END);
	vm_page_set_debug(false, false);
	if (vm_object_type_init() != KERN_OK || vm_region_type_init() != KERN_OK) {
		fprintf(stderr, "vm_region_bench: registering the object types failed\n");
		return 1;
	}
	need(vm_region_create("bench", REGION_START, REGION_SIZE, &region), "vm_region_create");
	floor_pmap = pmap_create();
	if (!region || !floor_pmap) {
		fprintf(stderr, "vm_region_bench: no region or pmap: finish Lab 4 first\n");
		return 1;
	}

	printf("mapping, host, CPU time, best of %d runs; vm_region_map + vm_region_unmap of a whole object,\n"
	       "against the floor: the same leaves by pmap_enter, one pmap_remove\n", REPEAT);
	printf("  %-40s %12s %12s %7s %13s\n", "case", "per leaf", "floor", "ratio", "per MiB");
	for (unsigned i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		struct bench_case c = demand_case(small[i], VM_PAGE_4K);
		snprintf(what, sizeof(what), "demand, %zu x 4 KiB (per 4 KiB page)", small[i]);
		report(what, &c);
		drop_case(&c);
	}
	for (unsigned i = 0; i < sizeof(large) / sizeof(large[0]); i++) {
		struct bench_case c = demand_case(large[i], VM_PAGE_2M);
		snprintf(what, sizeof(what), "demand, %zu x 2 MiB (per 2 MiB leaf)", large[i]);
		report(what, &c);
		drop_case(&c);
		c = in_place_case(large[i]);
		snprintf(what, sizeof(what), "in place, %zu x 2 MiB (per 2 MiB leaf)", large[i]);
		report(what, &c);
		drop_case(&c);
	}
	vm_region_put(region);
	pmap_destroy(floor_pmap);
	vm_page_check();
	free(host_phys_base);
	return 0;
}
