// LAB 5 FILE
/*
 * vm_fault_host_test.c - demand faults on the host under ASan and UBSan
 * (make test-host): vm_fault() driven directly, with the real pmap
 * (kernel/arch/x86_64/pmap.c), vm_objects, page allocator and btree
 * underneath. One case per result of the contract, each checking the
 * counters and that a refused fault changed nothing; then what a resolved
 * fault brings in: a zeroed page (the frames are dirtied first, so a page
 * that is not zeroed shows), the right object offset, a page shared by two
 * mappings, the in-place frame, one 2 MiB page on a first touch where the
 * block allows it and 4 KiB where it does not, KERN_NO_MEMORY leaving
 * nothing behind. Then a seeded storm of faults (and of maps and unmaps)
 * checked against what the mappings say, vm_region_check() and
 * vm_object_check() after every step; at the end every frame is back.
 *
 * Usage: vm_fault_host_test [seed]
 */
#include <stdint.h>

#include <mango/vm_arch.h>
#include <mango/vm_fault.h>
#include <mango/vm_region.h>

#include "host_test.h"
#include "host_vm.h"
#include "pmap_host.h"

#define PG ((size_t)PAGE_SIZE)
#define MIB2 (2 * MiB)
#define RBASE ((uintptr_t)1 * GiB)   /* 2 MiB aligned */
#define RSIZE (64 * MiB)
#define DIRT 0xA5                    /* what a frame holds before it is allocated */
#define STEPS 3000

static const enum vm_prot R = VM_PROT_READ;
static const enum vm_prot RW = VM_PROT_READ | VM_PROT_WRITE;
static const enum vm_prot RX = VM_PROT_READ | VM_PROT_EXEC;

/* Dirty every free frame, so a page handed out without zeroing shows. */
static void dirty_free_frames(void)
{
	for (size_t pfn = IN_PLACE_END / PG; pfn < FRAMES; pfn++)
		if (!(pages[pfn].p_flags & VM_PAGE_ALLOCATED))
			memset(phys_to_virt((phys_addr_t)pfn * PG), DIRT, PG);
}

static struct vm_region *new_region(const char *name)
{
	struct vm_region *r = NULL;
	kern_status_t s = vm_region_create(name, RBASE, RSIZE, &r);

	CHECK(s == KERN_OK && r, "vm_region_create(%s): %s", name, kern_status_name(s));
	return r;
}

/* Map [@off, @off + @len) of @vo at @va with @prot; must work. */
static void map_at(struct vm_region *r, struct vm_object *vo, off_t off, size_t len,
		   enum vm_prot prot, uintptr_t va)
{
	uintptr_t at = va;
	kern_status_t s = vm_region_map(r, vo, off, len, prot, &at);

	CHECK(s == KERN_OK && at == va, "map %s+0x%lx at 0x%lx: %s", vo->vo_name,
	      (unsigned long)off, (unsigned long)va, kern_status_name(s));
}

/* The leaf holding @va: its order, or -1 when nothing maps it; the frame
 * of @va itself and the rights in *@pa / *@prot (may be NULL; 0 when
 * nothing maps it, so that a stub's result is checked, not a crash). */
static int leaf(struct vm_region *r, uintptr_t va, phys_addr_t *pa, enum vm_prot *prot)
{
	unsigned order;

	if (pa)
		*pa = 0;
	if (prot)
		*prot = VM_PROT_NONE;

	return pmap_extract(r->vr_pmap, va, pa, &order, prot) == KERN_OK ? (int)order : -1;
}

static size_t leaves(struct vm_region *r)
{
	size_t n = 0;
	uintptr_t va = 0, at;
	unsigned order;

	while (pmap_next_leaf(r->vr_pmap, va, USER_HALF_END, &at, NULL, &order, NULL) == KERN_OK) {
		n++;
		va = at + (PG << order);
	}
	return n;
}

/* The counters, as one triple to compare. */
struct counts {
	size_t taken, pages, refused;
};

static struct counts counts_of(const struct vm_region *r)
{
	return (struct counts){ r->vr_faults.taken, r->vr_faults.pages, r->vr_faults.refused };
}

