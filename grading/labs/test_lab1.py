# LAB 1 FILE
"""Lab 1 through the monitor, cross-checked against what QEMU was given."""
import functools
import itertools
import random
import re

import pytest

from mangotest import check, guestmem
from mangotest.layout import Layout

pytestmark = pytest.mark.boot

KIB_PER_PAGE = 4


def stats(m):
    out = m.run("pages")
    got = check.search(r"pages: frames=(\d+) free=(\d+) allocated=(\d+) reserved=(\d+)", out,
                       "the summary line of `pages`")
    return dict(zip(("frames", "free", "allocated", "reserved"), map(int, got.groups())))


def usable_above_1mib_kib(mem_output):
    """Available RAM above 1 MiB, from the memory map the kernel printed."""
    total = 0
    for start, end, kind in re.findall(r"\[([0-9a-f]{16})-([0-9a-f]{16})\]\s+\d+ KiB\s+(\w+)",
                                       mem_output):
        if kind == "available":
            lo, hi = max(int(start, 16), 1 << 20), int(end, 16) + 1
            total += max(0, hi - lo)
    return total // 1024


@pytest.mark.parametrize("mem_mib", [128, 256])
def test_accounting_matches_qemu_memory(boot, mem_mib):
    """Free memory is the available RAM above 1 MiB in the map, minus the
    kernel image, the page array (64 bytes per frame) and the boot
    information (a few KiB)."""
    m = boot(mem="%dM" % mem_mib)
    st, mem = stats(m), m.run("mem")
    usable = usable_above_1mib_kib(mem)
    kernel_kib = int(check.search(r"kernel image: \[[0-9a-f]+-[0-9a-f]+\) (\d+) KiB", mem,
                                  "the kernel image line of `mem`").group(1))
    array_kib = -(-st["frames"] * 64 // 4096) * 4
    free_kib = st["free"] * KIB_PER_PAGE
    expected = usable - kernel_kib - array_kib
    check.between(free_kib, expected - 64, expected,
                  "free KiB at -m %dM: usable %d - kernel %d - page array %d (KiB), `pages`: %s"
                  % (mem_mib, usable, kernel_kib, array_kib, st))
    check.between(st["frames"] * KIB_PER_PAGE, mem_mib * 1024 - 2048, mem_mib * 1024,
                  "KiB in frames at -m %dM" % mem_mib)
    check.equal(st["free"] + st["allocated"] + st["reserved"], st["frames"],
                "free + allocated + reserved frames (`pages`: %s)" % st)


def test_monitor_pages_alloc_free(mango):
    before = stats(mango)
    addr = check.search(r"allocated order 2 at (0x[0-9a-f]+)", mango.run("pages alloc 2"),
                        "the address `pages alloc 2` printed")
    check.equal(int(addr.group(1), 16) % (16 * 1024), 0,
                "%s modulo 16 KiB (an order-2 block is aligned to its size)" % addr.group(1))
    check.equal(stats(mango)["free"], before["free"] - 4, "free frames after `pages alloc 2`")
    check.contains(mango.run("pages free " + addr.group(1)), "freed",
                   "`pages free %s`" % addr.group(1))
    check.equal(stats(mango)["free"], before["free"], "free frames after `pages free`")
    check.contains(mango.run("pages free " + addr.group(1)), "not the start of a block",
                   "`pages free %s` a second time" % addr.group(1))
    check.contains(mango.run("pages check"), "all invariants hold", "`pages check`")


# ---------------------------------------------------------------------------
# Witnesses: the allocator's state as QEMU sees it in guest memory, checked
# in Python against the handout's invariants and a model of the buddy
# system, never against what the kernel says about itself.

PAGE_SHIFT = 12      # x86-64's 4 KiB frame: pfn = phys >> 12 (the handout's rule)
PA = "'vm_page.c'::pa"   # the allocator's state (static in vm/vm_page.c)
FIRST_MIB_FRAMES = (1 << 20) >> PAGE_SHIFT


class Allocator:
    """Where the allocator keeps its state, from the kernel's DWARF
    (layout.py): nothing here is a hard-coded offset."""

    def __init__(self, lay):
        self.nr_orders, self.max_order, self.free_flag, self.allocated_flag, \
            self.reserved_flag = lay.values(
                ["sizeof(%s.nr_free_blocks) / sizeof(%s.nr_free_blocks[0])" % (PA, PA),
                 "VM_PAGE_MAX_ORDER", "VM_PAGE_FREE", "VM_PAGE_ALLOCATED", "VM_PAGE_RESERVED"])
        orders = range(self.nr_orders)
        self.var = lay.variable(PA, ["pages", "nr_frames", "nr_reserved"] +
                                ["free[%d].q_head.qe_next" % k for k in orders] +
                                ["nr_free_blocks[%d]" % k for k in orders])
        self.head_offsets = lay.values(["(unsigned long)&%s.free[%d].q_head - (unsigned long)&%s"
                                        % (PA, k, PA) for k in orders])
        self.addr = lay.address(PA)
        self.page = lay.struct("struct vm_page", ["p_flags", "p_order", "p_link",
                                                  "p_link.qe_next", "p_link.qe_prev"])

    def snapshot(self, q, workdir):
        """The allocator's state, read with the CPU stopped."""
        with guestmem.paused(q):
            raw = guestmem.read_virt(q, self.addr, self.var.size, workdir)
            pages, nr_frames = self.var["pages"].get(raw), self.var["nr_frames"].get(raw)
            check.between(nr_frames, 1, 1 << 22, "pa.nr_frames in guest memory (QMP)")
            array = guestmem.read_virt(q, pages, nr_frames * self.page.size, workdir)
        return State(self, raw, pages, nr_frames, array)


class State:
    """One snapshot: frame flags and orders, the free lists as walked."""

    def __init__(self, alloc, raw, pages, nr_frames, array):
        self.a, self.pages, self.nr_frames, self.array = alloc, pages, nr_frames, array
        self.counts = [alloc.var["nr_free_blocks[%d]" % k].get(raw) for k in range(alloc.nr_orders)]
        self.nr_reserved = alloc.var["nr_reserved"].get(raw)
        self.errors = []
        self.lists = [self._walk(k, raw, array) for k in range(alloc.nr_orders)]

    def _walk(self, k, raw, array):
        """The pfns on free list k, following qe_next from its head; a link
        outside the page array, a broken qe_prev or a cycle is an error."""
        page, link = self.a.page, self.a.page["p_link"].offset
        head = self.a.addr + self.a.head_offsets[k]
        nxt, prv = page["p_link.qe_next"], page["p_link.qe_prev"]
        pfns, prev, e = [], head, self.a.var["free[%d].q_head.qe_next" % k].get(raw)
        while e != head:
            off = e - link - self.pages
            if off < 0 or off % page.size or off >= self.nr_frames * page.size:
                self.errors.append("[I3] free list %d links to 0x%x, not a frame of the page "
                                   "array [0x%x, +%d frames)" % (k, e, self.pages, self.nr_frames))
                break
            pfn = off // page.size
            if prv.get(array, off) != prev:
                self.errors.append("free list %d: the qe_prev of frame 0x%x is 0x%x, not the "
                                   "entry before it 0x%x" % (k, pfn << PAGE_SHIFT,
                                                             prv.get(array, off), prev))
            pfns.append(pfn)
            if len(pfns) > self.nr_frames:
                self.errors.append("free list %d never comes back to its head (a cycle)" % k)
                break
            prev, e = e, nxt.get(array, off)
        return pfns

    @functools.cached_property
    def flags(self):
        """p_flags of every frame (decoded on first use: a step of the
        challenge needs only the lists and a few heads)."""
        return self.a.page["p_flags"].column(self.array, self.a.page.size, self.nr_frames)

    @functools.cached_property
    def order(self):
        return self.a.page["p_order"].column(self.array, self.a.page.size, self.nr_frames)

    def head(self, pfn):
        """(p_flags, p_order) of frame @pfn."""
        base = pfn * self.a.page.size
        return self.a.page["p_flags"].get(self.array, base), self.a.page["p_order"].get(self.array, base)

    def free_blocks(self):
        """{(pfn, order)} of every block on a free list."""
        return {(pfn, k) for k, pfns in enumerate(self.lists) for pfn in pfns}

    def free_frames(self):
        return sum(len(pfns) << k for k, pfns in enumerate(self.lists))

    def blocks(self):
        """Walk the page array as the handout describes it: (pfn, flags,
        order) of each block head and reserved frame, in order; frames that
        belong to no block are errors."""
        a, pfn, out, lost = self.a, 0, [], []
        while pfn < self.nr_frames:
            flags = self.flags[pfn]
            if flags & a.reserved_flag:
                out.append((pfn, flags, 0))
                pfn += 1
            elif flags & (a.free_flag | a.allocated_flag) and self.order[pfn] <= a.max_order:
                out.append((pfn, flags, self.order[pfn]))
                pfn += 1 << self.order[pfn]
            else:
                lost.append(pfn)
                pfn += 1
        if lost:
            self.errors.append("[I6] %d frames belong to no block, the first 0x%x (flags 0x%x "
                               "order %d)" % (len(lost), lost[0] << PAGE_SHIFT,
                                              self.flags[lost[0]], self.order[lost[0]]))
        return out

    def invariant_errors(self):
        """Every broken invariant [I1]-[I6], as the handout states them."""
        a, errors = self.a, self.errors
        free = self.free_blocks()
        for k, pfns in enumerate(self.lists):
            if len(pfns) != self.counts[k]:
                errors.append("[I1] free list %d holds %d blocks, nr_free_blocks[%d] says %d"
                              % (k, len(pfns), k, self.counts[k]))
            if len(set(pfns)) != len(pfns):
                errors.append("[I1] free list %d holds a block twice" % k)
            for pfn in pfns:
                at, size = pfn << PAGE_SHIFT, 1 << k
                if self.flags[pfn] != a.free_flag or self.order[pfn] != k:
                    errors.append("[I2] block 0x%x on free list %d has flags 0x%x order %d"
                                  % (at, k, self.flags[pfn], self.order[pfn]))
                if pfn % size or pfn + size > self.nr_frames:
                    errors.append("[I3] block 0x%x on free list %d is not aligned to 2^%d frames "
                                  "inside the array" % (at, k, k))
                    continue
                if any(self.flags[pfn + 1:pfn + size]):
                    i = next(i for i in range(pfn + 1, pfn + size) if self.flags[i])
                    errors.append("[I2] frame 0x%x inside free block 0x%x (order %d) has flags 0x%x"
                                  % (i << PAGE_SHIFT, at, k, self.flags[i]))
                buddy = pfn ^ size
                if k < a.max_order and (buddy, k) in free:
                    errors.append("[I4] buddies 0x%x and 0x%x of order %d are both free"
                                  % (at, buddy << PAGE_SHIFT, k))
        reserved = allocated = 0
        # reserved frames before each pfn, to find one inside a block at once
        before = list(itertools.accumulate((f & a.reserved_flag != 0 for f in self.flags),
                                           initial=0))
        for pfn, flags, k in self.blocks():
            if flags & a.reserved_flag:
                reserved += 1
                continue
            end = min(pfn + (1 << k), self.nr_frames)
            bad = [i for i in range(pfn, end) if self.flags[i] & a.reserved_flag] \
                if before[end] != before[pfn] else []
            if bad:
                errors.append("[I5] reserved frame 0x%x inside the block at 0x%x (order %d)"
                              % (bad[0] << PAGE_SHIFT, pfn << PAGE_SHIFT, k))
            if flags & a.allocated_flag:
                allocated += 1 << k
            elif (pfn, k) not in free:
                errors.append("[I2] frame 0x%x is marked free (order %d) but is on no free list"
                              % (pfn << PAGE_SHIFT, k))
        derived = sum(c << k for k, c in enumerate(self.counts))
        if reserved != self.nr_reserved or derived + allocated + reserved != self.nr_frames:
            errors.append("[I6] %d free (sum of nr_free_blocks[k] << k) + %d allocated + %d "
                          "reserved frames != %d frames (nr_reserved says %d)"
                          % (derived, allocated, reserved, self.nr_frames, self.nr_reserved))
        return errors


def check_invariants(state, what):
    errors = state.invariant_errors()
    check.equal("\n".join(errors[:8]), "", "the allocator's invariants [I1]-[I6] in guest "
                "memory (QMP) %s" % what)


def kernel_frames(q, lay):
    """The frames the kernel image occupies, by QEMU's page-table walk."""
    start = lay.address("__kernel_phys_start")
    end = q.gva2gpa(lay.address("__kernel_end") - 1)
    check.true(end is not None, "QEMU translates __kernel_end - 1")
    return range(start >> PAGE_SHIFT, (end >> PAGE_SHIFT) + 1)


@pytest.fixture
def allocator(boot):
    """(machine, QMP, Allocator, Layout) of a freshly booted machine."""
    m = boot(qmp=True)
    lay = Layout.load()
    return m, m.qmp(), Allocator(lay), lay


def alloc_block(m, order, zero=False):
    """`pages alloc @order [zero]`: the pfn it printed."""
    cmd = "pages alloc %d%s" % (order, " zero" if zero else "")
    got = check.search(r"allocated order %d at (0x[0-9a-f]+)" % order, m.run(cmd), "`%s`" % cmd)
    return int(got.group(1), 16) >> PAGE_SHIFT


def free_block(m, pfn):
    addr = pfn << PAGE_SHIFT
    check.contains(m.run("pages free 0x%x" % addr), "freed 0x%x" % addr, "`pages free 0x%x`" % addr)


# orders the witnesses draw from: mostly small ones, so that both halves of
# a pair get allocated and freed (where a wrong buddy or merge shows), and
# every order up to the largest, so that the middle lists run dry
SMALL_ORDERS = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3]
ORDERS = SMALL_ORDERS + [4, 5, 6, 7, 8, 8, 9, 9, 10]
TINY_ORDERS = [0, 0, 0, 1, 1]  # churn where half-allocated buddies are common


