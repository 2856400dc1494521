# LAB 2 FILE
"""A struct btree (vm/include/mango/btree.h) read out of guest memory over
QMP and checked in Python against the invariants vm/btree.c numbers:
[B1] keys strictly increasing in order, [B2] sibling heights differ by at
most 1, [B3] every child's b_parent is its parent (the root's is NULL),
[B4] b_height is 1 + the taller child's height, [B5] b_count is the number
of nodes. The kernel's own btree_check() is not asked: this is the
grader's view of the same memory.

    tree = GuestBtree(q, Layout.load(), "struct btree_cmds_key", "bk_node", "bk_key")
    nodes = tree.check(tree_addr, limit=200, what="the monitor's tree")  # in key order
    keys = [n["key"] for n in nodes]

Layouts come from the ELF's DWARF (layout.py); pointers are kernel virtual
addresses, read through the CPU's current page tables (the kernel half is
the same in every address space).
"""
from mangotest import check

NODE_MEMBERS = ["b_left", "b_right", "b_parent", "b_height"]
WORD = 8


def prefetch(lay, structs, exprs=()):
    """Ask gdb in one run for what lay.struct(type, members) for each
    {type: members} of @structs and lay.value() of @exprs will ask (one gdb
    run costs a third of a second); later calls answer from its cache."""
    todo = list(exprs)
    for type_name, members in structs.items():
        todo.append("sizeof(%s)" % type_name)
        for m in members:
            todo += ["&((%s *)0)->%s" % (type_name, m), "sizeof(((%s *)0)->%s)" % (type_name, m)]
    lay.values(todo)


def _signed(value, size):
    bits = 8 * size
    return value - (1 << bits) if value >> (bits - 1) else value


class GuestBtree:
    """How to read one kind of tree: @container embeds its struct
    btree_node as @node_member and is ordered by the integer @key_member
    (compared signed when @signed_keys, as off_t is)."""

    def __init__(self, q, lay, container, node_member, key_member, signed_keys=False):
        self.q = q
        prefetch(lay, self.structs(container, node_member, key_member))
        self.node = lay.struct("struct btree_node", NODE_MEMBERS)
        self.tree = lay.struct("struct btree", ["b_root", "b_count"])
        self.outer = lay.struct(container, [node_member, key_member])
        self.node_member, self.key_member = node_member, key_member
        self.signed_keys = signed_keys

    @staticmethod
    def structs(container, node_member, key_member):
        """What the constructor reads from the DWARF, for prefetch()."""
        return {"struct btree_node": NODE_MEMBERS, "struct btree": ["b_root", "b_count"],
                container: [node_member, key_member]}

    def read_bytes(self, addr, size, what):
        """@size bytes at kernel virtual @addr; fails the test, naming
        @what, when the address is not mapped."""
        words = self.q.read_virt(addr, -(-size // WORD)) if addr else None
        if words is None:
            check.fail("%s: read %d bytes at 0x%x over QMP" % (what, size, addr),
                       "a mapped kernel address", "nothing mapped there")
        return b"".join(w.to_bytes(WORD, "little") for w in words)[:size]

    def container_of(self, node_addr):
        """The address of the struct holding the node at @node_addr."""
        return node_addr - self.outer[self.node_member].offset

    def root_and_count(self, tree_addr, what):
        buf = self.read_bytes(tree_addr, self.tree.size, what)
        return self.tree["b_root"].get(buf), self.tree["b_count"].get(buf)

    def read_node(self, addr, what):
        """{left, right, parent, height, key} of the node at @addr, and the
        bytes (raw) of the struct holding it, at address outer."""
        outer = self.container_of(addr)
        buf = self.read_bytes(outer, self.outer.size, "%s: node 0x%x" % (what, addr))
        base = self.outer[self.node_member].offset
        got = {name[2:]: self.node[name].get(buf, base) for name in NODE_MEMBERS}
        got["height"] = _signed(got["height"], self.node["b_height"].size)
        key = self.outer[self.key_member]
        got["key"] = _signed(key.get(buf), key.size) if self.signed_keys else key.get(buf)
        got["raw"], got["outer"] = buf, outer
        return got

    def check(self, tree_addr, limit, what):
        """Walk the struct btree at @tree_addr, failing the test on the
        first broken invariant or on more than @limit nodes (a cycle, or
        nodes nobody inserted); return the nodes (read_node()) in order."""
        root, count = self.root_and_count(tree_addr, what)
        order, seen = [], set()

        def subtree(addr, parent):
            """Height of the subtree at @addr, computed, not cached."""
            if not addr:
                return 0
            if addr in seen:
                check.fail("%s: [B3] node 0x%x is reached twice from the root" % (what, addr),
                           "a tree (each node under one parent)", "a cycle or a shared child")
            if len(seen) >= limit:
                check.fail("%s: nodes reachable from the root" % what,
                           "at most %d (the keys inserted and not deleted)" % limit,
                           "more (nodes that were deleted, or a cycle)")
            seen.add(addr)
            n = self.read_node(addr, what)
            if n["parent"] != parent:
                check.fail("%s: [B3] b_parent of node 0x%x (key 0x%x)" % (what, addr, n["key"]),
                           "0x%x (the node it hangs under%s)" % (parent, "" if parent else
                                                                 ": none, it is the root"),
                           "0x%x" % n["parent"])
            left = subtree(n["left"], addr)
            if order and order[-1]["key"] >= n["key"]:
                check.fail("%s: [B1] in-order walk" % what,
                           "key 0x%x (node 0x%x) after 0x%x to be larger"
                           % (n["key"], addr, order[-1]["key"]),
                           "it is not: the keys are out of order")
            n["addr"] = addr
            order.append(n)
            right = subtree(n["right"], addr)
            if abs(left - right) > 1:
                check.fail("%s: [B2] balance at node 0x%x (key 0x%x)" % (what, addr, n["key"]),
                           "subtree heights that differ by at most 1",
                           "left %d, right %d" % (left, right))
            height = 1 + max(left, right)
            if n["height"] != height:
                check.fail("%s: [B4] b_height of node 0x%x (key 0x%x)" % (what, addr, n["key"]),
                           height, n["height"])
            return height

        subtree(root, 0)
        check.equal(count, len(order), "%s: [B5] b_count against the nodes reachable from the "
                    "root" % what)
        return order