#define CHECK_COUNTS(r, before, dt, dp, dr)                                                  \
	do {                                                                                 \
		struct counts now_ = counts_of(r);                                           \
		CHECK(now_.taken == (before).taken + (dt) && now_.pages == (before).pages + (dp) && \
		      now_.refused == (before).refused + (dr),                               \
		      "counters taken/pages/refused %zu/%zu/%zu, expected %zu/%zu/%zu",      \
		      now_.taken, now_.pages, now_.refused, (before).taken + (dt),           \
		      (before).pages + (dp), (before).refused + (dr));                       \
	} while (0)

/* Whether all @len bytes at @pa are @byte. */
static bool frame_is(phys_addr_t pa, size_t len, unsigned char byte)
{
	const unsigned char *p = phys_to_virt(pa);

	for (size_t i = 0; i < len; i++)
		if (p[i] != byte)
			return false;
	return true;
}

/* vm_fault() must refuse (@va, @access) with @want, counted, and change
 * nothing: no frame taken, no leaf, no page. */
static void expect_refused(struct vm_region *r, struct vm_object *vo, uintptr_t va,
			   enum vm_prot access, kern_status_t want)
{
	struct counts before = counts_of(r);
	size_t free_before = vm_page_nr_free(), leaves_before = leaves(r);
	size_t pages_before = vo ? btree_count(&vo->vo_pages) : 0;
	kern_status_t s = vm_fault(r, va, access);

	CHECK(s == want, "vm_fault(0x%lx, %s 0x%x): %s, expected %s", (unsigned long)va,
	      vm_fault_access_name(access), (unsigned)access, kern_status_name(s),
	      kern_status_name(want));
	CHECK_COUNTS(r, before, 1, 0, 1);
	CHECK(vm_page_nr_free() == free_before && leaves(r) == leaves_before &&
	      (!vo || btree_count(&vo->vo_pages) == pages_before),
	      "a refused fault changed something: free %zu -> %zu, leaves %zu -> %zu",
	      free_before, vm_page_nr_free(), leaves_before, leaves(r));
	vm_region_check(r);
}

/* vm_fault() must resolve (@va, @access), allocating @new_pages pages. */
static void expect_resolved(struct vm_region *r, uintptr_t va, enum vm_prot access,
			    size_t new_pages)
{
	struct counts before = counts_of(r);
	kern_status_t s = vm_fault(r, va, access);

	CHECK(s == KERN_OK, "vm_fault(0x%lx, %s): %s", (unsigned long)va,
	      vm_fault_access_name(access), kern_status_name(s));
	CHECK_COUNTS(r, before, 1, new_pages, 0);
	CHECK(leaf(r, va, NULL, NULL) >= 0, "0x%lx not mapped after the fault", (unsigned long)va);
	vm_region_check(r);
}

