# LAB 5 FILE
"""Lab 5 through the monitor, with QEMU as the independent witness.

A poke through a fresh mapping of a demand object is a page fault that
vm_fault() resolves. The grader then asks the kernel what it did (`vmr
list`: the region's fault counters; `vmo show`: the object's pages and
their frames) and asks QEMU what the CPU now walks (`info tlb`) and what
the frame holds (`xp`), so a page allocated but not entered, entered at
the wrong frame, or allocated for the whole mapping at once, loses the
points whatever the kernel says about itself. The helpers are Lab 4's
(test_lab4.py); the address space here takes faults (no vm.nofault)."""

import re

import pytest

from mangotest import check
from test_lab4 import (BASE, LARGE, PAGE, PS, WRITE, alloc, check_translation, faults, map_into,
                       new_object, peek, poke, use, user_leaves, value_for, vmr)

pytestmark = pytest.mark.boot


@pytest.fixture
def as0(boot):
    """A machine with QMP, demand faults on, and an empty address space
    as0: (machine, QMP)."""
    m = boot(qmp=True)
    vmr(m, "create as0 0x%x 1G" % BASE, "vmr as0: [0x10000000, 0x50000000)")
    return m, m.qmp()


def counters(m, what):
    """as0's fault counters from `vmr list as0`: (taken, pages, refused)."""
    got = check.search(r"faults=(\d+) pages=(\d+) refused=(\d+)", m.run("vmr list as0"),
                       "the fault counters in `vmr list as0` (%s)" % what)
    return tuple(int(n) for n in got.groups())


def object_pages(m, vmo):
    """`vmo show @vmo`: {offset: (order, frame)} of the pages it has."""
    out = m.run("vmo show %s" % vmo)
    total = int(check.search(r"vmo %s: .* pages=(\d+)" % vmo, out, "`vmo show %s`" % vmo).group(1))
    pages = {int(off, 16): (int(order), int(pa, 16)) for off, order, pa in
             re.findall(r"page offset=(0x[0-9a-f]+) order=(\d+) phys=(0x[0-9a-f]+)", out)}
    check.equal(len(pages), total, "the pages `vmo show %s` lists and its pages=" % vmo)
    return pages


def test_a_poke_brings_in_one_page(as0):
    m, q = as0
    new_object(m, "buf", 16 * PAGE)
    a = map_into(m, "buf", 0, 16 * PAGE, "rw", BASE + 4 * PAGE)
    use(m)
    check.equal(object_pages(m, "buf"), {}, "buf's pages once mapped, before any touch")
    check.equal(user_leaves(q), {}, "the leaves the CPU walks before any touch (QEMU's info tlb)")
    poke(m, a + 0x3008)
    check.equal(counters(m, "after one poke"), (1, 1, 0),
                "as0's faults, pages, refused after one poke of a fresh mapping")
    pages = object_pages(m, "buf")
    check.equal(["0x%x" % off for off in sorted(pages)], ["0x3000"],
                "the offsets of buf's pages after a poke at buf+0x3008")
    order, frame = pages[0x3000]
    check.equal(order, 0, "the order of the page brought in (the mapping is 16 KiB: no 2 MiB page)")
    leaves = user_leaves(q)
    check.equal(["0x%x" % va for va in sorted(leaves)], ["0x%x" % (a + 0x3000)],
                "the leaves the CPU walks after the poke (info tlb)")
    check.equal(leaves[a + 0x3000][0], frame,
                "the frame of the leaf at 0x%x (info tlb) vs the page `vmo show` lists" % (a + 0x3000))
    check.equal(leaves[a + 0x3000][1][WRITE], "W", "QEMU's flags %s of the leaf at 0x%x: writable"
                % (leaves[a + 0x3000][1], a + 0x3000))
    check.equal(q.read_phys(frame + 8, 1), [value_for(a + 0x3008)],
                "the word at the frame 0x%x + 8 (QEMU's xp) after the poke" % frame)
    # the same page again: no fault; another page: one more, reading zero
    poke(m, a + 0x3FF8)
    check.equal(counters(m, "after a second poke of the same page"), (1, 1, 0),
                "as0's faults, pages, refused after poking the same page again")
    peek(m, a + 0x7010, 0, "a page never written reads zero")
    check.equal(counters(m, "after a peek of another page"), (2, 2, 0),
                "as0's faults, pages, refused after a peek of a second page")
    check.equal(["0x%x" % va for va in sorted(user_leaves(q))],
                ["0x%x" % (a + 0x3000), "0x%x" % (a + 0x7000)],
                "the leaves the CPU walks after touching two pages")


