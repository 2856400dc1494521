/*
 * pmap_host.c - the pmap contract (<mango/pmap.h>) on the host: a real
 * 4-level table in the x86-64 format, over ordinary memory, so that what
 * vm/ does with mappings runs under ASan/UBSan. Table pages come from the
 * C library (aligned_alloc), one 4 KiB page each; an entry holds the host
 * address of the table below it, a leaf the physical address it maps.
 * There is no TLB to flush and no CR3: pmap_activate records the pmap.
 *
 * Invariants (pmap_check), as in kernel/arch/x86_64/pmap.c:
 *   [P1] an entry is 0 or present;
 *   [P2] no table below the root is empty (remove frees it), except the
 *        kernel pmap's level-2 tables, which every root shares;
 *   [P3] pm->tables counts the table pages the pmap holds, root included;
 *   [P4] a leaf is at levels 0-2, its frame aligned to its size.
 *
 * For tests: pmap_host_tables_live() counts table pages not freed, and
 * pmap_host_fail_after(n) makes the (n+1)-th next table allocation fail.
 */
#include <mango/pmap.h>

#include "pmap_host.h"

typedef uint64_t pte_t;

/* The x86-64 entry format (Intel SDM 4.5). */
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ull
#define LEVELS 4
#define ENTRIES 512
#define INDEX_BITS 9
#define LEAF_LEVELS 3 /* 4 KiB, 2 MiB, 1 GiB */
#define USER_TOP 0x0000800000000000ull
#define KERNEL_HALF 0xFFFF800000000000ull
#define ROOT_KERNEL_FIRST (ENTRIES / 2)
#define TABLE_POISON 0x6B /* what a freed table holds, for a debugger */

struct pmap {
	pte_t *root;
	size_t tables; /* [P3] */
	bool kernel;
};

static struct pmap kernel_pmap = { .kernel = true };
static const struct pmap *active;
static size_t tables_live;
static long fail_after = -1;

size_t pmap_host_tables_live(void)
{
	return tables_live;
}

void pmap_host_fail_after(long n)
{
	fail_after = n;
}

static pte_t *table_alloc(struct pmap *pm)
{
	pte_t *t;

	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	t = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!t)
		return NULL;
	memset(t, 0, PAGE_SIZE);
	tables_live++;
	pm->tables++;
	return t;
}

static void table_free(struct pmap *pm, pte_t *t)
{
	memset(t, TABLE_POISON, PAGE_SIZE);
	free(t);
	tables_live--;
	pm->tables--;
}

static pte_t *table_at(pte_t e)
{
	return (pte_t *)(uintptr_t)(e & PTE_ADDR_MASK);
}

static size_t level_size(int level)
{
	return (size_t)1 << (PAGE_SHIFT + INDEX_BITS * level);
}

static unsigned index_at(uintptr_t va, int level)
{
	return (unsigned)((va >> (PAGE_SHIFT + INDEX_BITS * level)) & (ENTRIES - 1));
}

static bool is_leaf(pte_t e, int level)
{
	return (e & PTE_P) && (level == 0 || (e & PTE_PS));
}

static pte_t *root_of(struct pmap *pm)
{
	if (!pm->root && pm->kernel && !(pm->root = table_alloc(pm)))
		panic("no memory for the host's kernel pmap");
	return pm->root;
}

/* pt_walk - as in kernel/arch/x86_64/pmap.c: the entry for @va at level
 * @stop, or where the walk ended (a leaf, or without @alloc an entry not
 * present); NULL when @alloc found no table page. */
static pte_t *pt_walk(struct pmap *pm, uintptr_t va, int stop, bool alloc, int *level)
{
	pte_t *table = root_of(pm);

	for (int l = LEVELS - 1;; l--) {
		pte_t *e = &table[index_at(va, l)];
		*level = l;
		if (l == stop || is_leaf(*e, l) || (!(*e & PTE_P) && !alloc))
			return e;
		if (!(*e & PTE_P)) {
			pte_t *t = table_alloc(pm);
			if (!t)
				return NULL;
			*e = (pte_t)(uintptr_t)t | PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
		}
		table = table_at(*e);
	}
}

static bool table_empty(const pte_t *t)
{
	for (unsigned i = 0; i < ENTRIES; i++)
		if (t[i])
			return false;
	return true;
}

