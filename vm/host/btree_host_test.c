// LAB 2 FILE
/*
 * btree_host_test.c - the AVL tree on the host under ASan and UBSan
 * (make test-host): 200,000 seeded random operations against a reference
 * model, the checker every 1,000, plus sorted and reverse-sorted inserts.
 *
 * Usage: btree_host_test [seed]   (the seed used is printed; replay with it)
 */
#include <stdint.h>

#include "btree_model.h"
#include "host_test.h"



static struct model m;

int main(int argc, char **argv)
{
	host_test_begin("btree_host_test", argc, argv);
	model_init(&m);
	for (long k = 0; k < MODEL_KEYS; k++)
		model_step(&m, 0, k); /* ascending */
	model_verify(&m);
	for (long k = MODEL_KEYS - 1; k >= 0; k--)
		model_step(&m, 1, k); /* delete descending */
	model_verify(&m);
	for (long k = MODEL_KEYS - 1; k >= 0; k--)
		model_step(&m, 0, k); /* descending */
	model_verify(&m);
	for (int i = 0; i < 200000; i++) {
		/* inserts a little more likely than deletes: the tree fills up */
		unsigned op = (unsigned)(next_rand() % 7);
		model_step(&m, op < 3 ? 0 : op < 5 ? 1 : 2, (long)(next_rand() % MODEL_KEYS));
		if (i % 1000 == 0)
			model_verify(&m);
	}
	model_verify(&m);
	printf("btree_host_test: all passed (%zu keys left, height %ld)\n", btree_count(&m.tree),
	       btree_height(&m.tree));
	return 0;
}
