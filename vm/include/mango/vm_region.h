/*
 * mango/vm_region.h - address spaces and the mappings in them (Lab 4).
 *
 * An address space is a vm_region: a range of virtual addresses
 * [vr_start, vr_start + vr_size) in the user half, and the pmap that
 * translates them. It holds vm_region_mappings, each a window onto a
 * vm_object: [m_base, m_base + m_len) shows the object's bytes
 * [m_offset, m_offset + m_len), with rights m_prot, a subset of the
 * object's vo_prot.
 *
 *     vm_region "as0" [0x10000000, 0x50000000)    vr_mappings (btree by m_base)
 *        |                                          /                  \
 *        |                     mapping [0x10000000,+8K)  mapping [0x10200000,+2M)
 *        |                           |  m_object                |  m_object
 *        v                           v                          v
 *      pmap  <-- entered by the region ops -->   vm_object "buf"  (vo_mappings:
 *                                                 both mappings, one reference each)
 *
 * In this lab a mapping is populated eagerly with what its object has:
 * every page already in vo_pages (in-place objects: every frame) is
 * entered in the pmap when the mapping is made, with the largest leaf the
 * page's order and the mapping's alignment allow (4 KiB or 2 MiB on
 * x86-64). Pages the object does not have stay unmapped (Lab 5 brings
 * them in on a fault).
 *
 * Names follow the seed: vo_mappings is a queue of struct
 * vm_region_mapping, and "mappings of this vm_object can only use a subset
 * of the flags set in" vo_prot.
 *
 * Lock rules: the region's fields marked "region lock" are protected by
 * vm_region_lock(); an object's vo_mappings by vm_object_lock(). Lock
 * order: a region's lock, then an object's; never the other way round.
 * Each function says in its contract what must be held ("Lock: held" or
 * "Lock: not held") and asserts it (VM_REGION_ASSERT_LOCKED), like
 * vm_object.h.
 */
#ifndef MANGO_VM_REGION_H_
#define MANGO_VM_REGION_H_

#include <mango/btree.h>
#include <mango/object.h>
#include <mango/pmap.h>
#include <mango/queue.h>
#include <mango/status.h>
#include <mango/vm_object.h>
#include <mango/vm_prot.h>

#define VM_REGION_NAME_MAX 32

/* vm_region_map's *where: place the mapping at the first free range that
 * fits (no fixed address is ever this value: it is not page aligned). */
#define VM_REGION_ANYWHERE ((uintptr_t)-1)

struct vm_region {
	struct object vr_base;

	/* fixed at creation: */
	char vr_name[VM_REGION_NAME_MAX];
	uintptr_t vr_start; /* page aligned */
	size_t vr_size;     /* page aligned, not 0; the range ends in the user half */
	struct pmap *vr_pmap; /* owned: created and destroyed with the region */

	/* region lock: */
	struct btree vr_mappings; /* of struct vm_region_mapping, by m_base */
	struct vm_fault_counters {
		size_t taken;   /* vm_fault() calls on this region */
		size_t pages;   /* pages they allocated (a 2 MiB page counts 1) */
		size_t refused; /* calls that did not return KERN_OK */
	} vr_faults;          /* Lab 5 (<mango/vm_fault.h>) */
};

struct vm_region_mapping {
	struct btree_node m_node;      /* in m_region->vr_mappings; region lock */
	struct queue_entry m_vo_link;  /* on m_object->vo_mappings; object lock */

	/* fixed while the mapping lives: */
	struct vm_region *m_region;    /* the region it is in (no reference) */
	struct vm_object *m_object;    /* holds one reference on it */

	/* region lock (a partial unmap or protect changes them): */
	uintptr_t m_base;  /* page aligned, inside the region */
	size_t m_len;      /* page aligned, not 0 */
	off_t m_offset;    /* page aligned; m_offset + m_len <= vo_size */
	enum vm_prot m_prot; /* a subset of m_object->vo_prot; includes VM_PROT_READ */
};

#define VM_REGION_ASSERT_LOCKED(r)                                               \
	do {                                                                     \
		if (!spin_is_locked(&(r)->vr_base.ob_lock))                      \
			panic("region '%s' must be locked", (r)->vr_name);       \
	} while (0)
#define VM_REGION_ASSERT_UNLOCKED(r)                                             \
	do {                                                                     \
		if (spin_is_locked(&(r)->vr_base.ob_lock))                       \
			panic("region '%s' must not be locked", (r)->vr_name);   \
	} while (0)

/* vm_region_type_init - register the vm_region type (once, at boot). */
kern_status_t vm_region_type_init(void);

/* vm_region_type_ptr - the registered type (handle_get() checks that a
 * handle names an address space with it: HANDLE_SELF, Lab 6). Lock: none. */
struct object_type *vm_region_type_ptr(void);

/*
 * vm_region_create - a new, empty address space @name over [@start,
 * @start + @size) with a pmap of its own; *@out holds one reference, the
 * caller's. KERN_OK; KERN_INVALID_ARGUMENT for a NULL or too long name,
 * an unaligned or empty range, or one that leaves the user half (nothing
 * created); KERN_NO_MEMORY. Lock: none.
 */
