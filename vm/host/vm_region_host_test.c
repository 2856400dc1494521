// LAB 4 FILE
/*
 * vm_region_host_test.c - address spaces and mappings on the host under
 * ASan and UBSan (make test-host): the pmap (kernel/arch/x86_64/pmap.c),
 * vm_objects, the page allocator and the btree underneath are the real
 * ones; kmalloc is the C library's. One case per result of each contract,
 * then a seeded random sequence of map (fixed and anywhere; demand objects
 * with pages of orders 0, 9 and 10; in-place objects) / unmap / protect
 * against a model, vm_region_check() after every step; at the end the
 * region is put and every table page, mapping and reference must be back.
 * vm_region_check() itself must catch broken invariants (in a child).
 *
 * Usage: vm_region_host_test [seed]
 */
#include <stdint.h>

#include <mango/kmalloc.h>
#include <mango/vm_arch.h>
#include <mango/vm_region.h>

#include "host_test.h"
#include "host_vm.h"
#include "pmap_host.h"

#define MIB2 (2 * MiB)
#define RBASE (1 * GiB - 16 * MiB)        /* the region crosses a 1 GiB boundary */
#define RSIZE (48 * MiB)
#define STEPS 2000
#define MAX_MODEL 512

static const enum vm_prot RW = VM_PROT_READ | VM_PROT_WRITE;

static unsigned long refs(const struct vm_object *vo)
{
	return vo->vo_base.ob_refs;
}

static struct vm_region *new_region(const char *name)
{
	struct vm_region *r = NULL;
	kern_status_t s = vm_region_create(name, RBASE, RSIZE, &r);

	CHECK(s == KERN_OK && r, "vm_region_create(%s): %s", name, kern_status_name(s));
	return r;
}

/* A demand object with pages of the given orders at the given offsets. */
static struct vm_object *object_with(const char *name, size_t size, enum vm_prot prot,
				     const off_t *offsets, const unsigned *orders, unsigned n)
{
	struct vm_object *vo = vm_object_create(name, size, prot);
	struct vm_page *p;

	for (unsigned i = 0; i < n; i++)
		CHECK(vm_object_alloc_page_status(vo, offsets[i], (enum vm_page_order)orders[i],
						  &p) == KERN_OK, "%s: page at 0x%lx", name,
		      (unsigned long)offsets[i]);
	return vo;
}

/* The leaf holding @va: its order, or -1 when nothing maps it; its frame
 * and rights in *@pa / *@prot (may be NULL). */
static int leaf(struct vm_region *r, uintptr_t va, phys_addr_t *pa, enum vm_prot *prot)
{
	unsigned order;

	return pmap_extract(r->vr_pmap, va, pa, &order, prot) == KERN_OK ? (int)order : -1;
}

static uintptr_t mapping_end_of(const struct vm_region_mapping *m)
{
	return m->m_base + m->m_len;
}

/* The lowest mapping of @r (Lock: none; the test is alone). */
static struct vm_region_mapping *mapping_first(struct vm_region *r)
{
	return container_of(btree_first(&r->vr_mappings), struct vm_region_mapping, m_node);
}

/* A fingerprint of everything vm_region_map/unmap/protect may change: the
 * mappings, the leaves (walked), the table count, the objects' references
 * and mapping lists. Equal before and after a failed call: nothing changed. */
static uint64_t fingerprint(struct vm_region *r)
{
	uint64_t h = 1469598103934665603ull;
	uintptr_t va = 0, at;
	phys_addr_t pa;
	unsigned order;
	enum vm_prot prot;

#define MIX(x) (h = (h ^ (uint64_t)(x)) * 1099511628211ull)
	vm_region_lock(r);
	btree_foreach(n, &r->vr_mappings) {
		struct vm_region_mapping *m = container_of(n, struct vm_region_mapping, m_node);
		MIX(m->m_base);
		MIX(m->m_len);
		MIX(m->m_offset);
		MIX(m->m_prot);
		MIX((uintptr_t)m->m_object);
		MIX(refs(m->m_object));
		MIX(queue_length(&m->m_object->vo_mappings));
	}
	while (pmap_next_leaf(r->vr_pmap, va, USER_HALF_END, &at, &pa, &order, &prot) == KERN_OK) {
		MIX(at);
		MIX(pa);
		MIX(order);
		MIX(prot);
		va = at + ((uintptr_t)PAGE_SIZE << order);
	}
	MIX(pmap_table_pages(r->vr_pmap));
	vm_region_unlock(r);
#undef MIX
	return h;
}

/* ------------------------------------------------------------------------
 * One case per contract result.
 */

static void test_create(void)
{
	struct vm_region *r = (struct vm_region *)1;
	size_t live = pmap_host_tables_live();
	char long_name[VM_REGION_NAME_MAX + 1];

	memset(long_name, 'x', VM_REGION_NAME_MAX);
	long_name[VM_REGION_NAME_MAX] = '\0';
	CHECK(vm_region_create(NULL, RBASE, RSIZE, &r) == KERN_INVALID_ARGUMENT && !r, "NULL name");
	CHECK(vm_region_create(long_name, RBASE, RSIZE, &r) == KERN_INVALID_ARGUMENT,
	      "a %d-byte name", VM_REGION_NAME_MAX);
	CHECK(vm_region_create("r", RBASE, RSIZE, NULL) == KERN_INVALID_ARGUMENT, "NULL out");
	CHECK(vm_region_create("r", RBASE + 1, RSIZE, &r) == KERN_INVALID_ARGUMENT, "start unaligned");
	CHECK(vm_region_create("r", RBASE, RSIZE + 1, &r) == KERN_INVALID_ARGUMENT, "size unaligned");
	CHECK(vm_region_create("r", RBASE, 0, &r) == KERN_INVALID_ARGUMENT, "size 0");
	CHECK(vm_region_create("r", USER_HALF_END - PAGE_SIZE, 2 * PAGE_SIZE, &r) ==
	      KERN_INVALID_ARGUMENT, "leaves the user half");
	CHECK(vm_region_create("r", USER_HALF_END, PAGE_SIZE, &r) == KERN_INVALID_ARGUMENT,
	      "in the kernel half");
	CHECK(vm_region_create("r", PAGE_SIZE, SIZE_MAX & ~(size_t)(PAGE_SIZE - 1), &r) ==
	      KERN_INVALID_ARGUMENT, "wraps");
	pmap_host_fail_after(0);
	CHECK(vm_region_create("r", RBASE, RSIZE, &r) == KERN_NO_MEMORY && !r, "no page for the root");
	pmap_host_fail_after(-1);
	CHECK(!vm_region_find("r"), "a failed create leaves no region behind");
	CHECK(vm_region_create("r", 0, USER_HALF_END, &r) == KERN_OK, "the whole user half");
	CHECK(vm_region_find("r") == r && !vm_region_find("other") && !vm_region_find(NULL), "find");
	CHECK(r && r->vr_start == 0 && r->vr_size == USER_HALF_END && btree_count(&r->vr_mappings) == 0 &&
	      pmap_table_pages(r->vr_pmap) == 1, "a new region is empty");
	vm_region_check(r);
	vm_region_put(r);
	CHECK(!vm_region_find("r"), "put of the last reference destroys the region");
	CHECK(pmap_host_tables_live() == live, "%zu table pages live, expected %zu",
	      pmap_host_tables_live(), live);
}

