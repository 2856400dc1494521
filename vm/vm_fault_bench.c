// LAB 5 FILE
/*
 * vm_fault_bench.c - the cost of a demand-zero fault, measured in the
 * guest (monitor command `faultbench`, run by `make bench-fault`).
 *
 * Each pass maps a fresh demand object into a bench address space and
 * touches every 4 KiB of it once with a probe store (<mango/probe.h>): the
 * CPU faults, the trap path offers the fault to vm_fault(), which
 * allocates a zeroed page and enters it, and the store runs again. Every
 * touch is timed on its own with the TSC, calibrated against the PIT
 * (<mango/cycles.h>), and a pass reports the median touch: on a busy host
 * the guest's CPU is taken away now and then, which lands in a few
 * samples and not in the median. A figure is the median over the passes,
 * each on a fresh object; the clock's own cost (an empty timed section)
 * is taken off every figure.
 *
 *   floor       clearing one 4 KiB page with memset(), the routine the
 *               page allocator zeroes with (VM_ALLOC_ZERO), page by page
 *               over a 2 MiB block, measured right before each pass; the
 *               ratio fault / floor is taken pass by pass
 *   4 KiB       a mapping based 4 KiB past a 2 MiB boundary, so that no
 *               2 MiB block of it meets a 2 MiB-aligned object offset and
 *               every fault brings in a 4 KiB page: 1, 16, 64 (and, with
 *               the memory, 256) MiB
 *   2 MiB       the same object mapped 2 MiB aligned: one fault per 2 MiB;
 *               per 4 KiB made usable, the median fault over 512 plus the
 *               median touch that does not fault (511 of 512 do not)
 *   parts       what one 4 KiB fault is made of, each part timed alone the
 *               same way: the touch without a fault, a fault vm_fault()
 *               refuses (trap in and out, lookup), vm_region_lookup(),
 *               vm_object_alloc_page() (allocation and zeroing),
 *               pmap_enter() of one leaf
 *
 * Figures only: nothing here is a pass/fail test. On a branch where Lab 5
 * is not written the first touch is not resolved and the command says so.
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
#define SAMPLES_MAX (256 * MIB / KIB4) /* one per 4 KiB of the largest object */
#define SAMPLES_ORDER VM_PAGE_256K     /* SAMPLES_MAX uint32_t */
#define PARTS_PAGES 1024               /* pages each part is timed over */
#define SPARE (16 * MIB)               /* free memory left beside an object */
#define PROT (VM_PROT_READ | VM_PROT_WRITE)

static const size_t sizes_mib[] = { 1, 16, 64, 256 };
_Static_assert(SAMPLES_MAX * sizeof(uint32_t) <= (KIB4 << SAMPLES_ORDER),
	       "SAMPLES_ORDER holds a sample per 4 KiB of the largest object");

static struct vm_region *region;
static unsigned passes;
static uint32_t *samples;  /* cycles of each timed operation of a pass */
static uint64_t floor_block; /* the last floor_pass's memset() of 2 MiB at once, per 4 KiB */
static uint64_t overhead;  /* cycles of an empty timed section */

/* Move @v[@i] down the max-heap @v[0..@n) to its place. */
static void sift_down(uint32_t *v, size_t i, size_t n)
{
	for (size_t c; (c = 2 * i + 1) < n; i = c) {
		if (c + 1 < n && v[c + 1] > v[c])
			c++;
		if (v[i] >= v[c])
			return;
		uint32_t t = v[i];
		v[i] = v[c];
		v[c] = t;
	}
}

/* Sort @v[0..@n) (heapsort: no recursion, no memory) and return the
 * median. */
static uint64_t median32(uint32_t *v, size_t n)
{
	for (size_t k = n / 2; k-- > 0;)
		sift_down(v, k, n);
	for (size_t end = n; end-- > 1;) {
		uint32_t t = v[0];
		v[0] = v[end];
		v[end] = t;
		sift_down(v, 0, end);
	}
	return v[n / 2];
}