/* Every result of the contract; a refused fault changes nothing. */
static void test_results(void)
{
	struct vm_region *r = new_region("results");
	struct vm_object *ro = vm_object_create("ro", 8 * PG, RX);
	struct vm_object *rw = vm_object_create("rw", 8 * PG, RW | VM_PROT_USER);
	char why[160];

	map_at(r, ro, 0, 4 * PG, R, RBASE);
	map_at(r, rw, 0, 4 * PG, RW, RBASE + 8 * PG);
	CHECK(vm_fault(NULL, RBASE, R) == KERN_INVALID_ARGUMENT, "NULL region");
	expect_refused(r, ro, RBASE, VM_PROT_NONE, KERN_INVALID_ARGUMENT);
	expect_refused(r, ro, RBASE, RW, KERN_INVALID_ARGUMENT);
	expect_refused(r, ro, RBASE, VM_PROT_USER, KERN_INVALID_ARGUMENT);
	expect_refused(r, ro, RBASE, (enum vm_prot)0x10, KERN_INVALID_ARGUMENT);
	expect_refused(r, ro, RBASE + 4 * PG, R, KERN_NOT_FOUND); /* the gap */
	expect_refused(r, ro, RBASE - 1, R, KERN_NOT_FOUND);      /* below the region */
	expect_refused(r, ro, USER_HALF_END + PG, R, KERN_NOT_FOUND);
	expect_refused(r, ro, RBASE + PG + 8, VM_PROT_WRITE, KERN_ACCESS_DENIED);
	expect_refused(r, ro, RBASE + PG + 8, VM_PROT_EXEC, KERN_ACCESS_DENIED); /* NX */
	expect_refused(r, rw, RBASE + 8 * PG, VM_PROT_READ | VM_PROT_USER, KERN_ACCESS_DENIED);
	CHECK(!strcmp(vm_fault_describe(r, RBASE + 4 * PG, R, KERN_NOT_FOUND, why, sizeof(why)),
		      "no mapping at 0x40004000 in region 'results'"), "describe: %s", why);
	vm_fault_describe(r, RBASE + PG + 8, VM_PROT_WRITE, KERN_ACCESS_DENIED, why, sizeof(why));
	CHECK(!strcmp(why, "write to read-only mapping of 'ro' [0x40000000-0x40004000) at "
		      "0x40001008"), "describe: %s", why);
	vm_fault_describe(r, RBASE + 8, VM_PROT_EXEC, KERN_ACCESS_DENIED, why, sizeof(why));
	CHECK(!strcmp(why, "instruction fetch from NX mapping of 'ro' [0x40000000-0x40004000) at "
		      "0x40000008"), "describe: %s", why);
	vm_fault_describe(r, RBASE + 8 * PG, R | VM_PROT_USER, KERN_ACCESS_DENIED, why, 16);
	CHECK(strlen(why) == 15, "describe truncates to the buffer: '%s'", why);
	vm_fault_describe(NULL, 0x1234, R, KERN_NOT_FOUND, why, sizeof(why));
	CHECK(!strcmp(why, "no address space is active (read at 0x1234)"), "describe: %s", why);
	CHECK(!strcmp(vm_fault_access_name(VM_PROT_EXEC | VM_PROT_USER), "instruction fetch") &&
	      !strcmp(vm_fault_access_name(RW), "?"), "vm_fault_access_name");
	CHECK(btree_count(&ro->vo_pages) == 0 && btree_count(&rw->vo_pages) == 0,
	      "refused faults allocated pages");
	vm_region_put(r);
	vm_object_put(ro);
	vm_object_put(rw);
}

/* A first touch allocates one zeroed page at the offset the mapping
 * shows; a second touch of that page allocates nothing. */
static void test_demand_zero(void)
{
	struct vm_region *r = new_region("demand");
	struct vm_object *vo = vm_object_create("demand", 16 * PG, RW);
	size_t free_before;
	phys_addr_t pa;
	enum vm_prot prot;
	struct vm_page *p;

	map_at(r, vo, 3 * PG, 8 * PG, RW, RBASE + PG); /* m_offset 3 pages, not 2 MiB able */
	dirty_free_frames();
	free_before = vm_page_nr_free();
	expect_resolved(r, RBASE + 2 * PG + 0x123, R, 1);
	CHECK(vm_page_nr_free() == free_before - 1, "one frame per page touched: %zu -> %zu", free_before,
	      vm_page_nr_free());
	CHECK(leaf(r, RBASE + 2 * PG, &pa, &prot) == 0 && prot == RW, "a 4 KiB leaf with m_prot");
	vm_object_lock(vo);
	p = vm_object_get_page(vo, 4 * PG);
	vm_object_unlock(vo);
	CHECK(p && p->p_vmo_offset == 4 * PG && p->p_order == 0 && vm_page_to_phys(p) == pa,
	      "the page is the object's at m_offset + (va - m_base) = 0x4000");
	CHECK(frame_is(pa, PG, 0), "a demand page reads as zeros");
	memset(phys_to_virt(pa), 0x77, PG);
	expect_resolved(r, RBASE + 2 * PG + 0x800, VM_PROT_WRITE, 0); /* mapped: nothing new */
	CHECK(vm_page_nr_free() == free_before - 1 && btree_count(&vo->vo_pages) == 1,
	      "a second touch allocates nothing");
	CHECK(frame_is(pa, PG, 0x77), "and does not zero again");
	expect_resolved(r, RBASE + 8 * PG, VM_PROT_WRITE, 1);
	CHECK(btree_count(&vo->vo_pages) == 2 && vm_page_nr_free() == free_before - 2, "two pages touched");
	vm_object_check(vo);
	vm_region_put(r);
	vm_object_put(vo);
	CHECK(vm_page_nr_free() == free_before, "the object's pages went with it");
}