static void test_map_arguments(void)
{
	struct vm_region *r = new_region("args");
	struct vm_object *vo = vm_object_create("args", 4 * MIB2, RW);
	struct vm_object *ro = vm_object_create("ro", 4 * MIB2, VM_PROT_READ);
	struct vm_object *big = vm_object_create("big", RSIZE, RW);
	uintptr_t at = RBASE, anywhere = VM_REGION_ANYWHERE;
	uint64_t before;

#define MAP_AT(w, ...) (at = (w), vm_region_map(__VA_ARGS__, &at))
	before = fingerprint(r);
	CHECK(vm_region_map(NULL, vo, 0, PAGE_SIZE, RW, &at) == KERN_INVALID_ARGUMENT, "NULL region");
	CHECK(vm_region_map(r, NULL, 0, PAGE_SIZE, RW, &at) == KERN_INVALID_ARGUMENT, "NULL object");
	CHECK(vm_region_map(r, vo, 0, PAGE_SIZE, RW, NULL) == KERN_INVALID_ARGUMENT, "NULL where");
	CHECK(MAP_AT(RBASE, r, vo, 100, PAGE_SIZE, RW) == KERN_INVALID_ARGUMENT, "offset unaligned");
	CHECK(MAP_AT(RBASE, r, vo, 0, 100, RW) == KERN_INVALID_ARGUMENT, "len unaligned");
	CHECK(MAP_AT(RBASE, r, vo, 0, 0, RW) == KERN_INVALID_ARGUMENT, "len 0");
	CHECK(MAP_AT(RBASE + 8, r, vo, 0, PAGE_SIZE, RW) == KERN_INVALID_ARGUMENT, "where unaligned");
	CHECK(MAP_AT(RBASE, r, vo, 0, PAGE_SIZE, VM_PROT_WRITE) == KERN_INVALID_ARGUMENT, "no READ");
	CHECK(MAP_AT(RBASE, r, vo, 0, PAGE_SIZE, (enum vm_prot)0x11) == KERN_INVALID_ARGUMENT,
	      "unknown prot bits");
	CHECK(MAP_AT(RBASE, r, vo, 4 * MIB2, PAGE_SIZE, RW) == KERN_OUT_OF_RANGE, "offset at the end");
	CHECK(MAP_AT(RBASE, r, vo, MIB2, 3 * MIB2 + PAGE_SIZE, RW) == KERN_OUT_OF_RANGE,
	      "offset + len past vo_size");
	CHECK(MAP_AT(RBASE, r, vo, -(off_t)PAGE_SIZE, PAGE_SIZE, RW) == KERN_OUT_OF_RANGE,
	      "negative offset");
	CHECK(MAP_AT(RBASE, r, vo, PAGE_SIZE, SIZE_MAX & ~(size_t)(PAGE_SIZE - 1), RW) ==
	      KERN_OUT_OF_RANGE, "offset + len wraps");
	CHECK(MAP_AT(RBASE - PAGE_SIZE, r, vo, 0, 2 * PAGE_SIZE, RW) == KERN_OUT_OF_RANGE,
	      "starts below the region");
	CHECK(MAP_AT(RBASE + RSIZE - PAGE_SIZE, r, vo, 0, 2 * PAGE_SIZE, RW) == KERN_OUT_OF_RANGE,
	      "ends past the region");
	CHECK(MAP_AT(RBASE + RSIZE, r, vo, 0, PAGE_SIZE, RW) == KERN_OUT_OF_RANGE, "at the region's end");
	CHECK(MAP_AT(RBASE, r, ro, 0, PAGE_SIZE, RW) == KERN_ACCESS_DENIED, "WRITE on a read-only object");
	CHECK(MAP_AT(RBASE, r, vo, 0, PAGE_SIZE, VM_PROT_READ | VM_PROT_EXEC) == KERN_ACCESS_DENIED,
	      "EXEC on an rw object");
	CHECK(fingerprint(r) == before && refs(vo) == 1 && refs(ro) == 1,
	      "a refused map changed something");

	/* overlaps: a mapping at [RBASE + 4 pages, +4 pages) */
	CHECK(MAP_AT(RBASE + 4 * PAGE_SIZE, r, vo, 0, 4 * PAGE_SIZE, RW) == KERN_OK &&
	      at == RBASE + 4 * PAGE_SIZE, "fixed map");
	CHECK(refs(vo) == 2 && queue_length(&vo->vo_mappings) == 1, "the mapping holds a reference");
	before = fingerprint(r);
	CHECK(MAP_AT(RBASE + 2 * PAGE_SIZE, r, vo, 0, 3 * PAGE_SIZE, RW) == KERN_EXISTS, "overlaps the start");
	CHECK(MAP_AT(RBASE + 7 * PAGE_SIZE, r, vo, 0, 3 * PAGE_SIZE, RW) == KERN_EXISTS, "overlaps the end");
	CHECK(MAP_AT(RBASE + 5 * PAGE_SIZE, r, vo, 0, PAGE_SIZE, RW) == KERN_EXISTS, "inside");
	CHECK(MAP_AT(RBASE, r, vo, 0, 16 * PAGE_SIZE, RW) == KERN_EXISTS, "around");
	CHECK(at == RBASE, "a refused map wrote *where");
	CHECK(fingerprint(r) == before && refs(vo) == 2, "a refused map changed something");
	CHECK(MAP_AT(RBASE, r, vo, 0, 4 * PAGE_SIZE, RW) == KERN_OK, "right below: no overlap");
	CHECK(MAP_AT(RBASE + 8 * PAGE_SIZE, r, ro, 0, PAGE_SIZE, VM_PROT_READ) == KERN_OK,
	      "right above: no overlap");

	/* no gap large enough */
	before = fingerprint(r);
	CHECK(vm_region_map(r, vo, 0, 4 * MIB2, RW, &anywhere) == KERN_OK, "8 MiB anywhere");
	at = VM_REGION_ANYWHERE;
	CHECK(vm_region_map(r, big, 0, RSIZE, RW, &at) == KERN_NO_MEMORY && at == VM_REGION_ANYWHERE,
	      "no gap of the region's size");
	at = VM_REGION_ANYWHERE;
	CHECK(vm_region_map(r, big, 0, RSIZE - 5 * MIB2, RW, &at) == KERN_OK &&
	      at == RBASE + 5 * MIB2, "the largest gap, to the end: at 0x%lx", (unsigned long)at);
	CHECK(vm_region_unmap(r, at, RSIZE - 5 * MIB2) == KERN_OK, "unmap it again");
	CHECK(vm_region_unmap(r, anywhere, 4 * MIB2) == KERN_OK, "unmap it again");
	CHECK(fingerprint(r) == before, "unmap undoes map");
	vm_region_check(r);
	vm_region_put(r);
	CHECK(refs(vo) == 1 && refs(ro) == 1 && queue_empty(&vo->vo_mappings),
	      "put dropped the mappings' references");
	vm_object_put(vo);
	vm_object_put(ro);
	vm_object_put(big);
#undef MAP_AT
}

/* VM_REGION_ANYWHERE: the lowest gap that fits, 2 MiB aligned for 2 MiB or
 * more (4 KiB aligned if only such a gap fits). */
