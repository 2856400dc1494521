# LAB 2 FILE
"""Lab 2 witnessed from outside the guest.

Each test draws its keys and operations at run time (SystemRandom: nothing
on the kernel command line, a new sequence every run), drives the tree
through the monitor's `btree` command (vm/btree_cmds.c), compares every
answer the kernel prints with a Python model (a sorted list), and then
reads the tree itself out of guest memory over QMP (the monitor's
`btree_cmds_tree`, node layout from the ELF's DWARF) to check vm/btree.c's
invariants [B1]-[B5] in Python (mangotest/guest_btree.py) and that its
in-order keys are the model's. A kernel that only prints "ok" has no tree
in memory to show."""
import bisect
import random

import pytest

from mangotest import check
from mangotest.guest_btree import GuestBtree, prefetch
from mangotest.layout import Layout

pytestmark = pytest.mark.boot

BATCH = 14          # keys per command: the monitor takes 16 words a line
KEY_BITS = 32       # keys are 0x... of at most 8 digits: a line stays short
TREE = "'btree_cmds.c'::btree_cmds_tree"
NODE = ("struct btree_cmds_key", "bk_node", "bk_key")  # what a key of TREE is


class Model:
    """The set of keys the tree should hold, and the answer the monitor
    should print for each operation."""

    def __init__(self):
        self.keys = []

    def __len__(self):
        return len(self.keys)

    def __contains__(self, key):
        i = bisect.bisect_left(self.keys, key)
        return i < len(self.keys) and self.keys[i] == key

    def apply(self, op, key):
        """Do @op on the model; the line `btree <op> <key>` must print."""
        if op == "insert":
            if key in self:
                return "insert 0x%x: KERN_EXISTS" % key
            bisect.insort(self.keys, key)
            return "insert 0x%x: ok" % key
        if op == "delete":
            if key not in self:
                return "delete 0x%x: none" % key
            self.keys.remove(key)
            return "delete 0x%x: ok" % key
        i = {"find": bisect.bisect_left, "lower": bisect.bisect_left,
             "upper": bisect.bisect_right, "floor": bisect.bisect_right}[op](self.keys, key)
        if op == "floor":
            i -= 1
        hit = self.keys[i] if 0 <= i < len(self.keys) else None
        if op == "find" and hit != key:
            hit = None
        return "%s 0x%x: %s" % (op, key, "none" if hit is None else "0x%x" % hit)


class Bench:
    """A booted kernel with QMP, its model, and the grader's view of the tree."""

    def __init__(self, boot):
        self.m = boot(qmp=True)
        self.model = Model()
        lay = Layout.load()
        prefetch(lay, GuestBtree.structs(*NODE), ["&(%s)" % TREE])
        self.tree_addr = lay.address(TREE)
        self.tree = GuestBtree(self.m.qmp(), lay, *NODE)

    def run(self, op, keys):
        """`btree <op> <keys>` in lines of BATCH keys, each answer checked."""
        for i in range(0, len(keys), BATCH):
            part = keys[i:i + BATCH]
            cmd = "btree %s %s" % (op, " ".join("0x%x" % k for k in part))
            got = self.m.run(cmd).splitlines()
            want = [self.model.apply(op, k) for k in part]
            for n, line in enumerate(want):
                check.equal(got[n] if n < len(got) else "(no line)", line,
                            "line %d of `%s`" % (n + 1, cmd))
            check.equal(got[len(want):], [], "lines after the answers of `%s`" % cmd)

    def memory(self, what):
        """Check the tree in guest memory: invariants, then the model's keys;
        return its nodes in order (GuestBtree.read_node())."""
        order = self.tree.check(self.tree_addr, len(self.model), what)
        keys = [n["key"] for n in order]
        if keys != self.model.keys:
            missing = sorted(set(self.model.keys) - set(keys))
            extra = sorted(set(keys) - set(self.model.keys))
            check.fail("%s: the keys of the tree in memory, in order" % what,
                       "the %d keys inserted and not deleted" % len(self.model),
                       "%d keys; missing %s; not expected %s" % (
                           len(keys), hexes(missing[:8]), hexes(extra[:8])))
        return order

    def victims(self, rng):
        """Keys to delete, picked from the tree in memory: the root, up to
        three nodes with two children (one whose successor lies deeper and
        has a right child of its own when there is one: the successor's
        child must move up), up to three leaves."""
        nodes = {n["addr"]: n for n in self.memory("the tree")}
        root = next(n for n in nodes.values() if not n["parent"])
        inner = [n for n in nodes.values() if n["left"] and n["right"] and n is not root]
        leaves = [n["key"] for n in nodes.values() if not n["left"] and not n["right"]]

        def successor(n):
            s = nodes[n["right"]]
            while s["left"]:
                s = nodes[s["left"]]
            return s
        deep = [n["key"] for n in inner
                if successor(n)["parent"] != n["addr"] and successor(n)["right"]]
        picked = {root["key"]} | set(rng.sample([n["key"] for n in inner], min(3, len(inner))))
        if deep:
            picked.add(rng.choice(deep))
        return picked | set(rng.sample(leaves, min(3, len(leaves))))


def hexes(keys):
    return "[%s]" % ", ".join("0x%x" % k for k in keys)


def walk_keys(out, title):
    """The keys `btree list` printed under @title ("in order", "reverse")."""
    got = check.search(r"(?ms)^%s:(.*?)^%s: \d+ keys" % (title, title), out,
                       "the %s walk of `btree list`" % title)
    return [int(k, 16) for k in got.group(1).split()]