/* Two mappings of one object (in two regions, and twice in one) share its
 * pages: a fault through the second finds the page the first brought in. */
static void test_shared(void)
{
	struct vm_region *a = new_region("share-a"), *b = new_region("share-b");
	struct vm_object *vo = vm_object_create("shared", 8 * PG, RW);
	phys_addr_t pa, pb, pc;
	size_t free_before = vm_page_nr_free();

	map_at(a, vo, 0, 8 * PG, RW, RBASE);
	map_at(b, vo, 2 * PG, 4 * PG, R, RBASE + 16 * PG);
	map_at(b, vo, 0, 8 * PG, RW, RBASE + 32 * PG);
	expect_resolved(a, RBASE + 3 * PG, VM_PROT_WRITE, 1);
	leaf(a, RBASE + 3 * PG, &pa, NULL);
	memset(phys_to_virt(pa), 0x3c, PG); /* "written through a" */
	expect_resolved(b, RBASE + 17 * PG + 8, R, 0);
	expect_resolved(b, RBASE + 35 * PG, VM_PROT_WRITE, 0);
	leaf(b, RBASE + 17 * PG, &pb, NULL);
	leaf(b, RBASE + 35 * PG, &pc, NULL);
	CHECK(pa == pb && pa == pc, "one frame for object offset 0x3000: 0x%lx 0x%lx 0x%lx",
	      (unsigned long)pa, (unsigned long)pb, (unsigned long)pc);
	CHECK(frame_is(pb, PG, 0x3c), "b sees a's write");
	CHECK(btree_count(&vo->vo_pages) == 1 && vm_page_nr_free() == free_before - 1,
	      "never allocated twice");
	expect_refused(b, vo, RBASE + 17 * PG, VM_PROT_WRITE, KERN_ACCESS_DENIED);
	vm_object_check(vo);
	vm_region_put(a);
	vm_region_put(b);
	vm_object_put(vo);
	CHECK(vm_page_nr_free() == free_before, "frames back");
}

/* In-place objects: the frame at vo_phys_base + offset, nothing allocated,
 * 2 MiB where the frames and the block are aligned. vm_region_map() enters
 * them all (Lab 4); the leaves are removed to make the faults happen. */
static void test_in_place(void)
{
	struct vm_region *r = new_region("in-place");
	struct vm_object *small = vm_object_create_in_place("dev", 3 * PG, 4 * PG, RW);
	struct vm_object *big = vm_object_create_in_place("fb", 2 * MiB, 4 * MiB, RW);
	size_t free_before = vm_page_nr_free();
	phys_addr_t pa;

	map_at(r, small, PG, 3 * PG, RW, RBASE);
	map_at(r, big, 0, 4 * MiB, RW, RBASE + MIB2);
	pmap_remove(r->vr_pmap, RBASE, 3 * PG);
	pmap_remove(r->vr_pmap, RBASE + MIB2, 4 * MiB);
	vm_region_check(r);
	expect_resolved(r, RBASE + PG + 16, VM_PROT_WRITE, 0);
	CHECK(leaf(r, RBASE + PG + 16, &pa, NULL) == 0 && pa == 3 * PG + 2 * PG + 16,
	      "in place: vo_phys_base + m_offset + (va - m_base), got 0x%lx", (unsigned long)pa);
	expect_resolved(r, RBASE + MIB2 + MIB2 + 0x5008, R, 0);
	CHECK(leaf(r, RBASE + MIB2 + MIB2 + 0x5008, &pa, NULL) == 9 &&
	      pa == 2 * MiB + MIB2 + 0x5008, "an aligned in-place block: one 2 MiB leaf (0x%lx)",
	      (unsigned long)pa);
	CHECK(vm_page_nr_free() == free_before, "in-place faults allocate nothing");
	vm_region_put(r);
	vm_object_put(small);
	vm_object_put(big);
}