static void test_anywhere(void)
{
	struct vm_region *r = new_region("anywhere");
	struct vm_object *vo = vm_object_create("anywhere", 8 * MIB2, RW);
	uintptr_t at;

#define ANY(len) (at = VM_REGION_ANYWHERE, vm_region_map(r, vo, 0, (len), RW, &at))
#define FIXED(va, len) (at = (va), vm_region_map(r, vo, 0, (len), RW, &at))
	CHECK(ANY(PAGE_SIZE) == KERN_OK && at == RBASE, "first page at the start: 0x%lx",
	      (unsigned long)at);
	CHECK(ANY(2 * PAGE_SIZE) == KERN_OK && at == RBASE + PAGE_SIZE, "next one right after");
	/* a gap of exactly 3 pages between [RBASE, +3p) and a mapping at +6p */
	CHECK(FIXED(RBASE + 6 * PAGE_SIZE, PAGE_SIZE) == KERN_OK, "fixed at +6 pages");
	CHECK(ANY(4 * PAGE_SIZE) == KERN_OK && at == RBASE + 7 * PAGE_SIZE,
	      "4 pages do not fit a 3-page gap: 0x%lx", (unsigned long)at);
	CHECK(ANY(3 * PAGE_SIZE) == KERN_OK && at == RBASE + 3 * PAGE_SIZE,
	      "3 pages fill the 3-page gap exactly: 0x%lx", (unsigned long)at);
	CHECK(ANY(MIB2) == KERN_OK && at == RBASE + MIB2, "2 MiB go 2 MiB aligned: 0x%lx",
	      (unsigned long)at);
	CHECK(ANY(MIB2 + PAGE_SIZE) == KERN_OK && at == RBASE + 2 * MIB2,
	      "2 MiB + 4 KiB go 2 MiB aligned too: 0x%lx", (unsigned long)at);
	CHECK(ANY(PAGE_SIZE) == KERN_OK && at == RBASE + 11 * PAGE_SIZE,
	      "small ones still fill the lowest gap: 0x%lx", (unsigned long)at);
	CHECK(vm_region_unmap(r, RBASE + 2 * MIB2 + 2 * PAGE_SIZE, RSIZE - 2 * MIB2 - 2 * PAGE_SIZE) ==
	      KERN_OK, "unmap the top");
	/* leave [4 MiB + 8 KiB, 6 MiB + 8 KiB) free, 2 MiB but not aligned, and
	 * no 2 MiB gap anywhere else */
	CHECK(FIXED(RBASE + 3 * MIB2 + 2 * PAGE_SIZE, PAGE_SIZE) == KERN_OK, "page at 6 MiB + 8 KiB");
	for (uintptr_t va = RBASE + 4 * MIB2; va < RBASE + RSIZE; va += MIB2)
		CHECK(FIXED(va, PAGE_SIZE) == KERN_OK, "page at 0x%lx", (unsigned long)va);
	CHECK(ANY(MIB2) == KERN_OK && at == RBASE + 2 * MIB2 + 2 * PAGE_SIZE,
	      "2 MiB fall back to 4 KiB alignment when no aligned gap fits: 0x%lx",
	      (unsigned long)at);
	CHECK(ANY(MIB2) == KERN_NO_MEMORY, "no 2 MiB gap left");
	vm_region_check(r);
	vm_region_put(r);
	CHECK(refs(vo) == 1, "references back: %lu", refs(vo));
	vm_object_put(vo);
#undef ANY
#undef FIXED
}

/* Eager population with the largest leaves. */
static void test_populate(void)
{
	static const off_t offs[] = { 0, 4 * MiB, 6 * MiB + 12 * KiB, 7 * MiB };
	static const unsigned ords[] = { 10, 9, 0, 0 };
	struct vm_region *r = new_region("populate");
	struct vm_object *vo = object_with("populate", 8 * MiB, RW, offs, ords, 4);
	struct vm_object *ip = vm_object_create_in_place("ip", MIB2, 2 * MIB2, RW);
	struct vm_object *ip4k = vm_object_create_in_place("ip4k", MIB2 + PAGE_SIZE, MIB2, RW);
	size_t free_before = vm_page_nr_free();
	uintptr_t at = RBASE;
	phys_addr_t pa, page0;
	enum vm_prot prot;

	vm_object_lock(vo);
	page0 = vm_page_to_phys(vm_object_get_page(vo, 0));
	vm_object_unlock(vo);
	CHECK(vm_region_map(r, vo, 0, 8 * MiB, VM_PROT_READ, &at) == KERN_OK, "map 8 MiB at 0x%lx",
	      (unsigned long)at);
	CHECK(leaf(r, RBASE, &pa, &prot) == 9 && pa == page0 && prot == VM_PROT_READ,
	      "a 4 MiB page: a 2 MiB leaf...");
	CHECK(leaf(r, RBASE + MIB2 + 5, &pa, NULL) == 9 && pa == page0 + MIB2 + 5,
	      "... and another one");
	CHECK(leaf(r, RBASE + 4 * MiB + 100, NULL, NULL) == 9, "a 2 MiB page: a 2 MiB leaf");
	CHECK(leaf(r, RBASE + 6 * MiB + 12 * KiB, NULL, NULL) == 0, "a 4 KiB page: a 4 KiB leaf");
	CHECK(leaf(r, RBASE + 6 * MiB + 8 * KiB, NULL, NULL) == -1 &&
	      leaf(r, RBASE + 6 * MiB + 16 * KiB, NULL, NULL) == -1, "no page, no leaf");
	CHECK(vm_page_nr_free() == free_before, "populate allocates no frame");
	vm_region_check(r);

	/* the same object, 4 KiB off 2 MiB alignment: only 4 KiB leaves */
	at = RBASE + 8 * MiB + PAGE_SIZE;
	CHECK(vm_region_map(r, vo, 0, 6 * MiB, RW, &at) == KERN_OK, "map at an odd address");
	CHECK(leaf(r, at, &pa, &prot) == 0 && pa == page0 && prot == RW, "4 KiB leaves there");
	CHECK(leaf(r, at + 4 * MiB, NULL, NULL) == 0, "4 KiB leaves for the 2 MiB page too");
	vm_region_check(r);
	/* a window from the middle of the 4 MiB page, at a 2 MiB-aligned va */
	at = RBASE + 16 * MiB;
	CHECK(vm_region_map(r, vo, 2 * MiB, 2 * MiB + PAGE_SIZE, RW, &at) == KERN_OK,
	      "window into the middle of the 4 MiB page");
	CHECK(leaf(r, at, &pa, NULL) == 9 && pa == page0 + MIB2, "its second half: a 2 MiB leaf");
	CHECK(leaf(r, at + MIB2, NULL, NULL) == 0,
	      "the mapping ends 4 KiB into the 2 MiB page: a 4 KiB leaf");
	vm_region_check(r);
	CHECK(vm_region_unmap(r, at, 2 * MiB + PAGE_SIZE) == KERN_OK, "unmap the window");
	/* a window ending inside a 2 MiB page: that part gets 4 KiB leaves */
	at = RBASE + 16 * MiB;
	CHECK(vm_region_map(r, vo, 4 * MiB, MiB, RW, &at) == KERN_OK, "1 MiB of a 2 MiB page");
	CHECK(leaf(r, at, NULL, NULL) == 0 && leaf(r, at + MiB, NULL, NULL) == -1,
	      "4 KiB leaves for a window smaller than the page");
	vm_region_check(r);

	/* in-place objects: every frame, 2 MiB leaves where aligned */
	at = RBASE + 20 * MiB;
	CHECK(vm_region_map(r, ip, 0, 2 * MIB2, RW, &at) == KERN_OK, "map in-place");
	CHECK(leaf(r, at, &pa, NULL) == 9 && pa == MIB2 && leaf(r, at + MIB2 + 7, &pa, NULL) == 9 &&
	      pa == 2 * MIB2 + 7, "in-place, aligned: 2 MiB leaves");
	at = RBASE + 24 * MiB;
	CHECK(vm_region_map(r, ip4k, 0, MIB2, RW, &at) == KERN_OK, "map in-place, unaligned");
	CHECK(leaf(r, at, &pa, NULL) == 0 && pa == MIB2 + PAGE_SIZE &&
	      leaf(r, at + MIB2 - PAGE_SIZE, &pa, NULL) == 0 && pa == 2 * MIB2,
	      "in-place, unaligned: every frame, 4 KiB leaves");
	vm_region_check(r);
	{
		/* frames past what a page-table entry can hold (x86-64: 52 bits) */
		struct vm_object *far = vm_object_create_in_place("far", 1ull << 52, MIB2, RW);
		uint64_t before = fingerprint(r);
		at = RBASE + 28 * MiB;
		CHECK(vm_region_map(r, far, 0, MIB2, RW, &at) == KERN_INVALID_ARGUMENT,
		      "in-place frames the machine cannot map");
		CHECK(fingerprint(r) == before && refs(far) == 1, "a refused map changed something");
		vm_object_put(far);
	}
	vm_region_put(r);
	CHECK(refs(vo) == 1 && refs(ip) == 1 && refs(ip4k) == 1, "references back");
	vm_object_put(vo);
	vm_object_put(ip);
	vm_object_put(ip4k);
}

