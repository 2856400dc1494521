// LAB 2 FILE
/*
 * btree_test.c - Lab 2's in-kernel tests of the AVL tree.
 */
#include <mango/btree.h>
#include <mango/ktest.h>
#include <mango/vm_arch.h>

#define N 1000
#define KEYS 4096

struct item {
	long key;
	struct btree_node node;
};

static struct item items[KEYS];

static int item_cmp(const struct btree_node *a, const struct btree_node *b)
{
	long x = container_of(a, struct item, node)->key, y = container_of(b, struct item, node)->key;
	return x < y ? -1 : x > y;
}

static int key_cmp(const void *key, const struct btree_node *n)
{
	long x = *(const long *)key, y = container_of(n, struct item, node)->key;
	return x < y ? -1 : x > y;
}

static long key_of(const struct btree_node *n)
{
	return n ? container_of(n, struct item, node)->key : -1;
}

/* The most levels an AVL tree of @n nodes can have: the largest h whose
 * sparsest AVL tree, N(h) = N(h-1) + N(h-2) + 1 nodes, still fits in n. */
static long avl_max_height(size_t n)
{
	size_t a = 0, b = 1; /* N(0), N(1) */
	long h = 0;
	while (b <= n) {
		size_t c = a + b + 1;
		a = b;
		b = c;
		h++;
	}
	return h;
}

static void insert_key(struct ktest *kt, struct btree *t, long key)
{
	items[key].key = key;
	KT_EXPECT_EQ(btree_insert(t, &items[key].node, item_cmp), KERN_OK);
}

KTEST(btree, ascending_descending_random_stay_balanced)
{
	struct btree t;

	for (int pass = 0; pass < 3; pass++) {
		btree_init(&t);
		for (long i = 0; i < N; i++) {
			long key = pass == 0 ? i : pass == 1 ? N - 1 - i
							    : (long)((i * 2654435761ul) % KEYS);
			if (pass == 2 && btree_find(&t, &key, key_cmp))
				continue;
			insert_key(kt, &t, key);
		}
		btree_check(&t, item_cmp);
		KT_EXPECT_GE(btree_count(&t), pass == 2 ? 500 : N);
		KT_EXPECT_LE(btree_height(&t), avl_max_height(btree_count(&t)));
		KT_EXPECT_GT(btree_height(&t), 8); /* 1000 nodes need at least 10 levels */
	}
}

KTEST(btree, bounds_at_and_between_keys)
{
	struct btree t;
	long k;

	btree_init(&t);
	for (long i = 10; i <= 100; i += 10)
		insert_key(kt, &t, i);
	k = 10;
	KT_EXPECT_EQ(key_of(btree_lower_bound(&t, &k, key_cmp)), 10);
	KT_EXPECT_EQ(key_of(btree_upper_bound(&t, &k, key_cmp)), 20);
	KT_EXPECT_EQ(key_of(btree_floor(&t, &k, key_cmp)), 10);
	k = 15;
	KT_EXPECT_EQ(key_of(btree_lower_bound(&t, &k, key_cmp)), 20);
	KT_EXPECT_EQ(key_of(btree_upper_bound(&t, &k, key_cmp)), 20);
	KT_EXPECT_EQ(key_of(btree_floor(&t, &k, key_cmp)), 10);
	k = 5;
	KT_EXPECT_EQ(key_of(btree_lower_bound(&t, &k, key_cmp)), 10);
	KT_EXPECT_EQ(key_of(btree_floor(&t, &k, key_cmp)), -1);
	k = 100;
	KT_EXPECT_EQ(key_of(btree_lower_bound(&t, &k, key_cmp)), 100);
	KT_EXPECT_EQ(key_of(btree_upper_bound(&t, &k, key_cmp)), -1);
	k = 1000;
	KT_EXPECT_EQ(key_of(btree_lower_bound(&t, &k, key_cmp)), -1);
	KT_EXPECT_EQ(key_of(btree_floor(&t, &k, key_cmp)), 100);
}

KTEST(btree, delete_leaf_inner_and_root)
{
	struct btree t;
	long keys[] = { 50, 30, 70, 20, 40, 60, 80, 35 }, k;

	btree_init(&t);
	for (unsigned i = 0; i < ARRAY_SIZE(keys); i++)
		insert_key(kt, &t, keys[i]);
	btree_check(&t, item_cmp);
	btree_delete(&t, &items[35].node); /* a leaf */
	btree_check(&t, item_cmp);
	btree_delete(&t, &items[30].node); /* two children */
	btree_check(&t, item_cmp);
	btree_delete(&t, t.b_root);        /* the root */
	btree_check(&t, item_cmp);
	KT_EXPECT_EQ(btree_count(&t), 5);
	for (k = 0; k < 100; k += 5) {
		bool present = k == 20 || k == 40 || k == 60 || k == 70 || k == 80;
		KT_EXPECT_EQ(btree_find(&t, &k, key_cmp) != NULL, present);
	}
	while (t.b_root)
		btree_delete(&t, t.b_root);
	btree_check(&t, item_cmp);
	KT_EXPECT_EQ(btree_count(&t), 0);
	KT_EXPECT_NULL(btree_first(&t));
}

KTEST(btree, duplicate_keys_are_refused)
{
	struct btree t;
	struct item twin = { .key = 7 };

	btree_init(&t);
	insert_key(kt, &t, 7);
	KT_EXPECT_EQ(btree_insert(&t, &twin.node, item_cmp), KERN_EXISTS);
	KT_EXPECT_EQ(btree_count(&t), 1);
	btree_check(&t, item_cmp);
}

KTEST(btree, iteration_in_order_once_each)
{
	struct btree t;
	long last = -1, seen = 0;

	btree_init(&t);
	for (long i = 0; i < 300; i++)
		insert_key(kt, &t, (i * 7919) % 300);
	btree_foreach(n, &t) {
		KT_EXPECT_GT(key_of(n), last);
		last = key_of(n);
		seen++;
	}
	KT_EXPECT_EQ(seen, 300);
	KT_EXPECT_EQ(key_of(btree_last(&t)), 299);
	KT_EXPECT_EQ(key_of(btree_prev(btree_last(&t))), 298);
	KT_EXPECT_NULL(btree_next(btree_last(&t)));
}

KTEST(btree, random_operations_match_a_model)
{
	static bool present[KEYS];
	struct btree t;
	size_t count = 0;

	btree_init(&t);
	for (long k = 0; k < KEYS; k++)
		present[k] = false;
	for (long op = 0; op < 100000; op++) {
		long k = (long)(ktest_rand(kt) % KEYS);
		struct btree_node *n = btree_find(&t, &k, key_cmp);
		if (n != (present[k] ? &items[k].node : NULL)) {
			KT_FAIL("op %ld: find(%ld) disagrees with the model", op, k);
			return;
		}
		if (present[k]) {
			btree_delete(&t, n);
			count--;
		} else {
			items[k].key = k;
			KT_ASSERT_EQ(btree_insert(&t, &items[k].node, item_cmp), KERN_OK);
			count++;
		}
		present[k] = !present[k];
		if (op % 5000 == 0)
			btree_check(&t, item_cmp);
	}
	btree_check(&t, item_cmp);
	KT_EXPECT_EQ(btree_count(&t), count);
	KT_EXPECT_LE(btree_height(&t), avl_max_height(count));
}
