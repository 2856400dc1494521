"""Out-of-band truth: QEMU's view of the page tables and of physical memory
agrees with where the kernel says it is (the higher-half mapping)."""
import re
import subprocess

import pytest

from mangotest.machine import BUILD

pytestmark = pytest.mark.boot

KERNEL_BASE = 0xFFFFFFFF80000000


def symbol(name):
    m = re.search(r"^([0-9a-f]{16}) [Tt] %s$" % name, (BUILD / "kernel.sym").read_text(), re.M)
    return int(m.group(1), 16)


def elf_bytes(vaddr, n):
    """@n bytes of kernel.elf at virtual address @vaddr (from its .text)."""
    out = subprocess.run(["objdump", "-s", "--start-address=0x%x" % vaddr,
                          "--stop-address=0x%x" % (vaddr + n), str(BUILD / "kernel.elf")],
                         capture_output=True, text=True, check=True).stdout
    data = b""
    for line in out.splitlines():
        m = re.match(r"^ ([0-9a-f]{16}) ((?:[0-9a-f]{2,8} ){1,4})", line)
        if m:
            data += bytes.fromhex(m.group(2).replace(" ", ""))
    return data[:n]


def test_kernel_text_is_mapped_higher_half_read_only(boot):
    m = boot(qmp=True)
    q = m.qmp()
    kmain = symbol("kmain")
    rows = [r for r in q.mappings() if r[0] <= kmain < r[1]]
    assert rows, "QEMU sees no mapping for kmain at %#x" % kmain
    assert rows[0][2] == "-r-", "kernel text should be read-only, supervisor: %s" % (rows,)
    assert q.translate(kmain) == kmain - KERNEL_BASE


def test_physical_memory_holds_the_kernel_image(boot):
    m = boot(qmp=True)
    q = m.qmp()
    kmain = symbol("kmain")
    words = q.read_phys(kmain - KERNEL_BASE, 2)
    assert b"".join(w.to_bytes(8, "little") for w in words) == elf_bytes(kmain, 16)


def test_lower_half_is_unmapped(boot):
    m = boot(qmp=True)
    assert all(start >= 0xFFFF800000000000 for start, _, _ in m.qmp().mappings())