/* Running out of table pages while populating: nothing changed. */
static void test_map_no_memory(void)
{
	static const off_t offs[] = { 0, 2 * MiB, 4 * MiB + 8 * KiB };
	static const unsigned ords[] = { 9, 9, 0 };
	struct vm_region *r = new_region("nomem");
	struct vm_object *vo = object_with("nomem", 8 * MiB, RW, offs, ords, 3);
	size_t live = pmap_host_tables_live();
	uint64_t before = fingerprint(r);

	for (long n = 0; n < 3; n++) { /* tables: PDPT, PD (2 MiB leaves), PT (4 KiB) */
		uintptr_t at = RBASE + MIB2;
		pmap_host_fail_after(n);
		CHECK(vm_region_map(r, vo, 0, 6 * MiB, RW, &at) == KERN_NO_MEMORY && at == RBASE + MIB2,
		      "map with %ld table pages to spare", n);
		pmap_host_fail_after(-1);
		CHECK(fingerprint(r) == before && refs(vo) == 1 && pmap_host_tables_live() == live,
		      "a map that ran out of table pages changed something (%ld to spare)", n);
		vm_region_check(r);
	}
	vm_region_put(r);
	vm_object_put(vo);
}

static void test_unmap(void)
{
	static const off_t offs[] = { 0, 4 * MiB, 6 * MiB };
	static const unsigned ords[] = { 10, 9, 0 };
	struct vm_region *r = new_region("unmap");
	struct vm_object *vo = object_with("unmap", 8 * MiB, RW, offs, ords, 3);
	uintptr_t at = RBASE;
	phys_addr_t pa, page0;
	size_t root_only;
	uint64_t before;

	vm_object_lock(vo);
	page0 = vm_page_to_phys(vm_object_get_page(vo, 0));
	vm_object_unlock(vo);
	root_only = pmap_table_pages(r->vr_pmap);
	CHECK(vm_region_unmap(NULL, RBASE, PAGE_SIZE) == KERN_INVALID_ARGUMENT, "NULL region");
	CHECK(vm_region_unmap(r, RBASE + 1, PAGE_SIZE) == KERN_INVALID_ARGUMENT, "unaligned base");
	CHECK(vm_region_unmap(r, RBASE, 1) == KERN_INVALID_ARGUMENT, "unaligned len");
	CHECK(vm_region_unmap(r, RBASE, 0) == KERN_INVALID_ARGUMENT, "empty");
	CHECK(vm_region_unmap(r, RBASE - PAGE_SIZE, 2 * PAGE_SIZE) == KERN_OUT_OF_RANGE, "below");
	CHECK(vm_region_unmap(r, RBASE + RSIZE, PAGE_SIZE) == KERN_OUT_OF_RANGE, "above");
	CHECK(vm_region_unmap(r, RBASE, RSIZE + PAGE_SIZE) == KERN_OUT_OF_RANGE, "past the end");
	CHECK(vm_region_unmap(r, RBASE, RSIZE) == KERN_OK, "nothing mapped: nothing to do");

	CHECK(vm_region_map(r, vo, 0, 8 * MiB, RW, &at) == KERN_OK, "map 8 MiB");
	/* a hole in the middle of the 4 MiB page: split, 4 KiB leaves around it */
	CHECK(vm_region_unmap(r, RBASE + MiB, 2 * PAGE_SIZE) == KERN_OK, "unmap a hole");
	CHECK(btree_count(&r->vr_mappings) == 2 && refs(vo) == 3,
	      "a split: 2 mappings, a reference each (%zu, refs %lu)", btree_count(&r->vr_mappings),
	      refs(vo));
	CHECK(leaf(r, RBASE + MiB - PAGE_SIZE, &pa, NULL) == 0 && pa == page0 + MiB - PAGE_SIZE,
	      "the part below the hole: 4 KiB leaves of the same frames");
	CHECK(leaf(r, RBASE + MiB, NULL, NULL) == -1 && leaf(r, RBASE + MiB + PAGE_SIZE, NULL, NULL) == -1,
	      "the hole is unmapped");
	CHECK(leaf(r, RBASE + MiB + 2 * PAGE_SIZE, &pa, NULL) == 0 && pa == page0 + MiB + 2 * PAGE_SIZE,
	      "the part above the hole");
	CHECK(leaf(r, RBASE, NULL, NULL) == 0 && leaf(r, RBASE + MIB2, NULL, NULL) == 9,
	      "the 2 MiB leaf not cut stays one");
	vm_region_check(r);
	{
		struct vm_region_mapping *m;
		off_t off;
		vm_region_lock(r);
		CHECK(vm_region_lookup(r, RBASE + MiB + 2 * PAGE_SIZE, &m, &off) == KERN_OK &&
		      m->m_base == RBASE + MiB + 2 * PAGE_SIZE && m->m_offset == (off_t)(MiB + 2 * PAGE_SIZE) &&
		      off == m->m_offset && mapping_end_of(m) == RBASE + 8 * MiB, "the tail mapping");
		vm_region_unlock(r);
	}
	/* trim the tail's head and the head's tail across the hole */
	CHECK(vm_region_unmap(r, RBASE + MiB - PAGE_SIZE, 4 * PAGE_SIZE) == KERN_OK, "widen the hole");
	CHECK(btree_count(&r->vr_mappings) == 2 && refs(vo) == 3, "trimmed, not split");
	vm_region_check(r);
	/* across the 2 MiB leaf of the 2 MiB page and two mappings' ends */
	CHECK(vm_region_unmap(r, RBASE + 5 * MiB, 2 * MiB) == KERN_OK, "cut the 2 MiB page");
	CHECK(leaf(r, RBASE + 5 * MiB - PAGE_SIZE, NULL, NULL) == 0 &&
	      leaf(r, RBASE + 4 * MiB, NULL, NULL) == 0, "what stays of it: 4 KiB leaves");
	CHECK(btree_count(&r->vr_mappings) == 3 && refs(vo) == 4, "another split");
	vm_region_check(r);

	/* NO_MEMORY: the 4 MiB page's second 2 MiB leaf keeps its table alive,
	 * so the only page a split needs is the new page table */
	CHECK(vm_region_unmap(r, RBASE, 8 * MiB) == KERN_OK, "unmap everything");
	CHECK(btree_count(&r->vr_mappings) == 0 && refs(vo) == 1 &&
	      pmap_table_pages(r->vr_pmap) == root_only, "all gone, tables too (%zu)",
	      pmap_table_pages(r->vr_pmap));
	at = RBASE;
	CHECK(vm_region_map(r, vo, 0, 4 * MiB, RW, &at) == KERN_OK, "map the 4 MiB page");
	before = fingerprint(r);
	pmap_host_fail_after(0);
	CHECK(vm_region_unmap(r, RBASE + PAGE_SIZE, PAGE_SIZE) == KERN_NO_MEMORY,
	      "no page table to cut the 2 MiB leaf");
	CHECK(vm_region_unmap(r, RBASE + MIB2 - PAGE_SIZE, 2 * PAGE_SIZE) == KERN_NO_MEMORY,
	      "no page table to cut either 2 MiB leaf");
	pmap_host_fail_after(1);
	CHECK(vm_region_unmap(r, RBASE + MIB2 - PAGE_SIZE, 2 * PAGE_SIZE) == KERN_NO_MEMORY,
	      "a page table for the first leaf, none for the second");
	pmap_host_fail_after(-1);
	CHECK(fingerprint(r) == before, "a failed unmap changed something");
	vm_region_check(r);
	CHECK(vm_region_unmap(r, RBASE + MIB2 - PAGE_SIZE, 2 * PAGE_SIZE) == KERN_OK,
	      "with memory it works");
	CHECK(leaf(r, RBASE, NULL, NULL) == 0 && leaf(r, RBASE + MIB2 + PAGE_SIZE, NULL, NULL) == 0,
	      "both leaves cut");
	vm_region_check(r);
	vm_region_put(r);
	CHECK(refs(vo) == 1, "references back");
	vm_object_put(vo);
}