kern_status_t vm_region_create(const char *name, uintptr_t start, size_t size,
			       struct vm_region **out);

/* vm_region_put - drop a reference; the last one unmaps every mapping
 * (dropping their object references) and frees the pmap and every table
 * page (if the region is active, the kernel's pmap is activated first).
 * Lock: not held. */
void vm_region_put(struct vm_region *region);

/* vm_region_activate - make @region the address space this CPU
 * translates the user half with (pmap_activate); NULL: none (the kernel
 * pmap, whose user half is empty). Lock: not held. */
void vm_region_activate(struct vm_region *region);

/* vm_region_active - the region this CPU translates the user half with
 * (the last vm_region_activate(), while its pmap is the active one), or
 * NULL when none is (the kernel pmap). No reference is taken: it stays valid while it is active (its
 * last put deactivates it first). The page-fault path resolves faults in
 * it (<mango/vm_fault.h>). Lock: none. */
struct vm_region *vm_region_active(void);

/* vm_region_find - a live region by name (no reference taken), or NULL. */
struct vm_region *vm_region_find(const char *name);

/*
 * vm_region_map - map [@offset, @offset + @len) of @vo into @region with
 * @prot. *@where is the address to map at, or VM_REGION_ANYWHERE for the
 * lowest free range that fits (found through the tree, not a page-by-page
 * scan; aligned to 2 MiB when @len allows, so large pages can be used);
 * on KERN_OK *@where is the mapping's base. The new mapping holds a
 * reference on @vo and is on @vo's vo_mappings; the pages @vo already has
 * in the window are entered in the pmap.
 * Results (on any but KERN_OK nothing changed):
 *   KERN_INVALID_ARGUMENT  NULL @region/@vo/@where; @offset, @len or a
 *                          fixed *@where not page aligned; @len 0; @prot
 *                          without VM_PROT_READ or with unknown bits; an
 *                          in-place @vo over frames the machine cannot map
 *   KERN_OUT_OF_RANGE      @offset + @len past vo_size; a fixed range not
 *                          inside the region
 *   KERN_ACCESS_DENIED     @prot not a subset of vo_prot
 *   KERN_EXISTS            a fixed range overlaps a mapping
 *   KERN_NO_MEMORY         no free range that large; no memory for the
 *                          mapping or a page table
 * Lock: neither @region's nor @vo's held.
 */
kern_status_t vm_region_map(struct vm_region *region, struct vm_object *vo, off_t offset,
			    size_t len, enum vm_prot prot, uintptr_t *where);

/*
 * vm_region_unmap - unmap every part of [@base, @base + @len) that is
 * mapped (parts that are not are skipped). A mapping inside the range goes
 * (its reference on its object is dropped); one that crosses an end is
 * trimmed, or split in two when the range is inside it. Page-table
 * entries are removed, the TLB invalidated, emptied tables freed; a large
 * leaf that crosses an end is replaced by 4 KiB leaves for what stays.
 * KERN_OK; KERN_INVALID_ARGUMENT (unaligned, empty, NULL region);
 * KERN_OUT_OF_RANGE (not inside the region); KERN_NO_MEMORY (a split
 * needed memory it could not get: nothing changed). Lock: not held.
 */
kern_status_t vm_region_unmap(struct vm_region *region, uintptr_t base, size_t len);

/*
 * vm_region_protect - give every mapped byte of [@base, @base + @len) the
 * rights @prot, splitting mappings at the ends as unmap does; the pmap
 * then enforces them. Every mapping touched must allow @prot (subset of
 * its object's vo_prot). Results as vm_region_map's for @prot
 * (KERN_INVALID_ARGUMENT, KERN_ACCESS_DENIED), as vm_region_unmap's for
 * the range, and KERN_NOT_FOUND when part of the range is not mapped;
 * on any but KERN_OK nothing changed. Lock: not held.
 */
kern_status_t vm_region_protect(struct vm_region *region, uintptr_t base, size_t len,
				enum vm_prot prot);

/*
 * vm_region_lookup - the mapping holding @va in *@mapping and the object
 * offset @va shows in *@offset (either may be NULL). KERN_OK;
 * KERN_NOT_FOUND when no mapping holds @va. Lock: held (the mapping stays
 * as it is only while it is).
 */
kern_status_t vm_region_lookup(struct vm_region *region, uintptr_t va,
			       struct vm_region_mapping **mapping, off_t *offset);

/* vm_region_check - verify the invariants [R1]-[R7] (vm_region.c); panics
 * on the first one broken, naming it. Lock: not held (takes it). */
void vm_region_check(struct vm_region *region);

/* vm_region_lock(r) - Lock: not held; vm_region_unlock(r) - Lock: held. */
DEFINE_OBJECT_LOCK_FUNCTION(vm_region, vr_base)

#endif /* MANGO_VM_REGION_H_ */
