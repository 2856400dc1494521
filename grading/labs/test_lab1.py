# LAB 1 FILE
"""Lab 1 through the monitor, cross-checked against what QEMU was given."""
import re

import pytest

pytestmark = pytest.mark.boot

KIB_PER_PAGE = 4


def stats(m):
    out = m.run("pages")
    got = re.search(r"pages: frames=(\d+) free=(\d+) allocated=(\d+) reserved=(\d+)", out)
    assert got, "the pages command printed no summary line:\n" + out
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
    kernel_kib = int(re.search(r"kernel image: \[[0-9a-f]+-[0-9a-f]+\) (\d+) KiB", mem).group(1))
    array_kib = -(-st["frames"] * 64 // 4096) * 4
    free_kib = st["free"] * KIB_PER_PAGE
    expected = usable - kernel_kib - array_kib
    assert expected - 64 <= free_kib <= expected, (expected, st)
    assert mem_mib * 1024 - 2048 <= st["frames"] * KIB_PER_PAGE <= mem_mib * 1024
    assert st["free"] + st["allocated"] + st["reserved"] == st["frames"]


def test_monitor_pages_alloc_free(mango):
    before = stats(mango)
    out = mango.run("pages alloc 2")
    addr = re.search(r"allocated order 2 at (0x[0-9a-f]+)", out)
    assert addr, out
    assert int(addr.group(1), 16) % (16 * 1024) == 0
    assert stats(mango)["free"] == before["free"] - 4
    assert "freed" in mango.run("pages free " + addr.group(1))
    assert stats(mango)["free"] == before["free"]
    assert "not the start of a block" in mango.run("pages free " + addr.group(1))
    assert "all invariants hold" in mango.run("pages check")