static void test_protect(void)
{
	static const off_t offs[] = { 0 };
	static const unsigned ords[] = { 9, 0 };
	struct vm_region *r = new_region("protect");
	struct vm_object *vo = object_with("protect", 4 * MiB, VM_PROT_ALL, offs, ords, 1);
	/* its page keeps the page directory alive when the 2 MiB leaf goes
	 * (a split that runs out of memory needs it to put the leaf back) */
	struct vm_object *ro = object_with("protect-ro", MIB2, VM_PROT_READ, offs, ords + 1, 1);
	const enum vm_prot rx = VM_PROT_READ | VM_PROT_EXEC;
	uintptr_t at = RBASE;
	enum vm_prot prot;
	uint64_t before;

	CHECK(vm_region_map(r, vo, 0, 4 * MiB, RW, &at) == KERN_OK, "map");
	at = RBASE + 4 * MiB;
	CHECK(vm_region_map(r, ro, 0, MIB2, VM_PROT_READ, &at) == KERN_OK, "map read-only after it");
	before = fingerprint(r);
	CHECK(vm_region_protect(NULL, RBASE, PAGE_SIZE, rx) == KERN_INVALID_ARGUMENT, "NULL region");
	CHECK(vm_region_protect(r, RBASE, PAGE_SIZE, VM_PROT_WRITE) == KERN_INVALID_ARGUMENT, "no READ");
	CHECK(vm_region_protect(r, RBASE, PAGE_SIZE, (enum vm_prot)0x21) == KERN_INVALID_ARGUMENT,
	      "unknown bits");
	CHECK(vm_region_protect(r, RBASE + 4, PAGE_SIZE, rx) == KERN_INVALID_ARGUMENT, "unaligned");
	CHECK(vm_region_protect(r, RBASE, 0, rx) == KERN_INVALID_ARGUMENT, "empty");
	CHECK(vm_region_protect(r, RBASE - PAGE_SIZE, PAGE_SIZE, rx) == KERN_OUT_OF_RANGE, "below");
	CHECK(vm_region_protect(r, RBASE + 4 * MiB, PAGE_SIZE, rx) == KERN_ACCESS_DENIED,
	      "EXEC on the read-only object");
	CHECK(vm_region_protect(r, RBASE + MiB, 4 * MiB, rx) == KERN_ACCESS_DENIED,
	      "a range whose second mapping refuses");
	CHECK(vm_region_protect(r, RBASE + 5 * MiB, 2 * MiB, VM_PROT_READ) == KERN_NOT_FOUND,
	      "a range past the last mapping");
	CHECK(vm_region_protect(r, RBASE + 8 * MiB, PAGE_SIZE, VM_PROT_READ) == KERN_NOT_FOUND,
	      "nothing mapped");
	CHECK(fingerprint(r) == before, "a refused protect changed something");
	pmap_host_fail_after(0);
	CHECK(vm_region_protect(r, RBASE + PAGE_SIZE, PAGE_SIZE, VM_PROT_READ) == KERN_NO_MEMORY,
	      "no page table to cut the 2 MiB leaf");
	pmap_host_fail_after(-1);
	CHECK(fingerprint(r) == before, "a protect out of memory changed something");

	CHECK(vm_region_protect(r, RBASE + PAGE_SIZE, PAGE_SIZE, VM_PROT_READ) == KERN_OK,
	      "one page read-only");
	CHECK(btree_count(&r->vr_mappings) == 4 && refs(vo) == 4, "split in three: %zu mappings",
	      btree_count(&r->vr_mappings));
	CHECK(leaf(r, RBASE + PAGE_SIZE, NULL, &prot) == 0 && prot == VM_PROT_READ, "that page");
	CHECK(leaf(r, RBASE, NULL, &prot) == 0 && prot == RW &&
	      leaf(r, RBASE + 2 * PAGE_SIZE, NULL, &prot) == 0 && prot == RW, "its neighbours");
	vm_region_check(r);
	CHECK(vm_region_protect(r, RBASE, 4 * MiB + MIB2, VM_PROT_READ) == KERN_OK,
	      "across every mapping");
	CHECK(btree_count(&r->vr_mappings) == 4, "no new split");
	CHECK(leaf(r, RBASE + 2 * PAGE_SIZE, NULL, &prot) == 0 && prot == VM_PROT_READ &&
	      leaf(r, RBASE + 4 * MiB, NULL, &prot) == 0 && prot == VM_PROT_READ, "all read-only");
	vm_region_check(r);
	CHECK(vm_region_unmap(r, RBASE + 2 * MiB, 2 * MiB) == KERN_OK, "a hole");
	before = fingerprint(r);
	CHECK(vm_region_protect(r, RBASE, 4 * MiB + MIB2, rx) == KERN_NOT_FOUND, "a range with a hole");
	CHECK(fingerprint(r) == before, "a refused protect changed something");
	vm_region_put(r);
	CHECK(refs(vo) == 1 && refs(ro) == 1, "references back");
	vm_object_put(vo);
	vm_object_put(ro);
}

