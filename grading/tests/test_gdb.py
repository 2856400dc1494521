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
    # before the object types are registered the helpers say so, not "broken"
    for cmd, what in (("mango-vmo", "vm_object_type"), ("mango-vmr", "vm_region_type")):
        out = g.run(cmd)
        assert "%s is not registered yet" % what in out and "broken" not in out, out
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
    assert "= %#x   (read, execute, kernel only: r-x-)" % (kmain - KERNEL_BASE) in walk, walk
    walk = g.run("mango-pt %#x" % (PHYS_MAP_BASE + phys + 0x123))
    assert "= %#x   (read, write, kernel only: rw--)" % (phys + 0x123) in walk, walk
    assert "not present" in g.run("mango-pt 0")


def vmr_list(text):
    """{region: (header fields, [(base, end, object, offset, rights)])} of `vmr list`."""
    regions, rows = {}, None
    for line in text.splitlines():
        head = re.match(r"vmr (\S+): \[(0x[0-9a-f]+), (0x[0-9a-f]+)\) mappings=(\d+) tables=\d+ "
                        r"faults=(\d+) pages=(\d+) refused=(\d+)( active)?$", line)
        row = re.match(r"  \[(0x[0-9a-f]+), (0x[0-9a-f]+)\) (\S+)\+(0x[0-9a-f]+) ([rwxu-]{4})$", line)
        if head:
            name, start, end, n, taken, pages, refused, active = head.groups()
            rows = []
            regions[name] = ((int(start, 16), int(end, 16), int(taken), int(pages), int(refused),
                              bool(active)), rows)
        elif row:
            base, end, obj, offset, rights = row.groups()
            rows.append((int(base, 16), int(end, 16), obj, int(offset, 16), rights))
    return regions


