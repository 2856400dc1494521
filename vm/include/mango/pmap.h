/*
 * mango/pmap.h - the machine's page tables, as vm/ sees them: the contract
 * each machine must provide (after FreeBSD's sys/vm/pmap.h).
 *
 * A pmap is one address space's translation from virtual addresses to
 * physical frames. vm/ decides what is mapped; the pmap only records it in
 * whatever form the hardware walks. struct pmap is opaque here.
 *
 * Implementation: kernel/arch/x86_64/pmap.c (4-level x86-64 tables), in
 * the kernel over physical memory (pmap_mmu.c) and on the host over the C
 * library's (vm/host/pmap_host.c, for tests under ASan/UBSan).
 * kernel/ may not include vm/'s headers, so the machine declares
 * these functions in its own header (<arch/pmap.h>, reached through
 * <mango/vm_arch.h>) and this header declares them again: C requires the
 * two to agree, so a machine that drifts from the contract does not build.
 *
 * Common rules:
 *   - Addresses and lengths are page aligned; a range is not empty and
 *     does not wrap. The kernel pmap maps the kernel half of the address
 *     space, every other pmap the user half (and shares the kernel's).
 *   - @order is a mapping's size as a page order (2^order base pages):
 *     only orders the hardware has leaves for are accepted (x86-64: 0 for
 *     4 KiB, 9 for 2 MiB, 18 for 1 GiB where the CPU has 1 GiB pages).
 *   - @prot is a set of VM_PROT_* bits and must include VM_PROT_READ: a
 *     present page is always readable on the machines Mango runs on.
 *   - A bad argument returns KERN_INVALID_ARGUMENT and changes nothing;
 *     no pmap function panics on one. Running out of table pages returns
 *     KERN_NO_MEMORY and leaves no empty table behind.
 *   - Frames are the caller's: no pmap function allocates or frees a
 *     mapped frame. Table pages are the pmap's: it takes them when needed
 *     and gives them back when a table empties.
 *   - Changes to the active pmap take effect before the call returns (the
 *     TLB is flushed as needed).
 *   - Not locked: the caller serializes calls on one pmap.
 */
#ifndef MANGO_PMAP_H_
#define MANGO_PMAP_H_

#include <mango/status.h>
#include <mango/types.h>
#include <mango/vm_prot.h>

struct pmap;

/* pmap_kernel - the kernel's pmap (the one active at boot); never NULL. */
struct pmap *pmap_kernel(void);

/* pmap_create - a new, empty pmap for a user address space; NULL when no
 * memory for it. */
struct pmap *pmap_create(void);

/* pmap_destroy - free @pmap and all its tables (not the mapped frames).
 * @pmap must not be the kernel's nor active (panics: a broken invariant). */
void pmap_destroy(struct pmap *pmap);

/*
 * pmap_enter - map [@va, @va + 2^@order pages) to the frames at @pa with
 * @prot, replacing a mapping of the same size at @va. KERN_OK;
 * KERN_INVALID_ARGUMENT for a misaligned @va or @pa, an order with no
 * hardware leaf, bad @prot or an address outside the pmap's half;
 * KERN_EXISTS when mappings of another size cover part of the range
 * (remove them first); KERN_NO_MEMORY when a table page cannot be had.
 */
kern_status_t pmap_enter(struct pmap *pmap, uintptr_t va, phys_addr_t pa, unsigned order,
			 enum vm_prot prot);

/*
 * pmap_remove - unmap every mapping in [@va, @va + @len); parts that are
 * not mapped are skipped. KERN_OK; KERN_INVALID_ARGUMENT (nothing done)
 * for a bad range or when a large mapping straddles either end.
 */
kern_status_t pmap_remove(struct pmap *pmap, uintptr_t va, size_t len);

/*
 * pmap_protect - set the rights of every mapping in [@va, @va + @len) to
 * @prot. Same results as pmap_remove(), and KERN_INVALID_ARGUMENT for a
 * bad @prot (to take every right away, remove).
 */
kern_status_t pmap_protect(struct pmap *pmap, uintptr_t va, size_t len, enum vm_prot prot);

/*
 * pmap_extract - what @va (any byte) translates to: the physical address in
 * *@pa, the order of the mapping holding it in *@order, its rights in
 * *@prot (each may be NULL). KERN_OK; KERN_NOT_FOUND when nothing maps
 * @va; KERN_INVALID_ARGUMENT when @va is outside the pmap's half.
 */
kern_status_t pmap_extract(struct pmap *pmap, uintptr_t va, phys_addr_t *pa, unsigned *order,
			   enum vm_prot *prot);

/*
 * pmap_next_leaf - the first mapping at or above @va that starts below
 * @end: its start in *@leaf_va (it may start before @va when a large
 * mapping covers @va), its frame, order and rights as pmap_extract gives
 * them (each pointer may be NULL). Empty tables are skipped whole, so
 * walking every mapping of a range costs what is mapped, not its size.
 * KERN_OK; KERN_NOT_FOUND when nothing is mapped in [@va, @end);
 * KERN_INVALID_ARGUMENT for a range outside the pmap's half.
 */
kern_status_t pmap_next_leaf(struct pmap *pmap, uintptr_t va, uintptr_t end, uintptr_t *leaf_va,
			     phys_addr_t *pa, unsigned *order, enum vm_prot *prot);

/* pmap_activate - make @pmap the address space this CPU translates with. */
void pmap_activate(struct pmap *pmap);

/* pmap_is_active - whether this CPU translates with @pmap now (the last
 * pmap_activate() was @pmap's). */
bool pmap_is_active(const struct pmap *pmap);

/* pmap_table_pages - table pages @pmap holds, its root included (tests:
 * one table of each level per mapped region, and back to 1 when empty). */
size_t pmap_table_pages(const struct pmap *pmap);

/* pmap_check - verify the pmap's invariants (see its implementation);
 * panics on the first one broken, naming it. */
void pmap_check(struct pmap *pmap);

#endif /* MANGO_PMAP_H_ */
