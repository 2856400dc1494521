/*
 * pmap_host_test.c - the kernel's x86-64 pmap (<mango/pmap.h>,
 * kernel/arch/x86_64/pmap.c over pmap_host.c's memory) under ASan and
 * UBSan (make test-host): seeded random enter/remove/protect/extract
 * against a model, pmap_check() after every step, every table page given
 * back once everything is removed, running out of table pages, bad input.
 *
 * Usage: pmap_host_test [seed]
 */
#include <stdint.h>

#include <mango/pmap.h>
#include <mango/vm_arch.h>

#include "host_test.h"
#include "pmap_host.h"

#define GIB (1ull << 30)
#define MIB2 (1ull << 21)
#define BASE (4 * GIB) /* the window: [BASE, BASE + 4 GiB), in PML4 entry 0 */
#define WINDOW (4 * GIB)
#define MAX_MAPS 256
#define STEPS 20000

/* The model: the mappings there are, as (va, order, pa, prot). */
struct mapping {
	uintptr_t va;
	unsigned order;
	phys_addr_t pa;
	enum vm_prot prot;
};

static struct mapping maps[MAX_MAPS];
static unsigned nr_maps;

static uint64_t bytes_of(unsigned order)
{
	return (uint64_t)PAGE_SIZE << order;
}

static bool overlaps(const struct mapping *m, uintptr_t va, uint64_t len)
{
	return m->va < va + len && va < m->va + bytes_of(m->order);
}

/* The model's mapping holding @va, or NULL. */
static struct mapping *model_find(uintptr_t va)
{
	for (unsigned i = 0; i < nr_maps; i++)
		if (overlaps(&maps[i], va, 1))
			return &maps[i];
	return NULL;
}

/* A random address in the window, aligned to @order, drawn from few
 * candidates so that operations collide often. */
static uintptr_t random_va(unsigned order)
{
	uint64_t gib = next_rand() % 4, mib2 = next_rand() % 4, page = next_rand() % 8;
	uintptr_t va = BASE + gib * GIB + mib2 * MIB2 + page * PAGE_SIZE;

	return va & ~(uintptr_t)(bytes_of(order) - 1);
}

static unsigned random_order(void)
{
	static const unsigned orders[] = { 0, 0, 0, 9, 9, 18 };
	return orders[next_rand() % 6];
}

static enum vm_prot random_prot(void)
{
	return (enum vm_prot)(VM_PROT_READ | (next_rand() % 16 & ~1u));
}

/* Whether a mapping straddles address @a (covers it without starting at it). */
static bool model_straddles(uintptr_t a)
{
	struct mapping *m = model_find(a);
	return m && m->va != a;
}

static void step_enter(struct pmap *pm)
{
	unsigned order = random_order();
	uintptr_t va = random_va(order);
	phys_addr_t pa = (next_rand() % 1024) << (PAGE_SHIFT + order);
	enum vm_prot prot = random_prot();
	kern_status_t want = KERN_OK, got;
	struct mapping *same = NULL;

	for (unsigned i = 0; i < nr_maps; i++)
		if (overlaps(&maps[i], va, bytes_of(order))) {
			if (maps[i].order != order)
				want = KERN_EXISTS;
			else
				same = &maps[i];
		}
	if (want == KERN_OK && !same && nr_maps == MAX_MAPS)
		return;
	got = pmap_enter(pm, va, pa, order, prot);
	CHECK(got == want, "enter 0x%lx order %u: %s, expected %s", (unsigned long)va, order,
	      kern_status_name(got), kern_status_name(want));
	if (got != KERN_OK)
		return;
	if (!same)
		same = &maps[nr_maps++];
	*same = (struct mapping){ va, order, pa, prot };
}

/* Remove (or protect, with @prot) a random range; the model follows. */
static void step_range(struct pmap *pm, bool protect)
{
	uintptr_t va = random_va(0);
	uint64_t len = (1 + next_rand() % 4) * (next_rand() % 2 ? PAGE_SIZE : next_rand() % 2 ? MIB2 : GIB);
	enum vm_prot prot = random_prot();
	kern_status_t want = KERN_OK, got;

	if (va + len > BASE + WINDOW)
		len = BASE + WINDOW - va;
	if (model_straddles(va) || model_straddles(va + len))
		want = KERN_INVALID_ARGUMENT;
	got = protect ? pmap_protect(pm, va, len, prot) : pmap_remove(pm, va, len);
	CHECK(got == want, "%s [0x%lx, +0x%lx): %s, expected %s", protect ? "protect" : "remove",
	      (unsigned long)va, (unsigned long)len, kern_status_name(got), kern_status_name(want));
	if (got != KERN_OK)
		return;
	for (unsigned i = 0; i < nr_maps; i++) {
		if (!overlaps(&maps[i], va, len))
			continue;
		if (protect)
			maps[i].prot = prot;
		else
			maps[i--] = maps[--nr_maps];
	}
}

