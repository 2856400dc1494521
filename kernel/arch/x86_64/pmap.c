/*
 * pmap.c - x86-64 page tables: the machine's side of vm/'s pmap contract
 * (vm/include/mango/pmap.h), and the kernel's own tables, which mmu.c
 * builds with the same functions. One walker, pt_walk(), serves them all.
 *
 * Portable C: what depends on where the tables live (memory for tables,
 * CR3, invlpg) is asked through <arch/pmap_machine.h>, answered by
 * pmap_mmu.c in the kernel and by vm/host/pmap_host.c on the host, where
 * this same file runs under ASan/UBSan (vm/host/pmap_host_test.c).
 *
 * Levels are numbered from the bottom: 0 = PT, 1 = PD, 2 = PDPT, 3 = PML4;
 * an entry at level L covers 2^(12 + 9L) bytes. A leaf is a PT entry, or a
 * PD/PDPT entry with PS (a 2 MiB or 1 GiB page): order 9L.
 *
 * Table pages come from pt_table_alloc() and go back with pt_table_free()
 * when a table empties (the kernel: kmalloc's page provider once there is
 * one, the early pool before).
 *
 * The kernel pmap maps the kernel half; every other pmap maps the user
 * half and shares the kernel half: its root's upper 256 entries are copied
 * from the kernel root by pmap_activate(). So the kernel pmap never frees
 * a table its root points at (every root may point at it).
 *
 * Invariants (pmap_check):
 *   [P1] an entry is 0 or present: nothing else is ever written;
 *   [P2] a present non-leaf entry below the root points at a table page
 *        that this pmap owns, and that table has a present entry (empty
 *        tables are freed), except the kernel pmap's level-2 tables;
 *   [P3] pm->tables is the number of table pages the pmap owns, root
 *        included;
 *   [P4] leaves: PS at levels 1 and 2 only, frame aligned to its size.
 */
#ifdef MANGO_HOST
#include <mango/host.h>
#else
#include <mango/panic.h>
#include <mango/string.h>
#endif
#include <arch/memlayout.h>
#include <arch/pmap.h>
#include <arch/pmap_machine.h>
#include <mango/kmalloc.h>

struct pmap {
	pte_t *root;         /* the PML4, by a kernel address */
	phys_addr_t root_pa; /* what CR3 holds while this pmap is active */
	size_t tables;       /* [P3] */
	bool kernel;         /* the kernel pmap: maps the kernel half */
};

#define ROOT_KERNEL_FIRST (PT_ENTRIES / 2) /* root entries of the kernel half */
#define LEAF_KEEP (PTE_ADDR_MASK | PTE_PS | PTE_A | PTE_D) /* what protect keeps */

static struct pmap kernel_pmap;
static bool has_1g_pages;

/* A zeroed table page for @pm, or NULL when there is none. */
static pte_t *table_alloc(struct pmap *pm)
{
	pte_t *t = pt_table_alloc();

	if (t)
		pm->tables++;
	return t;
}

/* Give back table page @t of @pm. */
static void table_free(struct pmap *pm, pte_t *t)
{
	pm->tables--;
	pt_table_free(t);
}

static size_t level_size(int level)
{
	return (size_t)1 << (PT_SHIFT + PT_INDEX_BITS * level);
}

static unsigned index_at(uintptr_t va, int level)
{
	return (unsigned)((va >> (PT_SHIFT + PT_INDEX_BITS * level)) & PT_INDEX_MASK);
}

/* The table holding entry @e (tables are page aligned). */
static pte_t *table_of(pte_t *e)
{
	return (pte_t *)ALIGN_DOWN((uintptr_t)e, PAGE_SIZE);
}

static bool is_leaf(pte_t e, int level)
{
	return (e & PTE_P) && (level == 0 || (e & PTE_PS));
}

/*
 * pt_walk - the entry for @va at level @stop in @pm, or the entry above it
 * where the walk ended: a leaf, or (without @alloc) an entry that is not
 * present. With @alloc, missing tables down to @stop are allocated. Stores
 * the level of the returned entry in *@level. Returns NULL when @alloc
 * found no table page, or a table is not reachable (corrupt tables).
 */
