/*
 * mango/btree.h - an intrusive balanced binary search tree (AVL), Lab 2.
 *
 * Embed a struct btree_node in the object; the tree never allocates. Order
 * comes from a comparator the caller passes in:
 *
 *     static int page_cmp(const struct btree_node *a, const struct btree_node *b)
 *     { ... <0, 0 or >0 ... }
 *     static int page_key_cmp(const void *key, const struct btree_node *n)
 *     { ... compare *(const off_t *)key with n's key ... }
 *
 *     btree_insert(&t, &page->p_node, page_cmp);          // KERN_EXISTS on a duplicate
 *     n = btree_find(&t, &offset, page_key_cmp);
 *
 * Why comparators and not per-type generated code: one implementation to
 * read, test and fuzz. The searches (find, bounds, the descent of insert)
 * are static inline here, so when the comparator is a known function gcc
 * inlines it and the loop runs with a direct comparison, as fast as
 * generated code; only rebalancing and deletion, which never compare, are
 * out of line in vm/btree.c.
 *
 * The invariants (numbered in vm/btree.c, checked by btree_check()):
 * keys in order, heights of siblings differ by at most 1, parent pointers
 * agree with child pointers, cached heights are right, b_count is right.
 * Locking: none inside; the owner of the tree says which lock protects it.
 */
#ifndef MANGO_BTREE_H_
#define MANGO_BTREE_H_

#include <mango/status.h>
#include <mango/types.h>

struct btree_node {
	struct btree_node *b_left;
	struct btree_node *b_right;
	struct btree_node *b_parent;
	long b_height; /* of the subtree rooted here: a leaf is 1 */
};

struct btree {
	struct btree_node *b_root;
	size_t b_count;
};

#define BTREE_INIT { NULL, 0 }

typedef int (*btree_cmp_fn)(const struct btree_node *a, const struct btree_node *b);
typedef int (*btree_key_cmp_fn)(const void *key, const struct btree_node *n);

static inline void btree_init(struct btree *t)
{
	t->b_root = NULL;
	t->b_count = 0;
}

static inline size_t btree_count(const struct btree *t)
{
	return t->b_count;
}

/* btree_height - levels in the tree: 0 when empty. */
static inline long btree_height(const struct btree *t)
{
	return t->b_root ? t->b_root->b_height : 0;
}

/* Out of line (vm/btree.c). */

/* btree_link - attach the new node @n as the @left or right child of
 * @parent (NULL: as the root) and rebalance. For btree_insert. */
void btree_link(struct btree *t, struct btree_node *n, struct btree_node *parent, bool left);

/* btree_delete - remove @n, which must be in @t, and rebalance. */
void btree_delete(struct btree *t, struct btree_node *n);

struct btree_node *btree_first(const struct btree *t);
struct btree_node *btree_last(const struct btree *t);
/* btree_next / btree_prev - the in-order neighbours, or NULL. */
struct btree_node *btree_next(const struct btree_node *n);
struct btree_node *btree_prev(const struct btree_node *n);

/* btree_check - verify every invariant; panics naming the broken one. */
void btree_check(const struct btree *t, btree_cmp_fn cmp);

/* In-order iteration; do not delete @n inside the loop (save next first). */
#define btree_foreach(n, t) \
	for (struct btree_node *n = btree_first(t); n; n = btree_next(n))

/*
 * btree_insert - add @n in @cmp's order. Returns KERN_OK, or KERN_EXISTS
 * (and leaves the tree alone) if a node comparing equal is already there.
 */
