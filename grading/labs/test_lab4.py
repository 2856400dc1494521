# LAB 4 FILE
"""Lab 4 through the monitor, with QEMU as the independent witness.

After the kernel maps, protects or unmaps, the grader asks QEMU for the
translation the CPU itself walks in the active tables (QMP `info tlb`:
every leaf, its frame and bits; `gva2gpa`: one address) - the region is
active (`vmr use`), and the CPU sits at the monitor's prompt with its CR3 -
and compares it with where the vm_object's pages are (`vmo alloc` prints
each frame) and with what the kernel believes (`vmr list`). Probes (peek,
poke) show what the CPU lets through. A table the kernel believes in but
the CPU does not walk, a stale or extra leaf, wrong rights: each loses the
points. Words are written with values that name their address before
anything is compared, so no zeroed page can pass for a shared one."""

import pytest

from mangotest import check

pytestmark = pytest.mark.boot

BASE = 0x10000000  # the region as0 is [BASE, BASE + 1 GiB)
USER_HALF_END = 0x800000000000
PAGE = 0x1000
LARGE = 0x200000  # a 2 MiB page (order 9)
# QEMU's `info tlb` flags, in its order: X (NX), G, P (large page), D, A,
# C, T, U, W
NX, PS, USER, WRITE = 0, 2, 7, 8


def value_for(va):
    """The word poked at @va: it names its address (a mixed-up page shows)."""
    return 0xC0DE000000000000 | va


def vmr(m, args, expect):
    out = m.run("vmr " + args)
    check.contains(out, expect, "`vmr %s`" % args)
    return out


@pytest.fixture
def as0(boot):
    """A machine with QMP and an empty address space as0: (machine, QMP).
    vm.nofault: Lab 4 is graded as it was built, before demand faults (Lab 5)
    - a touch of a page the object lacks faults instead of bringing it in."""
    m = boot(cmdline="vm.nofault", qmp=True)
    vmr(m, "create as0 0x%x 1G" % BASE, "vmr as0: [0x10000000, 0x50000000)")
    return m, m.qmp()


def new_object(m, name, size, prot="rw"):
    check.contains(m.run("vmo create %s 0x%x %s" % (name, size, prot)), "vmo %s:" % name,
                   "`vmo create %s 0x%x %s`" % (name, size, prot))


def object_with_pages(m, name, pages):
    """A new object @name of @pages pages, each allocated: {offset: frame}."""
    new_object(m, name, pages * PAGE)
    return {off: alloc(m, name, off) for off in range(0, pages * PAGE, PAGE)}


def alloc(m, vmo, offset, order=0):
    """Give @vmo its page at @offset; the page's frame (physical address)."""
    cmd = "vmo alloc %s 0x%x %d" % (vmo, offset, order)
    return int(check.search(r"phys=(0x[0-9a-f]+)", m.run(cmd),
                            "the frame `%s` printed" % cmd).group(1), 16)


def map_into(m, vmo, offset, length, prot, addr=None):
    """`vmr map as0 ...`: the base the mapping got (@addr when given)."""
    args = "map as0 %s 0x%x 0x%x %s%s" % (vmo, offset, length, prot,
                                          "" if addr is None else " 0x%x" % addr)
    got = check.search(r"mapped \S+ at \[(0x[0-9a-f]+), (0x[0-9a-f]+)\)", m.run("vmr " + args),
                       "`vmr %s`" % args)
    base = int(got.group(1), 16)
    if addr is not None:
        check.equal(base, addr, "the base of `vmr %s`" % args)
    check.equal(int(got.group(2), 16) - base, length, "the length of `vmr %s`" % args)
    return base


def use(m):
    vmr(m, "use as0", "the as0 address space is active")


def user_leaves(q):
    """The leaves of the user half the CPU walks: {va: (frame, flags)}."""
    return {va: leaf for va, leaf in q.tlb().items() if va < USER_HALF_END}


def shown(leaves):
    """Leaves as readable lines, for a message."""
    return sorted("0x%x -> 0x%x" % (va, pa) for va, pa in leaves)


def check_leaves(q, expected, what):
    """The CPU walks exactly the 4 KiB leaves @expected {va: frame}; their
    flags, {va: flags}."""
    leaves = user_leaves(q)
    check.equal(shown((va, pa) for va, (pa, _) in leaves.items()), shown(expected.items()),
                "%s: the user-half leaves the CPU walks (QEMU's info tlb)" % what)
    for va, (_, flags) in leaves.items():
        check.equal(flags[PS], "-", "QEMU's flags %s of the leaf at 0x%x: a 4 KiB leaf" % (flags, va))
    return {va: flags for va, (_, flags) in leaves.items()}