def test_page_array_invariants_in_memory(allocator):
    """Witness of Lab 1: after boot, and again with blocks of random orders
    (drawn now) allocated, the page array and the free lists that QEMU
    reads from guest memory keep [I1]-[I6], and the first MiB and the
    kernel image (located by QEMU's page-table walk) stay reserved.
    Catches, whatever the kernel prints: counts that do not follow the
    lists (a forgotten nr_free_blocks update), a merged head left marked,
    unmerged buddies, a merge with a reserved frame (the kernel image
    freed), blocks lost from the lists, and a stub allocator (no free
    blocks at all)."""
    m, q, alloc, lay = allocator
    state = alloc.snapshot(q, m.workdir)
    check_invariants(state, "after boot")
    check.true(state.free_frames() > state.nr_frames // 2,
               "more than half the frames are on the free lists after boot",
               "%d of %d" % (state.free_frames(), state.nr_frames))
    for pfn in list(range(FIRST_MIB_FRAMES)) + list(kernel_frames(q, lay)):
        check.equal(state.flags[pfn], alloc.reserved_flag,
                    "flags of frame 0x%x (first MiB or kernel image): reserved" % (pfn << PAGE_SHIFT))
    rng = random.SystemRandom()
    orders = [rng.choice(SMALL_ORDERS) for _ in range(8)]
    held = [(alloc_block(m, k), k) for k in orders]
    rng.shuffle(held)
    for pfn, _ in held[4:]:
        free_block(m, pfn)
    state = alloc.snapshot(q, m.workdir)
    check_invariants(state, "after allocating orders %s and freeing %s" % (
        orders, ["0x%x" % (pfn << PAGE_SHIFT) for pfn, _ in held[4:]]))
    for pfn, k in held[:4]:
        check.equal((state.flags[pfn], state.order[pfn]), (alloc.allocated_flag, k),
                    "(flags, order) of the block `pages alloc %d` returned at 0x%x"
                    % (k, pfn << PAGE_SHIFT))


