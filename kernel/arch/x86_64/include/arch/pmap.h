/*
 * arch/pmap.h - x86-64 page tables as address spaces (pmap.c).
 *
 * These are the machine's side of vm/'s pmap contract, whose contract
 * comments are in vm/include/mango/pmap.h: that header repeats each
 * declaration below, so a signature that drifts from the contract does not
 * compile (kernel/ may not include vm/'s headers; vm/ includes this one
 * through <arch/vm_machine.h>). The rest is for kernel/ only: mmu.c builds
 * the kernel's tables with pmap_bootstrap() and pmap_enter().
 */
#ifndef ARCH_PMAP_H_
#define ARCH_PMAP_H_

#include <mango/status.h>
#include <mango/types.h>
#include <mango/vm_prot.h>

struct pmap;

struct pmap *pmap_kernel(void);
struct pmap *pmap_create(void);
void pmap_destroy(struct pmap *pmap);
kern_status_t pmap_enter(struct pmap *pmap, uintptr_t va, phys_addr_t pa, unsigned order,
			 enum vm_prot prot);
kern_status_t pmap_remove(struct pmap *pmap, uintptr_t va, size_t len);
kern_status_t pmap_protect(struct pmap *pmap, uintptr_t va, size_t len, enum vm_prot prot);
kern_status_t pmap_extract(struct pmap *pmap, uintptr_t va, phys_addr_t *pa, unsigned *order,
			   enum vm_prot *prot);
kern_status_t pmap_next_leaf(struct pmap *pmap, uintptr_t va, uintptr_t end, uintptr_t *leaf_va,
			     phys_addr_t *pa, unsigned *order, enum vm_prot *prot);
void pmap_activate(struct pmap *pmap);
bool pmap_is_active(const struct pmap *pmap);
size_t pmap_table_pages(const struct pmap *pmap);
void pmap_check(struct pmap *pmap);

/* pmap_bootstrap - make the kernel pmap, empty, its root from the early
 * pool (mmu_init, once, before any other pmap_ call). Panics when EFER.NXE
 * is off: every kernel data mapping relies on NX. */
void pmap_bootstrap(void);

/* pmap_direct_map_ready - the direct map of [0, @end) is live: table pages
 * are reached through it from now on (mmu_init, after loading CR3). */
void pmap_direct_map_ready(phys_addr_t end);

/* pmap_is_mapped - true if @va is mapped in the tables CR3 points at.
 * Safe on any address, before and after mmu_init (a table that is not
 * reachable counts as unmapped). */
bool pmap_is_mapped(uintptr_t va);

/* One entry the CPU reads on its way to a translation (pmap_walk_describe). */
struct pmap_walk_step {
	int level;            /* 3 = PML4, 2 = PDPT, 1 = PD, 0 = PT */
	phys_addr_t table_pa; /* the table that holds the entry */
	unsigned index;       /* the entry's index in that table */
	uint64_t entry;       /* the entry as it is, every bit */
};

/*
 * pmap_walk_describe - the entries the CPU reads to translate @va (any
 * address; its bits 47..12 are the indexes) through the tables rooted at
 * @root_pa (what CR3 holds), top level first, in @steps (room for
 * PT_LEVELS); returns how many: 0 when the root cannot be reached. The
 * last one is a leaf, an entry that is not present, or a present table
 * entry whose table cannot be reached (corrupt tables). For the monitor's
 * `pt`, which shows what the CPU sees, whichever pmap it belongs to.
 */
size_t pmap_walk_describe(phys_addr_t root_pa, uintptr_t va, struct pmap_walk_step *steps);

/*
 * pmap_walk_next_leaf - pmap_next_leaf() over the user half of the tables
 * rooted at @root_pa (the active ones, for the monitor, whether or not
 * vm/ made them): the first leaf at or above @va starting below @end, its
 * start, frame, order and rights. Same results as pmap_next_leaf().
 */
kern_status_t pmap_walk_next_leaf(phys_addr_t root_pa, uintptr_t va, uintptr_t end,
				  uintptr_t *leaf_va, phys_addr_t *pa, unsigned *order,
				  enum vm_prot *prot);

/* pmap_tables_outstanding - table pages taken from kmalloc's page provider
 * and not given back, over every pmap (tests: the same before and after). */
size_t pmap_tables_outstanding(void);

#endif /* ARCH_PMAP_H_ */
