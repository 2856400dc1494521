/*
 * btree.c - rebalancing, deletion and walking of the AVL tree (Lab 2).
 *
 * Invariants (btree_check() verifies them; cited as [Bn]):
 *   [B1] search order: an in-order walk meets the nodes in strictly
 *        increasing order under the tree's comparator.
 *   [B2] balance: at every node the heights of the two subtrees differ
 *        by at most 1 (so the height is at most ~1.44 log2(n + 2)).
 *   [B3] parent pointers: every child's b_parent is its parent; the
 *        root's is NULL.
 *   [B4] cached heights: b_height is 1 + the larger child's height (an
 *        empty subtree has height 0).
 *   [B5] count: b_count is the number of nodes.
 */
#include <mango/btree.h>
#include <mango/vm_arch.h>

// LAB 2 SOLUTION BEGIN
static long height(const struct btree_node *n)
{
	return n ? n->b_height : 0;
}

static void update_height(struct btree_node *n)
{
	long l = height(n->b_left), r = height(n->b_right);
	n->b_height = 1 + (l > r ? l : r); /* [B4] */
}

/* Make @new take @old's place under @parent (or at the root). [B3] */
static void replace_child(struct btree *t, struct btree_node *parent, struct btree_node *old,
			  struct btree_node *new)
{
	if (!parent)
		t->b_root = new;
	else if (parent->b_left == old)
		parent->b_left = new;
	else
		parent->b_right = new;
	if (new)
		new->b_parent = parent;
}

/*
 *     x                y
 *    / \              / \
 *   a   y     =>     x   c        rotate_left(x); rotate_right mirrors it
 *      / \          / \
 *     b   c        a   b
 */
static struct btree_node *rotate_left(struct btree *t, struct btree_node *x)
{
	struct btree_node *y = x->b_right;

	x->b_right = y->b_left;
	if (y->b_left)
		y->b_left->b_parent = x;
	replace_child(t, x->b_parent, x, y);
	y->b_left = x;
	x->b_parent = y;
	update_height(x);
	update_height(y);
	return y;
}

static struct btree_node *rotate_right(struct btree *t, struct btree_node *x)
{
	struct btree_node *y = x->b_left;

	x->b_left = y->b_right;
	if (y->b_right)
		y->b_right->b_parent = x;
	replace_child(t, x->b_parent, x, y);
	y->b_right = x;
	x->b_parent = y;
	update_height(x);
	update_height(y);
	return y;
}

/* Restore [B2] at @n (its subtrees are balanced); return the subtree's root. */
static struct btree_node *rebalance(struct btree *t, struct btree_node *n)
{
	long balance = height(n->b_left) - height(n->b_right);

	if (balance > 1) {
		if (height(n->b_left->b_left) < height(n->b_left->b_right))
			rotate_left(t, n->b_left); /* left-right case */
		return rotate_right(t, n);
	}
	if (balance < -1) {
		if (height(n->b_right->b_right) < height(n->b_right->b_left))
			rotate_right(t, n->b_right); /* right-left case */
		return rotate_left(t, n);
	}
	update_height(n);
	return n;
}

/* Rebalance from @n up; stop once a subtree's height is unchanged, since
 * nothing above it can have changed then. */
static void fix_upwards(struct btree *t, struct btree_node *n)
{
	while (n) {
		long before = n->b_height;
		n = rebalance(t, n);
		if (n->b_height == before)
			break;
		n = n->b_parent;
	}
}
// LAB 2 STUB: /* Lab 2, Exercises 3 and 4: helpers of your own go here, for
// LAB 2 STUB:  * instance height(), rotate_left(), rotate_right() and a
// LAB 2 STUB:  * rebalance() that restores [B2] at a node and returns the
// LAB 2 STUB:  * subtree's new root. */
// LAB 2 SOLUTION END

void btree_link(struct btree *t, struct btree_node *n, struct btree_node *parent, bool left)
{
	// LAB 2 SOLUTION BEGIN
	n->b_left = n->b_right = NULL;
	n->b_parent = parent;
	n->b_height = 1;
	if (!parent)
		t->b_root = n;
	else if (left)
		parent->b_left = n;
	else
		parent->b_right = n;
	t->b_count++; /* [B5] */
	fix_upwards(t, parent);
	// LAB 2 STUB: /* Lab 2, Exercise 3: attach n under parent, then walk up
	// LAB 2 STUB:  * updating heights and rotating where [B2] breaks. */
	// LAB 2 STUB: (void)t;
	// LAB 2 STUB: (void)n;
	// LAB 2 STUB: (void)parent;
	// LAB 2 STUB: (void)left;
	// LAB 2 SOLUTION END
}