class BuddyModel:
    """The handout's buddy system over sets of free blocks {(pfn, order)}."""

    def __init__(self, free, max_order):
        self.free, self.max_order = set(free), max_order

    def smallest_fit(self, order):
        """The order of the blocks alloc(@order) must take from, or None."""
        return min((k for _, k in self.free if k >= order), default=None)

    def alloc(self, pfn, order):
        """The block of order smallest_fit(@order) headed by @pfn is taken
        and split down to @order, the lower half kept."""
        k = self.smallest_fit(order)
        self.free.remove((pfn, k))
        for j in range(order, k):
            self.free.add((pfn + (1 << j), j))

    def release(self, pfn, order):
        """Free a block: merge with the free buddy while there is one."""
        while order < self.max_order and (pfn ^ (1 << order), order) in self.free:
            self.free.remove((pfn ^ (1 << order), order))
            pfn &= ~(1 << order)
            order += 1
        self.free.add((pfn, order))


CHALLENGE_STEPS = 30  # in each of the two random phases
FULL_CHECK_EVERY = 5  # steps between two checks of [I1]-[I6] (the lists: every step)


def test_random_alloc_free_match_a_buddy_model(allocator):
    """Witness of Lab 1: a sequence of `pages alloc <order>` and `pages free
    <addr>` drawn now (SystemRandom), checked after every step against a
    model of the buddy system: each block comes from the smallest free
    block that fits, lower half kept (its address is the head of one of
    the blocks on that free list, aligned to its order, overlapping no
    other block and no reserved frame); QEMU shows its head ALLOCATED
    with its order, and a block asked for zeroed holds only zeroes (freed
    blocks are poisoned, so a reused block that was not zeroed shows); the free lists read from guest memory hold exactly the
    model's blocks (so the free count is exact); and once everything is
    freed they hold exactly the blocks they held after boot. Catches: a
    split that loses or misplaces the upper halves, taking a larger block
    than needed, returning the upper half, merging with the wrong buddy
    (pfn + size instead of pfn ^ size) or not at all, a merge that ignores
    the buddy's order, a search that stops below the largest order,
    leaking frames, VM_ALLOC_ZERO ignored, and a stub or a forged test
    stream. The frees prefer blocks whose buddy is partly allocated (its
    head free with a smaller order) and the frees that set that up."""
    m, q, alloc, _ = allocator
    rng = random.SystemRandom()
    first = alloc.snapshot(q, m.workdir)
    check_invariants(first, "after boot")
    model = BuddyModel(first.free_blocks(), alloc.max_order)
    taken = {pfn for pfn, flags, k in first.blocks() for pfn in range(pfn, pfn + (1 << k))
             if not flags & alloc.free_flag}  # reserved frames and blocks the kernel holds
    held, done = {}, []
    split_largest = False

    def step_alloc(order, zero):
        nonlocal split_largest
        k = model.smallest_fit(order)
        if k is None:
            done.append("alloc %d -> none" % order)
            check.contains(m.run("pages alloc %d" % order), "no free block of order %d" % order,
                           "`pages alloc %d` when no block of order >= %d is free (%s)"
                           % (order, order, "; ".join(done)))
            return
        candidates = sorted(pfn for pfn, j in model.free if j == k)
        pfn = alloc_block(m, order, zero)
        done.append("alloc %d%s -> 0x%x" % (order, " zero" if zero else "", pfn << PAGE_SHIFT))
        check.equal(pfn % (1 << order), 0, "0x%x modulo 2^%d frames: a block is aligned to its "
                    "order (%s)" % (pfn << PAGE_SHIFT, order, "; ".join(done)))
        frames = set(range(pfn, pfn + (1 << order)))
        check.equal(sorted(frames & taken)[:1], [], "frames of the order-%d block at 0x%x that "
                    "were reserved or already allocated (%s)" % (order, pfn << PAGE_SHIFT,
                                                                 "; ".join(done)))
        check.true(pfn in candidates, "`pages alloc %d` returned the head of a free block of "
                   "order %d, the smallest that fits (the lower half is kept); %s"
                   % (order, k, "; ".join(done)),
                   "0x%x, not one of the order-%d free blocks %s" % (
                       pfn << PAGE_SHIFT, k, [hex(c << PAGE_SHIFT) for c in candidates[:8]]))
        model.alloc(pfn, order)
        split_largest = split_largest or order < k == alloc.max_order
        taken.update(frames)
        held[pfn] = order
        if zero:  # freed blocks hold poison (0x6b): a block reused unzeroed shows
            with guestmem.paused(q):
                data = guestmem.read_phys(q, pfn << PAGE_SHIFT, len(frames) << PAGE_SHIFT,
                                          m.workdir)
            nonzero = len(data) - data.count(0)
            check.equal(nonzero, 0, "bytes that are not 0 in the block of `pages alloc %d zero` "
                        "at 0x%x, read by QEMU (%s)" % (order, pfn << PAGE_SHIFT, "; ".join(done)))

    def step_free(pfn):
        order = held.pop(pfn)
        free_block(m, pfn)
        done.append("free 0x%x (order %d)" % (pfn << PAGE_SHIFT, order))
        model.release(pfn, order)
        taken.difference_update(range(pfn, pfn + (1 << order)))

    def compare(full=False):
        state = alloc.snapshot(q, m.workdir)
        if full or len(done) % FULL_CHECK_EVERY == 0:
            check_invariants(state, "after: %s" % "; ".join(done))
        got = state.free_blocks()
        check.equal(sorted((hex(p << PAGE_SHIFT), k) for p, k in got ^ model.free),
                    [], "free blocks (address, order) that differ between the free lists in "
                    "guest memory and the buddy model, after: %s" % "; ".join(done))
        check.equal(state.free_frames(), sum(1 << k for _, k in model.free),
                    "free frames after: %s" % "; ".join(done))
        for pfn, order in held.items():
            check.equal(state.head(pfn), (alloc.allocated_flag, order),
                        "(flags, order) of the held block 0x%x in guest memory" % (pfn << PAGE_SHIFT))

    def pick_free():
        """A held block, preferably one whose buddy is the head of a free
        block of a smaller order (partly allocated: it must not merge), or
        else a smaller block at the buddy of a held one, whose free sets
        that up."""
        heads = dict(model.free)
        tricky = [p for p, o in held.items() if heads.get(p ^ (1 << o), o) != o]
        setup = [b for p, o in held.items() for b in [p ^ (1 << o)]
                 if held.get(b, o) < o and any(b < x < b + (1 << o) for x in held)]
        for choice in (tricky, setup):
            if choice and rng.random() < 0.7:
                return rng.choice(sorted(choice))
        return rng.choice(sorted(held))

    def steps(count, orders, free_odds):
        for _ in range(count):
            if held and rng.random() < free_odds:
                step_free(pick_free())
            else:
                step_alloc(rng.choice(orders), rng.random() < 0.5)
            compare()

    steps(CHALLENGE_STEPS, ORDERS, 0.4)
    # until a largest block has been split: the upper middle lists run dry
    while not split_largest:
        step_alloc(rng.choice([7, 8, 9]), False)
        compare()
    steps(CHALLENGE_STEPS, TINY_ORDERS, 0.5)
    compare(full=True)
    while held:
        step_free(rng.choice(sorted(held)))
        compare()
    compare(full=True)
    check.equal(sorted(alloc.snapshot(q, m.workdir).free_blocks()), sorted(first.free_blocks()),
                "the free blocks after freeing everything, against those after boot (merging "
                "restores them)")