static void step_extract(struct pmap *pm)
{
	uintptr_t va = random_va(0) + next_rand() % PAGE_SIZE;
	struct mapping *m = model_find(va);
	phys_addr_t pa = 0;
	unsigned order = 99;
	enum vm_prot prot = VM_PROT_NONE;
	kern_status_t got = pmap_extract(pm, va, &pa, &order, &prot);

	if (!m) {
		CHECK(got == KERN_NOT_FOUND, "extract 0x%lx: %s, nothing mapped", (unsigned long)va,
		      kern_status_name(got));
		return;
	}
	CHECK(got == KERN_OK, "extract 0x%lx: %s", (unsigned long)va, kern_status_name(got));
	CHECK(pa == m->pa + (va - m->va), "extract 0x%lx: pa 0x%lx, expected 0x%lx",
	      (unsigned long)va, (unsigned long)pa, (unsigned long)(m->pa + (va - m->va)));
	CHECK(order == m->order, "extract 0x%lx: order %u, expected %u", (unsigned long)va,
	      order, m->order);
	CHECK(prot == m->prot, "extract 0x%lx: prot 0x%x, expected 0x%x", (unsigned long)va,
	      (unsigned)prot, (unsigned)m->prot);
}

/* pmap_next_leaf from the window's start visits exactly the model's
 * mappings, in address order. */
static void step_walk(struct pmap *pm)
{
	uintptr_t va = BASE, leaf;
	unsigned seen = 0, order;

	while (pmap_next_leaf(pm, va, BASE + WINDOW, &leaf, NULL, &order, NULL) == KERN_OK) {
		struct mapping *m = model_find(leaf);
		CHECK(m && m->va == leaf && m->order == order,
		      "next_leaf: 0x%lx (order %u) is not a mapping's start", (unsigned long)leaf,
		      order);
		CHECK(leaf >= va, "next_leaf went back to 0x%lx", (unsigned long)leaf);
		seen++;
		va = leaf + ((uintptr_t)PAGE_SIZE << order);
		if (failures || va >= BASE + WINDOW)
			break;
	}
	CHECK(seen == nr_maps, "next_leaf saw %u mappings, the model has %u", seen, nr_maps);
}

static void test_random(void)
{
	struct pmap *pm = pmap_create();
	size_t live = pmap_host_tables_live();

	CHECK(pm && pmap_table_pages(pm) == 1, "a new pmap holds its root only");
	nr_maps = 0;
	for (int step = 0; step < STEPS && !failures; step++) {
		switch (next_rand() % 8) {
		case 0: case 1: case 2: step_enter(pm); break;
		case 3: step_range(pm, false); break;
		case 4: step_range(pm, true); break;
		case 5: step_walk(pm); break;
		default: step_extract(pm); break;
		}
		pmap_check(pm);
	}
	CHECK(pmap_remove(pm, BASE, WINDOW) == KERN_OK, "removing the whole window");
	pmap_check(pm);
	CHECK(pmap_table_pages(pm) == 1, "%zu table pages after removing everything, expected 1",
	      pmap_table_pages(pm));
	pmap_destroy(pm);
	CHECK(pmap_host_tables_live() == live - 1, "%zu table pages live, expected %zu",
	      pmap_host_tables_live(), live - 1);
}

/* Running out of table pages at each depth leaves no table behind. */
static void test_no_memory(void)
{
	struct pmap *pm = pmap_create();

	for (long n = 0; n < 3; n++) {
		pmap_host_fail_after(n);
		CHECK(pmap_enter(pm, BASE, 0, 0, VM_PROT_READ) == KERN_NO_MEMORY,
		      "enter with %ld table pages to spare", n);
		pmap_host_fail_after(-1);
		pmap_check(pm);
		CHECK(pmap_table_pages(pm) == 1, "%zu table pages kept after KERN_NO_MEMORY",
		      pmap_table_pages(pm));
	}
	CHECK(pmap_enter(pm, BASE, 0, 0, VM_PROT_READ) == KERN_OK, "enter once memory is back");
	CHECK(pmap_table_pages(pm) == 4, "a 4 KiB page needs 3 tables and the root, has %zu",
	      pmap_table_pages(pm));
	CHECK(pmap_remove(pm, BASE, PAGE_SIZE) == KERN_OK, "remove");
	CHECK(pmap_table_pages(pm) == 1, "tables freed: %zu left", pmap_table_pages(pm));
	pmap_destroy(pm);
}