static inline kern_status_t btree_insert(struct btree *t, struct btree_node *n, btree_cmp_fn cmp)
{
	// LAB 2 SOLUTION BEGIN
	struct btree_node *parent = NULL, *cur = t->b_root;
	int c = 0;

	while (cur) {
		c = cmp(n, cur);
		if (c == 0)
			return KERN_EXISTS;
		parent = cur;
		cur = c < 0 ? cur->b_left : cur->b_right;
	}
	btree_link(t, n, parent, c < 0);
	return KERN_OK;
	// LAB 2 STUB: /* Lab 2, Exercise 3: descend to the empty spot for n, then btree_link(). */
	// LAB 2 STUB: (void)t;
	// LAB 2 STUB: (void)n;
	// LAB 2 STUB: (void)cmp;
	// LAB 2 STUB: return KERN_UNIMPLEMENTED;
	// LAB 2 SOLUTION END
}

/* btree_find - the node equal to @key, or NULL. */
static inline struct btree_node *btree_find(const struct btree *t, const void *key,
					    btree_key_cmp_fn cmp)
{
	// LAB 2 SOLUTION BEGIN
	struct btree_node *cur = t->b_root;
	while (cur) {
		int c = cmp(key, cur);
		if (c < 0)
			cur = cur->b_left;
		else if (c > 0)
			cur = cur->b_right;
		else
			return cur; /* the rare case last: better branch prediction */
	}
	return NULL;
	// LAB 2 STUB: /* Lab 2, Exercise 2: descend, comparing key with each node. */
	// LAB 2 STUB: (void)t;
	// LAB 2 STUB: (void)key;
	// LAB 2 STUB: (void)cmp;
	// LAB 2 STUB: return NULL;
	// LAB 2 SOLUTION END
}

/* btree_lower_bound - the first node >= @key (the node at or after it). */
static inline struct btree_node *btree_lower_bound(const struct btree *t, const void *key,
						   btree_key_cmp_fn cmp)
{
	// LAB 2 SOLUTION BEGIN
	struct btree_node *cur = t->b_root, *best = NULL;
	while (cur) {
		if (cmp(key, cur) <= 0) {
			best = cur;
			cur = cur->b_left;
		} else {
			cur = cur->b_right;
		}
	}
	return best;
	// LAB 2 STUB: /* Lab 2, Exercise 5: the first node >= key. */
	// LAB 2 STUB: (void)t;
	// LAB 2 STUB: (void)key;
	// LAB 2 STUB: (void)cmp;
	// LAB 2 STUB: return NULL;
	// LAB 2 SOLUTION END
}

/* btree_upper_bound - the first node > @key (the node following it). */
static inline struct btree_node *btree_upper_bound(const struct btree *t, const void *key,
						   btree_key_cmp_fn cmp)
{
	// LAB 2 SOLUTION BEGIN
	struct btree_node *cur = t->b_root, *best = NULL;
	while (cur) {
		if (cmp(key, cur) < 0) {
			best = cur;
			cur = cur->b_left;
		} else {
			cur = cur->b_right;
		}
	}
	return best;
	// LAB 2 STUB: /* Lab 2, Exercise 5: the first node > key. */
	// LAB 2 STUB: (void)t;
	// LAB 2 STUB: (void)key;
	// LAB 2 STUB: (void)cmp;
	// LAB 2 STUB: return NULL;
	// LAB 2 SOLUTION END
}

/* btree_floor - the last node <= @key: the one that covers @key when
 * nodes are ranges keyed by their start ("which mapping holds addr"). */
static inline struct btree_node *btree_floor(const struct btree *t, const void *key,
					     btree_key_cmp_fn cmp)
{
	// LAB 2 SOLUTION BEGIN
	struct btree_node *cur = t->b_root, *best = NULL;
	while (cur) {
		if (cmp(key, cur) >= 0) {
			best = cur;
			cur = cur->b_right;
		} else {
			cur = cur->b_left;
		}
	}
	return best;
	// LAB 2 STUB: /* Lab 2, Exercise 5: the last node <= key. */
	// LAB 2 STUB: (void)t;
	// LAB 2 STUB: (void)key;
	// LAB 2 STUB: (void)cmp;
	// LAB 2 STUB: return NULL;
	// LAB 2 SOLUTION END
}

#endif /* MANGO_BTREE_H_ */
