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

/* pmap_tables_outstanding - table pages taken from kmalloc's page provider
 * and not given back, over every pmap (tests: the same before and after). */
size_t pmap_tables_outstanding(void);

#endif /* ARCH_PMAP_H_ */