static pte_t *pt_walk(struct pmap *pm, uintptr_t va, int stop, bool alloc, int *level)
{
	pte_t *table = pm->root;

	for (int l = PT_LEVELS - 1;; l--) {
		pte_t *e = &table[index_at(va, l)];
		if (l == stop || is_leaf(*e, l) || (!(*e & PTE_P) && !alloc)) {
			*level = l;
			return e;
		}
		if (!(*e & PTE_P)) {
			pte_t *t = table_alloc(pm);
			*level = l;
			if (!t)
				return NULL;
			*e = pt_table_pa(t) | PTE_P | PTE_W | (va < USER_HALF_END ? PTE_U : 0);
		}
		table = pt_table_va(*e & PTE_ADDR_MASK);
		if (!table) {
			*level = l;
			return NULL;
		}
	}
}

static bool is_active(const struct pmap *pm)
{
	return pm->kernel || pt_root_active(pm->root_pa);
}

/* Drop what the TLB (and the paging-structure caches) hold for @va. */
static void flush(const struct pmap *pm, uintptr_t va)
{
	if (is_active(pm))
		pt_invalidate(va);
}

static bool table_empty(const pte_t *t)
{
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		if (t[i])
			return false;
	return true;
}

/* Free the tables on @va's path that are empty, bottom up ([P2]). */
static void prune(struct pmap *pm, uintptr_t va)
{
	pte_t *path[PT_LEVELS];
	pte_t *table = pm->root;
	int l;

	for (l = PT_LEVELS - 1;; l--) {
		path[l] = &table[index_at(va, l)];
		if (l == 0 || !(*path[l] & PTE_P) || is_leaf(*path[l], l))
			break;
		table = pt_table_va(*path[l] & PTE_ADDR_MASK);
	}
	for (; l < PT_LEVELS - 1; l++) {
		pte_t *t = table_of(path[l]);
		if ((pm->kernel && l == PT_LEVELS - 2) || !table_empty(t))
			return;
		*path[l + 1] = 0;
		flush(pm, va);
		table_free(pm, t);
	}
}

/* The level whose leaves map 2^@order pages, if the CPU has such leaves. */
static bool order_level(unsigned order, int *level)
{
	for (int l = 0; l < 3; l++)
		if (order == (unsigned)(PT_INDEX_BITS * l) && (l < 2 || has_1g_pages)) {
			*level = l;
			return true;
		}
	return false;
}

/* Whether [va, va + len) is page aligned, not empty and in @pm's half. */
static bool range_ok(const struct pmap *pm, uintptr_t va, size_t len)
{
	uintptr_t last = va + len - 1;

	if (!len || (va | len) & (PAGE_SIZE - 1) || last < va)
		return false;
	return pm->kernel ? va >= KERNEL_HALF_BASE : last < USER_HALF_END;
}

/* Leaf bits for @prot; false when the machine cannot express it (every
 * present page is readable, so VM_PROT_READ is required). */
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

	if (e & PTE_W)
		p |= VM_PROT_WRITE;
	if (e & PTE_U)
		p |= VM_PROT_USER;
	if (!(e & PTE_NX))
		p |= VM_PROT_EXEC;
	return (enum vm_prot)p;
}

/* Whether a large leaf covers @va without starting there: an operation on
 * a range that ends at @va would split it. */
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

void pmap_bootstrap(void)
{
	has_1g_pages = pt_machine_init();
	kernel_pmap.kernel = true;
	kernel_pmap.root = table_alloc(&kernel_pmap);
	if (!kernel_pmap.root)
		panic("no page for the kernel's page-table root");
	kernel_pmap.root_pa = pt_table_pa(kernel_pmap.root);
}

struct pmap *pmap_create(void)
{
	struct pmap *pm = kmalloc(sizeof(*pm));

	if (!pm)
		return NULL;
	pm->root = table_alloc(pm);
	if (!pm->root) {
		kfree(pm);
		return NULL;
	}
	pm->root_pa = pt_table_pa(pm->root);
	return pm;
}

/* Free the table at @t (level @level) and every table below it. */
static void free_tree(struct pmap *pm, pte_t *t, int level)
{
	for (unsigned i = 0; level > 0 && i < PT_ENTRIES; i++)
		if ((t[i] & PTE_P) && !is_leaf(t[i], level))
			free_tree(pm, pt_table_va(t[i] & PTE_ADDR_MASK), level - 1);
	table_free(pm, t);
}