void btree_delete(struct btree *t, struct btree_node *n)
{
	// LAB 2 SOLUTION BEGIN
	struct btree_node *fix;

	if (n->b_left && n->b_right) {
		/* two children: the successor s (leftmost of the right subtree,
		 * so it has no left child) takes n's place in the tree */
		struct btree_node *s = n->b_right;
		while (s->b_left)
			s = s->b_left;
		if (s->b_parent == n) {
			fix = s;
		} else {
			fix = s->b_parent;
			fix->b_left = s->b_right;
			if (s->b_right)
				s->b_right->b_parent = fix;
			s->b_right = n->b_right;
			s->b_right->b_parent = s;
		}
		s->b_left = n->b_left;
		s->b_left->b_parent = s;
		s->b_height = n->b_height;
		replace_child(t, n->b_parent, n, s);
	} else {
		fix = n->b_parent;
		replace_child(t, n->b_parent, n, n->b_left ? n->b_left : n->b_right);
	}
	t->b_count--; /* [B5] */
	n->b_left = n->b_right = n->b_parent = NULL;
	fix_upwards(t, fix);
	// LAB 2 STUB: /* Lab 2, Exercise 4: unlink n (a node with two children
	// LAB 2 STUB:  * swaps places with its successor), then rebalance upwards. */
	// LAB 2 STUB: (void)t;
	// LAB 2 STUB: (void)n;
	// LAB 2 SOLUTION END
}

struct btree_node *btree_first(const struct btree *t)
{
	// LAB 2 SOLUTION BEGIN
	struct btree_node *n = t->b_root;
	while (n && n->b_left)
		n = n->b_left;
	return n;
	// LAB 2 STUB: (void)t;
	// LAB 2 STUB: return NULL; /* Lab 2, Exercise 2 */
	// LAB 2 SOLUTION END
}

struct btree_node *btree_last(const struct btree *t)
{
	// LAB 2 SOLUTION BEGIN
	struct btree_node *n = t->b_root;
	while (n && n->b_right)
		n = n->b_right;
	return n;
	// LAB 2 STUB: (void)t;
	// LAB 2 STUB: return NULL; /* Lab 2, Exercise 2 */
	// LAB 2 SOLUTION END
}

struct btree_node *btree_next(const struct btree_node *n)
{
	// LAB 2 SOLUTION BEGIN
	if (n->b_right) {
		n = n->b_right;
		while (n->b_left)
			n = n->b_left;
		return (struct btree_node *)n;
	}
	while (n->b_parent && n->b_parent->b_right == n)
		n = n->b_parent;
	return n->b_parent;
	// LAB 2 STUB: (void)n;
	// LAB 2 STUB: return NULL; /* Lab 2, Exercise 2 */
	// LAB 2 SOLUTION END
}

struct btree_node *btree_prev(const struct btree_node *n)
{
	// LAB 2 SOLUTION BEGIN
	if (n->b_left) {
		n = n->b_left;
		while (n->b_right)
			n = n->b_right;
		return (struct btree_node *)n;
	}
	while (n->b_parent && n->b_parent->b_left == n)
		n = n->b_parent;
	return n->b_parent;
	// LAB 2 STUB: (void)n;
	// LAB 2 STUB: return NULL; /* Lab 2, Exercise 2 */
	// LAB 2 SOLUTION END
}

/* ------------------------------------------------------------------------
 * The checker (given): recursion depth is the tree's height, ~40 at most.
 */

struct check {
	btree_cmp_fn cmp;
	const struct btree_node *prev; /* last node met in order */
	size_t count;
};

static long check_subtree(struct check *c, const struct btree_node *n,
			  const struct btree_node *parent)
{
	long l, r;

	if (!n)
		return 0;
	if (n->b_parent != parent)
		panic("[B3] node %p has parent %p, but hangs under %p", (const void *)n,
		      (const void *)n->b_parent, (const void *)parent);
	l = check_subtree(c, n->b_left, n);
	if (c->prev && c->cmp(c->prev, n) >= 0)
		panic("[B1] node %p does not sort after its in-order predecessor %p",
		      (const void *)n, (const void *)c->prev);
	c->prev = n;
	c->count++;
	r = check_subtree(c, n->b_right, n);
	if (l - r > 1 || r - l > 1)
		panic("[B2] node %p has subtrees of heights %ld and %ld", (const void *)n, l, r);
	if (n->b_height != 1 + (l > r ? l : r))
		panic("[B4] node %p caches height %ld, its height is %ld", (const void *)n,
		      n->b_height, 1 + (l > r ? l : r));
	return n->b_height;
}

void btree_check(const struct btree *t, btree_cmp_fn cmp)
{
	struct check c = { .cmp = cmp };

	check_subtree(&c, t->b_root, NULL);
	if (c.count != t->b_count)
		panic("[B5] the tree holds %zu nodes, b_count says %zu", c.count, t->b_count);
}
