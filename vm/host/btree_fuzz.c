// LAB 2 FILE
/*
 * btree_fuzz.c - libFuzzer target: each pair of input bytes is one
 * operation (insert, delete or lookups) on a key, checked against the
 * model; the checker runs at the end of every input. make fuzz-btree.
 */
#include <stddef.h>
#include <stdint.h>

#include "btree_model.h"

unsigned char *host_phys_base;

static struct model m;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	model_init(&m);
	for (size_t i = 0; i + 1 < size; i += 2) {
		unsigned op = data[i] & 3;
		long key = (long)(((data[i] >> 2) << 8 | data[i + 1]) % MODEL_KEYS);
		model_step(&m, op == 3 ? 0 : op, key);
	}
	model_verify(&m);
	return 0;
}
