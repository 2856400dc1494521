/*
 * handle_test.c - handle tables (suite handle): handles name objects with
 * rights, each holds a reference, and every wrong handle a process could
 * pass gets its status.
 */
#include <mango/handle.h>
#include <mango/ktest.h>

struct gadget {
	struct object g_base;
};

static int destroyed;

static void gadget_destroy(struct object *obj)
{
	destroyed++;
}

static struct object_type gadget_type = {
	.ot_name = "ktest-gadget",
	.ot_size = sizeof(struct gadget),
	.ot_offset = offsetof(struct gadget, g_base),
	.ot_destroy = gadget_destroy,
};
static struct object_type other_type = {
	.ot_name = "ktest-other",
	.ot_size = sizeof(struct gadget),
	.ot_offset = offsetof(struct gadget, g_base),
};

static struct handle_table table;

/* new_gadget - a fresh object (the types registered once per boot). */
static struct object *new_gadget(void)
{
	kern_status_t s = object_type_register(&gadget_type);

	if (s != KERN_OK && s != KERN_EXISTS)
		return NULL;
	s = object_type_register(&other_type);
	if (s != KERN_OK && s != KERN_EXISTS)
		return NULL;
	return object_create(&gadget_type);
}

KTEST(handle, alloc_get_close)
{
	struct object *obj = new_gadget(), *got = NULL;
	int h1 = -1, h2 = -1;

	KT_ASSERT_NOT_NULL(obj);
	destroyed = 0;
	handle_table_init(&table);
	KT_ASSERT_EQ(handle_alloc(&table, obj, HANDLE_RIGHT_READ | HANDLE_RIGHT_MAP, &h1), KERN_OK);
	KT_ASSERT_EQ(handle_alloc(&table, obj, HANDLE_RIGHT_READ, &h2), KERN_OK);
	KT_EXPECT_EQ(h1, 1); /* 0 is HANDLE_INVALID */
	KT_EXPECT_EQ(h2, 2);
	KT_EXPECT_EQ(obj->ob_refs, 3);
	KT_EXPECT_EQ(handle_get(&table, h1, &gadget_type, HANDLE_RIGHT_MAP, &got), KERN_OK);
	KT_EXPECT_TRUE(got == obj);
	if (got)
		object_put(got);
	KT_EXPECT_EQ(handle_get(&table, h2, &gadget_type, HANDLE_RIGHT_MAP, &got), KERN_ACCESS_DENIED);
	KT_EXPECT_EQ(handle_get(&table, h1, &other_type, 0, &got), KERN_INVALID_ARGUMENT);
	handle_table_check(&table);
	object_put(obj); /* the handles hold it now */
	KT_EXPECT_EQ(handle_close(&table, h1), KERN_OK);
	KT_EXPECT_EQ(handle_close(&table, h1), KERN_INVALID_ARGUMENT); /* twice */
	KT_EXPECT_EQ(destroyed, 0);
	KT_EXPECT_EQ(handle_close(&table, h2), KERN_OK);
	KT_EXPECT_EQ(destroyed, 1);
	handle_table_check(&table);
}

KTEST(handle, bad_handles_refused)
{
	static const int64_t bad[] = { HANDLE_INVALID, -1, HANDLE_TABLE_SIZE, 5, INT64_MIN, INT64_MAX };
	struct object *got = NULL;

	handle_table_init(&table);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		KT_EXPECT_EQ(handle_get(&table, bad[i], NULL, 0, &got), KERN_INVALID_ARGUMENT);
		KT_EXPECT_EQ(handle_close(&table, bad[i]), KERN_INVALID_ARGUMENT);
	}
	KT_EXPECT_NULL(got);
}

KTEST(handle, full_table_and_close_all)
{
	struct object *obj = new_gadget();
	int h = 0;

	KT_ASSERT_NOT_NULL(obj);
	destroyed = 0;
	handle_table_init(&table);
	KT_EXPECT_EQ(handle_alloc(&table, obj, HANDLE_RIGHTS_ALL + 1, &h), KERN_INVALID_ARGUMENT);
	for (int i = 1; i < HANDLE_TABLE_SIZE; i++)
		KT_ASSERT_EQ(handle_alloc(&table, obj, HANDLE_RIGHT_READ, &h), KERN_OK);
	KT_EXPECT_EQ(handle_alloc(&table, obj, HANDLE_RIGHT_READ, &h), KERN_NO_MEMORY);
	KT_EXPECT_EQ(table.ht_used, HANDLE_TABLE_SIZE - 1);
	handle_table_check(&table);
	object_put(obj);
	handle_table_close_all(&table);
	KT_EXPECT_EQ(table.ht_used, 0);
	KT_EXPECT_EQ(destroyed, 1);
	handle_table_check(&table);
}