static void test_bad_arguments(void)
{
	struct pmap *pm = pmap_create();
	enum vm_prot rw = VM_PROT_READ | VM_PROT_WRITE;

	CHECK(pmap_enter(pm, BASE + 1, 0, 0, rw) == KERN_INVALID_ARGUMENT, "misaligned va");
	CHECK(pmap_enter(pm, BASE, 0x1234, 0, rw) == KERN_INVALID_ARGUMENT, "misaligned pa");
	CHECK(pmap_enter(pm, BASE, PAGE_SIZE, 9, rw) == KERN_INVALID_ARGUMENT, "pa not 2 MiB aligned");
	CHECK(pmap_enter(pm, BASE, 0, 3, rw) == KERN_INVALID_ARGUMENT, "order 3 has no leaf");
	CHECK(pmap_enter(pm, BASE, 0, 0, VM_PROT_WRITE) == KERN_INVALID_ARGUMENT, "no READ");
	CHECK(pmap_enter(pm, BASE, 0, 0, (enum vm_prot)0x100) == KERN_INVALID_ARGUMENT, "bad bits");
	CHECK(pmap_enter(pm, 0xFFFF800000000000ull, 0, 0, rw) == KERN_INVALID_ARGUMENT,
	      "kernel half in a user pmap");
	CHECK(pmap_enter(pmap_kernel(), BASE, 0, 0, rw) == KERN_INVALID_ARGUMENT,
	      "user half in the kernel pmap");
	CHECK(pmap_remove(pm, BASE, 0) == KERN_INVALID_ARGUMENT, "empty range");
	CHECK(pmap_remove(pm, UINTPTR_MAX & ~(uintptr_t)(PAGE_SIZE - 1), 2 * PAGE_SIZE) ==
	      KERN_INVALID_ARGUMENT, "range wraps");
	CHECK(pmap_protect(pm, BASE, PAGE_SIZE, VM_PROT_NONE) == KERN_INVALID_ARGUMENT, "prot none");
	CHECK(pmap_extract(pm, 0xFFFF800000000000ull, NULL, NULL, NULL) == KERN_INVALID_ARGUMENT,
	      "extract in the kernel half of a user pmap");
	/* a 2 MiB page cannot be split by a range that ends inside it */
	CHECK(pmap_enter(pm, BASE, 0, 9, rw) == KERN_OK, "2 MiB page");
	CHECK(pmap_remove(pm, BASE, PAGE_SIZE) == KERN_INVALID_ARGUMENT, "split a 2 MiB page");
	CHECK(pmap_enter(pm, BASE + PAGE_SIZE, 0, 0, rw) == KERN_EXISTS, "4 KiB inside 2 MiB");
	CHECK(pmap_extract(pm, BASE + 5, NULL, NULL, NULL) == KERN_OK, "still mapped");
	CHECK(pmap_remove(pm, BASE, MIB2) == KERN_OK, "remove the whole 2 MiB page");
	pmap_check(pm);
	pmap_destroy(pm);
}

/* The kernel pmap: its top-level tables stay (every root shares them). */
static void test_kernel_pmap(void)
{
	struct pmap *k = pmap_kernel(), *pm = pmap_create();
	uintptr_t va = 0xFFFFC00000000000ull;
	phys_addr_t pa;

	CHECK(pmap_enter(k, va, 0x200000, 9, VM_PROT_READ) == KERN_OK, "kernel 2 MiB page");
	pmap_activate(pm);
	pmap_activate(k);
	CHECK(pmap_extract(k, va + 7, &pa, NULL, NULL) == KERN_OK && pa == 0x200007,
	      "kernel extract");
	CHECK(pmap_remove(k, va, MIB2) == KERN_OK, "kernel remove");
	pmap_check(k);
	CHECK(pmap_table_pages(k) == 2, "the kernel pmap keeps its root and PDPT, has %zu",
	      pmap_table_pages(k));
	pmap_destroy(pm);
}

int main(int argc, char **argv)
{
	host_test_begin("pmap_host_test", argc, argv);
	test_bad_arguments();
	test_no_memory();
	test_kernel_pmap();
	test_random();
	return host_test_end("pmap_host_test");
}
