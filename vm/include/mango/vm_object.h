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

/* vm_object_type_init - register the vm_object type (once, at boot). */
extern kern_status_t vm_object_type_init(void);

/* create a vm_object with the specified length in bytes and protection
 * flags. The length is rounded up to a multiple of 4 KiB. No page frames
 * are allocated. Returns NULL, with the reason printed, for a NULL or too
 * long name, a zero or overflowing length, unknown protection bits, or no
 * memory. */
extern struct vm_object *vm_object_create(const char *name, size_t len, enum vm_prot prot);

/* create a vm_object that represents the physical range [base, base+len).
 * base must be 4 KiB aligned; len is rounded up like vm_object_create's.
 * NOTE this function assumes that the physical memory has already been
 * reserved, and is not in use by any other kernel component. */
extern struct vm_object *vm_object_create_in_place(const char *name, phys_addr_t base, size_t len,
						   enum vm_prot prot);

/* the page holding @offset, or NULL if none is allocated yet (or @offset is
 * past the end). In-place objects answer with the frame at base+offset. */
extern struct vm_page *vm_object_get_page(const struct vm_object *vo, off_t offset);

/* a zeroed page of @size at @offset, allocated on the first call and
 * returned as is on later ones; NULL when refused or out of memory
 * (vm_object_alloc_page_status says which). */
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
 */
kern_status_t vm_object_alloc_page_status(struct vm_object *vo, off_t offset,
					  enum vm_page_order size, struct vm_page **out);

/* vm_object_put - drop a reference; the last one frees its pages. */
void vm_object_put(struct vm_object *vo);

/* vm_object_check - verify the invariants [O1]-[O5]; panics on a broken one.
 * NULL (what a failed constructor returns) has none and passes. */
void vm_object_check(const struct vm_object *vo);

/* vm_object_type_ptr - the registered type (for object_find and lists). */
struct object_type *vm_object_type_ptr(void);

/* vm_object_find - a live object by name (no reference taken), or NULL. */
struct vm_object *vm_object_find(const char *name);

DEFINE_OBJECT_LOCK_FUNCTION(vm_object, vo_base)

#endif /* MANGO_VM_OBJECT_H_ */