/* Free the empty tables on @va's path, bottom up ([P2]). */
static void prune(struct pmap *pm, uintptr_t va)
{
	pte_t *path[LEVELS], *table = root_of(pm);
	int l;

	for (l = LEVELS - 1;; l--) {
		path[l] = &table[index_at(va, l)];
		if (l == 0 || !(*path[l] & PTE_P) || is_leaf(*path[l], l))
			break;
		table = table_at(*path[l]);
	}
	for (; l < LEVELS - 1; l++) {
		pte_t *t = (pte_t *)((uintptr_t)path[l] & ~(uintptr_t)(PAGE_SIZE - 1));
		if ((pm->kernel && l == LEVELS - 2) || !table_empty(t))
			return;
		*path[l + 1] = 0;
		table_free(pm, t);
	}
}

static bool order_level(unsigned order, int *level)
{
	for (int l = 0; l < LEAF_LEVELS; l++)
		if (order == (unsigned)(INDEX_BITS * l)) {
			*level = l;
			return true;
		}
	return false;
}

static bool range_ok(const struct pmap *pm, uintptr_t va, size_t len)
{
	uintptr_t last = va + len - 1;

	if (!len || (va | len) & (PAGE_SIZE - 1) || last < va)
		return false;
	return pm->kernel ? va >= KERNEL_HALF : last < USER_TOP;
}

static bool prot_bits(enum vm_prot prot, pte_t *bits)
{
	if (!(prot & VM_PROT_READ) || (prot & ~VM_PROT_ALL))
		return false;
	*bits = PTE_P | ((prot & VM_PROT_WRITE) ? PTE_W : 0) |
		((prot & VM_PROT_USER) ? PTE_U : 0) | ((prot & VM_PROT_EXEC) ? 0 : PTE_NX);
	return true;
}

static enum vm_prot leaf_prot(pte_t e)
{
	unsigned p = VM_PROT_READ;

	p |= (e & PTE_W) ? VM_PROT_WRITE : 0;
	p |= (e & PTE_U) ? VM_PROT_USER : 0;
	p |= (e & PTE_NX) ? 0 : VM_PROT_EXEC;
	return (enum vm_prot)p;
}

static bool splits_a_leaf(struct pmap *pm, uintptr_t va)
{
	int l;
	pte_t *e = pt_walk(pm, va, 0, false, &l);

	return e && l > 0 && is_leaf(*e, l) && (va & (level_size(l) - 1));
}

struct pmap *pmap_kernel(void)
{
	return &kernel_pmap;
}

struct pmap *pmap_create(void)
{
	struct pmap *pm = calloc(1, sizeof(*pm));

	if (pm && !(pm->root = table_alloc(pm))) {
		free(pm);
		return NULL;
	}
	return pm;
}

static void free_tree(struct pmap *pm, pte_t *t, int level)
{
	for (unsigned i = 0; level > 0 && i < ENTRIES; i++)
		if ((t[i] & PTE_P) && !is_leaf(t[i], level))
			free_tree(pm, table_at(t[i]), level - 1);
	table_free(pm, t);
}

void pmap_destroy(struct pmap *pm)
{
	if (pm->kernel || pm == active)
		panic("pmap_destroy: pmap %p is the kernel's or active", (void *)pm);
	for (unsigned i = 0; i < ROOT_KERNEL_FIRST; i++)
		if (pm->root[i] & PTE_P)
			free_tree(pm, table_at(pm->root[i]), LEVELS - 2);
	table_free(pm, pm->root);
	if (pm->tables)
		panic("pmap_destroy: %zu table pages unaccounted for", pm->tables);
	free(pm);
}

kern_status_t pmap_enter(struct pmap *pm, uintptr_t va, phys_addr_t pa, unsigned order,
			 enum vm_prot prot)
{
	int level, l;
	pte_t bits, *e;

	if (!order_level(order, &level) || !prot_bits(prot, &bits) ||
	    !range_ok(pm, va, level_size(level)) || ((va | pa) & (level_size(level) - 1)) ||
	    (pa & ~PTE_ADDR_MASK))
		return KERN_INVALID_ARGUMENT;
	e = pt_walk(pm, va, level, true, &l);
	if (!e) {
		prune(pm, va);
		return KERN_NO_MEMORY;
	}
	if (l != level || ((*e & PTE_P) && !is_leaf(*e, level)))
		return KERN_EXISTS;
	*e = pa | bits | (level ? PTE_PS : 0);
	return KERN_OK;
}