static void test_lookup_and_activate(void)
{
	struct vm_region *r = new_region("lookup");
	struct vm_object *vo = vm_object_create("lookup", 16 * PAGE_SIZE, RW);
	struct vm_region_mapping *m = NULL;
	uintptr_t at = RBASE + 3 * PAGE_SIZE;
	off_t off = -1;

	CHECK(vm_region_lookup(NULL, RBASE, &m, &off) == KERN_INVALID_ARGUMENT, "NULL region");
	CHECK(vm_region_map(r, vo, 4 * PAGE_SIZE, 8 * PAGE_SIZE, RW, &at) == KERN_OK, "map");
	vm_region_lock(r);
	CHECK(vm_region_lookup(r, RBASE + 3 * PAGE_SIZE + 5, &m, &off) == KERN_OK && m &&
	      m->m_base == RBASE + 3 * PAGE_SIZE && off == (off_t)(4 * PAGE_SIZE + 5),
	      "first byte: offset 0x%lx", (unsigned long)off);
	CHECK(vm_region_lookup(r, RBASE + 11 * PAGE_SIZE - 1, NULL, &off) == KERN_OK &&
	      off == (off_t)(12 * PAGE_SIZE - 1), "last byte: offset 0x%lx", (unsigned long)off);
	CHECK(vm_region_lookup(r, RBASE + 11 * PAGE_SIZE, &m, NULL) == KERN_NOT_FOUND, "just past");
	CHECK(vm_region_lookup(r, RBASE + 3 * PAGE_SIZE - 1, NULL, NULL) == KERN_NOT_FOUND,
	      "just below");
	CHECK(vm_region_lookup(r, 0, NULL, NULL) == KERN_NOT_FOUND, "far below");
	vm_region_unlock(r);
	/* the active region goes: the kernel pmap is active again (pmap_destroy
	 * panics on an active pmap) */
	vm_region_activate(r);
	vm_region_put(r);
	CHECK(refs(vo) == 1, "references back");
	vm_object_put(vo);
}

/* ------------------------------------------------------------------------
 * vm_region_check() finds each kind of breakage (each in a child).
 */

static struct vm_region *broken;
static struct vm_object *broken_vo;

static void break_setup(void)
{
	static const off_t offs[] = { 0, 2 * MiB };
	static const unsigned ords[] = { 0, 9 };
	uintptr_t at = RBASE;

	broken = new_region("broken");
	broken_vo = object_with("broken", 4 * MiB, RW, offs, ords, 2);
	if (vm_region_map(broken, broken_vo, 0, 4 * MiB, RW, &at) != KERN_OK) {
		fprintf(stderr, "cannot break what does not work: vm_region_map failed\n");
		_exit(1); /* the child: the parent reports the missing panic */
	}
	vm_region_check(broken);
}

static void break_stray_leaf(void)
{
	break_setup();
	pmap_enter(broken->vr_pmap, RBASE + 8 * MiB, 0, 0, VM_PROT_READ);
	vm_region_check(broken);
}

/* [R7]: a leaf where the object has no page (offset 0x1000). */
static void break_leaf_without_page(void)
{
	phys_addr_t pa;

	break_setup();
	pmap_extract(broken->vr_pmap, RBASE, &pa, NULL, NULL);
	pmap_enter(broken->vr_pmap, RBASE + PAGE_SIZE, pa + PAGE_SIZE, 0, RW);
	vm_region_check(broken);
}

/* [R7]: a leaf onto another frame than the object's page there (a page
 * allocated twice looks like this). */
static void break_leaf_other_frame(void)
{
	phys_addr_t pa;

	break_setup();
	pmap_extract(broken->vr_pmap, RBASE, &pa, NULL, NULL);
	pmap_remove(broken->vr_pmap, RBASE, PAGE_SIZE);
	pmap_enter(broken->vr_pmap, RBASE, pa + PAGE_SIZE, 0, RW);
	vm_region_check(broken);
}

/* [R6] checks present leaves only: a page of the object that is not
 * mapped (a fault brings it in, from Lab 5 on) passes. */
static void test_check_allows_unmapped_pages(void)
{
	struct vm_region *r = new_region("lazy");
	static const off_t offs[] = { 0, 2 * MiB };
	static const unsigned ords[] = { 0, 9 };
	struct vm_object *vo = object_with("lazy", 4 * MiB, RW, offs, ords, 2);
	uintptr_t at = RBASE;

	CHECK(vm_region_map(r, vo, 0, 4 * MiB, RW, &at) == KERN_OK, "map 'lazy'");
	CHECK(leaf(r, RBASE, NULL, NULL) == 0 && leaf(r, RBASE + MIB2, NULL, NULL) == 9,
	      "'lazy' populated");
	pmap_remove(r->vr_pmap, RBASE, PAGE_SIZE);
	pmap_remove(r->vr_pmap, RBASE + MIB2, MIB2);
	vm_region_check(r); /* passes: no leaf, no claim */
	vm_region_put(r);
	vm_object_put(vo);
}

static void break_small_leaf(void)
{
	phys_addr_t pa;

	break_setup();
	pmap_extract(broken->vr_pmap, RBASE + MIB2, &pa, NULL, NULL);
	pmap_remove(broken->vr_pmap, RBASE + MIB2, MIB2);
	for (size_t i = 0; i < MIB2; i += PAGE_SIZE)
		pmap_enter(broken->vr_pmap, RBASE + MIB2 + i, pa + i, 0, RW);
	vm_region_check(broken);
}

static void break_prot(void)
{
	break_setup();
	pmap_protect(broken->vr_pmap, RBASE, PAGE_SIZE, VM_PROT_READ);
	vm_region_check(broken);
}

static void break_mapping_prot(void)
{
	break_setup();
	mapping_first(broken)->m_prot = VM_PROT_ALL;
	vm_region_check(broken);
}

static void break_reference(void)
{
	break_setup();
	vm_object_put(broken_vo); /* the test's own: only the mapping's is left... */
	vm_object_put(broken_vo); /* ...and then none: the object is destroyed */
}

static void break_overlap(void)
{
	break_setup();
	mapping_first(broken)->m_len = RSIZE + PAGE_SIZE;
	vm_region_check(broken);
}

static void test_check_catches(void)
{
	expect_panic("a leaf outside every mapping", break_stray_leaf,
		     "vm_region_check: [R5] region 'broken': a leaf at 0x3f800000");
	expect_panic("a leaf where the object has no page", break_leaf_without_page,
		     "vm_region_check: [R7] region 'broken': 0x3f001000 is mapped but object "
		     "'broken' has no page at offset 0x1000");
	expect_panic("a leaf onto another frame", break_leaf_other_frame,
		     "vm_region_check: [R7] region 'broken': 0x3f000000 maps");
	expect_panic("4 KiB leaves where a 2 MiB one fits", break_small_leaf,
		     "vm_region_check: [R6] region 'broken': a 4 KiB leaf at 0x3f200000");
	expect_panic("a leaf with other rights", break_prot,
		     "vm_region_check: [R5] region 'broken': 0x3f000000 has rights 0x1");
	expect_panic("a mapping with more rights than its object", break_mapping_prot,
		     "vm_region_check: [R3] region 'broken'");
	expect_panic("a mapping past the region", break_overlap, "vm_region_check: [R2]");
	expect_panic("an object put once too often", break_reference,
		     "vm_object_destroy: 'broken' lost its last reference while 1 mappings");
}

/* ------------------------------------------------------------------------
 * The random sequence against a model.
 */

struct model_mapping {
	uintptr_t base;
	size_t len;
	unsigned obj;
	off_t offset;
	enum vm_prot prot;
};

#define NR_OBJS 5
static struct vm_object *objs[NR_OBJS];
static struct model_mapping model[MAX_MODEL];
static unsigned nr_model;

