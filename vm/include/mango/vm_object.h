/*
 * mango/vm_object.h - VM objects (Lab 3).
 *
 * A vm_object demand-allocates non-contiguous physical memory: its pages
 * are allocated only when the object is mapped and someone touches the
 * memory (Labs 4 and 5 do that through vm_object_alloc_page()). An object
 * created in place instead represents a fixed range of physical memory
 * that someone else owns; it never allocates or frees frames.
 *
 * Names and meaning follow the seed (shared/seeds: Mango's vm-object.h).
 * Lengths are rounded up to a multiple of the smallest page order's size
 * (VM_PAGE_4K, 4 KiB): that is our reading of the seed's "nearest
 * vm_object page order size", since pages of every order start at
 * offsets aligned to their own size inside the object.
 */
#ifndef MANGO_VM_OBJECT_H_
#define MANGO_VM_OBJECT_H_

#include <mango/btree.h>
#include <mango/locks.h>
#include <mango/object.h>
#include <mango/queue.h>
#include <mango/status.h>
#include <mango/vm_page.h>
#include <mango/vm_prot.h>

#define VM_OBJECT_NAME_MAX 64

enum vm_object_flags {
	/* the memory behind this vm_object wasn't allocated by us, and
	 * therefore shouldn't be freed by us */
	VMO_IN_PLACE = 0x01u,
};

struct vm_object {
	struct object vo_base;

	/* fixed at creation: */
	char vo_name[VM_OBJECT_NAME_MAX];
	enum vm_object_flags vo_flags;
	phys_addr_t vo_phys_base; /* VMO_IN_PLACE: where the range starts */

	/* protected by vm_object_lock(): */
	/* queue of struct vm_region_mapping (Lab 4) */
	struct queue vo_mappings;

	/* memory protection flags: mappings of this vm_object can only use a
	 * subset of the flags set in this mask. Fixed at creation. */
	enum vm_prot vo_prot;

	/* btree of vm_pages allocated to this vm_object, keyed by
	 * vm_page->p_vmo_offset; a page covers vm_page_order_bytes(p_order)
	 * bytes from there. Protected by vm_object_lock(). */
	struct btree vo_pages;
	/* total length of the vm_object in bytes. Fixed at creation. */
	size_t vo_size;
};

/*
 * Lock rules. Each function below says in its contract whether @vo's lock
 * (vm_object_lock()) must be held when it is called ("Lock: held") or must
 * not be ("Lock: not held": it takes the lock itself, or may destroy the
 * object), and asserts it: a broken rule panics with
 *     MANGO PANIC: <function>: vo '<name>' must be locked
 * (or "must not be locked"), in the style of FreeBSD's
 * VM_OBJECT_ASSERT_LOCKED. A NULL @vo is not checked (the function
 * refuses it as its contract says). Lock order: an object's lock is taken
 * after, never before, the object-model lock (object.c).
 */
#define VM_OBJECT_ASSERT_LOCKED(vo)                                              \
	do {                                                                     \
		if (!spin_is_locked(&(vo)->vo_base.ob_lock))                     \
			panic("vo '%s' must be locked", (vo)->vo_name);          \
	} while (0)
#define VM_OBJECT_ASSERT_UNLOCKED(vo)                                            \
	do {                                                                     \
		if (spin_is_locked(&(vo)->vo_base.ob_lock))                      \
			panic("vo '%s' must not be locked", (vo)->vo_name);      \
	} while (0)

/* vm_object_type_init - register the vm_object type (once, at boot).
 * Lock: none (no object exists yet). */
extern kern_status_t vm_object_type_init(void);

/* create a vm_object with the specified length in bytes and protection
 * flags. The length is rounded up to a multiple of 4 KiB. No page frames
 * are allocated. Returns NULL, with the reason printed, for a NULL or too
 * long name, a zero or overflowing length, unknown protection bits, or no
 * memory. Lock: none; the new object is unlocked and holds one reference,
 * the caller's. */
extern struct vm_object *vm_object_create(const char *name, size_t len, enum vm_prot prot);

/* create a vm_object that represents the physical range [base, base+len).
 * base must be 4 KiB aligned; len is rounded up like vm_object_create's.
 * NOTE this function assumes that the physical memory has already been
 * reserved, and is not in use by any other kernel component.
 * Lock: none, as for vm_object_create. */
extern struct vm_object *vm_object_create_in_place(const char *name, phys_addr_t base, size_t len,
						   enum vm_prot prot);

/* the page holding @offset, or NULL if none is allocated yet (or @offset is
 * past the end, or @vo is NULL). In-place objects answer with the frame at
 * base+offset. Lock: held - it reads vo_pages, and the page stays @vo's
 * only while the lock is held. */
extern struct vm_page *vm_object_get_page(const struct vm_object *vo, off_t offset);

/* a zeroed page of @size at @offset, allocated on the first call and
 * returned as is on later ones; NULL when refused or out of memory
 * (vm_object_alloc_page_status says which). Lock: not held (it takes it). */
extern struct vm_page *vm_object_alloc_page(struct vm_object *vo, off_t offset,
					    enum vm_page_order size);

/*
 * vm_object_alloc_page_status - vm_object_alloc_page with the reason:
 *   KERN_OK                the page (new or existing) is in *@out
 *   KERN_INVALID_ARGUMENT  NULL object, bad order, offset not aligned to
 *                          the order's size, or an in-place object
 *   KERN_OUT_OF_RANGE      the page would reach past vo_size
 *   KERN_EXISTS            a page of another size overlaps (*@out is it)
 *   KERN_NO_MEMORY         the page allocator has no block that large
 * Lock: not held; it takes @vo's lock itself, and drops it while the page
 * allocator zeroes a new page.
 */
kern_status_t vm_object_alloc_page_status(struct vm_object *vo, off_t offset,
					  enum vm_page_order size, struct vm_page **out);

/* vm_object_put - drop a reference; the last one frees its pages.
 * Lock: not held (the last reference destroys the object, lock and all). */
void vm_object_put(struct vm_object *vo);

/* vm_object_check - verify the invariants [O1]-[O5]; panics on a broken one.
 * NULL (what a failed constructor returns) has none and passes.
 * Lock: not held; it takes @vo's lock for the walk. */
void vm_object_check(struct vm_object *vo);

/* vm_object_type_ptr - the registered type (for object_find and lists).
 * Lock: none. */
struct object_type *vm_object_type_ptr(void);

/* vm_object_find - a live object by name (no reference taken), or NULL.
 * Lock: no vm_object's lock held (it takes the object-model lock). */
struct vm_object *vm_object_find(const char *name);

/* vm_object_offset_cmp - the key comparison for lookups in vo_pages by
 * offset (btree_floor, btree_upper_bound...): *(const off_t *)@key
 * against the p_vmo_offset of @node's page; <0, 0 or >0.
 * Lock: the caller holds the lock of the object whose tree it searches. */
int vm_object_offset_cmp(const void *key, const struct btree_node *node);

/* vm_object_lock(vo) - Lock: not held (taking it twice panics);
 * vm_object_unlock(vo) - Lock: held. */
DEFINE_OBJECT_LOCK_FUNCTION(vm_object, vo_base)

#endif /* MANGO_VM_OBJECT_H_ */
