// LAB 2 FILE
/*
 * btree_cmds.c - the monitor's `btree` command (given): one tree of 64-bit
 * keys, to try the Lab 2 code by hand; the grader drives it too, then reads
 * the tree out of memory (btree_cmds_tree) to check [B1]-[B5] itself.
 *
 *   btree insert <key>...              btree_insert() each key
 *   btree delete <key>...              btree_find() it, then btree_delete()
 *   btree find <key>...                btree_find(): the key found, or none
 *   btree lower|upper|floor <key>...   btree_lower_bound/upper_bound/floor()
 *   btree list                         keys by btree_first/next, then by
 *                                      btree_last/prev
 *   btree show                         count, height, where the tree is
 *   btree check                        btree_check()
 *   btree clear                        delete every key
 * Up to 14 keys per line; each gets a line "<op> <key>: <answer>". Bad input
 * gets a message; nothing here panics (btree_check() does, by contract).
 */
#include <mango/btree.h>
#include <mango/kmalloc.h>
#include <mango/monitor.h>
#include <mango/string.h>
#include <mango/vm_arch.h>

#define BTREE_CMDS_POISON 0x6b /* a deleted key's bytes, as freed pages' */

struct btree_cmds_key {
	struct btree_node bk_node;
	uint64_t bk_key;
};

/* The monitor's tree, and how many keys it holds by this file's count
 * (what walks are capped at, so a cycle cannot hang the monitor). */
static struct btree btree_cmds_tree = BTREE_INIT;
static size_t btree_cmds_live;

/* The key of @n, which must be a btree_cmds_key's node. */
static uint64_t key_of(const struct btree_node *n)
{
	return container_of(n, struct btree_cmds_key, bk_node)->bk_key;
}

/* The tree's order: by key, as btree_insert() and btree_check() want it. */
static int node_cmp(const struct btree_node *a, const struct btree_node *b)
{
	uint64_t x = key_of(a), y = key_of(b);
	return x < y ? -1 : x > y;
}

/* *@key (a uint64_t) against @n's key, for the searches. */
static int key_cmp(const void *key, const struct btree_node *n)
{
	uint64_t x = *(const uint64_t *)key, y = key_of(n);
	return x < y ? -1 : x > y;
}

/* Print "<op> <key>: <the found node's key | none>". */
static void answer(const char *op, uint64_t key, const struct btree_node *n)
{
	if (n)
		printk("%s 0x%lx: 0x%lx\n", op, (unsigned long)key, (unsigned long)key_of(n));
	else
		printk("%s 0x%lx: none\n", op, (unsigned long)key);
}

/* A new node for @key, inserted; the status printed (the node is freed
 * unless the tree took it). */
static void insert_one(uint64_t key)
{
	struct btree_cmds_key *k = kmalloc(sizeof(*k));
	kern_status_t s;

	if (!k) {
		printk("insert 0x%lx: KERN_NO_MEMORY\n", (unsigned long)key);
		return;
	}
	k->bk_key = key;
	s = btree_insert(&btree_cmds_tree, &k->bk_node, node_cmp);
	if (s == KERN_OK)
		btree_cmds_live++;
	else
		kfree(k);
	printk("insert 0x%lx: %s\n", (unsigned long)key, s == KERN_OK ? "ok" : kern_status_name(s));
}

/* Unlink and free @n; false, with @n kept, when btree_delete() left it in
 * the tree (the root, or btree_find() still finds it: a stub). */
static bool delete_node(struct btree_node *n)
{
	struct btree_cmds_key *k = container_of(n, struct btree_cmds_key, bk_node);

	btree_delete(&btree_cmds_tree, n);
	if (btree_cmds_tree.b_root == n || btree_find(&btree_cmds_tree, &k->bk_key, key_cmp) == n)
		return false;
	btree_cmds_live--;
	memset(k, BTREE_CMDS_POISON, sizeof(*k)); /* a walk through it faults */
	kfree(k);
	return true;
}