/* Large pages on first touch, and where they must not be used. */
static void test_large(void)
{
	struct vm_region *r = new_region("large");
	struct vm_object *vo = vm_object_create("large", 8 * MiB, RW);
	struct vm_page *p;
	size_t free_before;
	phys_addr_t pa;

	map_at(r, vo, 0, 4 * MiB, RW, RBASE);                  /* aligned */
	map_at(r, vo, 4 * MiB + PG, 2 * MiB, RW, RBASE + 8 * MiB); /* offset not aligned */
	map_at(r, vo, 6 * MiB, MiB, RW, RBASE + 16 * MiB);      /* not the whole block */
	dirty_free_frames();
	free_before = vm_page_nr_free();
	expect_resolved(r, RBASE + MIB2 + 0x12345, VM_PROT_WRITE, 1);
	CHECK(leaf(r, RBASE + MIB2, &pa, NULL) == 9, "first touch of an aligned block: 2 MiB leaf");
	CHECK(vm_page_nr_free() == free_before - 512, "one 2 MiB page: %zu frames", free_before - vm_page_nr_free());
	vm_object_lock(vo);
	p = vm_object_get_page(vo, MIB2 + 0x12000);
	vm_object_unlock(vo);
	CHECK(p && p->p_order == VM_PAGE_2M && p->p_vmo_offset == (off_t)MIB2, "a VM_PAGE_2M page");
	CHECK(frame_is(pa, MIB2, 0), "all of it zeroed");
	expect_resolved(r, RBASE + 4 * MiB - 8, R, 0); /* the same leaf */

	/* the object has a page in the block: 4 KiB from then on */
	CHECK(vm_object_alloc_page(vo, 0x3000, VM_PAGE_4K), "a 4 KiB page at 0x3000");
	expect_resolved(r, RBASE + 0x10000, R, 1);
	CHECK(leaf(r, RBASE + 0x10000, NULL, NULL) == 0, "block with a page: 4 KiB");
	expect_resolved(r, RBASE + 0x3008, R, 0);
	CHECK(leaf(r, RBASE + 0x3008, NULL, NULL) == 0, "the existing page: its own 4 KiB");

	expect_resolved(r, RBASE + 8 * MiB + 0x1000, R, 1);
	CHECK(leaf(r, RBASE + 8 * MiB + 0x1000, NULL, NULL) == 0, "misaligned offset: 4 KiB");
	expect_resolved(r, RBASE + 16 * MiB, R, 1);
	CHECK(leaf(r, RBASE + 16 * MiB, NULL, NULL) == 0, "block not covered: 4 KiB");
	/* a second mapping of the 2 MiB page: entered as a 2 MiB leaf too */
	map_at(r, vo, 0, 4 * MiB, R, RBASE + 32 * MiB);
	pmap_remove(r->vr_pmap, RBASE + 32 * MiB, 4 * MiB); /* undo Lab 4's population */
	expect_resolved(r, RBASE + 32 * MiB + MIB2 + 8, R, 0);
	CHECK(leaf(r, RBASE + 32 * MiB + MIB2, NULL, NULL) == 9, "a shared 2 MiB page: 2 MiB leaf");
	vm_object_check(vo);
	vm_region_put(r);
	vm_object_put(vo);
}

/* KERN_NO_MEMORY: no frame, or no table page; nothing left behind. When
 * no 2 MiB block is free, a first touch falls back to 4 KiB. */