/* The median of @n (at most PASSES_MAX) per-pass figures. */
static uint64_t median64(const uint64_t *v, unsigned n)
{
	uint32_t w[PASSES_MAX];

	for (unsigned i = 0; i < n; i++)
		w[i] = v[i] > UINT32_MAX ? UINT32_MAX : (uint32_t)v[i];
	return median32(w, n);
}

/* The median of samples[0..@n) less the clock's own cost, in cycles. */
static uint64_t sample_median(size_t n)
{
	uint64_t m = median32(samples, n);

	return m > overhead ? m - overhead : 0;
}

/* Time one sample: the cycles since @t0, clipped to 32 bits. */
static uint32_t since(uint64_t t0)
{
	uint64_t d = cycles_now() - t0;

	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

/* The clock's own cost: the median of empty timed sections. */
static void measure_overhead(void)
{
	for (size_t i = 0; i < PARTS_PAGES; i++)
		samples[i] = since(cycles_now());
	overhead = 0;
	overhead = sample_median(PARTS_PAGES);
}

/* The floor: cycles to clear one 4 KiB page with memset() (median over
 * the pages of one 2 MiB block); then the block at once, per 4 KiB, in
 * floor_block. 0 when no such block is free. */
static uint64_t floor_pass(void)
{
	struct vm_page *blk = vm_page_alloc(VM_PAGE_2M, 0);

	if (!blk)
		return 0;
	char *mem = vm_page_to_virt(blk);
	for (size_t i = 0; i < MIB2 / KIB4; i++) {
		uint64_t t = cycles_now();
		memset(mem + i * KIB4, 0, KIB4);
		samples[i] = since(t);
	}
	uint64_t t = cycles_now();
	memset(mem, 0, MIB2);
	floor_block = (cycles_now() - t) / (MIB2 / KIB4);
	vm_page_free(blk);
	return sample_median(MIB2 / KIB4);
}

/* Touch every 4 KiB of [@base, @base + @len) once with a probe store,
 * each touch timed into samples[]. false when a store faulted for good. */
static bool touch(uintptr_t base, size_t len)
{
	size_t i = 0;

	for (uintptr_t va = base; va < base + len; va += KIB4, i++) {
		uint64_t t = cycles_now();
		if (probe_write64(va, va) != KERN_OK)
			return false;
		samples[i] = since(t);
	}
	return true;
}

/* What one fault_pass() measured, in cycles per 4 KiB. */
struct pass {
	uint64_t median; /* the median faulting touch (2 MiB pages: of the first
			  * touches of each 2 MiB, the ones that fault) */
	uint64_t again;  /* the median second touch (no fault) */
};

/* One pass: map a fresh @len object (2 MiB aligned if @large, else 4 KiB
 * past a 2 MiB boundary), touch it all (the faults), touch it again (no
 * faults), unmap it (the last reference: its pages are freed). Returns
 * KERN_OK, what stopped it, or KERN_MEMORY_FAULT when a touch was not
 * resolved (Lab 5 not written). */
static kern_status_t fault_pass(size_t len, bool large, struct pass *p)
{
	struct vm_object *vo = vm_object_create("faultbench", len, PROT);
	uintptr_t where = BENCH_START + (large ? 0 : KIB4);
	size_t n = len / KIB4;
	kern_status_t s;

	if (!vo)
		return KERN_NO_MEMORY;
	s = vm_region_map(region, vo, 0, len, PROT, &where);
	vm_object_put(vo); /* the mapping holds it now */
	if (s != KERN_OK)
		return s;
	if (!touch(where, len)) {
		s = KERN_MEMORY_FAULT;
	} else {
		if (large) /* the faulting touches to the front */
			for (size_t i = 0; i < len / MIB2; i++)
				samples[i] = samples[i * (MIB2 / KIB4)];
		p->median = sample_median(large ? len / MIB2 : n);
		if (!touch(where, len))
			s = KERN_MEMORY_FAULT;
		else
			p->again = sample_median(n);
	}
	vm_region_unmap(region, where, len);
	return s;
}

/* One row: ns per 4 KiB (the median fault; for 2 MiB pages, per 4 KiB
 * made usable: the median fault over 512 plus the median touch), the floor beside it, the median of the per-pass
 * ratios in hundredths; the second touch in ns. */
struct row {
	uint64_t ns, floor_ns, ratio100, again_ns;
	/* memset() of 2 MiB at once, per 4 KiB, and the ratio against it: a
	 * 2 MiB fault is timed over as long a stretch, so it is as exposed
	 * to the host taking the CPU away */
	uint64_t block_ns, block_ratio100;
};

/* The passes of one size into *@r. Each pass is preceded by a
 * floor_pass() and its ratio taken against that floor, so a slower
 * moment of the host slows both sides of a ratio alike. KERN_OK or the
 * status that stopped a pass. */
static kern_status_t fault_row(size_t len, bool large, struct row *r)
{
	uint64_t figs[PASSES_MAX], floors[PASSES_MAX], ratios[PASSES_MAX], agains[PASSES_MAX];
	uint64_t blocks[PASSES_MAX], block_ratios[PASSES_MAX];

	for (unsigned i = 0; i < passes; i++) {
		struct pass p;
		kern_status_t s;

		floors[i] = floor_pass();
		blocks[i] = floor_block;
		s = fault_pass(len, large, &p);
		if (s != KERN_OK)
			return s;
		/* 2 MiB: one fault, then 511 touches that do not fault */
		figs[i] = large ? p.median / (MIB2 / KIB4) + p.again : p.median;
		agains[i] = p.again;
		ratios[i] = floors[i] ? figs[i] * 100 / floors[i] : 0;
		block_ratios[i] = blocks[i] ? figs[i] * 100 / blocks[i] : 0;
	}
	r->ns = cycles_to_ns(median64(figs, passes));
	r->floor_ns = cycles_to_ns(median64(floors, passes));
	r->ratio100 = median64(ratios, passes);
	r->again_ns = cycles_to_ns(median64(agains, passes));
	r->block_ns = cycles_to_ns(median64(blocks, passes));
	r->block_ratio100 = median64(block_ratios, passes);
	return KERN_OK;
}

static void print_row(size_t mib, size_t faults, const struct row *r)
{
	printk("  %4zu MiB %6zu faults %7lu ns %7lu ns   %lu.%02lux\n", mib, faults,
	       (unsigned long)r->ns, (unsigned long)r->floor_ns,
	       (unsigned long)(r->ratio100 / 100), (unsigned long)(r->ratio100 % 100));
}

/* The 4 KiB rows, printed; the 64 MiB one in *@r64. KERN_OK or the
 * status that stopped a pass. */
static kern_status_t small_rows(struct row *r64)
{
	struct vm_page_stats st;

	printk("demand-zero faults, 4 KiB pages (mapping 4 KiB past a 2 MiB boundary):\n");
	printk("                          median fault   floor   fault/floor\n");
	for (size_t i = 0; i < ARRAY_SIZE(sizes_mib); i++) {
		size_t len = sizes_mib[i] * MIB;
		struct row r;
		kern_status_t s;

		vm_page_get_stats(&st);
		if (st.free * KIB4 < len + SPARE) {
			printk("  %4zu MiB  skipped: %zu MiB free (boot with MEM=%zuM)\n", sizes_mib[i],
			       st.free * KIB4 / MIB, 2 * sizes_mib[i]);
			continue;
		}
		s = fault_row(len, false, &r);
		if (s != KERN_OK)
			return s;
		print_row(sizes_mib[i], len / KIB4, &r);
		if (sizes_mib[i] == 64)
			*r64 = r;
	}
	return KERN_OK;
}

/* The parts of a 4 KiB fault: each timed alone, per operation, median of
 * the passes, in cycles into @c (PART_*). */
enum { PART_FAULT, PART_LOOP, PART_REFUSED, PART_LOOKUP, PART_ALLOC, PART_PAGE, PART_ENTER,
       NR_PARTS };

/* One pass of parts(). KERN_OK, or the status that stopped it. */
static kern_status_t parts_pass(uint64_t c[NR_PARTS])
{
	size_t len = PARTS_PAGES * KIB4;
	uintptr_t where = BENCH_START + KIB4, spare = BENCH_START + BENCH_SIZE / 2;
	struct vm_object *vo;
	struct vm_page *frame;
	struct pass p;
	kern_status_t s;
	uint64_t t, v;

	s = fault_pass(len, false, &p);
	if (s != KERN_OK)
		return s;
	c[PART_FAULT] = p.median;
	c[PART_LOOP] = p.again;

	/* a refused fault: an address no mapping holds */
	for (size_t i = 0; i < PARTS_PAGES; i++) {
		t = cycles_now();
		(void)probe_read64(BENCH_START + BENCH_SIZE - KIB4, &v);
		samples[i] = since(t);
	}
	c[PART_REFUSED] = sample_median(PARTS_PAGES);

	vo = vm_object_create("faultbench-parts", len, PROT);
	frame = vm_page_alloc(VM_PAGE_4K, 0);
	s = !vo || !frame ? KERN_NO_MEMORY : vm_region_map(region, vo, 0, len, PROT, &where);
	if (s == KERN_OK) {
		vm_region_lock(region);
		for (size_t i = 0; i < PARTS_PAGES; i++) {
			t = cycles_now();
			(void)vm_region_lookup(region, where + i * KIB4, NULL, NULL);
			samples[i] = since(t);
		}
		vm_region_unlock(region);
		c[PART_LOOKUP] = sample_median(PARTS_PAGES);

		for (size_t i = 0; i < PARTS_PAGES; i++) {
			t = cycles_now();
			(void)vm_object_alloc_page(vo, (off_t)(i * KIB4), VM_PAGE_4K);
			samples[i] = since(t);
		}
		c[PART_ALLOC] = sample_median(PARTS_PAGES);

		/* the allocator's part of that: a zeroed page, freed untimed */
		for (size_t i = 0; i < PARTS_PAGES; i++) {
			struct vm_page *pg;

			t = cycles_now();
			pg = vm_page_alloc(VM_PAGE_4K, VM_ALLOC_ZERO);
			samples[i] = since(t);
			if (pg)
				vm_page_free(pg);
		}
		c[PART_PAGE] = sample_median(PARTS_PAGES);

		/* bare leaves in an unused part of the region, removed after */
		for (size_t i = 0; i < PARTS_PAGES; i++) {
			t = cycles_now();
			(void)pmap_enter(region->vr_pmap, spare + i * KIB4, vm_page_to_phys(frame), 0,
					 PROT);
			samples[i] = since(t);
		}
		c[PART_ENTER] = sample_median(PARTS_PAGES);
		(void)pmap_remove(region->vr_pmap, spare, len);
		(void)vm_region_unmap(region, where, len);
	}
	if (frame)
		vm_page_free(frame);
	if (vo)
		vm_object_put(vo);
	return s;
}

/* What a 4 KiB fault is made of, printed in ns; the floor for scale.
 * KERN_OK or what stopped a pass. */
static kern_status_t parts(uint64_t floor_ns)
{
	static const char *const what[NR_PARTS] = {
		[PART_FAULT] = "a demand-zero fault, touch included (4 MiB object)",
		[PART_LOOP] = "  the touch itself (second touch, no fault)",
		[PART_REFUSED] = "  a refused fault: trap in and out, lookup",
		[PART_LOOKUP] = "  vm_region_lookup() alone (inside the above)",
		[PART_ALLOC] = "  vm_object_alloc_page(): allocate + zero",
		[PART_PAGE] = "    vm_page_alloc(VM_ALLOC_ZERO) alone (inside the above)",
		[PART_ENTER] = "  pmap_enter() of one 4 KiB leaf",
	};
	uint64_t c[PASSES_MAX][NR_PARTS], col[PASSES_MAX], ns[NR_PARTS];
	long rest;

	for (unsigned i = 0; i < passes; i++) {
		kern_status_t s = parts_pass(c[i]);
		if (s != KERN_OK)
			return s;
	}
	for (unsigned k = 0; k < NR_PARTS; k++) {
		for (unsigned i = 0; i < passes; i++)
			col[i] = c[i][k];
		ns[k] = cycles_to_ns(median64(col, passes));
		printk("  %-58s %7lu ns\n", what[k], (unsigned long)ns[k]);
	}
	/* the lookup is inside the refused fault, the page inside the
	 * object's allocation: not counted twice */
	rest = (long)ns[PART_FAULT] -
	       (long)(ns[PART_LOOP] + ns[PART_REFUSED] + ns[PART_ALLOC] + ns[PART_ENTER]);
	printk("  %-58s %7ld ns\n", "  the rest (fault - the four above)", rest);
	printk("  %-58s %7lu ns\n", "(the zeroing floor, 64 MiB row)", (unsigned long)floor_ns);
	return KERN_OK;
}

/* Run every measurement in the bench region, printing as it goes.
 * KERN_OK or the status that stopped it. */
static kern_status_t run(void)
{
	struct row r64 = { 0 }, r2m = { 0 };
	kern_status_t s;

	printk("faultbench: TSC %lu MHz (calibrated against the PIT), median of %u passes\n",
	       (unsigned long)(cycles_hz() / 1000000), passes);
	printk("floor: memset() of one 4 KiB page (the allocator's zeroing), before each pass\n");
	s = small_rows(&r64);
	if (s != KERN_OK)
		return s;
	printk("demand-zero faults, 2 MiB pages (mapping 2 MiB aligned), per 4 KiB made "
	       "usable:\n");
	s = fault_row(64 * MIB, true, &r2m);
	if (s != KERN_OK)
		return s;
	print_row(64, 64 * MIB / MIB2, &r2m);
	printk("  against memset() of 2 MiB at once, per 4 KiB: %lu ns, %lu.%02lux\n",
	       (unsigned long)r2m.block_ns, (unsigned long)(r2m.block_ratio100 / 100),
	       (unsigned long)(r2m.block_ratio100 % 100));
	printk("where a 4 KiB fault's time goes (each part timed alone, %u times a pass):\n",
	       PARTS_PAGES);
	s = parts(r64.floor_ns);
	if (s != KERN_OK)
		return s;
	printk("target: 4 KiB fault <= 2x floor: %s (%lu.%02lux); 2 MiB path < floor per 4 KiB: "
	       "%s (%lu.%02lux)\n",
	       r64.ratio100 <= 200 ? "met" : "missed", (unsigned long)(r64.ratio100 / 100),
	       (unsigned long)(r64.ratio100 % 100), r2m.ratio100 < 100 ? "met" : "missed",
	       (unsigned long)(r2m.ratio100 / 100), (unsigned long)(r2m.ratio100 % 100));
	return KERN_OK;
}

static int cmd_faultbench(int argc, char **argv)
{
	struct vm_region *was = vm_region_active();
	struct vm_page *buf;
	uint64_t p = PASSES_DEFAULT;
	kern_status_t s;

	if (argc > 2 || (argc == 2 && (!parse_u64(argv[1], &p, false) || !p || p > PASSES_MAX))) {
		printk("faultbench [passes]: passes is 1 to %u (default %u)\n", PASSES_MAX,
		       PASSES_DEFAULT);
		return 1;
	}
	passes = (unsigned)p;
	buf = vm_page_alloc(SAMPLES_ORDER, 0);
	if (!buf) {
		printk("faultbench: no memory for the samples\n");
		return 1;
	}
	samples = vm_page_to_virt(buf);
	measure_overhead();
	s = vm_region_create("faultbench", BENCH_START, BENCH_SIZE, &region);
	if (s == KERN_OK) {
		vm_region_activate(region);
		s = run();
		vm_region_activate(was); /* the monitor's `vmr use` region, or the kernel's */
		vm_region_put(region);
		region = NULL;
	}
	if (s == KERN_MEMORY_FAULT)
		printk("faultbench: a touch of a fresh mapping was not resolved: finish Lab 5 "
		       "(vm/vm_fault.c) first\n");
	else if (s != KERN_OK)
		printk("faultbench: stopped: %s (finish Labs 4 and 5 first?)\n",
		       kern_status_name(s));
	vm_page_free(buf);
	samples = NULL;
	return s == KERN_OK ? 0 : 1;
}
MONITOR_COMMAND(faultbench, "[passes]",
		"time demand-zero faults against the zeroing floor (make bench-fault)",
		cmd_faultbench);