def check_translation(q, va, pa, what):
    check.equal(q.gva2gpa(va), pa, "QEMU's gva2gpa 0x%x (%s)" % (va, what))


def poke(m, va, value=None):
    value = value_for(va) if value is None else value
    check.contains(m.run("poke 0x%x 0x%x" % (va, value)), "poke 0x%x: 0x%016x" % (va, value),
                   "`poke 0x%x 0x%x`" % (va, value))


def peek(m, va, expected, what):
    out = m.run("peek 0x%x" % va)
    got = check.search(r"peek 0x%x: (0x[0-9a-f]{16})" % va, out, "`peek 0x%x` (%s)" % (va, what))
    check.equal(int(got.group(1), 16), expected, "`peek 0x%x` (%s)" % (va, what))


def faults(m, cmd, why):
    va = int(cmd.split()[1], 16)
    check.contains(m.run(cmd), "0x%x: KERN_MEMORY_FAULT (%s)" % (va, why), "`%s`" % cmd)
    check.contains(m.run("uptime"), "ticks at", "`uptime` after `%s` faulted" % cmd)


def test_mappings_are_what_the_cpu_walks(as0):
    m, q = as0
    # buf: a 16 KiB page at 0, none at 0x4000, a 4 KiB page at 0x5000
    new_object(m, "buf", 6 * PAGE)
    big = alloc(m, "buf", 0, 2)
    frames = {off: big + off for off in range(0, 4 * PAGE, PAGE)}
    frames[5 * PAGE] = alloc(m, "buf", 5 * PAGE)
    a = map_into(m, "buf", 0, 6 * PAGE, "rw", BASE)
    # a window that starts inside the 16 KiB page (anywhere)
    b = map_into(m, "buf", 2 * PAGE, 4 * PAGE, "rw")
    check.true(BASE <= b and b + 4 * PAGE <= BASE + (1 << 30) and b >= a + 6 * PAGE,
               "the mapping placed anywhere is in the region, clear of the one at 0x%x" % a,
               "0x%x" % b)
    use(m)
    expected = {a + off: pa for off, pa in frames.items()}
    expected.update({b + off - 2 * PAGE: pa for off, pa in frames.items() if off >= 2 * PAGE})
    flags = check_leaves(q, expected, "buf (pages over [0, 0x4000) and at 0x5000) mapped whole "
                         "at 0x%x and from offset 0x2000 at 0x%x" % (a, b))
    for va, f in flags.items():
        check.equal((f[NX], f[USER], f[WRITE]), ("X", "-", "W"),
                    "QEMU's flags %s of the leaf at 0x%x: rw (not executable, not user)" % (f, va))
    check_translation(q, a + 0x1FF8, big + 0x1FF8, "buf+0x1ff8 through the first mapping")
    check_translation(q, b + 0x3010, frames[5 * PAGE] + 0x10, "buf+0x5010 through the second")
    check_translation(q, a + 0x4008, None, "buf has no page at 0x4000: nothing maps it")
    listing = vmr(m, "list as0", "mappings=2")
    check.contains(listing, "[0x%x, 0x%x) buf+0x0 rw--" % (a, a + 6 * PAGE), "`vmr list as0`")
    check.contains(listing, "[0x%x, 0x%x) buf+0x2000 rw--" % (b, b + 4 * PAGE), "`vmr list as0`")
    # the pages are shared: written through one mapping, read through the other
    poke(m, a + 0x3008)
    peek(m, b + 0x1008, value_for(a + 0x3008), "buf+0x3008 through the second mapping")
    check.equal(q.read_phys(big + 0x3008, 1), [value_for(a + 0x3008)],
                "the word at buf's frame 0x%x + 0x3008 (QEMU's xp) after the poke" % big)
    poke(m, b + 0x3010)
    peek(m, a + 0x5010, value_for(b + 0x3010), "buf+0x5010 through the first mapping")
    faults(m, "peek 0x%x" % (a + 0x4008), "not mapped")


