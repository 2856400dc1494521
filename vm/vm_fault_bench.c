// LAB 5 FILE
/*
 * vm_fault_bench.c - the cost of a demand-zero fault, measured in the
 * guest (monitor command `faultbench`, run by `make bench-fault`).
 *
 * Each pass maps a fresh demand object into a bench address space and
 * touches every 4 KiB of it once with a probe store (<mango/probe.h>): the
 * CPU faults, the trap path offers the fault to vm_fault(), which
 * allocates a zeroed page and enters it, and the store runs again. Times
 * come from the TSC, calibrated against the PIT (<mango/cycles.h>); each
 * figure is the median of several passes, each on a fresh object.
 *
 *   floor       clearing one 4 KiB page with memset(), the routine the
 *               page allocator zeroes with (VM_ALLOC_ZERO), over the 512
 *               pages of a 2 MiB block (so the cache is not always warm)
 *   4 KiB       a mapping whose 2 MiB blocks never meet the object's
 *               2 MiB boundaries (based 4 KiB past one), so every fault
 *               is a 4 KiB page: ns per page at 1, 16, 64 (and, with the
 *               memory, 256) MiB
 *   2 MiB       the same object mapped 2 MiB aligned: one fault per 2 MiB;
 *               ns per 4 KiB made usable
 *   parts       what one 4 KiB fault is made of, each timed alone in the
 *               same boot: the touch loop without faults (a second touch),
 *               a fault vm_fault() refuses (trap entry and exit, the
 *               lookup), vm_region_lookup(), vm_object_alloc_page() (the
 *               allocation and the zeroing), pmap_enter() of one leaf
 *
 * Figures only: nothing here is a pass/fail test. On a branch where Lab 5
 * is not written the first touch is not resolved and the command says so.
 * It leaves the kernel's address space active.
 */
#include <mango/cycles.h>
#include <mango/monitor.h>
#include <mango/probe.h>
#include <mango/string.h>
#include <mango/vm_arch.h>
#include <mango/vm_object.h>
#include <mango/vm_page.h>
#include <mango/vm_region.h>

#define KIB4 ((size_t)PAGE_SIZE)
#define MIB ((size_t)1 << 20)
#define MIB2 (2 * MIB)
#define BENCH_START 0x40000000ul /* the bench address space: [1 GiB, 2 GiB) */
#define BENCH_SIZE 0x40000000ul
#define PASSES_DEFAULT 5
#define PASSES_MAX 15
#define PARTS_PAGES 1024 /* pages each part is timed over */
#define SPARE (16 * MIB) /* free memory left alone beside an object */
#define PROT (VM_PROT_READ | VM_PROT_WRITE)

static const size_t sizes_mib[] = { 1, 16, 64, 256 };

static struct vm_region *region;
static unsigned passes;

/* Sort @n values in place (insertion: n is at most PASSES_MAX) and return
 * the median. */
