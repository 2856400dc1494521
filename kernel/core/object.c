/*
 * object.c - kernel object types, reference counts and the per-type lists
 * (see <mango/object.h>).
 *
 * Lock order: the object-model lock (types_lock) may be taken while an
 * object's own lock is not held; never the other way round.
 */
#ifdef MANGO_HOST
#include <mango/host.h>
#else
#include <mango/monitor.h>
#include <mango/panic.h>
#include <mango/printk.h>
#include <mango/string.h>
#endif
#include <mango/kmalloc.h>
#include <mango/object.h>

static struct queue types = QUEUE_INIT(types);
static spinlock_t types_lock = SPINLOCK_INIT;

kern_status_t object_type_register(struct object_type *type)
{
	if (!type || !type->ot_name || type->ot_size < sizeof(struct object) ||
	    type->ot_offset > type->ot_size - sizeof(struct object))
		return KERN_INVALID_ARGUMENT;
	spin_lock_irqsave(&types_lock);
	queue_foreach(e, &types) {
		struct object_type *t = container_of(e, struct object_type, ot_link);
		if (t == type || !strcmp(t->ot_name, type->ot_name)) {
			spin_unlock_irqrestore(&types_lock);
			return KERN_EXISTS;
		}
	}
	queue_init(&type->ot_objects);
	type->ot_count = 0;
	queue_push_back(&types, &type->ot_link);
	spin_unlock_irqrestore(&types_lock);
	return KERN_OK;
}

struct object *object_create(struct object_type *type)
{
	char *mem;
	struct object *obj;

	if (!queue_entry_linked(&type->ot_link))
		panic("object type '%s' was never registered", type->ot_name);
	mem = kmalloc(type->ot_size);
	if (!mem)
		return NULL;
	obj = (struct object *)(mem + type->ot_offset);
	obj->ob_type = type;
	spin_lock_init(&obj->ob_lock);
	obj->ob_refs = 1;
	spin_lock_irqsave(&types_lock);
	queue_push_back(&type->ot_objects, &obj->ob_link);
	type->ot_count++;
	spin_unlock_irqrestore(&types_lock);
	return obj;
}

void object_get(struct object *obj)
{
	if (__atomic_fetch_add(&obj->ob_refs, 1, __ATOMIC_RELAXED) == 0)
		panic("object %p of type %s was already destroyed", (void *)obj, obj->ob_type->ot_name);
}

void object_put(struct object *obj)
{
	struct object_type *type = obj->ob_type;
	unsigned long before = __atomic_fetch_sub(&obj->ob_refs, 1, __ATOMIC_ACQ_REL);

	if (before == 0)
		panic("object %p of type %s: more puts than gets", (void *)obj, type->ot_name);
	if (before > 1)
		return;
	spin_lock_irqsave(&types_lock);
	queue_delete(&obj->ob_link);
	type->ot_count--;
	spin_unlock_irqrestore(&types_lock);
	if (type->ot_destroy)
		type->ot_destroy(obj);
	kfree((char *)obj - type->ot_offset);
}

struct object *object_find(struct object_type *type, bool (*match)(struct object *, const void *),
			   const void *arg)
{
	struct object *found = NULL;

	spin_lock_irqsave(&types_lock);
	queue_foreach(e, &type->ot_objects) {
		struct object *obj = container_of(e, struct object, ob_link);
		if (match(obj, arg)) {
			found = obj;
			break;
		}
	}
	spin_unlock_irqrestore(&types_lock);
	return found;
}

void object_dump(void)
{
	spin_lock_irqsave(&types_lock);
	queue_foreach(e, &types) {
		struct object_type *t = container_of(e, struct object_type, ot_link);
		printk("%s: %zu live\n", t->ot_name, t->ot_count);
	}
	spin_unlock_irqrestore(&types_lock);
}

#ifndef MANGO_HOST
static int cmd_objects(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	object_dump();
	return 0;
}
MONITOR_COMMAND(objects, "", "kernel object types and how many of each are alive", cmd_objects);
#endif
