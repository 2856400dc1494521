/*
 * object_test.c - the object model: registration, references, destroy
 * hooks, per-type lists and the generated lock functions.
 */
#include <mango/ktest.h>
#include <mango/object.h>

struct widget {
	int w_value;
	struct object w_base;
};

static int destroyed;

static void widget_destroy(struct object *obj)
{
	(void)obj;
	destroyed++;
}

static struct object_type widget_type = {
	.ot_name = "ktest-widget",
	.ot_size = sizeof(struct widget),
	.ot_offset = offsetof(struct widget, w_base),
	.ot_destroy = widget_destroy,
};

DEFINE_OBJECT_LOCK_FUNCTION(widget, w_base)

KTEST(object, lifecycle)
{
	struct object_type twin = widget_type;
	kern_status_t s = object_type_register(&widget_type);
	struct object *obj;
	struct widget *w;

	KT_ASSERT_TRUE(s == KERN_OK || s == KERN_EXISTS); /* once per boot */
	KT_EXPECT_EQ(object_type_register(&twin), KERN_EXISTS);
	KT_EXPECT_EQ(object_type_register(NULL), KERN_INVALID_ARGUMENT);
	destroyed = 0;
	obj = object_create(&widget_type);
	KT_ASSERT_NOT_NULL(obj);
	w = object_container(obj);
	KT_EXPECT_EQ(w->w_value, 0);
	KT_EXPECT_EQ(widget_type.ot_count, 1);
	widget_lock(w);
	KT_EXPECT_TRUE(spin_is_locked(&w->w_base.ob_lock));
	widget_unlock(w);
	KT_EXPECT_FALSE(spin_is_locked(&w->w_base.ob_lock));
	object_get(obj);
	object_put(obj);
	KT_EXPECT_EQ(destroyed, 0);
	object_put(obj);
	KT_EXPECT_EQ(destroyed, 1);
	KT_EXPECT_EQ(widget_type.ot_count, 0);
}
