# LAB 3 FILE
"""Lab 3 through the monitor, with QEMU's view of physical memory (QMP xp)
as the independent witness for in-place objects."""
import re

import pytest

pytestmark = pytest.mark.boot


def free_pages(m):
    return int(re.search(r"pages: frames=\d+ free=(\d+)", m.run("pages")).group(1))


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
    assert "flags=in-place" in out and "phys=0x100000" in out, out
    q = m.qmp()
    for off in (0x0, 0x1008, 0x2ff8, 0x3000):
        got = re.search(r"= (0x[0-9a-f]{16}) \(phys (0x[0-9a-f]+)\)", m.run("vmo read image 0x%x" % off))
        assert got, "vmo read printed nothing useful"
        assert int(got.group(2), 16) == base + off
        assert int(got.group(1), 16) == q.read_phys(base + off, 1)[0]
    assert free_pages(m) == before, "an in-place object must allocate nothing"
    assert "vm_object_alloc_page: KERN_INVALID_ARGUMENT" in m.run("vmo alloc image 0")
    m.run("vmo drop image")
    assert free_pages(m) == before


def test_monitor_vmo_session(mango):
    warm_up(mango)
    before = free_pages(mango)
    assert "size=0x2000" in mango.run("vmo create buf 5000 rw")
    page = re.search(r"page offset=0x1000 order=0 phys=(0x[0-9a-f]+)", mango.run("vmo alloc buf 0x1000"))
    assert page
    assert page.group(1) in mango.run("vmo alloc buf 0x1000")  # the same page again
    assert "KERN_OUT_OF_RANGE" in mango.run("vmo alloc buf 0x2000")
    assert "KERN_EXISTS" in mango.run("vmo alloc buf 0 1")
    assert "= 0x0000000000000000" in mango.run("vmo read buf 0x1010")  # zeroed
    assert "pages=1" in mango.run("vmo show buf")
    assert free_pages(mango) == before - 1
    mango.run("vmo drop buf")
    assert free_pages(mango) == before
    assert "no vm_object named 'buf'" in mango.run("vmo show buf")
    assert "KERN_INVALID_ARGUMENT" in mango.run("vmo create none 0")