def test_large_pages_get_large_leaves(as0):
    m, q = as0
    new_object(m, "big", 2 * LARGE)
    frame = alloc(m, "big", LARGE, 9)
    a = map_into(m, "big", 0, 2 * LARGE, "rw", BASE + 2 * LARGE)  # the page lands 2 MiB aligned
    b = map_into(m, "big", 0, 2 * LARGE, "rw", BASE + 8 * LARGE + PAGE)  # it cannot
    use(m)
    leaves = user_leaves(q)
    check.equal(leaves.get(a + LARGE, (None, "?" * 9))[0], frame,
                "the leaf at 0x%x (QEMU's info tlb): the 2 MiB page at big+0x200000" % (a + LARGE))
    check.equal(leaves[a + LARGE][1][PS], "P",
                "QEMU's flags %s at 0x%x: one 2 MiB leaf for a 2 MiB page mapped 2 MiB-aligned"
                % (leaves[a + LARGE][1], a + LARGE))
    check.equal(shown((va, pa) for va, (pa, _) in leaves.items() if a <= va < a + 2 * LARGE),
                shown([(a + LARGE, frame)]), "the leaves in [0x%x, 0x%x)" % (a, a + 2 * LARGE))
    small = {va: leaf for va, leaf in leaves.items() if b <= va < b + 2 * LARGE}
    check.equal(shown((va, pa) for va, (pa, _) in small.items()),
                shown((b + LARGE + i * PAGE, frame + i * PAGE) for i in range(512)),
                "the leaves in [0x%x, 0x%x): 512 of 4 KiB, as 0x%x is not 2 MiB aligned"
                % (b, b + 2 * LARGE, b + LARGE))
    check_translation(q, a + LARGE + 0x1FF008, frame + 0x1FF008, "in the 2 MiB leaf")
    check_translation(q, b + LARGE + 0x123458, frame + 0x123458, "through the 4 KiB leaves")
    poke(m, a + LARGE + 0x1FF008)
    peek(m, b + LARGE + 0x1FF008, value_for(a + LARGE + 0x1FF008),
         "the same word of the 2 MiB page through the other mapping")
    # in place: every frame is mapped, and frames that are not 2 MiB aligned
    # get 4 KiB leaves even where the address is (the kernel image's frames)
    image = 0x101000
    check.contains(m.run("vmo inplace img 0x%x 0x%x r" % (image, LARGE)), "flags=in-place",
                   "`vmo inplace img 0x%x 0x%x r`" % (image, LARGE))
    c = map_into(m, "img", 0, LARGE, "r", BASE + 16 * LARGE)
    check.equal(shown((va, pa) for va, (pa, _) in user_leaves(q).items() if c <= va < c + LARGE),
                shown((c + i * PAGE, image + i * PAGE) for i in range(512)),
                "the leaves of img, in place at 0x%x (not 2 MiB aligned), mapped at 0x%x"
                % (image, c))
    peek(m, c + 0x1238, q.read_phys(image + 0x1238, 1)[0],
         "img+0x1238 vs QEMU's xp of its frame 0x%x" % (image + 0x1238))


def test_unmap_takes_away_what_the_cpu_walks(as0):
    m, q = as0
    frames = object_with_pages(m, "buf", 4)
    a = map_into(m, "buf", 0, 4 * PAGE, "rw", BASE)
    use(m)
    for off in frames:
        poke(m, a + off + 8)
    vmr(m, "unmap as0 0x%x 0x%x" % (a + PAGE, 2 * PAGE), "unmapped")
    listing = vmr(m, "list as0", "mappings=2")
    check.contains(listing, "[0x%x, 0x%x) buf+0x0 rw--" % (a, a + PAGE),
                   "`vmr list as0` after unmapping the middle (the mapping split in two)")
    check.contains(listing, "[0x%x, 0x%x) buf+0x3000 rw--" % (a + 3 * PAGE, a + 4 * PAGE),
                   "`vmr list as0` after unmapping the middle (the mapping split in two)")
    check_leaves(q, {a: frames[0], a + 3 * PAGE: frames[3 * PAGE]},
                 "after unmapping the middle two pages")
    check_translation(q, a + PAGE + 8, None, "unmapped")
    faults(m, "peek 0x%x" % (a + PAGE + 8), "not mapped")
    faults(m, "poke 0x%x 0x1" % (a + 2 * PAGE + 8), "not mapped")
    peek(m, a + 8, value_for(a + 8), "the page before the hole")
    peek(m, a + 3 * PAGE + 8, value_for(a + 3 * PAGE + 8), "the page after the hole")
    vmr(m, "unmap as0 0x%x 1G" % BASE, "unmapped")
    check_leaves(q, {}, "after unmapping the whole region")
    vmr(m, "list as0", "mappings=0 tables=1")
    faults(m, "peek 0x%x" % (a + 8), "not mapped")
    check.contains(m.run("vmo read buf 0x3008"), "= 0x%016x" % value_for(a + 3 * PAGE + 8),
                   "`vmo read buf 0x3008`: unmapping drops mappings, the object keeps its pages")


