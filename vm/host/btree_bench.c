// LAB 2 FILE
/*
 * btree_bench.c - Mango's AVL tree against BSD's sys/tree.h red-black tree
 * (libbsd-dev), the tree every BSD kernel uses: same keys, same machine,
 * one run. 1,000,000 inserts, 1,000,000 successful and 1,000,000
 * unsuccessful lookups, and 1,000,000 mixed insert/delete operations, in
 * nanoseconds per operation and as Mango/BSD ratios. Figures, not a test.
 */
#include <bsd/sys/tree.h>
#include <stdint.h>
#include <time.h>

#include <mango/btree.h>
#include <mango/vm_arch.h>

unsigned char *host_phys_base;

#define N 1000000

struct mitem {
	uint64_t key;
	struct btree_node node;
};

struct bitem {
	uint64_t key;
	RB_ENTRY(bitem) link;
};

static int bcmp_(struct bitem *a, struct bitem *b)
{
	return a->key < b->key ? -1 : a->key > b->key;
}
RB_HEAD(btree_bsd, bitem);
RB_GENERATE_STATIC(btree_bsd, bitem, link, bcmp_)

static int mcmp(const struct btree_node *a, const struct btree_node *b)
{
	uint64_t x = container_of(a, struct mitem, node)->key, y = container_of(b, struct mitem, node)->key;
	return x < y ? -1 : x > y;
}

static int mkey(const void *key, const struct btree_node *n)
{
	uint64_t x = *(const uint64_t *)key, y = container_of(n, struct mitem, node)->key;
	return x < y ? -1 : x > y;
}

static struct mitem *mitems;
static struct bitem *bitems;
static uint64_t *keys;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static uint64_t mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

int main(void)
{
	struct btree mt = BTREE_INIT;
	struct btree_bsd bt = RB_INITIALIZER(&bt);
	double t, m_ins, b_ins, m_hit, b_hit, m_miss, b_miss, m_mix, b_mix;
	volatile uintptr_t sink = 0;

	mitems = calloc(N, sizeof(*mitems));
	bitems = calloc(N, sizeof(*bitems));
	keys = calloc(N, sizeof(*keys));
	for (uint64_t i = 0; i < N; i++) /* even keys: odd ones are misses */
		keys[i] = mix(i + 1) << 1;
	for (int i = 0; i < N; i++)
		mitems[i].key = bitems[i].key = keys[i];

	t = now();
	for (int i = 0; i < N; i++)
		btree_insert(&mt, &mitems[i].node, mcmp);
	m_ins = (now() - t) / N;
	t = now();
	for (int i = 0; i < N; i++)
		RB_INSERT(btree_bsd, &bt, &bitems[i]);
	b_ins = (now() - t) / N;

	t = now();
	for (int i = N - 1; i >= 0; i--)
		sink += (uintptr_t)btree_find(&mt, &keys[i], mkey);
	m_hit = (now() - t) / N;
	t = now();
	for (int i = N - 1; i >= 0; i--) {
		struct bitem k = { .key = keys[i] };
		sink += (uintptr_t)RB_FIND(btree_bsd, &bt, &k);
	}
	b_hit = (now() - t) / N;

	t = now();
	for (int i = 0; i < N; i++) {
		uint64_t k = keys[i] | 1;
		sink += (uintptr_t)btree_find(&mt, &k, mkey);
	}
	m_miss = (now() - t) / N;
	t = now();
	for (int i = 0; i < N; i++) {
		struct bitem k = { .key = keys[i] | 1 };
		sink += (uintptr_t)RB_FIND(btree_bsd, &bt, &k);
	}
	b_miss = (now() - t) / N;

	/* mixed: delete a present item, insert it again (50/50) */
	t = now();
	for (int i = 0; i < N / 2; i++) {
		int j = (int)(mix((uint64_t)i) % N);
		btree_delete(&mt, &mitems[j].node);
		btree_insert(&mt, &mitems[j].node, mcmp);
	}
	m_mix = (now() - t) / N;
	t = now();
	for (int i = 0; i < N / 2; i++) {
		int j = (int)(mix((uint64_t)i) % N);
		RB_REMOVE(btree_bsd, &bt, &bitems[j]);
		RB_INSERT(btree_bsd, &bt, &bitems[j]);
	}
	b_mix = (now() - t) / N;
	(void)sink;

	btree_check(&mt, mcmp);
	printf("btree: Mango AVL vs BSD sys/tree.h red-black, %d keys (ns/op, ratio Mango/BSD)\n", N);
	printf("  insert           %6.1f  %6.1f   %.2f   (target <= 1.30)\n", m_ins, b_ins, m_ins / b_ins);
	printf("  lookup, found    %6.1f  %6.1f   %.2f   (target <= 1.00)\n", m_hit, b_hit, m_hit / b_hit);
	printf("  lookup, missing  %6.1f  %6.1f   %.2f   (target <= 1.00)\n", m_miss, b_miss, m_miss / b_miss);
	printf("  insert/delete    %6.1f  %6.1f   %.2f   (target <= 1.30)\n", m_mix, b_mix, m_mix / b_mix);
	printf("  height: Mango %ld\n", btree_height(&mt));
	return 0;
}
