"""The monitor's `pt` shows the page tables the CPU walks: checked against
QEMU's own reading of them (QMP: CR3, the table words in physical memory,
gva2gpa, info tlb) on the kernel's mappings, which every branch has, and
on an address space of Lab 4 where it is solved."""
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


RUN = re.compile(r"^  \[0x([0-9a-f]+), 0x([0-9a-f]+)\) -> 0x([0-9a-f]+)  (\d+) ([KM])iB x(\d+)  (\S+)$",
                 re.M)


@pytest.mark.needs_lab(4)
def test_pt_runs_are_the_leaves_qemu_walks(boot):
    """`pt` alone lists the active user half in runs: expanded, they are
    the leaves of QEMU's info tlb, with the same sizes and write rights."""
    m = boot(qmp=True)
    for line in ("vmo create buf 16K rw", "vmo alloc buf 0", "vmo alloc buf 0x1000",
                 "vmo alloc buf 0x3000", "vmo create big 2M rw", "vmo alloc big 0 9",
                 "vmr create as0 0x10000000 1G", "vmr map as0 buf 0 16K rw 0x10000000",
                 "vmr map as0 buf 0 16K r 0x10100000", "vmr map as0 big 0 2M rw 0x10200000",
                 "vmr use as0"):
        assert "KERN_" not in m.run(line), line
    out = m.run("pt")
    leaves = {}
    for start, end, pa, size, unit, count, prot in RUN.findall(out):
        size = int(size) << (10 if unit == "K" else 20)
        start, end, pa, count = int(start, 16), int(end, 16), int(pa, 16), int(count)
        assert end - start == size * count, out
        for i in range(count):
            leaves[start + i * size] = (pa + i * size, size, "w" in prot)
    assert out.endswith("  5 runs, 7 leaves\n") and len(leaves) == 7, out
    qemu = {va: (pa, 0x200000 if flags[2] == "P" else 0x1000, flags[-1] == "W")
            for va, (pa, flags) in m.qmp().tlb().items() if va < 0x800000000000}
    assert leaves == qemu
