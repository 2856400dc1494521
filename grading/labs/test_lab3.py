# LAB 3 FILE
"""Lab 3 through the monitor, with QEMU's view of physical memory (QMP xp)
as the independent witness for in-place objects."""

import random

import pytest

from mangotest import check
from mangotest.guest_btree import GuestBtree, prefetch
from mangotest.layout import Layout

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


# ---------------------------------------------------------------------------
# Witnesses: challenges the grader draws at run time (SystemRandom), whose
# answers a Python model predicts, and the objects read out of guest memory
# over QMP (layouts from the ELF's DWARF): the object by walking the object
# model's list of types (kernel/core/object.c), its page tree checked with
# [B1]-[B5] in Python, each page's frame read with QEMU's xp.

PAGE = 0x1000
WORD = 8
POISON = 0x6B6B6B6B6B6B6B6B   # a word of a freed frame (VM_PAGE_POISON, a macro)
ORDERS = (0, 1, 2)            # 4, 8 and 16 KiB pages
NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-_"


def order_bytes(order):
    return PAGE << order


def random_name(rng, length=None):
    return "".join(rng.choice(NAME_CHARS) for _ in range(length or rng.randint(9, 24)))


class Guest:
    """The grader's view of Lab 3's structures in guest memory."""

    VMO = ["vo_base.ob_link", "vo_name", "vo_flags", "vo_phys_base", "vo_prot", "vo_pages",
           "vo_size"]
    OTYPE = ["ot_name", "ot_objects", "ot_link"]
    PAGE_FIELDS = ["p_flags", "p_order"]
    CONSTANTS = ["VMO_IN_PLACE", "VM_PAGE_ALLOCATED", "VM_PROT_READ", "VM_PROT_WRITE",
                 "VM_PROT_EXEC", "VM_PROT_USER"]
    TYPES, PA = "'object.c'::types", "'vm_page.c'::pa"

    def __init__(self, m):
        self.m, self.q = m, m.qmp()
        lay = self.lay = Layout.load()
        structs = GuestBtree.structs("struct vm_page", "p_node", "p_vmo_offset")
        structs.update({"struct vm_object": self.VMO, "struct object_type": self.OTYPE})
        structs["struct vm_page"] += self.PAGE_FIELDS
        name_size = "sizeof(((struct vm_object *)0)->vo_name)"
        pages_at = "(unsigned long)&(%s).pages - (unsigned long)&(%s)" % (self.PA, self.PA)
        prefetch(lay, structs, self.CONSTANTS + [
            name_size, pages_at, "&(%s)" % self.TYPES, "&(%s)" % self.PA, "&(__text_start)",
            "&(__text_end)"])
        self.vmo = lay.struct("struct vm_object", self.VMO)
        self.otype = lay.struct("struct object_type", self.OTYPE)
        self.page = lay.struct("struct vm_page", self.PAGE_FIELDS)
        self.vmo_name_size = lay.value(name_size)
        self.flags = {name: lay.constant(name) for name in self.CONSTANTS}
        self.types = lay.address(self.TYPES)
        self.pages_ptr = lay.address(self.PA) + lay.value(pages_at)  # &pa.pages
        self.tree = GuestBtree(self.q, lay, "struct vm_page", "p_node", "p_vmo_offset",
                               signed_keys=True)

    def word(self, va, what):
        return int.from_bytes(self.tree.read_bytes(va, WORD, what), "little")

    def string(self, va, size, what):
        return self.tree.read_bytes(va, size, what).split(b"\0")[0].decode("latin-1")

    def queue(self, head, what, limit=1000):
        """The entries of the struct queue at @head (its sentinel)."""
        out, e = [], self.word(head, what)
        while e != head:
            if len(out) >= limit or not e:
                check.fail("%s: the list at 0x%x" % (what, head), "a ring back to its head",
                           "no end after %d entries" % len(out))
            out.append(e)
            e = self.word(e, what)
        return out

    def objects(self):
        """{name: address} of every live vm_object, from the object model's
        lists (which object_create() keeps, not the student's code)."""
        for link in self.queue(self.types, "the object model's types"):
            t = link - self.otype["ot_link"].offset
            if self.string(self.word(t + self.otype["ot_name"].offset, "a type"), 16,
                           "a type's name") == "vm_object":
                break
        else:
            check.fail("the object model's types", "a type named vm_object", "none")
        head = t + self.otype["ot_objects"].offset
        found = {}
        for link in self.queue(head, "the vm_object type's objects"):
            vo = link - self.vmo["vo_base.ob_link"].offset
            found[self.string(vo + self.vmo["vo_name"].offset, self.vmo_name_size,
                              "an object's name")] = vo
        return found

    def object(self, name):
        """The fields of the live vm_object @name, as integers."""
        vo = self.objects().get(name)
        if vo is None:
            check.fail("the vm_objects in guest memory", "one named %r" % name,
                       sorted(self.objects()))
        buf = self.tree.read_bytes(vo, self.vmo.size, "vm_object %r" % name)
        got = {f: self.vmo[f].get(buf) for f in ("vo_flags", "vo_phys_base", "vo_prot",
                                                  "vo_size")}
        got["addr"] = vo
        return got

    def pages(self, name, limit):
        """{offset: (order, frame)} of @name's page tree, after checking
        [B1]-[B5] on it and that each page heads an allocated block."""
        vo = self.object(name)["addr"]
        array = self.word(self.pages_ptr, "the page array's address")
        out = {}
        for n in self.tree.check(vo + self.vmo["vo_pages"].offset, limit,
                                 "vm_object %r's vo_pages" % name):
            flags, order = self.page["p_flags"].get(n["raw"]), self.page["p_order"].get(n["raw"])
            check.equal(flags, self.flags["VM_PAGE_ALLOCATED"],
                        "p_flags of %r's page at offset 0x%x (the head of an allocated block)"
                        % (name, n["key"]))
            out[n["key"]] = (order, (n["outer"] - array) // self.page.size * PAGE)
        return out

    def frame_words(self, frame, order):
        return self.q.read_phys(frame, order_bytes(order) // WORD)


def dirty(m, guest, rng):
    """Allocate frames with `pages alloc` and free them again, so that they
    are poisoned (vm_page_free fills them with 0x6b): the next pages handed
    out were used before, and a page nobody zeroed shows. Returns the
    frames, each seen poisoned by QEMU."""
    frames = [int(check.search(r"allocated order 0 at (0x[0-9a-f]+)", m.run("pages alloc 0"),
                               "`pages alloc 0`").group(1), 16)
              for _ in range(rng.randint(12, 16))]
    for f in reversed(frames):
        check.contains(m.run("pages free 0x%x" % f), "freed", "`pages free 0x%x`" % f)
    for f in frames:
        check.equal(guest.q.read_phys(f, 1)[0], POISON, "frame 0x%x after `pages free`" % f)
    return set(frames)


class DemandModel:
    """What a demand object of @size bytes should hold: {offset: (order,
    frame)}, and the line each `vmo` command should print."""

    def __init__(self, name, size):
        self.name, self.size, self.pages = name, size, {}

    def covering(self, offset):
        for off, (order, frame) in self.pages.items():
            if off <= offset < off + order_bytes(order):
                return off
        return None

    def alloc(self, offset, order):
        """The status vm_object_alloc_page_status() must return, and the
        existing page's offset when it returns one."""
        size = order_bytes(order)
        if offset % size:
            return "KERN_INVALID_ARGUMENT", None
        if offset >= self.size or size > self.size - offset:
            return "KERN_OUT_OF_RANGE", None
        old = self.covering(offset)
        if old is not None:
            return ("KERN_OK" if old == offset and self.pages[old][0] == order
                    else "KERN_EXISTS"), old
        later = [off for off in self.pages if offset < off < offset + size]
        return ("KERN_EXISTS", min(later)) if later else ("KERN_OK", None)

    def read_line(self, offset):
        off = self.covering(offset)
        if off is None:
            return None
        return "vmo %s+0x%x = 0x%016x (phys 0x%x)" % (self.name, offset, 0,
                                                     self.pages[off][1] + offset - off)


def do_alloc(m, model, offset, order):
    cmd = "vmo alloc %s 0x%x %d" % (model.name, offset, order)
    out = m.run(cmd)
    status, old = model.alloc(offset, order)
    if status != "KERN_OK":
        check.contains(out, "vm_object_alloc_page: " + status, "`%s`" % cmd)
        return
    got = check.search(r"page offset=(0x[0-9a-f]+) order=(\d+) phys=(0x[0-9a-f]+)", out,
                       "`%s`" % cmd)
    check.equal((int(got.group(1), 16), int(got.group(2))), (offset, order),
                "offset and order of the page `%s` returned" % cmd)
    frame = int(got.group(3), 16)
    if old is not None:
        check.equal(frame, model.pages[old][1],
                    "the frame of `%s` (the page allocated there before)" % cmd)
    model.pages[offset] = (order, frame)


def do_read(m, model, offset):
    cmd = "vmo read %s 0x%x" % (model.name, offset)
    out, want = m.run(cmd), model.read_line(offset)
    if want is None:
        check.contains(out, "no page at offset 0x%x" % offset,
                       "`%s` (no page covers that offset)" % cmd)
    else:
        check.equal(out.strip(), want, "`%s` (a zeroed page is there)" % cmd)


def challenge(rng, model):
    """The steps ("alloc", offset, order) and ("read", offset, None) to run
    on @model's new, empty object: first each case the handout names, at
    random places - a small page then the larger one over it (refused), the
    small one again (the same page), a read past the small page's end, a
    large page and a small one inside it (refused) and a read inside it,
    allocations at the size and misaligned for their order - then random
    allocations of orders 0-2 and reads, shuffled."""
    pages = model.size // PAGE
    block = order_bytes(2)
    pair, large = (b * block for b in rng.sample(range(pages * PAGE // block), 2))
    small = pair + PAGE * rng.choice((1, 3))
    word = rng.randrange(PAGE // WORD) * WORD
    steps = [("alloc", small, 0), ("alloc", small - PAGE, 1), ("alloc", small, 0),
             ("read", small + PAGE + word, None), ("read", small + word, None),
             ("alloc", large, 2), ("alloc", large + PAGE * rng.randint(1, 3), 0),
             ("read", large + rng.randrange(block // WORD) * WORD, None),
             ("alloc", model.size, 0), ("alloc", PAGE * (2 * rng.randrange(pages // 2) + 1), 1),
             ("alloc", model.size - PAGE, 1)]

    def anywhere(order):
        return rng.randrange(0, pages >> order) * order_bytes(order)
    rest = [("alloc", anywhere(o), o) for o in rng.choices(ORDERS, k=rng.randint(10, 16))]
    rest += [("read", anywhere(0) + rng.randrange(PAGE // WORD) * WORD, None)
             for _ in range(rng.randint(8, 12))]
    rng.shuffle(rest)
    return steps + rest


def warm(m):
    warm_up(m)
    return free_pages(m)


def test_demand_pages_match_a_model(boot):
    """A demand object of a random size, then a random sequence of `vmo
    alloc` (orders 0-2) and `vmo read` at random offsets, each answer
    predicted by a model; then the object in guest memory: its page tree
    satisfies [B1]-[B5], holds exactly the pages allocated (offset, order,
    the frame printed), each the head of an allocated block, no two
    overlapping, every byte zero - on frames the grader dirtied first.
    Catches: a page not zeroed (VM_ALLOC_ZERO forgotten), a repeated
    allocation that makes a second page, an offset at the size accepted,
    a large page over a smaller one further in, get_page answering for an
    offset past the end of the page below it, a length not rounded up."""
    rng = random.SystemRandom()
    m = boot(qmp=True)
    guest = Guest(m)
    before = warm(m)
    dirtied = dirty(m, guest, rng)
    pages = rng.randint(10, 24)
    length = pages * PAGE - rng.randrange(PAGE)
    model = DemandModel(random_name(rng), pages * PAGE)
    check.contains(m.run("vmo create %s %d rw" % (model.name, length)),
                   "size=0x%x" % model.size, "`vmo create %s %d rw` (rounded up to 4 KiB)"
                   % (model.name, length))
    for op, offset, order in challenge(rng, model):
        if op == "alloc":
            do_alloc(m, model, offset, order)
        else:
            do_read(m, model, offset)
    vo = guest.object(model.name)
    check.equal(vo["vo_size"], model.size, "vo_size of %r in memory" % model.name)
    check.equal(vo["vo_flags"] & guest.flags["VMO_IN_PLACE"], 0,
                "VMO_IN_PLACE in vo_flags of demand object %r" % model.name)
    got = guest.pages(model.name, len(model.pages))
    check.equal(sorted(got.items()), sorted(model.pages.items()),
                "(offset, (order, frame)) of each page in %r's vo_pages" % model.name)
    blocks = sorted((frame, frame + order_bytes(order)) for order, frame in got.values())
    for (_, end), (start, _) in zip(blocks, blocks[1:]):
        check.true(end <= start, "the frames of %r's pages do not overlap" % model.name,
                   "a block ending at 0x%x, the next starting at 0x%x" % (end, start))
    for off, (order, frame) in sorted(got.items()):
        words = guest.frame_words(frame, order)
        dirty_at = next((i for i, w in enumerate(words) if w), None)
        check.true(dirty_at is None, "every byte of %r's page at offset 0x%x (frame 0x%x) is "
                   "zero" % (model.name, off, frame), "0x%016x at byte 0x%x" % (
                       words[dirty_at] if dirty_at is not None else 0, (dirty_at or 0) * WORD))
    frames = {f + i * PAGE for order, f in got.values() for i in range(1 << order)}
    check.true(frames & dirtied, "some page of %r on a frame the grader dirtied (so that the "
               "zeroing shows)" % model.name, "frames %s, dirtied %s" % (
                   sorted(map(hex, frames)), sorted(map(hex, dirtied))))
    m.run("vmo drop " + model.name)
    check.equal(free_pages(m), before, "free pages after `vmo drop %s`" % model.name)


def test_objects_in_memory_as_created(boot):
    """Objects with random names (one of the longest length, 63 bytes),
    random protections and random lengths, and creations that must be
    refused (a 64-byte name, length 0); then every vm_object in guest
    memory: exactly those names, each with its protection bits, its length
    rounded up to 4 KiB, demand flags and no pages. Catches: a name copied
    with sizeof(pointer) or cut one byte short, the longest name refused,
    a protection not stored as given, a length not rounded up, a page
    allocated at creation, a refused creation that still made an object."""
    rng = random.SystemRandom()
    m = boot(qmp=True)
    guest = Guest(m)
    before = warm(m)
    want = {}
    letters = {"r": "VM_PROT_READ", "w": "VM_PROT_WRITE", "x": "VM_PROT_EXEC", "u": "VM_PROT_USER"}
    longest = guest.vmo_name_size - 1  # and the NUL
    names = [random_name(rng, longest)] + [random_name(rng) for _ in range(rng.randint(3, 5))]
    for name in names:
        prot = "".join(c for c in "rwxu" if rng.random() < 0.5) or "-"
        length = rng.randint(1, 64 * PAGE)
        check.contains(m.run("vmo create %s %d %s" % (name, length, prot)), "vmo %s: size=" % name,
                       "`vmo create %s %d %s`" % (name, length, prot))
        want[name] = (-(-length // PAGE) * PAGE,
                      sum(guest.flags[letters[c]] for c in prot if c in letters))
    refused = ["vmo create %s 4096" % random_name(rng, longest + 1),
               "vmo create %s 0" % random_name(rng)]
    for cmd in refused:
        check.contains(m.run(cmd), "failed", "`%s` (refused)" % cmd)
    check.equal(sorted(guest.objects()), sorted(want), "the names of the vm_objects in guest "
                "memory")
    for name, (size, prot) in want.items():
        vo = guest.object(name)
        check.equal((vo["vo_size"], vo["vo_prot"], vo["vo_flags"]), (size, prot, 0),
                    "(vo_size, vo_prot, vo_flags) of %r in memory" % name)
        check.equal(guest.pages(name, 0), {}, "the pages of %r right after its creation" % name)
    check.equal(free_pages(m), before, "free pages after creating %d objects" % len(want))
    for name in want:
        m.run("vmo drop " + name)
    check.equal(guest.objects(), {}, "the vm_objects in guest memory after dropping them all")


def text_frames(guest):
    """Physical frames of the kernel's code: bytes that never change and
    differ from frame to frame. (physical start, number of frames)."""
    start = guest.lay.address("__text_start")
    end = guest.lay.address("__text_end")
    phys = guest.q.gva2gpa(start)
    return phys, (end - start) // PAGE


def test_in_place_resolves_to_the_intended_frames(boot):
    """An in-place object over a random run of the kernel's code frames,
    then `vmo read` at random offsets, inside and past its end: each must
    name the frame base + offset and show the word QEMU reads there; in
    memory the object must be VMO_IN_PLACE with vo_phys_base = base and
    no pages; `vmo alloc` on it must be refused and nothing allocated.
    Catches: the in-place flag or the base not stored, get_page answering
    from vo_pages (or a page off by one) for an in-place object, an
    in-place object that allocates."""
    rng = random.SystemRandom()
    m = boot(qmp=True)
    guest = Guest(m)
    before = warm(m)
    first, count = text_frames(guest)
    pages = rng.randint(1, min(6, count))
    base = first + rng.randrange(count - pages + 1) * PAGE
    length = pages * PAGE - rng.randrange(PAGE)
    name = random_name(rng)
    check.contains(m.run("vmo inplace %s 0x%x %d r" % (name, base, length)), "flags=in-place",
                   "`vmo inplace %s 0x%x %d r`" % (name, base, length))
    offsets = [rng.randrange(pages * PAGE // WORD) * WORD for _ in range(10)] + \
        [pages * PAGE, pages * PAGE + rng.randrange(4 * PAGE // WORD) * WORD]
    for off in offsets:
        out = m.run("vmo read %s 0x%x" % (name, off))
        if off >= pages * PAGE:
            check.contains(out, "no page at offset", "`vmo read %s 0x%x` (past the end)"
                           % (name, off))
            continue
        check.equal(out.strip(), "vmo %s+0x%x = 0x%016x (phys 0x%x)" % (
            name, off, guest.q.read_phys(base + off, 1)[0], base + off),
            "`vmo read %s 0x%x` against QEMU's xp at base + offset" % (name, off))
    vo = guest.object(name)
    check.equal((vo["vo_flags"] & guest.flags["VMO_IN_PLACE"], vo["vo_phys_base"], vo["vo_size"]),
                (guest.flags["VMO_IN_PLACE"], base, pages * PAGE),
                "(VMO_IN_PLACE, vo_phys_base, vo_size) of %r in memory" % name)
    off = rng.randrange(pages) * PAGE
    check.contains(m.run("vmo alloc %s 0x%x" % (name, off)), "KERN_INVALID_ARGUMENT",
                   "`vmo alloc %s 0x%x` on an in-place object" % (name, off))
    check.equal(guest.pages(name, 0), {}, "the pages of in-place object %r" % name)
    check.equal(free_pages(m), before, "free pages with in-place object %r" % name)


def test_drop_frees_exactly_its_pages(boot):
    """A demand object given pages at random offsets, and an in-place
    object over frames the grader allocated; dropping the demand object
    must free each of its frames (QEMU sees vm_page_free's poison in every
    word) and remove it from the object model; dropping the in-place one
    must leave its frames as they were. Catches: a destroy that leaks its
    pages, frees only the root's, or frees an in-place object's frames."""
    rng = random.SystemRandom()
    m = boot(qmp=True)
    guest = Guest(m)
    before = warm(m)
    pages = rng.randint(8, 20)
    model = DemandModel(random_name(rng), pages * PAGE)
    check.contains(m.run("vmo create %s 0x%x" % (model.name, model.size)), "flags=demand",
                   "`vmo create %s 0x%x`" % (model.name, model.size))
    for off in rng.sample(range(0, model.size, PAGE), rng.randint(4, pages)):
        do_alloc(m, model, off, 0)
    got = guest.pages(model.name, len(model.pages))
    check.equal(sorted(got.items()), sorted(model.pages.items()),
                "(offset, (order, frame)) of each page of %r" % model.name)
    held = int(check.search(r"allocated order 1 at (0x[0-9a-f]+)", m.run("pages alloc 1"),
                            "`pages alloc 1`").group(1), 16)
    inplace = random_name(rng)
    check.contains(m.run("vmo inplace %s 0x%x 0x%x" % (inplace, held, 2 * PAGE)),
                   "flags=in-place", "`vmo inplace %s 0x%x 0x2000`" % (inplace, held))
    kept = guest.q.read_phys(held, 2 * PAGE // WORD)
    check.contains(m.run("vmo drop " + model.name), "dropped", "`vmo drop %s`" % model.name)
    check.true(model.name not in guest.objects(), "%r is gone from the object model after "
               "`vmo drop`" % model.name, sorted(guest.objects()))
    for off, (order, frame) in sorted(got.items()):
        words = guest.frame_words(frame, order)
        check.true(all(w == POISON for w in words), "frame 0x%x (%r's page at 0x%x) freed: "
                   "every word poisoned by vm_page_free" % (frame, model.name, off),
                   "words not 0x6b..: %d of %d" % (sum(w != POISON for w in words), len(words)))
    check.contains(m.run("vmo drop " + inplace), "dropped", "`vmo drop %s`" % inplace)
    check.equal(guest.q.read_phys(held, 2 * PAGE // WORD), kept,
                "the frames under in-place object %r after its drop (not freed)" % inplace)
    check.contains(m.run("pages free 0x%x" % held), "freed",
                   "`pages free 0x%x` (still allocated after the in-place drop)" % held)
    check.equal(free_pages(m), before, "free pages after both drops")