void pmap_destroy(struct pmap *pm)
{
	if (pm->kernel)
		panic("pmap_destroy: the kernel pmap cannot be destroyed");
	if (is_active(pm))
		panic("pmap_destroy: pmap %p is active", (void *)pm);
	for (unsigned i = 0; i < ROOT_KERNEL_FIRST; i++)
		if (pm->root[i] & PTE_P)
			free_tree(pm, pt_table_va(pm->root[i] & PTE_ADDR_MASK), PT_LEVELS - 2);
	table_free(pm, pm->root);
	if (pm->tables)
		panic("pmap_destroy: %zu table pages unaccounted for", pm->tables);
	kfree(pm);
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
		prune(pm, va); /* the tables made before running out */
		return KERN_NO_MEMORY;
	}
	if (l != level || ((*e & PTE_P) && !is_leaf(*e, level)))
		return KERN_EXISTS; /* a mapping of another size is in the way */
	*e = pa | bits | (level ? PTE_PS : 0);
	flush(pm, va);
	return KERN_OK;
}

/* Apply @fn to every leaf in [va, va + len), after checking the range and
 * that no large leaf straddles either end (nothing is changed then). */
static kern_status_t for_each_leaf(struct pmap *pm, uintptr_t va, size_t len,
				   void (*fn)(struct pmap *, pte_t *, uintptr_t, pte_t), pte_t arg)
{
	uintptr_t end = va + len;

	if (!range_ok(pm, va, len))
		return KERN_INVALID_ARGUMENT;
	if (splits_a_leaf(pm, va) || (end && end != USER_HALF_END && splits_a_leaf(pm, end)))
		return KERN_INVALID_ARGUMENT;
	while (len) {
		int l;
		pte_t *e = pt_walk(pm, va, 0, false, &l);
		size_t step = level_size(l) - (va & (level_size(l) - 1));
		if (e && is_leaf(*e, l))
			fn(pm, e, va, arg);
		if (step >= len)
			break;
		va += step;
		len -= step;
	}
	return KERN_OK;
}

static void remove_leaf(struct pmap *pm, pte_t *e, uintptr_t va, pte_t unused)
{
	*e = 0;
	flush(pm, va);
	prune(pm, va);
}

kern_status_t pmap_remove(struct pmap *pm, uintptr_t va, size_t len)
{
	return for_each_leaf(pm, va, len, remove_leaf, 0);
}

static void protect_leaf(struct pmap *pm, pte_t *e, uintptr_t va, pte_t bits)
{
	*e = (*e & LEAF_KEEP) | bits;
	flush(pm, va);
}

kern_status_t pmap_protect(struct pmap *pm, uintptr_t va, size_t len, enum vm_prot prot)
{
	pte_t bits;

	if (!prot_bits(prot, &bits))
		return KERN_INVALID_ARGUMENT;
	return for_each_leaf(pm, va, len, protect_leaf, bits);
}

kern_status_t pmap_extract(struct pmap *pm, uintptr_t va, phys_addr_t *pa, unsigned *order,
			   enum vm_prot *prot)
{
	int l;
	pte_t *e;

	if (!range_ok(pm, ALIGN_DOWN(va, PAGE_SIZE), PAGE_SIZE))
		return KERN_INVALID_ARGUMENT;
	e = pt_walk(pm, va, 0, false, &l);
	if (!e || !is_leaf(*e, l))
		return KERN_NOT_FOUND;
	if (pa)
		*pa = (*e & PTE_ADDR_MASK & ~(pte_t)(level_size(l) - 1)) |
		      (va & (level_size(l) - 1));
	if (order)
		*order = (unsigned)(PT_INDEX_BITS * l);
	if (prot)
		*prot = leaf_prot(*e);
	return KERN_OK;
}

kern_status_t pmap_next_leaf(struct pmap *pm, uintptr_t va, uintptr_t end, uintptr_t *leaf_va,
			     phys_addr_t *pa, unsigned *order, enum vm_prot *prot)
{
	va = ALIGN_DOWN(va, PAGE_SIZE);
	if (end <= va || !range_ok(pm, va, ALIGN_UP(end, PAGE_SIZE) - va))
		return KERN_INVALID_ARGUMENT;
	while (va < end) {
		int l;
		pte_t *e = pt_walk(pm, va, 0, false, &l);
		uintptr_t start = ALIGN_DOWN(va, level_size(l));

		if (e && is_leaf(*e, l)) {
			if (leaf_va)
				*leaf_va = start;
			return pmap_extract(pm, start, pa, order, prot);
		}
		if (start + level_size(l) < start)
			break; /* the top of the address space */
		va = start + level_size(l); /* nothing below this entry */
	}
	return KERN_NOT_FOUND;
}

