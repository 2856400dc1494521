/*
 * arch/pmap_machine.h - what the portable part of the x86-64 pmap
 * (pmap.c: the tables, the walker, every pmap_ operation) asks of where it
 * runs. The kernel answers in pmap_mmu.c (early pool, page provider, the
 * direct map, CR3, invlpg); host tests in vm/host/pmap_host.c (the C
 * library's memory, no TLB), so the same table code runs under ASan/UBSan.
 */
#ifndef ARCH_PMAP_MACHINE_H_
#define ARCH_PMAP_MACHINE_H_

#include <mango/types.h>

typedef uint64_t pte_t;

/* pt_machine_init - check the CPU (the kernel: EFER.NXE on, or panic);
 * return whether it has 1 GiB pages. Once, from pmap_bootstrap(). */
bool pt_machine_init(void);

/* pt_table_alloc - a zeroed, page-aligned table page, or NULL when there
 * is none; pt_table_free gives one back. */
pte_t *pt_table_alloc(void);
void pt_table_free(pte_t *table);

/* pt_table_pa / pt_table_va - the address an entry holds for a table page,
 * and back; pt_table_va returns NULL for a table the current mapping
 * cannot reach (a corrupt entry). */
phys_addr_t pt_table_pa(const pte_t *table);
pte_t *pt_table_va(phys_addr_t pa);

/* pt_root_active - whether the CPU translates with the root at @root_pa. */
bool pt_root_active(phys_addr_t root_pa);

/* pt_load_root - make the CPU translate with the root at @root_pa. */
void pt_load_root(phys_addr_t root_pa);

/* pt_invalidate - drop the CPU's cached translations (TLB and
 * paging-structure caches) for @va in the active tables. */
void pt_invalidate(uintptr_t va);

/* pt_is_mapped - whether @va is mapped in the tables at @root (pmap.c's
 * walker, for pmap_is_mapped). */
bool pt_is_mapped(pte_t *root, uintptr_t va);

#endif /* ARCH_PMAP_MACHINE_H_ */
