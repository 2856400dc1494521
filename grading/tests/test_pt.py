"""The monitor's `pt` shows the page tables the CPU walks: checked against
QEMU's own reading of them (QMP: CR3, the table words in physical memory,
gva2gpa, info tlb) on the kernel's mappings, which every branch has."""
import re

import pytest

from mangotest.machine import BUILD

pytestmark = pytest.mark.boot

KERNEL_BASE = 0xFFFFFFFF80000000
PHYS_MAP_BASE = 0xFFFF800000000000
PTE_ADDR = 0x000FFFFFFFFFF000
STEP = re.compile(r"^  (PML4|PDPT|PD|PT) +0x([0-9a-f]+)\[ *(\d+)\] 0x([0-9a-f]{16})(.*)$", re.M)
RESULT = re.compile(r"=> phys 0x([0-9a-f]+), (\d+ [KMG]iB) page, rights (\S+)")


def kmain():
    return int(re.search(r"^([0-9a-f]{16}) T kmain$", (BUILD / "kernel.sym").read_text(),
                         re.M).group(1), 16)


def walk(m, va):
    """`pt va` as its steps [(level, table, index, entry, bits)] and result."""
    out = m.run("pt 0x%x" % va)
    steps = [(lv, int(t, 16), int(i), int(e, 16), bits.split())
             for lv, t, i, e, bits in STEP.findall(out)]
    return out, steps, RESULT.search(out)


def index(va, level):
    return (va >> (12 + 9 * level)) & 0x1FF


def check_against_qemu(q, va, steps):
    """Each step is the word QEMU reads in that table at that index, the
    first table is CR3's, and each next table is the one the entry names."""
    assert steps[0][1] == q.registers()["CR3"] & PTE_ADDR
    for n, (_, table, idx, entry, _) in enumerate(steps):
        assert idx == index(va, 3 - n)
        assert q.read_phys(table + 8 * idx, 1) == [entry], "entry %d of the table at %#x" % (
            idx, table)
        if n:
            assert table == steps[n - 1][3] & PTE_ADDR


def test_pt_of_kernel_text_is_a_4k_read_exec_leaf(boot):
    m = boot(qmp=True)
    q = m.qmp()
    va = kmain()
    out, steps, result = walk(m, va)
    assert [s[0] for s in steps] == ["PML4", "PDPT", "PD", "PT"], out
    check_against_qemu(q, va, steps)
    assert steps[-1][4][0] == "P" and "W" not in steps[-1][4] and "NX" not in steps[-1][4]
    assert result and result.groups() == ("%x" % (va - KERNEL_BASE), "4 KiB", "r-x-"), out
    assert q.gva2gpa(va) == va - KERNEL_BASE
    pa, flags = q.tlb()[va & ~0xFFF]
    assert (pa, flags[0], flags[2], flags[-1]) == ((va - KERNEL_BASE) & ~0xFFF, "-", "-", "-")


def test_pt_of_the_direct_map_is_a_2m_leaf(boot):
    m = boot(qmp=True)
    q = m.qmp()
    va = PHYS_MAP_BASE + 0x200000 + 0x1238
    out, steps, result = walk(m, va)
    assert [s[0] for s in steps] == ["PML4", "PDPT", "PD"], out
    check_against_qemu(q, va, steps)
    assert {"P", "W", "NX", "PS"} <= set(steps[-1][4]), out
    assert result and result.groups() == ("201238", "2 MiB", "rw--"), out
    assert q.gva2gpa(va) == 0x201238
    pa, flags = q.tlb()[PHYS_MAP_BASE + 0x200000]
    assert (pa, flags[0], flags[2], flags[-2:]) == (0x200000, "X", "P", "-W")


def test_pt_of_an_unmapped_address_stops_at_the_missing_entry(boot):
    m = boot(qmp=True)
    q = m.qmp()
    out, steps, result = walk(m, 0x10000000)
    assert len(steps) == 1 and steps[0][3] == 0 and result is None, out
    assert "=> not mapped: the PML4 entry is not present" in out
    check_against_qemu(q, 0x10000000, steps)
    assert q.gva2gpa(0x10000000) is None
    # the kernel's own user half is empty, and pt says so
    assert m.run("pt").endswith("  0 runs, 0 leaves\n")
    assert not [va for va in q.tlb() if va < 0x800000000000]


@pytest.mark.parametrize("args, answer", [
    ("zz", "usage: pt [va]\n"),
    ("1 2", "usage: pt [va]\n"),
    ("0x800000000000", "pt: 0x800000000000 is not canonical (bits 63..48 must copy bit 47): "
                       "no table maps it\n"),
])
def test_pt_rejects_bad_input(mango, args, answer):
    assert mango.run("pt " + args) == answer
    assert "ticks at" in mango.run("uptime")
