/*
 * btree_model.h - drive the tree with a stream of operations and compare
 * it with a reference model (an array of flags). Shared by the host test
 * (seeded random operations) and the fuzzer (operations decoded from the
 * fuzzer's bytes).
 */
#ifndef MANGO_BTREE_MODEL_H_
#define MANGO_BTREE_MODEL_H_

#include <mango/btree.h>
#include <mango/vm_arch.h>

#define MODEL_KEYS 1024

struct model_item {
	long key;
	struct btree_node node;
};

struct model {
	struct btree tree;
	struct model_item items[MODEL_KEYS];
	bool present[MODEL_KEYS];
	size_t count;
};

static int model_cmp(const struct btree_node *a, const struct btree_node *b)
{
	long x = container_of(a, struct model_item, node)->key;
	long y = container_of(b, struct model_item, node)->key;
	return x < y ? -1 : x > y;
}

static int model_key_cmp(const void *key, const struct btree_node *n)
{
	long x = *(const long *)key, y = container_of(n, struct model_item, node)->key;
	return x < y ? -1 : x > y;
}

static void model_init(struct model *m)
{
	btree_init(&m->tree);
	for (long k = 0; k < MODEL_KEYS; k++) {
		m->items[k].key = k;
		m->present[k] = false;
	}
	m->count = 0;
}

static long model_key(const struct btree_node *n)
{
	return n ? container_of(n, struct model_item, node)->key : -1;
}

/* One operation: 0 insert, 1 delete, 2 lookups of every kind. Panics (via
 * panic()) on the first disagreement with the model. */
static void model_step(struct model *m, unsigned op, long k)
{
	struct btree_node *n = btree_find(&m->tree, &k, model_key_cmp);
	long lb = -1, ub = -1, fl = -1;

	if (n != (m->present[k] ? &m->items[k].node : NULL))
		panic("find(%ld) is %p, the model says %s", k, (void *)n, m->present[k] ? "present" : "absent");
	switch (op % 3) {
	case 0:
		if (btree_insert(&m->tree, &m->items[k].node, model_cmp) != (m->present[k] ? KERN_EXISTS : KERN_OK))
			panic("insert(%ld) returned the wrong status", k);
		if (!m->present[k]) {
			m->present[k] = true;
			m->count++;
		}
		break;
	case 1:
		if (m->present[k]) {
			btree_delete(&m->tree, n);
			m->present[k] = false;
			m->count--;
		}
		break;
	default:
		for (long i = k; i < MODEL_KEYS && lb < 0; i++)
			if (m->present[i])
				lb = i;
		for (long i = k + 1; i < MODEL_KEYS && ub < 0; i++)
			if (m->present[i])
				ub = i;
		for (long i = k; i >= 0 && fl < 0; i--)
			if (m->present[i])
				fl = i;
		if (model_key(btree_lower_bound(&m->tree, &k, model_key_cmp)) != lb ||
		    model_key(btree_upper_bound(&m->tree, &k, model_key_cmp)) != ub ||
		    model_key(btree_floor(&m->tree, &k, model_key_cmp)) != fl)
			panic("bounds of %ld disagree with the model (%ld, %ld, %ld)", k, lb, ub, fl);
	}
	if (btree_count(&m->tree) != m->count)
		panic("count %zu, the model has %zu", btree_count(&m->tree), m->count);
}

/* Full comparison: the checker, then an in-order walk against the flags. */
static void model_verify(struct model *m)
{
	long k = 0;
	btree_check(&m->tree, model_cmp);
	btree_foreach(n, &m->tree) {
		while (k < MODEL_KEYS && !m->present[k])
			k++;
		if (model_key(n) != k)
			panic("iteration met %ld, the model's next key is %ld", model_key(n), k);
		k++;
	}
	while (k < MODEL_KEYS && !m->present[k])
		k++;
	if (k != MODEL_KEYS)
		panic("iteration stopped before key %ld", k);
}

#endif /* MANGO_BTREE_MODEL_H_ */
