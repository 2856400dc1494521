/*
 * mango/object.h - the kernel object model.
 *
 * A kernel object embeds a struct object (vm_object's vo_base). Its type,
 * a struct object_type registered once at boot, names it, says how big
 * the containing struct is and what to do when the last reference goes.
 * Objects start with one reference; object_put() of the last one calls
 * the type's destroy hook, then frees the memory.
 *
 *     DEFINE_OBJECT_LOCK_FUNCTION(vm_object, vo_base)
 * generates vm_object_lock(vo) / vm_object_unlock(vo), which take the
 * object's spinlock with interrupts off.
 */
#ifndef MANGO_OBJECT_H_
#define MANGO_OBJECT_H_

#include <mango/locks.h>
#include <mango/queue.h>
#include <mango/status.h>
#include <mango/types.h>

struct object;

struct object_type {
	const char *ot_name;
	size_t ot_size;   /* bytes of the containing struct */
	size_t ot_offset; /* offsetof(containing struct, its struct object) */
	/* called once, on the last object_put(), before the memory is freed */
	void (*ot_destroy)(struct object *obj);
	/* protected by the object-model lock (object.c): */
	struct queue ot_objects; /* live objects of this type (ob_link) */
	size_t ot_count;
	struct queue_entry ot_link; /* on the list of types */
};

struct object {
	struct object_type *ob_type; /* set at creation, never changed */
	spinlock_t ob_lock;          /* protects the containing struct's fields */
	unsigned long ob_refs;       /* atomic */
	struct queue_entry ob_link;  /* on ob_type->ot_objects; object-model lock */
};

/* object_type_register - make @type usable; KERN_EXISTS if a type of that
 * name is registered, KERN_INVALID_ARGUMENT for a malformed type. */
kern_status_t object_type_register(struct object_type *type);

/* object_create - a zeroed @type->ot_size allocation with one reference;
 * returns its struct object, or NULL when out of memory. */
struct object *object_create(struct object_type *type);

void object_get(struct object *obj);
/* object_put - drop a reference; the last one destroys the object. */
void object_put(struct object *obj);

/* object_container - the struct that embeds @obj. */
static inline void *object_container(struct object *obj)
{
	return (char *)obj - obj->ob_type->ot_offset;
}

/* object_find - the first live object of @type for which @match is true
 * (no reference taken), or NULL. @match runs under the object-model lock. */
struct object *object_find(struct object_type *type, bool (*match)(struct object *, const void *),
			   const void *arg);

/* object_dump - every type and its count, for the monitor's `objects`. */
void object_dump(void);

static inline void object_lock(struct object *obj)
{
	spin_lock_irqsave(&obj->ob_lock);
}

static inline void object_unlock(struct object *obj)
{
	spin_unlock_irqrestore(&obj->ob_lock);
}

#define DEFINE_OBJECT_LOCK_FUNCTION(type, member)                 \
	static inline void type##_lock(struct type *p)            \
	{                                                         \
		object_lock(&p->member);                          \
	}                                                         \
	static inline void type##_unlock(struct type *p)          \
	{                                                         \
		object_unlock(&p->member);                        \
	}

#endif /* MANGO_OBJECT_H_ */