static void test_no_memory(void)
{
	struct vm_region *r = new_region("nomem");
	struct vm_object *vo = vm_object_create("nomem", 4 * MiB, RW);
	struct vm_page *hoard[FRAMES];
	size_t n = 0, free_before;

	map_at(r, vo, 0, 4 * MiB, RW, RBASE);
	free_before = vm_page_nr_free();
	pmap_host_fail_after(0); /* no table page */
	expect_refused(r, vo, RBASE + 8, VM_PROT_WRITE, KERN_NO_MEMORY);
	pmap_host_fail_after(-1);
	CHECK(vm_page_nr_free() == free_before && btree_count(&vo->vo_pages) == 0,
	      "the page allocated for it went back");
	while ((hoard[n] = vm_page_alloc(VM_PAGE_4K, 0)))
		n++;
	expect_refused(r, vo, RBASE + 8, VM_PROT_WRITE, KERN_NO_MEMORY);
	vm_page_free(hoard[--n]); /* one 4 KiB frame, no 2 MiB block */
	expect_resolved(r, RBASE + 8, VM_PROT_WRITE, 1);
	CHECK(leaf(r, RBASE, NULL, NULL) == 0, "no 2 MiB block: a 4 KiB page after all");
	while (n)
		vm_page_free(hoard[--n]);
	vm_object_check(vo);
	vm_region_put(r);
	vm_object_put(vo);
	CHECK(vm_page_nr_free() == free_before, "frames back");
}

/* ------------------------------------------------------------------------
 * The storm: objects (demand and in place), mappings made and unmade at
 * random, faults at random addresses with random accesses, each result
 * predicted from the mappings, the invariants checked after every step.
 */

#define NR_OBJS 4
#define NR_SLOTS 8

static const enum vm_prot storm_prots[] = { R, RW, RX, RW | VM_PROT_USER,
					    VM_PROT_READ | VM_PROT_USER };

/* What vm_fault should say to (@va, @access) in @r: looked up by hand. */
static kern_status_t predict(struct vm_region *r, uintptr_t va, enum vm_prot access)
{
	struct vm_region_mapping *m;
	kern_status_t s;

	vm_region_lock(r);
	s = vm_region_lookup(r, va, &m, NULL);
	if (s == KERN_OK && (access & ~m->m_prot))
		s = KERN_ACCESS_DENIED;
	vm_region_unlock(r);
	return s;
}

/* After a resolved fault: the leaf at @va has m_prot and the frame of the
 * object's page (or in-place frame) at the offset @va shows. */
static void check_backed(struct vm_region *r, uintptr_t va)
{
	struct vm_region_mapping *m;
	struct vm_object *vo;
	phys_addr_t pa, want = 0;
	enum vm_prot prot;
	off_t off;

	vm_region_lock(r);
	vm_region_lookup(r, va, &m, &off);
	vo = m->m_object;
	vm_object_lock(vo);
	if (vo->vo_flags & VMO_IN_PLACE) {
		want = vo->vo_phys_base + (phys_addr_t)off;
	} else {
		struct vm_page *p = vm_object_get_page(vo, off);
		if (p)
			want = vm_page_to_phys(p) + (phys_addr_t)(off - p->p_vmo_offset);
	}
	vm_object_unlock(vo);
	CHECK(leaf(r, va, &pa, &prot) >= 0 && want && pa == want && prot == m->m_prot,
	      "0x%lx: frame 0x%lx rights 0x%x, object '%s' has 0x%lx, mapping rights 0x%x",
	      (unsigned long)va, (unsigned long)pa, (unsigned)prot, vo->vo_name,
	      (unsigned long)want, (unsigned)m->m_prot);
	vm_region_unlock(r);
}