static kern_status_t for_each_leaf(struct pmap *pm, uintptr_t va, size_t len, bool remove,
				   pte_t bits)
{
	uintptr_t end = va + len;

	if (!range_ok(pm, va, len))
		return KERN_INVALID_ARGUMENT;
	if (splits_a_leaf(pm, va) || (end && end != USER_TOP && splits_a_leaf(pm, end)))
		return KERN_INVALID_ARGUMENT;
	while (len) {
		int l;
		pte_t *e = pt_walk(pm, va, 0, false, &l);
		size_t step = level_size(l) - (va & (level_size(l) - 1));
		if (is_leaf(*e, l)) {
			if (remove) {
				*e = 0;
				prune(pm, va);
			} else {
				*e = (*e & (PTE_ADDR_MASK | PTE_PS)) | bits;
			}
		}
		if (step >= len)
			break;
		va += step;
		len -= step;
	}
	return KERN_OK;
}

kern_status_t pmap_remove(struct pmap *pm, uintptr_t va, size_t len)
{
	return for_each_leaf(pm, va, len, true, 0);
}

kern_status_t pmap_protect(struct pmap *pm, uintptr_t va, size_t len, enum vm_prot prot)
{
	pte_t bits;

	if (!prot_bits(prot, &bits))
		return KERN_INVALID_ARGUMENT;
	return for_each_leaf(pm, va, len, false, bits);
}

kern_status_t pmap_extract(struct pmap *pm, uintptr_t va, phys_addr_t *pa, unsigned *order,
			   enum vm_prot *prot)
{
	int l;
	pte_t *e;

	if (!range_ok(pm, va & ~(uintptr_t)(PAGE_SIZE - 1), PAGE_SIZE))
		return KERN_INVALID_ARGUMENT;
	e = pt_walk(pm, va, 0, false, &l);
	if (!is_leaf(*e, l))
		return KERN_NOT_FOUND;
	if (pa)
		*pa = (*e & PTE_ADDR_MASK & ~(pte_t)(level_size(l) - 1)) |
		      (va & (level_size(l) - 1));
	if (order)
		*order = (unsigned)(INDEX_BITS * l);
	if (prot)
		*prot = leaf_prot(*e);
	return KERN_OK;
}

void pmap_activate(struct pmap *pm)
{
	if (!pm->kernel)
		memcpy(&pm->root[ROOT_KERNEL_FIRST], &root_of(&kernel_pmap)[ROOT_KERNEL_FIRST],
		       ROOT_KERNEL_FIRST * sizeof(pte_t));
	active = pm;
}

size_t pmap_table_pages(const struct pmap *pm)
{
	return pm->tables;
}

static size_t check_tree(struct pmap *pm, pte_t *t, int level, bool top)
{
	size_t n = 1;
	bool any = false;

	for (unsigned i = 0; i < ENTRIES; i++) {
		pte_t e = t[i];
		if (top && !pm->kernel && i >= ROOT_KERNEL_FIRST)
			break;
		if (e && !(e & PTE_P))
			panic("pmap_check: [P1] entry %u at level %d is 0x%llx, not present", i,
			      level, (unsigned long long)e);
		if (!e)
			continue;
		any = true;
		if (is_leaf(e, level)) {
			if (level >= LEAF_LEVELS || (e & PTE_ADDR_MASK & (level_size(level) - 1)))
				panic("pmap_check: [P4] bad leaf 0x%llx at level %d",
				      (unsigned long long)e, level);
			continue;
		}
		n += check_tree(pm, table_at(e), level - 1, false);
	}
	if (!top && !any && !(pm->kernel && level == LEVELS - 2))
		panic("pmap_check: [P2] an empty table at level %d was kept", level);
	return n;
}

void pmap_check(struct pmap *pm)
{
	size_t n = check_tree(pm, root_of(pm), LEVELS - 1, true);

	if (n != pm->tables)
		panic("pmap_check: [P3] %zu table pages reachable, %zu counted", n, pm->tables);
}