def vmr_rows(text):
    """[(base, end, length, rights, object, offset, kind)] of mango-vmr's table."""
    sizes = {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
    return [(int(b, 16), int(e, 16), int(n) * sizes[u], r, o, int(off, 16), k) for b, e, n, u, r, o, off, k in
            re.findall(r"^  (0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\d+) (KiB|MiB|GiB)\s+([rwxu-]{4})\s+(\S+)\s+"
                       r"(0x[0-9a-f]+)\s+(demand|in-place)$", text, re.M)]


def walk_words(rights):
    """The words mango-pt's walk gives for mapping rights @rights ("rw--")."""
    return ", ".join(["read"] + ["write"] * ("w" in rights) + ["execute"] * ("x" in rights)
                     + ["user" if "u" in rights else "kernel only"])


@pytest.mark.needs_lab(4)  # a region with mappings: Labs 1-4 solved
def test_gdb_region_helpers_agree_with_the_kernel(at_prompt):
    # Catches a helper that prints the tree in insertion or preorder order,
    # reads a mapping at the wrong container offset, calls the wrong region
    # active, or walks CR3 (the active as1) instead of the named region's
    # root: as0 is not active, so only its own root reaches its frames.
    m, g = at_prompt
    phys = {}
    m.run("vmo create buf 64K rw")
    for offset in (0, 0x3000):
        out = m.run("vmo alloc buf %#x" % offset)
        phys[offset] = int(re.search(r"phys=(0x[0-9a-f]+)", out).group(1), 16)
    m.run("vmo inplace img 0x100000 16K r")
    assert "mappings=0" in m.run("vmr create as0 0x10000000 1G")
    # out of address order, so the tree's order is not the order of the calls
    for line in ("vmr map as0 img 0 16K r 0x10200000", "vmr map as0 buf 0 16K rw 0x10000000",
                 "vmr map as0 buf 0x3000 4K r 0x10100000"):
        assert m.run(line).startswith("mapped "), line
    m.run("vmr use as0")
    m.run("peek 0x10004000")  # no mapping there: a refused fault, counted
    m.run("vmr create as1 0x40000000 1G")
    m.run("vmr use as1")
    listed = vmr_list(m.run("vmr list"))
    assert set(listed) == {"as0", "as1"} and len(listed["as0"][1]) == 3, listed
    g.interrupt()

    # mango-vmr: each region's header and its mappings, as `vmr list` says
    out = g.run("mango-vmr")
    for name, ((start, end, taken, pages, refused, active), rows) in listed.items():
        head = re.search(r'^vm_region "%s": \[(0x[0-9a-f]+), (0x[0-9a-f]+)\) root (0x[0-9a-f]+) '
                         r'(active|not active), refs \d+, faults=(\d+) pages=(\d+) refused=(\d+), '
                         r'(\d+) mappings' % name, out, re.M)
        assert head, out
        assert (int(head[1], 16), int(head[2], 16)) == (start, end), out
        assert (head[4] == "active") == active, out
        assert tuple(int(head[i]) for i in (5, 6, 7)) == (taken, pages, refused), out
        assert int(head[8]) == len(rows), out
    as1_root = int(re.search(r'"as1": .*? root (0x[0-9a-f]+)', out).group(1), 16)
    cr3 = int(g.run("p/x (unsigned long)$cr3").split("=")[1], 16)
    assert as1_root == cr3 & ~0xFFF, (out, cr3)
    one = g.run("mango-vmr as0")
    rows = vmr_rows(one)
    assert [(b, e, o, off, r) for b, e, _n, r, o, off, _k in rows] == listed["as0"][1], one
    assert all(n == e - b for b, e, n, *_ in rows), one
    assert [k for *_, k in rows] == ["demand", "demand", "in-place"], one
    region = re.search(r"\(struct vm_region \*\) (0x[0-9a-f]+)", one).group(1)

    # the printers: p *region is mango-vmr's text; a mapping reads as in `vmr list`
    assert one.split("\n", 1)[1].strip() in g.run("p *(struct vm_region *)%s" % region), one
    node = g.run("p/x (unsigned long)((struct vm_region *)%s)->vr_mappings.b_root" % region)
    p_node = int(g.run("p/d &((struct vm_region_mapping *)0)->m_node").split("=")[1].split()[0])
    mapping = g.run("p *(struct vm_region_mapping *)%#x" % (int(node.split("=")[1], 16) - p_node))
    assert any("vm_region_mapping [%#x, %#x) %s+%#x %s" % row in mapping
               for row in listed["as0"][1]), mapping

    # mango-pt VA as0: as0's root (not CR3) to the frame the kernel reported,
    # with the mapping's rights; the in-place object's frame is its own
    for va, frame, rights in ((0x10000018, phys[0] + 0x18, "rw--"),
                              (0x10100ff8, phys[0x3000] + 0xff8, "r---"),
                              (0x10202010, 0x102010, "r---")):
        walk = g.run("mango-pt %#x as0" % va)
        assert "= %#x   (%s: %s)" % (frame, walk_words(rights), rights) in walk, walk
        assert re.search(r"^as0 root    = 0x[0-9a-f]+$", walk, re.M), walk
        base, end, obj, offset, _r = [r for r in listed["as0"][1] if r[0] <= va < r[1]][0]
        assert "mapping     [%#x, %#x) %s+%#x %s" % (base, end, obj, offset, rights) in walk, walk
    # outside every mapping, and inside one where the object has no page
    walk = g.run("mango-pt 0x10004000 as0")
    assert "not present" in walk and "no mapping of as0 holds va 0x10004000" in walk, walk
    walk = g.run("mango-pt 0x10000000 + 0x1000 as0")
    assert "not present" in walk and "buf+0x0 rw-- (demand): va is object offset 0x1000" in walk, walk
    # without a region: CR3, which is as1's root, where nothing is mapped
    walk = g.run("mango-pt 0x10000018")
    assert "CR3         = %#x" % cr3 in walk and "not present" in walk, walk

    # bad input: a clear error naming how to list the regions
    for command in ("mango-pt 0x10000000 nosuch", "mango-vmr nosuch"):
        assert g.run(command).strip() == "no vm_region named 'nosuch' (mango-vmr lists them)"
