/*
 * mango/handle.h - a process's handles: small integers naming kernel
 * objects, each with the rights this process holds on it (Zircon's
 * handles, seL4's capabilities, Unix's file descriptors).
 *
 * A process never sees a kernel pointer: it passes a handle, and every
 * system call resolves it with handle_get(), which checks that the slot is
 * in use, that the object is of the type the call needs, and that the
 * handle carries every right the call needs; a missing right is
 * KERN_ACCESS_DENIED, anything else wrong KERN_INVALID_ARGUMENT. A
 * handle holds one reference on its object (the object model counts
 * them, <mango/object.h>): closing the last handle of an object nobody
 * else holds destroys it.
 *
 * Invariants (handle_table_check):
 *   [H1] slot 0 is never used: handle 0 is HANDLE_INVALID.
 *   [H2] a used slot has an object and rights within HANDLE_RIGHTS_ALL;
 *        a free slot has neither.
 *   [H3] ht_used counts the used slots.
 * Lock: one process, one thread: the table is used only by its process's
 * system calls (interrupts off), and by its owner when the process is not
 * running.
 */
#ifndef MANGO_HANDLE_H_
#define MANGO_HANDLE_H_

#include <mango/object.h>
#include <mango/status.h>
#include <mango/types.h>

#define HANDLE_INVALID 0
#define HANDLE_TABLE_SIZE 64 /* handles 1 .. HANDLE_TABLE_SIZE - 1 */

enum handle_rights {
	HANDLE_RIGHT_READ = 0x1,      /* read the object (get_info) */
	HANDLE_RIGHT_WRITE = 0x2,     /* change it */
	HANDLE_RIGHT_MAP = 0x4,       /* map it (vm_objects) */
	HANDLE_RIGHT_DUPLICATE = 0x8, /* make another handle to it */
	HANDLE_RIGHT_IN_PLACE = 0x10, /* privileged: create in-place objects */
	HANDLE_RIGHTS_ALL = 0x1F,
};

struct handle {
	struct object *h_object; /* holds one reference; NULL: free slot */
	uint32_t h_rights;       /* enum handle_rights bits */
};

struct handle_table {
	struct handle ht_slots[HANDLE_TABLE_SIZE];
	size_t ht_used;
};

/* handle_table_init - an empty table. */
void handle_table_init(struct handle_table *ht);

/* handle_alloc - a new handle to @obj with @rights in *@out, the lowest
 * free one; it takes its own reference on @obj. KERN_OK;
 * KERN_INVALID_ARGUMENT (NULL, or rights outside HANDLE_RIGHTS_ALL);
 * KERN_NO_MEMORY (the table is full). */
kern_status_t handle_alloc(struct handle_table *ht, struct object *obj, uint32_t rights,
			   int *out);

/* handle_get - the object @h names, when it is of @type (NULL: any) and
 * the handle has every right in @rights; *@out gets a new reference (the
 * caller puts it). KERN_OK; KERN_INVALID_ARGUMENT (no such handle, or
 * another type); KERN_ACCESS_DENIED (a right missing). */
kern_status_t handle_get(struct handle_table *ht, int64_t h, const struct object_type *type,
			 uint32_t rights, struct object **out);

/* handle_close - free handle @h, dropping its reference. KERN_OK;
 * KERN_INVALID_ARGUMENT when @h is not an open handle (closing twice). */
kern_status_t handle_close(struct handle_table *ht, int64_t h);

/* handle_table_close_all - close every handle (a process ends). */
void handle_table_close_all(struct handle_table *ht);

/* handle_table_check - verify [H1]-[H3]; panics naming the broken one. */
void handle_table_check(const struct handle_table *ht);

#endif /* MANGO_HANDLE_H_ */
