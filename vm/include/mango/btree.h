/*
 * mango/btree.h - the intrusive balanced tree's node and root.
 * Lab 1 only needs the node's size (struct vm_page embeds one); Lab 2
 * writes the tree itself.
 */
#ifndef MANGO_BTREE_H_
#define MANGO_BTREE_H_

#include <mango/types.h>

struct btree_node {
	struct btree_node *b_left;
	struct btree_node *b_right;
	struct btree_node *b_parent;
	long b_height;
};

struct btree {
	struct btree_node *b_root;
	size_t b_count;
};

#endif /* MANGO_BTREE_H_ */