static void test_storm(void)
{
	struct vm_region *r = new_region("storm");
	struct vm_object *objs[NR_OBJS];
	size_t free_before = vm_page_nr_free(), outcome[KERN_NR_STATUS] = { 0 };
	uintptr_t recent[NR_SLOTS][2] = { { 0 } }; /* [base, len) of recent maps */
	struct counts start;

	objs[0] = vm_object_create("s-small", 64 * PG, VM_PROT_ALL);
	objs[1] = vm_object_create("s-big", 16 * MiB, VM_PROT_ALL);
	objs[2] = vm_object_create("s-ro", 8 * MiB, R | VM_PROT_USER);
	objs[3] = vm_object_create_in_place("s-dev", MIB2, 4 * MiB, RW);
	start = counts_of(r);
	for (unsigned step = 0; step < STEPS; step++) {
		uint64_t x = next_rand();
		unsigned op = (unsigned)(x % 16);

		if (op == 0) { /* map a window somewhere */
			struct vm_object *vo = objs[next_rand() % NR_OBJS];
			size_t pages = vo->vo_size / PG;
			size_t first = next_rand() % pages, len;
			enum vm_prot prot = storm_prots[next_rand() % 5];
			uintptr_t at = (next_rand() & 1) ? VM_REGION_ANYWHERE
							 : RBASE + (next_rand() % (RSIZE / PG)) * PG;

			if (next_rand() & 1)
				first &= ~(size_t)511; /* 2 MiB aligned offsets, often */
			len = 1 + next_rand() % (pages - first);
			if ((prot & ~vo->vo_prot) == 0 &&
			    vm_region_map(r, vo, (off_t)(first * PG), len * PG, prot, &at) == KERN_OK) {
				recent[step % NR_SLOTS][0] = at;
				recent[step % NR_SLOTS][1] = len * PG;
			}
		} else if (op == 1) { /* unmap a range */
			uintptr_t va = RBASE + (next_rand() % (RSIZE / PG)) * PG;
			size_t len = (1 + next_rand() % 1024) * PG;

			vm_region_unmap(r, va, MIN(len, RBASE + RSIZE - va));
		} else { /* fault */
			uintptr_t *near = recent[next_rand() % NR_SLOTS];
			uintptr_t va = (near[1] && (next_rand() & 3))
					       ? near[0] + next_rand() % near[1] /* mostly mapped */
					       : RBASE + next_rand() % RSIZE;
			static const enum vm_prot acc[] = { VM_PROT_READ, VM_PROT_WRITE,
							    VM_PROT_EXEC };
			enum vm_prot access = acc[next_rand() % 3];
			kern_status_t want, s;
			struct counts before = counts_of(r);

			if (next_rand() % 4 == 0)
				access |= VM_PROT_USER;
			want = predict(r, va, access);
			s = vm_fault(r, va, access);
			CHECK(s == want, "step %u: vm_fault(0x%lx, 0x%x): %s, predicted %s", step,
			      (unsigned long)va, (unsigned)access, kern_status_name(s),
			      kern_status_name(want));
			CHECK(r->vr_faults.taken == before.taken + 1 &&
			      r->vr_faults.refused == before.refused + (s != KERN_OK),
			      "step %u: counters", step);
			outcome[s]++;
			if (s == KERN_OK)
				check_backed(r, va);
		}
		vm_region_check(r);
		for (unsigned i = 0; i < NR_OBJS; i++)
			vm_object_check(objs[i]);
	}
	printf("vm_fault_host_test: storm: KERN_OK %zu KERN_NOT_FOUND %zu KERN_ACCESS_DENIED %zu;"
	       " pages %zu, %zu leaves at the end\n", outcome[KERN_OK], outcome[KERN_NOT_FOUND],
	       outcome[KERN_ACCESS_DENIED], r->vr_faults.pages - start.pages, leaves(r));
	CHECK(outcome[KERN_OK] && outcome[KERN_NOT_FOUND] && outcome[KERN_ACCESS_DENIED],
	      "the storm met every result");
	vm_region_put(r);
	for (unsigned i = 0; i < NR_OBJS; i++)
		vm_object_put(objs[i]);
	CHECK(vm_page_nr_free() == free_before, "frames: %zu free after the storm, %zu before", vm_page_nr_free(),
	      free_before);
}

int main(int argc, char **argv)
{
	size_t free_start, tables_start;

	free_start = host_vm_begin("vm_fault_host_test", argc, argv);
	tables_start = pmap_host_tables_live(); /* the kernel pmap's */
	test_results();
	test_demand_zero();
	test_shared();
	test_in_place();
	test_large();
	test_no_memory();
	test_storm();
	CHECK(pmap_host_tables_live() == tables_start, "%zu table pages left, %zu at the start",
	      pmap_host_tables_live(), tables_start);
	return host_vm_end("vm_fault_host_test", free_start);
}