static uint64_t median(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

/* ns per @n things for @cycles (rounded down). */
static uint64_t ns_per(uint64_t cycles, size_t n)
{
	return cycles_to_ns(cycles) / n;
}

/* Print @num / @den as a ratio with two decimals ("1.93x"). */
static void print_ratio(uint64_t num, uint64_t den)
{
	uint64_t r = den ? num * 100 / den : 0;

	printk("%lu.%02lux", (unsigned long)(r / 100), (unsigned long)(r % 100));
}

/* The floor: cycles to clear one 4 KiB page with memset(), averaged over
 * the pages of one 2 MiB block. 0 when no such block is free. */
static uint64_t floor_pass(void)
{
	struct vm_page *blk = vm_page_alloc(VM_PAGE_2M, 0);
	uint64_t t;

	if (!blk)
		return 0;
	char *mem = vm_page_to_virt(blk);
	t = cycles_now();
	for (size_t off = 0; off < MIB2; off += KIB4)
		memset(mem + off, 0, KIB4);
	t = cycles_now() - t;
	vm_page_free(blk);
	return t / (MIB2 / KIB4);
}

/* Touch every 4 KiB of [@base, @base + @len) once with a probe store;
 * the cycles taken in *@cycles. false when a store faulted for good. */
static bool touch(uintptr_t base, size_t len, uint64_t *cycles)
{
	uint64_t t = cycles_now();

	for (uintptr_t va = base; va < base + len; va += KIB4)
		if (probe_write64(va, va) != KERN_OK)
			return false;
	*cycles = cycles_now() - t;
	return true;
}

/* One pass: map a fresh @len object (2 MiB aligned if @large, else 4 KiB
 * past a 2 MiB boundary), touch it all (the faults: *@first), touch it
 * again (no faults: *@second, may be NULL), unmap and drop it. Returns
 * KERN_OK, the status that stopped it, or KERN_MEMORY_FAULT when a touch
 * was not resolved (Lab 5 not written). */
static kern_status_t fault_pass(size_t len, bool large, uint64_t *first, uint64_t *second)
{
	struct vm_object *vo = vm_object_create("faultbench", len, PROT);
	uintptr_t where = BENCH_START + (large ? 0 : KIB4);
	kern_status_t s;

	if (!vo)
		return KERN_NO_MEMORY;
	s = vm_region_map(region, vo, 0, len, PROT, &where);
	vm_object_put(vo); /* the mapping holds it now */
	if (s != KERN_OK)
		return s;
	if (!touch(where, len, first))
		s = KERN_MEMORY_FAULT;
	else if (second && !touch(where, len, second))
		s = KERN_MEMORY_FAULT;
	vm_region_unmap(region, where, len); /* the last reference: frees its pages */
	return s;
}

/* Median over the passes of one fault_pass() size; ns per 4 KiB in
 * *@ns (and the second touch's in *@again, may be NULL). */
static kern_status_t fault_median(size_t len, bool large, uint64_t *ns, uint64_t *again)
{
	uint64_t firsts[PASSES_MAX], seconds[PASSES_MAX];

	for (unsigned i = 0; i < passes; i++) {
		kern_status_t s = fault_pass(len, large, &firsts[i], again ? &seconds[i] : NULL);
		if (s != KERN_OK)
			return s;
	}
	*ns = ns_per(median(firsts, passes), len / KIB4);
	if (again)
		*again = ns_per(median(seconds, passes), len / KIB4);
	return KERN_OK;
}

/* The parts of a 4 KiB fault, ns each, printed. */
static void parts(uint64_t floor_ns, uint64_t fault_ns, uint64_t loop_ns)
{
	size_t len = PARTS_PAGES * KIB4;
	struct vm_object *vo = vm_object_create("faultbench-parts", len, PROT);
	struct vm_page *frame = vm_page_alloc(VM_PAGE_4K, 0);
	uintptr_t where = BENCH_START + KIB4;
	uint64_t refused = 0, lookup = 0, alloc = 0, enter = 0, t, v;

	if (!vo || !frame || vm_region_map(region, vo, 0, len, PROT, &where) != KERN_OK) {
		printk("  (not measured: no memory)\n");
		goto out;
	}
	/* a refused fault: an address no mapping holds */
	t = cycles_now();
	for (size_t i = 0; i < PARTS_PAGES; i++)
		(void)probe_read64(BENCH_START + BENCH_SIZE - KIB4, &v);
	refused = ns_per(cycles_now() - t, PARTS_PAGES);

	vm_region_lock(region);
	t = cycles_now();
	for (size_t i = 0; i < PARTS_PAGES; i++)
		(void)vm_region_lookup(region, where + i * KIB4, NULL, NULL);
	lookup = ns_per(cycles_now() - t, PARTS_PAGES);
	vm_region_unlock(region);

	t = cycles_now();
	for (size_t i = 0; i < PARTS_PAGES; i++)
		(void)vm_object_alloc_page(vo, (off_t)(i * KIB4), VM_PAGE_4K);
	alloc = ns_per(cycles_now() - t, PARTS_PAGES);

	/* bare leaves in an unused part of the region, removed after */
	t = cycles_now();
	for (size_t i = 0; i < PARTS_PAGES; i++)
		(void)pmap_enter(region->vr_pmap, BENCH_START + BENCH_SIZE / 2 + i * KIB4,
				 vm_page_to_phys(frame), 0, PROT);
	enter = ns_per(cycles_now() - t, PARTS_PAGES);
	(void)pmap_remove(region->vr_pmap, BENCH_START + BENCH_SIZE / 2, len);
	(void)vm_region_unmap(region, where, len);

	printk("  the touch loop itself (second touch, no fault)   %6lu ns\n",
	       (unsigned long)loop_ns);
	printk("  a refused fault: trap in and out, lookup, refusal %6lu ns\n",
	       (unsigned long)refused);
	printk("  vm_region_lookup() alone                          %6lu ns\n",
	       (unsigned long)lookup);
	printk("  vm_object_alloc_page() (allocate + zero; floor %lu) %5lu ns\n",
	       (unsigned long)floor_ns, (unsigned long)alloc);
	printk("  pmap_enter() of one 4 KiB leaf                    %6lu ns\n",
	       (unsigned long)enter);
	printk("  the rest (fault %lu - the parts above)             %6ld ns\n",
	       (unsigned long)fault_ns,
	       (long)fault_ns - (long)(loop_ns + refused + alloc + enter));
out:
	if (frame)
		vm_page_free(frame);
	if (vo)
		vm_object_put(vo);
}

/* Print the 4 KiB rows; the 64 MiB figure and its second touch in *@ns64
 * and *@loop. KERN_OK or the status that stopped a pass. */
static kern_status_t small_rows(uint64_t floor_ns, uint64_t *ns64, uint64_t *loop)
{
	struct vm_page_stats st;

	printk("demand-zero faults, 4 KiB pages (mapping 4 KiB past a 2 MiB boundary):\n");
	for (size_t i = 0; i < ARRAY_SIZE(sizes_mib); i++) {
		size_t len = sizes_mib[i] * MIB;
		uint64_t ns, again;
		kern_status_t s;

		vm_page_get_stats(&st);
		if (st.free * KIB4 < len + SPARE) {
			printk("  %4zu MiB  skipped: %zu MiB free (boot with MEM=%zuM)\n", sizes_mib[i],
			       st.free * KIB4 / MIB, 2 * sizes_mib[i]);
			continue;
		}
		s = fault_median(len, false, &ns, &again);
		if (s != KERN_OK)
			return s;
		printk("  %4zu MiB %6zu faults %7lu ns/page  ", sizes_mib[i], len / KIB4,
		       (unsigned long)ns);
		print_ratio(ns, floor_ns);
		printk(" floor\n");
		if (sizes_mib[i] == 64) {
			*ns64 = ns;
			*loop = again;
		}
	}
	return KERN_OK;
}

static int cmd_faultbench(int argc, char **argv)
{
	uint64_t floors[PASSES_MAX], floor_ns, ns64 = 0, loop = 0, ns2m;
	uint64_t p = PASSES_DEFAULT;
	kern_status_t s;

	if (argc > 2 || (argc == 2 && (!parse_u64(argv[1], &p, false) || !p || p > PASSES_MAX))) {
		printk("faultbench [passes]: passes is 1 to %u (default %u)\n", PASSES_MAX,
		       PASSES_DEFAULT);
		return 1;
	}
	passes = (unsigned)p;
	s = vm_region_create("faultbench", BENCH_START, BENCH_SIZE, &region);
	if (s != KERN_OK) {
		printk("faultbench: vm_region_create: %s\n", kern_status_name(s));
		return 1;
	}
	vm_region_activate(region);
	printk("faultbench: TSC %lu MHz (calibrated against the PIT), median of %u passes\n",
	       (unsigned long)(cycles_hz() / 1000000), passes);
	for (unsigned i = 0; i < passes; i++)
		floors[i] = floor_pass();
	floor_ns = ns_per(median(floors, passes), 1);
	printk("zeroing floor: memset() of one 4 KiB page      %7lu ns\n", (unsigned long)floor_ns);

	s = small_rows(floor_ns, &ns64, &loop);
	if (s == KERN_OK) {
		printk("demand-zero faults, 2 MiB pages (mapping 2 MiB aligned):\n");
		s = fault_median(64 * MIB, true, &ns2m, NULL);
	}
	if (s == KERN_OK) {
		printk("    64 MiB %6zu faults %7lu ns per 4 KiB made usable  ", 64 * MIB / MIB2,
		       (unsigned long)ns2m);
		print_ratio(ns2m, floor_ns);
		printk(" floor\n");
		printk("where a 4 KiB fault's time goes (each part timed alone, %u pages):\n",
		       PARTS_PAGES);
		parts(floor_ns, ns64, loop);
		printk("target: 4 KiB fault <= 2x floor: %s; 2 MiB path < floor per 4 KiB: %s\n",
		       ns64 <= 2 * floor_ns ? "met" : "missed", ns2m < floor_ns ? "met" : "missed");
	} else if (s == KERN_MEMORY_FAULT) {
		printk("faultbench: a touch of a fresh mapping was not resolved: finish Lab 5 "
		       "(vm/vm_fault.c) first\n");
	} else {
		printk("faultbench: a pass stopped: %s (finish Labs 4 and 5 first?)\n",
		       kern_status_name(s));
	}
	vm_region_put(region); /* active: the kernel's pmap is activated first */
	region = NULL;
	return s == KERN_OK ? 0 : 1;
}
MONITOR_COMMAND(faultbench, "[passes]",
		"time demand-zero faults against the zeroing floor (make bench-fault)",
		cmd_faultbench);