static struct vm_region *random_region;
/* How often each operation gave each status, printed at the end: a
 * sequence that never succeeds (or never fails) tests little. */
static unsigned outcomes[3][KERN_NR_STATUS];
enum { OP_MAP, OP_UNMAP, OP_PROTECT };

static uintptr_t model_end(const struct model_mapping *m)
{
	return m->base + m->len;
}

/* Insert @m keeping the model sorted by base. */
static void model_insert(struct model_mapping m)
{
	unsigned i = nr_model++;

	for (; i > 0 && model[i - 1].base > m.base; i--)
		model[i] = model[i - 1];
	model[i] = m;
}

static bool model_overlaps(uintptr_t base, size_t len)
{
	for (unsigned i = 0; i < nr_model; i++)
		if (model[i].base < base + len && base < model_end(&model[i]))
			return true;
	return false;
}

/* Where VM_REGION_ANYWHERE puts @len bytes: the lowest gap, 2 MiB aligned
 * for 2 MiB or more when such a gap exists. 0 when none fits. */
static uintptr_t model_anywhere(size_t len)
{
	for (int pass = len >= MIB2 ? 0 : 1; pass < 2; pass++) {
		uintptr_t align = pass ? PAGE_SIZE : MIB2, from = RBASE;
		for (unsigned i = 0; i <= nr_model; i++) {
			uintptr_t to = i < nr_model ? model[i].base : RBASE + RSIZE;
			uintptr_t va = ALIGN_UP(from, align);
			if (va <= to && len <= to - va)
				return va;
			if (i < nr_model)
				from = model_end(&model[i]);
		}
	}
	return 0;
}

/* Cut the model's mappings at @va, as a split does (both pieces stay). */
static void model_cut(uintptr_t va)
{
	for (unsigned i = 0; i < nr_model; i++) {
		struct model_mapping *m = &model[i], tail;
		if (m->base < va && va < model_end(m)) {
			tail = *m;
			tail.base = va;
			tail.len = model_end(m) - va;
			tail.offset += (off_t)(va - m->base);
			m->len = va - m->base;
			model_insert(tail);
			return;
		}
	}
}

static void model_unmap(uintptr_t base, size_t len)
{
	model_cut(base);
	model_cut(base + len);
	for (unsigned i = 0; i < nr_model; i++)
		if (model[i].base >= base && model_end(&model[i]) <= base + len) {
			memmove(&model[i], &model[i + 1], (nr_model - i - 1) * sizeof(model[0]));
			nr_model--;
			i--;
		}
}

static size_t random_len(void)
{
	switch (next_rand() % 4) {
	case 0: return (1 + next_rand() % 16) * PAGE_SIZE;
	case 1: return (1 + next_rand() % 3) * MIB2;
	case 2: return MIB2 + (next_rand() % 2 ? PAGE_SIZE : -PAGE_SIZE);
	default: return (1 + next_rand() % 600) * PAGE_SIZE;
	}
}

static uintptr_t random_va(void)
{
	uintptr_t va = RBASE + (next_rand() % (RSIZE / MIB2)) * MIB2;

	if (next_rand() % 3 == 0)
		va += (next_rand() % 512) * PAGE_SIZE;
	if (next_rand() % 50 == 0)
		va = RBASE - MIB2; /* sometimes outside */
	return va;
}

/* Random rights: mostly READ and some of @likely's, sometimes anything. */
static enum vm_prot random_prot(enum vm_prot likely)
{
	unsigned p = (unsigned)(next_rand() % 16);

	if (next_rand() % 5)
		p &= (unsigned)likely;
	return (enum vm_prot)(next_rand() % 30 ? p | VM_PROT_READ : p);
}

/* A range for unmap or protect: mostly starting inside a mapping (at a
 * page or at 2 MiB), sometimes anywhere. */
static void random_range(uintptr_t *base, size_t *len)
{
	*len = random_len();
	*base = random_va();
	if (nr_model && next_rand() % 4) {
		struct model_mapping *m = &model[next_rand() % nr_model];
		*base = m->base + (next_rand() % (m->len / PAGE_SIZE)) * PAGE_SIZE;
		if (next_rand() % 3 == 0)
			*base = MAX(m->base, ALIGN_DOWN(*base, MIB2));
		if (next_rand() % 2 && *base + *len > model_end(m))
			*len = model_end(m) - *base; /* to the mapping's end */
	}
}

static bool prot_valid(enum vm_prot prot)
{
	return (prot & VM_PROT_READ) && !(prot & ~VM_PROT_ALL);
}

/* The status the contract asks of a range op on [base, base + len). */
static kern_status_t range_status(uintptr_t base, size_t len)
{
	if (base < RBASE || base + len > RBASE + RSIZE)
		return KERN_OUT_OF_RANGE;
	return KERN_OK;
}

static void step_map(int step)
{
	unsigned obj = (unsigned)(next_rand() % NR_OBJS);
	struct vm_object *vo = objs[obj];
	size_t len = random_len();
	off_t offset = (off_t)((next_rand() % (vo->vo_size / PAGE_SIZE)) * PAGE_SIZE);
	enum vm_prot prot = random_prot(vo->vo_prot);
	bool anywhere = next_rand() % 3 == 0;
	uintptr_t at = anywhere ? VM_REGION_ANYWHERE : random_va(), want_at = at;
	kern_status_t want = KERN_OK, got;

	if (len < vo->vo_size && next_rand() % 8)
		offset = (off_t)((next_rand() % ((vo->vo_size - len) / PAGE_SIZE + 1)) * PAGE_SIZE);
	if (next_rand() % 2)
		offset = ALIGN_DOWN(offset, (off_t)MIB2);
	if (!prot_valid(prot))
		want = KERN_INVALID_ARGUMENT;
	else if ((size_t)offset + len > vo->vo_size)
		want = KERN_OUT_OF_RANGE;
	else if (!anywhere && (want = range_status(at, len)) != KERN_OK)
		;
	else if (prot & ~vo->vo_prot)
		want = KERN_ACCESS_DENIED;
	else if (!anywhere && model_overlaps(at, len))
		want = KERN_EXISTS;
	else if (anywhere && !(want_at = model_anywhere(len)))
		want = KERN_NO_MEMORY;
	if (want == KERN_OK && nr_model >= MAX_MODEL - 2)
		return;
	got = vm_region_map(random_region, vo, offset, len, prot, &at);
	outcomes[OP_MAP][got]++;
	CHECK(got == want, "step %d: map %s+0x%lx len 0x%zx at 0x%lx: %s, expected %s", step,
	      vo->vo_name, (unsigned long)offset, len, (unsigned long)want_at,
	      kern_status_name(got), kern_status_name(want));
	if (got != KERN_OK || want != KERN_OK)
		return;
	CHECK(at == want_at, "step %d: mapped at 0x%lx, expected 0x%lx", step, (unsigned long)at,
	      (unsigned long)want_at);
	model_insert((struct model_mapping){ at, len, obj, offset, prot });
}

static void step_unmap(int step)
{
	uintptr_t base;
	size_t len;
	kern_status_t want, got;

	random_range(&base, &len);
	want = range_status(base, len);
	got = vm_region_unmap(random_region, base, len);

	outcomes[OP_UNMAP][got]++;

	CHECK(got == want, "step %d: unmap [0x%lx, +0x%zx): %s, expected %s", step,
	      (unsigned long)base, len, kern_status_name(got), kern_status_name(want));
	if (got == KERN_OK && want == KERN_OK)
		model_unmap(base, len);
}

