"""gdb on Mango as the handouts and docs/debugging.md promise it.

`make qemu-gdb` + the generated .gdbinit attach and stop at kmain; every
function a handout names is a real frame (break on it, see its arguments,
find it in the kernel's own backtrace); `break panic` stops in panic();
and kernel/tools/mango_gdb.py's printers and commands agree with what the
kernel itself prints about the same objects.
"""
import re
import socket
import subprocess
from pathlib import Path

import pytest

from mangotest.gdb import QEMU_GDB_READY, Gdb, qemu_gdb_command
from mangotest.machine import PANIC_MARKER, REPO, backtrace_functions

pytestmark = pytest.mark.boot

KERNEL_BASE = 0xFFFFFFFF80000000
PHYS_MAP_BASE = 0xFFFF800000000000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def attached(boot, tmp_path):
    """(machine, gdb): `make qemu-gdb` halted before the BIOS, gdb attached."""
    port = free_port()
    m = boot(command=qemu_gdb_command(port), wait_prompt=False)
    m.expect_exact(QEMU_GDB_READY, what="qemu-gdb's instructions")
    with Gdb(port, tmp_path) as g:
        yield m, g


@pytest.fixture
def at_prompt(attached):
    """(machine, gdb) with Mango booted to its prompt, running."""
    m, g = attached
    g.resume("continue")
    m.wait_prompt(timeout=60)
    return m, g


def kernel_symbols():
    out = subprocess.run(["nm", str(REPO / "build" / "kernel.elf")], capture_output=True,
                         text=True, check=True).stdout
    return {int(a, 16): n for a, t, n in (line.split() for line in out.splitlines()
                                           if len(line.split()) == 3) if t in "tTwW"}


def test_gdb_breaks_at_kmain(attached):
    m, g = attached
    assert "Breakpoint 1 at" in g.run("break kmain")
    out = g.run("continue", timeout=60)
    assert "Breakpoint 1, kmain" in out, out
    assert "#0  kmain" in g.run("bt")
    g.run("next")
    # `next` stepped a source line and we are still in the 64-bit kernel
    assert "<kmain+" in g.run("info registers rip")


def handout_functions():
    """Functions defined in kernel/ or vm/ that a lab handout names as `f()`."""
    named = set()
    for md in sorted((REPO / "labs").glob("lab*.md")):
        named |= set(re.findall(r"`([a-z_][a-z0-9_]*)\(\)`", md.read_text()))
    sources = "\n".join(p.read_text() for d in ("kernel", "vm") for p in (REPO / d).rglob("*.[ch]")
                        if "host" not in p.parts and "tools" not in p.parts)
    # a definition: a line starting with a type and the name, not a macro
    return sorted(n for n in named
                  if re.search(r"^(?:static |extern )?(?:inline )?[a-z_][\w \*]*\b%s\(" % n,
                               sources, re.M))


def test_every_handout_function_is_a_frame(built):
    # Catches a build that inlines a student's function away again (an
    # always_inline, or the lab files' flags lost): it would have no
    # symbol, `break` could not stop in it and no backtrace would show it.
    names = handout_functions()
    assert "buddy_alloc" in names or not (REPO / "labs" / "lab1-pages.md").exists(), names
    symbols = set(kernel_symbols().values())
    missing = [n for n in names if n not in symbols]
    assert not missing, ("functions the handouts name have no symbol in kernel.elf "
                         "(inlined away): %s" % missing)


@pytest.mark.needs_lab(1)
def test_break_on_student_functions_and_panic(at_prompt):
    m, g = at_prompt
    g.interrupt()
    g.run("break buddy_free")
    g.resume("continue")
    m.sendline("pages alloc 3")
    m.wait_prompt()
    addr = re.search(r"allocated order 3 at (0x[0-9a-f]+)", m.transcript()).group(1)
    m.sendline("pages free %s" % addr)
    out = g.wait_stop()
    # the arguments are readable: the block freed, order 3
    assert re.search(r"Breakpoint \d+, buddy_free \(p=0x[0-9a-f]+, order=3\)", out), out
    assert "<optimized out>" not in g.run("info args")
    page = g.run("p *p")
    assert "vm_page frame %s ALLOCATED order 3" % addr in page, page
    g.run("delete")
    g.run("break panic")
    g.resume("continue")
    m.sendline("panic hello")
    out = g.wait_stop()
    assert re.search(r"Breakpoint \d+, panic \(", out), out
    bt = g.run("bt")
    assert re.search(r"#1  0x[0-9a-f]+ in cmd_panic ", bt), bt
    g.resume("continue")
    m.expect_exact("%s: cmd_panic: hello" % PANIC_MARKER)