/* Find @key's node and delete it; the outcome printed. */
static void delete_one(uint64_t key)
{
	struct btree_node *n = btree_find(&btree_cmds_tree, &key, key_cmp);

	if (!n)
		printk("delete 0x%lx: none\n", (unsigned long)key);
	else if (!delete_node(n))
		printk("delete 0x%lx: btree_delete() left it in the tree (still the Lab 2 stub?)\n",
		       (unsigned long)key);
	else
		printk("delete 0x%lx: ok\n", (unsigned long)key);
}

/* One key-taking operation on @key; false for an unknown @op. */
static bool key_op(const char *op, uint64_t key)
{
	if (!strcmp(op, "insert"))
		insert_one(key);
	else if (!strcmp(op, "delete"))
		delete_one(key);
	else if (!strcmp(op, "find"))
		answer(op, key, btree_find(&btree_cmds_tree, &key, key_cmp));
	else if (!strcmp(op, "lower"))
		answer(op, key, btree_lower_bound(&btree_cmds_tree, &key, key_cmp));
	else if (!strcmp(op, "upper"))
		answer(op, key, btree_upper_bound(&btree_cmds_tree, &key, key_cmp));
	else if (!strcmp(op, "floor"))
		answer(op, key, btree_floor(&btree_cmds_tree, &key, key_cmp));
	else
		return false;
	return true;
}

/* Print the keys from @n on, stepping with @step, eight to a line; stops
 * after one more key than the tree should hold (a cycle). */
static void walk(const char *title, struct btree_node *n,
		 struct btree_node *(*step)(const struct btree_node *))
{
	size_t i = 0;

	printk("%s:", title);
	for (; n && i <= btree_cmds_live; n = step(n), i++)
		printk("%s 0x%lx", i && i % 8 == 0 ? "\n " : "", (unsigned long)key_of(n));
	printk("\n%s: %zu keys%s\n", title, i,
	       n ? " and more: more than were inserted (a cycle?), stopped" : "");
}

/* Delete every node, root first; stops if btree_delete() does nothing. */
static void clear(void)
{
	size_t n = 0;

	while (btree_cmds_tree.b_root) {
		if (!delete_node(btree_cmds_tree.b_root)) {
			printk("btree clear: btree_delete() left the root in the tree (still the "
			       "Lab 2 stub?); %zu keys deleted\n", n);
			return;
		}
		n++;
	}
	printk("btree clear: %zu keys deleted\n", n);
}

/* The command: 0, or 1 after saying what was wrong with the input. */
static int cmd_btree(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	uint64_t keys[MONITOR_ARGS_MAX];

	if (argc == 2 && !strcmp(op, "list")) {
		walk("in order", btree_first(&btree_cmds_tree), btree_next);
		walk("reverse", btree_last(&btree_cmds_tree), btree_prev);
		return 0;
	}
	if (argc == 2 && !strcmp(op, "show")) {
		printk("btree at %p: count=%zu height=%ld root=%p (keys inserted and not deleted: "
		       "%zu)\n", (void *)&btree_cmds_tree, btree_count(&btree_cmds_tree),
		       btree_height(&btree_cmds_tree), (void *)btree_cmds_tree.b_root,
		       btree_cmds_live);
		return 0;
	}
	if (argc == 2 && !strcmp(op, "check")) {
		btree_check(&btree_cmds_tree, node_cmp);
		printk("btree: all invariants hold\n");
		return 0;
	}
	if (argc == 2 && !strcmp(op, "clear")) {
		clear();
		return 0;
	}
	if (argc < 3)
		return monitor_usage(argv[0]);
	for (int i = 2; i < argc; i++) {
		if (!parse_u64(argv[i], &keys[i], false)) {
			printk("btree %s: '%s' is not a number (decimal or 0x hex)\n", op, argv[i]);
			return 1;
		}
	}
	for (int i = 2; i < argc; i++) {
		if (!key_op(op, keys[i])) {
			printk("btree: unknown operation '%s' (insert, delete, find, lower, upper, "
			       "floor, list, show, check, clear)\n", op);
			return 1;
		}
	}
	return 0;
}
MONITOR_COMMAND(btree,
		"insert|delete|find|lower|upper|floor <key>... | list | show | check | clear",
		"a tree of 64-bit keys: drive the Lab 2 code by hand", cmd_btree);