def test_unmap_inside_a_large_leaf_keeps_the_rest(as0):
    m, q = as0
    new_object(m, "big", LARGE)
    frame = alloc(m, "big", 0, 9)
    a = map_into(m, "big", 0, LARGE, "rw", BASE)
    use(m)
    for off in (0x8, 0x5008, 0x1FF008):
        poke(m, a + off)
    vmr(m, "unmap as0 0x%x 0x%x" % (a + 0x5000, PAGE), "unmapped")
    check_leaves(q, {a + i * PAGE: frame + i * PAGE for i in range(512) if i != 5},
                 "after unmapping one 4 KiB page out of a 2 MiB leaf")
    faults(m, "peek 0x%x" % (a + 0x5008), "not mapped")
    peek(m, a + 0x8, value_for(a + 0x8), "before the hole")
    peek(m, a + 0x1FF008, value_for(a + 0x1FF008), "after the hole")
    vmr(m, "list as0", "mappings=2")


def test_protect_is_what_the_cpu_enforces(as0):
    m, q = as0
    frames = object_with_pages(m, "buf", 3)
    a = map_into(m, "buf", 0, 3 * PAGE, "rw", BASE)
    b = map_into(m, "buf", 0, 3 * PAGE, "rw", BASE + LARGE)
    use(m)
    poke(m, b + PAGE + 8, 0x5EED)
    vmr(m, "protect as0 0x%x 0x%x r" % (b + PAGE, PAGE), "protected")
    faults(m, "poke 0x%x 0x7" % (b + PAGE + 8), "read-only")
    peek(m, b + PAGE + 8, 0x5EED, "a read-only page stays readable, unchanged by the poke")
    poke(m, b + 8)  # the ends of the split mapping keep rw
    poke(m, b + 2 * PAGE + 8)
    poke(m, a + PAGE + 8)  # the other mapping of the same page keeps rw
    peek(m, b + PAGE + 8, value_for(a + PAGE + 8), "buf+0x1008, written through the rw mapping")
    flags = check_leaves(q, {va + off: pa for va in (a, b) for off, pa in frames.items()},
                         "after protecting one page")
    for va, f in flags.items():
        check.equal(f[WRITE], "-" if va == b + PAGE else "W",
                    "QEMU's flags %s of the leaf at 0x%x (only 0x%x is read-only)"
                    % (f, va, b + PAGE))
    listing = vmr(m, "list as0", "mappings=4")
    for lo, off, prot in ((b, 0, "rw--"), (b + PAGE, PAGE, "r---"), (b + 2 * PAGE, 2 * PAGE, "rw--")):
        check.contains(listing, "[0x%x, 0x%x) buf+0x%x %s" % (lo, lo + PAGE, off, prot),
                       "`vmr list as0` after protecting the middle page of 0x%x" % b)
    # part of the range is not mapped: KERN_NOT_FOUND, and nothing changed
    vmr(m, "protect as0 0x%x 0x%x r" % (a, 4 * PAGE), "KERN_NOT_FOUND")
    poke(m, a + 8)
    # more rights than the object grants
    new_object(m, "ro", PAGE, "r")
    ro_frame = alloc(m, "ro", 0)
    c = map_into(m, "ro", 0, PAGE, "r", BASE + 2 * LARGE)
    vmr(m, "protect as0 0x%x 0x%x rw" % (c, PAGE), "KERN_ACCESS_DENIED")
    faults(m, "poke 0x%x 0x7" % (c + 8), "read-only")
    leaf = user_leaves(q).get(c)
    check.true(leaf is not None and leaf[0] == ro_frame,
               "the leaf at 0x%x (QEMU's info tlb): ro's frame 0x%x" % (c, ro_frame), leaf)
    check.equal(leaf[1][WRITE], "-", "QEMU's flags %s of ro's leaf at 0x%x: read-only"
                % (leaf[1], c))
    # and back: rw again on the whole of b
    vmr(m, "protect as0 0x%x 0x%x rw" % (b, 3 * PAGE), "protected")
    poke(m, b + PAGE + 8)
    peek(m, a + PAGE + 8, value_for(b + PAGE + 8), "buf+0x1008 after protecting it rw again")