bool pmap_is_active(const struct pmap *pm)
{
	return pt_root_active(pm->root_pa);
}

void pmap_activate(struct pmap *pm)
{
	if (!pm->kernel)
		memcpy(&pm->root[ROOT_KERNEL_FIRST], &kernel_pmap.root[ROOT_KERNEL_FIRST],
		       ROOT_KERNEL_FIRST * sizeof(pte_t));
	pt_load_root(pm->root_pa);
}

size_t pmap_table_pages(const struct pmap *pm)
{
	return pm->tables;
}

/* Count the tables of the tree at @t (level @level), checking [P1]-[P4]. */
static size_t check_tree(struct pmap *pm, pte_t *t, int level, bool top)
{
	size_t n = 1;
	bool any = false;

	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		pte_t e = t[i];
		if (top && !pm->kernel && i >= ROOT_KERNEL_FIRST)
			break; /* the kernel's half: the kernel pmap's tables */
		if (top && pm->kernel && i < ROOT_KERNEL_FIRST && e)
			panic("pmap_check: [P2] kernel pmap maps the user half (root entry %u)", i);
		if (e && !(e & PTE_P))
			panic("pmap_check: [P1] entry %u at level %d is 0x%lx, not present",
			      i, level, (unsigned long)e);
		if (!e)
			continue;
		any = true;
		if (is_leaf(e, level)) {
			if (level == PT_LEVELS - 1 || (e & PTE_ADDR_MASK & (level_size(level) - 1)))
				panic("pmap_check: [P4] bad leaf 0x%lx at level %d", (unsigned long)e,
				      level);
			continue;
		}
		n += check_tree(pm, pt_table_va(e & PTE_ADDR_MASK), level - 1, false);
	}
	if (!top && !any && !(pm->kernel && level == PT_LEVELS - 2))
		panic("pmap_check: [P2] an empty table at level %d was kept", level);
	return n;
}

void pmap_check(struct pmap *pm)
{
	size_t n = check_tree(pm, pm->root, PT_LEVELS - 1, true);

	if (n != pm->tables)
		panic("pmap_check: [P3] %zu table pages reachable, %zu counted", n, pm->tables);
}

/* A pmap struct over the tables at @root_pa, for looking only: not the
 * kernel's (so the user half), owning nothing. False when the root cannot
 * be reached. */
static bool view_of(phys_addr_t root_pa, struct pmap *view)
{
	*view = (struct pmap){ .root = pt_table_va(root_pa), .root_pa = root_pa };
	return view->root != NULL;
}

size_t pmap_walk_describe(phys_addr_t root_pa, uintptr_t va, struct pmap_walk_step *steps)
{
	struct pmap view;
	size_t n = 0;

	if (!view_of(root_pa, &view))
		return 0;
	/* pt_walk down to each level in turn: it ends early, above @stop, at a
	 * leaf or an entry that is not present, and returns NULL when a table
	 * cannot be reached */
	for (int stop = PT_LEVELS - 1; stop >= 0; stop--) {
		int l;
		pte_t *e = pt_walk(&view, va, stop, false, &l);

		if (!e || l != stop)
			break;
		steps[n++] = (struct pmap_walk_step){ .level = l, .table_pa = pt_table_pa(table_of(e)),
						      .index = index_at(va, l), .entry = *e };
		if (!(*e & PTE_P) || is_leaf(*e, l))
			break;
	}
	return n;
}

kern_status_t pmap_walk_next_leaf(phys_addr_t root_pa, uintptr_t va, uintptr_t end,
				  uintptr_t *leaf_va, phys_addr_t *pa, unsigned *order,
				  enum vm_prot *prot)
{
	struct pmap view;

	if (!view_of(root_pa, &view))
		return KERN_INVALID_ARGUMENT;
	return pmap_next_leaf(&view, va, end, leaf_va, pa, order, prot);
}

bool pt_is_mapped(pte_t *root, uintptr_t va)
{
	struct pmap cur = { .root = root };
	int l;
	pte_t *e = pt_walk(&cur, va, 0, false, &l);

	return e && is_leaf(*e, l);
}