@pytest.mark.needs_lab(1)
def test_null_write_in_buddy_alloc_is_in_the_backtrace(at_prompt):
    # A student's NULL write under buddy_alloc(): its free list's first
    # block gets a NULL qe_prev, so unlinking it writes to address 0.
    m, g = at_prompt
    g.interrupt()
    g.run("break buddy_alloc if order == 10")
    g.resume("continue")
    m.sendline("pages alloc 10")
    assert "buddy_alloc (order=10)" in g.wait_stop()
    g.run("set var 'vm_page.c'::pa.free[10].q_head.qe_next->qe_prev = 0")
    g.run("delete")
    g.resume("continue")
    m.expect_exact(PANIC_MARKER)
    m.expect_exact("QEMU exits")
    report = m.transcript()
    assert "page fault at 0x0 (not present, write" in report, report
    frames = backtrace_functions(report)
    assert "buddy_alloc" in frames and "take_block" in frames, frames


def table_rows(text):
    """{offset: (order, phys)} of mango-vmo's page table."""
    return {int(o, 16): (int(k), int(p, 16)) for o, k, p in
            re.findall(r"^  (0x[0-9a-f]+)\s+(\d+)\s+\d+ \w+\s+(0x[0-9a-f]+)", text, re.M)}


@pytest.mark.needs_lab(3)  # a vm_object with pages: Labs 1-3 solved
def test_gdb_helpers_agree_with_the_kernel(at_prompt):
    m, g = at_prompt
    pages = {}
    m.run("vmo create dbg 0x100000 rw")
    for offset, order in ((0, 0), (0x4000, 2), (0x10000, 4), (0x2000, 0), (0x8000, 1),
                          (0x20000, 0), (0x30000, 3)):
        out = m.run("vmo alloc dbg %#x %d" % (offset, order))
        o, k, p = re.search(r"offset=(0x[0-9a-f]+) order=(\d+) phys=(0x[0-9a-f]+)", out).groups()
        pages[int(o, 16)] = (int(k), int(p, 16))
    counts = [int(n) for n in re.findall(r"^\s+\d+\s+\d+ [KM]iB\s+(\d+)$", m.run("pages"), re.M)]
    g.interrupt()

    # mango-vmo: the page table is the kernel's pages, in offset order
    out = g.run("mango-vmo dbg")
    assert 'vm_object "dbg": size 0x100000 prot READ|WRITE demand' in out, out
    assert table_rows(out) == pages, out
    offsets = [int(o, 16) for o in re.findall(r"^  (0x[0-9a-f]+) ", out, re.M)]
    assert offsets == sorted(pages), out
    vo = re.search(r"\(struct vm_object \*\) (0x[0-9a-f]+)", out).group(1)

    # the btree printer: 7 nodes in order; the root (least indented) is
    # the tallest, as high as mango-vmo says the tree is
    height = int(re.search(r"tree height (\d+)", out).group(1))
    tree = g.run("p ((struct vm_object *)%s)->vo_pages" % vo)
    assert "btree: 7 nodes (b_count 7), height %d" % height in tree, tree
    nodes = re.findall(r"^ +\d+  ( *)node (0x[0-9a-f]+) height (\d+)$", tree, re.M)
    assert len(nodes) == 7, tree
    root = min(nodes, key=lambda n: len(n[0]))
    assert int(root[2]) == height == max(int(h) for _, _, h in nodes), tree
    p_node = int(g.run("p/d &((struct vm_page *)0)->p_node").split("=")[1].split()[0])
    table_pages = re.findall(r"^  0x[0-9a-f]+\s+\d+\s+\d+ \w+\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)", out, re.M)
    assert [int(a, 16) for _, a, _ in nodes] == [int(a, 16) + p_node for a in table_pages], tree

    # the vm_page printer names the frame the kernel printed
    phys = pages[0x4000][1]
    page = g.run("p *vm_page_from_phys(%#x)" % phys)
    assert "vm_page frame %#x ALLOCATED order 2 vmo_offset 0x4000" % phys in page, page

    # mango-freelists: the counts `pages` printed, and each list's walk agrees
    fl = g.run("mango-freelists")
    rows = re.findall(r"^\s+(\d+)\s+\d+ [KM]iB\s+(\d+)\s+(\d+)", fl, re.M)
    assert [int(c) for _, c, _ in rows] == counts, fl
    assert all(c == w for _, c, w in rows) and "[I1]" not in fl, fl

    # mango-pt: kmain through the image map, a page of dbg through the direct map
    kmain = [a for a, n in kernel_symbols().items() if n == "kmain"][0]
    walk = g.run("mango-pt kmain")
    assert "physical      %#x + " % ((kmain - KERNEL_BASE) & ~0xFFF) in walk, walk
    assert "= %#x   (read, execute, kernel only)" % (kmain - KERNEL_BASE) in walk, walk
    walk = g.run("mango-pt %#x" % (PHYS_MAP_BASE + phys + 0x123))
    assert "= %#x   (read, write, kernel only)" % (phys + 0x123) in walk, walk
    assert "not present" in g.run("mango-pt 0")
