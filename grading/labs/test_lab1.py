# LAB 1 FILE
"""Lab 1 through the monitor, cross-checked against what QEMU was given."""
import re

import pytest

from mangotest import check

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
