# LAB 3 FILE
"""Lab 3 through the monitor, with QEMU's view of physical memory (QMP xp)
as the independent witness for in-place objects."""

import pytest

from mangotest import check

pytestmark = pytest.mark.boot


def free_pages(m):
    return int(check.search(r"pages: frames=\d+ free=(\d+)", m.run("pages"),
                            "the summary line of `pages`").group(1))


def warm_up(m):
    """The first object takes a page for kmalloc's slab, which is kept:
    make that happen before counting."""
    m.run("vmo create warm-up 4096")
    m.run("vmo drop warm-up")


def test_in_place_matches_physical_memory(boot):
    m = boot(qmp=True)
    base = 0x100000  # the kernel image: its bytes are known and never move
    warm_up(m)
    before = free_pages(m)
    out = m.run("vmo inplace image 0x%x 0x4000 r" % base)
    check.contains(out, "flags=in-place", "`vmo inplace image 0x%x 0x4000 r`" % base)
    check.contains(out, "phys=0x100000", "`vmo inplace image 0x%x 0x4000 r`" % base)
    q = m.qmp()
    for off in (0x0, 0x1008, 0x2ff8, 0x3000):
        got = check.search(r"= (0x[0-9a-f]{16}) \(phys (0x[0-9a-f]+)\)",
                           m.run("vmo read image 0x%x" % off),
                           "the value and address `vmo read image 0x%x` printed" % off)
        check.equal(int(got.group(2), 16), base + off,
                    "the physical address of image offset 0x%x" % off)
        check.equal(int(got.group(1), 16), q.read_phys(base + off, 1)[0],
                    "image offset 0x%x as read by the kernel vs QEMU's xp" % off)
    check.equal(free_pages(m), before, "free pages after an in-place object (it allocates nothing)")
    check.contains(m.run("vmo alloc image 0"), "vm_object_alloc_page: KERN_INVALID_ARGUMENT",
                   "`vmo alloc image 0` on an in-place object")
    m.run("vmo drop image")
    check.equal(free_pages(m), before, "free pages after `vmo drop image`")


def test_monitor_vmo_session(mango):
    warm_up(mango)
    before = free_pages(mango)
    check.contains(mango.run("vmo create buf 5000 rw"), "size=0x2000",
                   "`vmo create buf 5000 rw` (5000 bytes round up to two pages)")
    page = check.search(r"page offset=0x1000 order=0 phys=(0x[0-9a-f]+)",
                        mango.run("vmo alloc buf 0x1000"), "`vmo alloc buf 0x1000`")
    check.contains(mango.run("vmo alloc buf 0x1000"), page.group(1),
                   "`vmo alloc buf 0x1000` again (the same page)")
    check.contains(mango.run("vmo alloc buf 0x2000"), "KERN_OUT_OF_RANGE",
                   "`vmo alloc buf 0x2000` (past the end)")
    check.contains(mango.run("vmo alloc buf 0 1"), "KERN_EXISTS",
                   "`vmo alloc buf 0 1` (overlaps the page at 0x1000)")
    check.contains(mango.run("vmo read buf 0x1010"), "= 0x0000000000000000",
                   "`vmo read buf 0x1010` (a new page is zeroed)")
    check.contains(mango.run("vmo show buf"), "pages=1", "`vmo show buf` after one alloc")
    check.equal(free_pages(mango), before - 1, "free pages with one page in buf")
    mango.run("vmo drop buf")
    check.equal(free_pages(mango), before, "free pages after `vmo drop buf`")
    check.contains(mango.run("vmo show buf"), "no vm_object named 'buf'",
                   "`vmo show buf` after the drop")
    check.contains(mango.run("vmo create none 0"), "KERN_INVALID_ARGUMENT",
                   "`vmo create none 0` (zero length)")