def test_shared_and_in_place_pokes_hit_their_frames(as0):
    m, q = as0
    # two mappings of one demand object: the page the first brings in is
    # the one the second faults in (a leaf each, one frame, one page)
    new_object(m, "buf", 4 * PAGE)
    a = map_into(m, "buf", 0, 4 * PAGE, "rw", BASE)
    b = map_into(m, "buf", PAGE, 3 * PAGE, "rw", BASE + LARGE)  # buf's [4 KiB, 16 KiB)
    use(m)
    poke(m, a + 0x2018)
    peek(m, b + 0x1018, value_for(a + 0x2018), "buf+0x2018 through the second mapping")
    check.equal(counters(m, "after a poke through one mapping and a peek through the other"),
                (2, 1, 0), "as0's faults, pages, refused: two faults, one page")
    pages = object_pages(m, "buf")
    check.equal(["0x%x" % off for off in sorted(pages)], ["0x2000"], "buf's pages")
    frame = pages[0x2000][1]
    leaves = user_leaves(q)
    check.equal(sorted("0x%x -> 0x%x" % (va, pa) for va, (pa, _) in leaves.items()),
                sorted("0x%x -> 0x%x" % (va, frame) for va in (a + 0x2000, b + 0x1000)),
                "the leaves the CPU walks (info tlb): both mappings on buf's one frame")
    check.equal(q.read_phys(frame + 0x18, 1), [value_for(a + 0x2018)],
                "the word at buf's frame 0x%x + 0x18 (QEMU's xp)" % frame)
    # an in-place object: its bytes are its frames, nothing is allocated
    new_object(m, "owner", 4 * PAGE)
    block = alloc(m, "owner", 0, 2)  # 16 KiB the in-place object stands on
    check.contains(m.run("vmo inplace win 0x%x 0x%x rw" % (block, 4 * PAGE)), "flags=in-place",
                   "`vmo inplace win 0x%x 0x%x rw`" % (block, 4 * PAGE))
    c = map_into(m, "win", PAGE, 2 * PAGE, "rw", BASE + 2 * LARGE)  # win's [4 KiB, 12 KiB)
    poke(m, c + 0x1010)
    check.equal(q.read_phys(block + 0x2010, 1), [value_for(c + 0x1010)],
                "the word at 0x%x (QEMU's xp): win+0x2010, poked at 0x%x" % (block + 0x2010, c + 0x1010))
    check_translation(q, c + 0x1010, block + 0x2010, "win+0x2010")
    check.equal(counters(m, "after poking an in-place mapping")[1], 1,
                "pages allocated by faults (buf's one; win's frames exist already)")
    check.equal(object_pages(m, "win"), {}, "the pages of the in-place object win")


def test_a_poke_through_read_only_is_refused(as0):
    m, q = as0
    new_object(m, "buf", 4 * PAGE)
    a = map_into(m, "buf", 0, 4 * PAGE, "r", BASE)
    use(m)
    faults(m, "poke 0x%x 0x7" % (a + PAGE + 8), "not mapped")
    check.equal(counters(m, "after a refused poke"), (1, 0, 1),
                "as0's faults, pages, refused after a poke through a read-only mapping")
    check.equal(object_pages(m, "buf"), {}, "buf's pages after the refused poke")
    peek(m, a + PAGE + 8, 0, "reading is allowed: a zero page")
    faults(m, "poke 0x%x 0x7" % (a + PAGE + 8), "read-only")
    check.equal(counters(m, "after a peek and a second refused poke"), (3, 1, 2),
                "as0's faults, pages, refused after the peek and the second poke")
    frame = object_pages(m, "buf")[PAGE][1]
    check.equal(q.read_phys(frame + 8, 1), [0], "the word at buf's frame 0x%x + 8 (QEMU's xp)" % frame)
    leaf = user_leaves(q).get(a + PAGE)
    check.true(leaf is not None and leaf[0] == frame and leaf[1][WRITE] == "-",
               "the leaf at 0x%x (info tlb): buf's frame 0x%x, read-only" % (a + PAGE, frame), leaf)


def test_an_aligned_poke_brings_in_one_2m_page(as0):
    m, q = as0
    new_object(m, "big", 2 * LARGE)
    a = map_into(m, "big", 0, 2 * LARGE, "rw", BASE + 2 * LARGE)
    use(m)
    poke(m, a + LARGE + 0x12348)
    check.equal(counters(m, "after one poke of a 2 MiB-aligned mapping"), (1, 1, 0),
                "as0's faults, pages, refused after one poke")
    pages = object_pages(m, "big")
    check.equal(sorted(("0x%x" % off, order) for off, (order, _) in pages.items()), [("0x200000", 9)],
                "big's pages (offset, order) after the poke: one 2 MiB page")
    frame = pages[LARGE][1]
    leaves = user_leaves(q)
    check.equal(sorted("0x%x -> 0x%x" % (va, pa) for va, (pa, _) in leaves.items()),
                ["0x%x -> 0x%x" % (a + LARGE, frame)],
                "the leaves the CPU walks (info tlb): one, for the 2 MiB page")
    check.equal(leaves[a + LARGE][1][PS], "P", "QEMU's flags %s of the leaf at 0x%x: 2 MiB"
                % (leaves[a + LARGE][1], a + LARGE))
    check.equal(q.read_phys(frame + 0x12348, 1), [value_for(a + LARGE + 0x12348)],
                "the word at the 2 MiB frame 0x%x + 0x12348 (QEMU's xp)" % frame)