static void step_protect(int step)
{
	uintptr_t base, covered;
	size_t len;
	enum vm_prot prot = random_prot(VM_PROT_READ | VM_PROT_WRITE);
	kern_status_t want, got;

	random_range(&base, &len);
	want = prot_valid(prot) ? range_status(base, len) : KERN_INVALID_ARGUMENT;

	/* walk the model in address order: a hole or a refusing object, whichever first */
	covered = base;
	for (unsigned i = 0; want == KERN_OK && i < nr_model && covered < base + len; i++) {
		if (model_end(&model[i]) <= covered)
			continue;
		if (model[i].base > covered)
			break;
		if (prot & ~objs[model[i].obj]->vo_prot)
			want = KERN_ACCESS_DENIED;
		covered = model_end(&model[i]);
	}
	if (want == KERN_OK && covered < base + len)
		want = KERN_NOT_FOUND;
	if (want == KERN_OK && nr_model >= MAX_MODEL - 2)
		return;
	got = vm_region_protect(random_region, base, len, prot);
	outcomes[OP_PROTECT][got]++;
	CHECK(got == want, "step %d: protect [0x%lx, +0x%zx) 0x%x: %s, expected %s", step,
	      (unsigned long)base, len, (unsigned)prot, kern_status_name(got),
	      kern_status_name(want));
	if (got != KERN_OK || want != KERN_OK)
		return;
	model_cut(base);
	model_cut(base + len);
	for (unsigned i = 0; i < nr_model; i++)
		if (model[i].base >= base && model_end(&model[i]) <= base + len)
			model[i].prot = prot;
}

/* The region holds exactly the model's mappings; each object has one
 * reference per mapping besides the test's; lookups and leaves agree. */
static void compare(int step)
{
	unsigned i = 0, per_obj[NR_OBJS] = { 0 };
	uintptr_t va = random_va() + (next_rand() % MIB2);
	struct vm_region_mapping *found = NULL;
	off_t off = 0;
	kern_status_t s;

	vm_region_lock(random_region);
	btree_foreach(n, &random_region->vr_mappings) {
		struct vm_region_mapping *m = container_of(n, struct vm_region_mapping, m_node);
		struct model_mapping *w = &model[i];
		CHECK(i < nr_model && m->m_base == w->base && m->m_len == w->len &&
		      m->m_offset == w->offset && m->m_prot == w->prot && m->m_object == objs[w->obj],
		      "step %d: mapping %u is [0x%lx, +0x%zx) %s+0x%lx prot 0x%x, the model's "
		      "[0x%lx, +0x%zx)", step, i, (unsigned long)m->m_base, m->m_len,
		      m->m_object->vo_name, (unsigned long)m->m_offset, (unsigned)m->m_prot,
		      (unsigned long)w->base, w->len);
		if (failures || ++i > nr_model)
			break;
	}
	CHECK(i == nr_model, "step %d: %u mappings, the model has %u", step, i, nr_model);
	s = vm_region_lookup(random_region, va, &found, &off);
	for (i = 0; i < nr_model; i++) {
		per_obj[model[i].obj]++;
		if (model[i].base <= va && va < model_end(&model[i])) {
			CHECK(s == KERN_OK && found->m_base == model[i].base &&
			      off == model[i].offset + (off_t)(va - model[i].base),
			      "step %d: lookup 0x%lx: %s", step, (unsigned long)va, kern_status_name(s));
			s = KERN_NOT_FOUND; /* seen */
		}
	}
	CHECK(s == KERN_NOT_FOUND, "step %d: lookup 0x%lx found a mapping the model lacks", step,
	      (unsigned long)va);
	vm_region_unlock(random_region);
	for (i = 0; i < NR_OBJS; i++)
		CHECK(refs(objs[i]) == 1 + per_obj[i], "step %d: %s has %lu references for %u mappings",
		      step, objs[i]->vo_name, refs(objs[i]), per_obj[i]);
}

static void test_random(void)
{
	size_t live = pmap_host_tables_live(), free_start;
	struct vm_page *p;

	objs[0] = vm_object_create("d-all", 8 * MiB, VM_PROT_ALL);
	objs[1] = vm_object_create("d-rw", 6 * MiB, RW);
	objs[2] = vm_object_create("d-r", 4 * MiB, VM_PROT_READ);
	objs[3] = vm_object_create_in_place("ip-2m", MIB2, 4 * MiB, RW | VM_PROT_USER);
	objs[4] = vm_object_create_in_place("ip-4k", 6 * MiB + PAGE_SIZE, MIB2 - 2 * PAGE_SIZE,
					    VM_PROT_READ | VM_PROT_EXEC);
	for (unsigned i = 0; i < 3; i++) {
		size_t size = objs[i]->vo_size;
		for (int k = 0; k < 2; k++)
			vm_object_alloc_page_status(objs[i], (off_t)(next_rand() % (size / (4 * MiB)) * 4 * MiB),
						    VM_PAGE_4M, &p);
		for (int k = 0; k < 3; k++)
			vm_object_alloc_page_status(objs[i], (off_t)(next_rand() % (size / MIB2) * MIB2),
						    VM_PAGE_2M, &p);
		for (int k = 0; k < 60; k++)
			vm_object_alloc_page_status(objs[i], (off_t)(next_rand() % (size / PAGE_SIZE) *
								     PAGE_SIZE), VM_PAGE_4K, &p);
		vm_object_check(objs[i]);
	}
	free_start = vm_page_nr_free();
	random_region = new_region("random");
	nr_model = 0;
	for (int step = 0; step < STEPS && !failures; step++) {
		switch (next_rand() % 8) {
		case 0: case 1: case 2: step_map(step); break;
		case 3: case 4: step_unmap(step); break;
		default: step_protect(step); break;
		}
		vm_region_check(random_region);
		compare(step);
	}
	for (int op = 0; op < 3; op++) {
		printf("vm_region_host_test: random: %s:", (const char *[]){ "map", "unmap", "protect" }[op]);
		for (int st = 0; st < KERN_NR_STATUS; st++)
			if (outcomes[op][st])
				printf(" %s %u", kern_status_name((kern_status_t)st), outcomes[op][st]);
		printf("\n");
	}
	printf("vm_region_host_test: random: %u mappings at the end\n", nr_model);
	vm_region_put(random_region);
	CHECK(pmap_host_tables_live() == live, "%zu table pages live after put, expected %zu",
	      pmap_host_tables_live(), live);
	CHECK(vm_page_nr_free() == free_start, "frames: %zu free, expected %zu", vm_page_nr_free(), free_start);
	for (unsigned i = 0; i < NR_OBJS; i++) {
		CHECK(refs(objs[i]) == 1 && queue_empty(&objs[i]->vo_mappings),
		      "%s: %lu references left after put", objs[i]->vo_name, refs(objs[i]));
		vm_object_put(objs[i]);
	}
}

int main(int argc, char **argv)
{
	size_t free_start;

	free_start = host_vm_begin("vm_region_host_test", argc, argv);
	test_create();
	test_map_arguments();
	test_anywhere();
	test_populate();
	test_map_no_memory();
	test_unmap();
	test_protect();
	test_lookup_and_activate();
	test_check_catches();
	test_check_allows_unmapped_pages();
	test_random();
	CHECK(!vm_object_find("d-all") && !vm_region_find("random"), "objects and regions destroyed");
	return host_vm_end("vm_region_host_test", free_start);
}