def fresh_keys(rng, n, taken=()):
    """@n distinct random keys not in @taken."""
    out = set()
    while len(out) < n:
        k = rng.getrandbits(KEY_BITS)
        if k not in taken:
            out.add(k)
    return list(out)


def runs(rng):
    """Keys in orders that need every rotation: an ascending and a
    descending run (single rotations), a zigzag closing in from both ends
    (double rotations), and random keys; each run at a random place with a
    random stride."""
    def run(n):
        stride = rng.randrange(1, 1 << 12)
        start = rng.randrange(1 << (KEY_BITS - 1))
        return [start + i * stride for i in range(n)]
    up, down, zig = run(rng.randint(20, 30)), run(rng.randint(20, 30))[::-1], run(24)
    zigzag = [zig[i // 2] if i % 2 == 0 else zig[-1 - i // 2] for i in range(len(zig))]
    parts = [up, down, zigzag, fresh_keys(rng, rng.randint(30, 40))]
    rng.shuffle(parts)
    return [k for p in parts for k in p]


def test_inserts_keep_the_tree_balanced(boot):
    """Ascending, descending, zigzag and random inserts, with duplicates
    among them; then the tree in memory must satisfy [B1]-[B5] and hold
    exactly the keys. Catches: a missing double rotation or a rotation
    that keeps a stale height or forgets a parent pointer ([B2]/[B4]/[B3]
    in memory), rebalancing that stops at the first node it fixes ([B2]
    higher up), a duplicate inserted instead of refused (KERN_EXISTS
    expected, and one node per key)."""
    rng = random.SystemRandom()
    b = Bench(boot)
    keys = runs(rng)
    cut = len(keys) // 2
    b.run("insert", keys[:cut])
    b.memory("the tree after %d inserts" % cut)
    dups = rng.sample(keys[:cut], 6)
    rest = keys[cut:] + dups
    rng.shuffle(rest)
    b.run("insert", rest)
    b.memory("the tree after %d more inserts (%d of them duplicates)" % (len(rest), len(dups)))


def test_walks_and_finds_match_a_model(boot):
    """`btree list` walks the tree with btree_first/next and btree_last/
    prev; `btree find` asks btree_find for present and absent keys.
    Catches: btree_next climbing to the wrong ancestor (a key repeated or
    skipped), a walk that never ends, a find that stops one level short."""
    rng = random.SystemRandom()
    b = Bench(boot)
    b.run("insert", fresh_keys(rng, rng.randint(40, 60)))
    out = b.m.run("btree list")
    check.equal(hexes(walk_keys(out, "in order")), hexes(b.model.keys),
                "the keys of `btree list` in order (btree_first, btree_next)")
    check.equal(hexes(walk_keys(out, "reverse")), hexes(b.model.keys[::-1]),
                "the keys of `btree list` in reverse (btree_last, btree_prev)")
    asks = rng.sample(b.model.keys, 20) + fresh_keys(rng, 10, b.model.keys)
    rng.shuffle(asks)
    b.run("find", asks)
    b.memory("the tree after the walks")


def test_bounds_match_a_model(boot):
    """lower (first >= key), upper (first > key) and floor (last <= key)
    at keys, next to them, between them and outside the range, all drawn
    at random. Catches: an upper bound that includes the key itself, a
    floor strictly below it, a bound that forgets the best candidate seen
    on the way down."""
    rng = random.SystemRandom()
    b = Bench(boot)
    b.run("insert", fresh_keys(rng, rng.randint(30, 50)))
    keys = b.model.keys
    at = rng.sample(keys, 10)
    asks = at + [k + 1 for k in at[:5]] + [k - 1 for k in at[5:] if k] + \
        fresh_keys(rng, 8, keys) + [0, keys[0], keys[-1], keys[-1] + 1]
    for op in ("lower", "upper", "floor"):
        rng.shuffle(asks)
        b.run(op, asks)
    b.memory("the tree after the bounds")


def test_deletes_keep_the_tree_balanced(boot):
    """Deletes of the root, of nodes with two children, of leaves and of
    absent keys, the victims picked at random from the tree as QEMU shows
    it; the tree in memory is checked after every batch, down to empty.
    Catches: a successor that leaves its right child behind (keys lost),
    no rebalancing after a delete ([B2]), stale heights or parents after
    the successor moves ([B4]/[B3]), a node with one child unlinked with
    its subtree."""
    rng = random.SystemRandom()
    b = Bench(boot)
    b.run("insert", fresh_keys(rng, rng.randint(60, 80)))
    while len(b.model) > 12:
        victims = b.victims(rng)
        asks = list(victims) + fresh_keys(rng, 2, b.model.keys)
        rng.shuffle(asks)
        b.run("delete", asks)
        b.memory("the tree after deleting %s" % hexes(sorted(victims)))
    rest = list(b.model.keys)
    rng.shuffle(rest)
    b.run("delete", rest)
    b.memory("the tree after deleting every key")


def test_random_operations_hold_in_memory(boot):
    """A random sequence of inserts, deletes, finds and bounds over a
    small pool of keys (so that hits, misses and duplicates all happen),
    the tree in memory checked every few batches. Catches whatever the
    targeted tests missed when operations interleave: a delete that
    corrupts the heights a later insert relies on, and so on."""
    rng = random.SystemRandom()
    b = Bench(boot)
    pool = fresh_keys(rng, 48)
    for batch in range(30):
        op = rng.choice(["insert"] * 4 + ["delete"] * 3 + ["find", "lower", "upper", "floor"])
        b.run(op, [rng.choice(pool) for _ in range(rng.randint(1, BATCH))])
        if batch % 10 == 9:
            b.memory("the tree after %d random batches" % (batch + 1))
