"""mango_gdb.py - gdb helpers for Mango's structures (.gdbinit sources it).

Pretty-printers (`p *page`, `p *vo`, `p vo->vo_pages`; `p/r` prints raw):
    struct vm_page     its frame's address, state, order and owner fields
    struct vm_object   name, size, rights, and its page tree as a table
                       (offset, order, size, phys, struct vm_page)
    struct btree       its nodes in order, with each one's height and depth
Commands (`help mango-pt` etc.):
    mango-freelists    the page allocator's free lists: blocks per order,
                       checked against the counts, and the first blocks
    mango-vmo [name]   the live vm_objects (or the one named), printed as above
    mango-pt <va>      the 4-level page-table walk of a virtual address,
                       read from physical memory through QEMU's monitor
Everything is read from the kernel's own variables and types (vm/vm_page.c's
`pa`, vm/vm_object.c's `vm_object_type`), so it follows the sources; a name
gdb cannot find gives a message naming it, not a traceback.
Tested by grading/tests/test_gdb.py against what the kernel itself prints.
"""
import gdb

PAGE_SHIFT = 12
PHYS_MAP_BASE = 0xFFFF800000000000
NODE_LIMIT = 1 << 20  # a corrupt list or tree loops; stop walking there
# Page-table entry bits (kernel/arch/x86_64/include/arch/x86.h)
PTE_BITS = [(0, "P"), (1, "W"), (2, "U"), (3, "PWT"), (4, "PCD"), (5, "A"), (6, "D"),
            (7, "PS"), (8, "G"), (63, "NX")]
PTE_ADDR_MASK = 0x000FFFFFFFFFF000
PTE_P, PTE_W, PTE_U, PTE_PS, PTE_NX = 1 << 0, 1 << 1, 1 << 2, 1 << 7, 1 << 63
LEVELS = [("PML4", 39), ("PDPT", 30), ("PD", 21), ("PT", 12)]


class MangoError(gdb.GdbError):
    pass


def _static(name, source):
    """The file-scope variable @name of @source (e.g. pa of vm/vm_page.c)."""
    try:
        return gdb.parse_and_eval("'%s'::%s" % (source, name))
    except gdb.error:
        raise MangoError("no variable '%s' in %s: is this Mango's kernel.elf, built "
                         "from this tree?" % (name, source)) from None


def _offsetof(struct, field):
    return gdb.lookup_type("struct " + struct)[field].bitpos // 8


def _container(addr, struct, field):
    """The struct @struct holding the @field at address @addr."""
    ptr = gdb.lookup_type("struct " + struct).pointer()
    return gdb.Value(int(addr) - _offsetof(struct, field)).cast(ptr).dereference()


def _enum_names(enum, value, prefix):
    """The single-bit names of enum @enum set in @value, without @prefix,
    joined by |; "0" when none is set."""
    value = int(value)
    bits = [f for f in gdb.lookup_type("enum " + enum).fields()
            if f.enumval and f.enumval & (f.enumval - 1) == 0]
    names = [f.name[len(prefix):] if f.name.startswith(prefix) else f.name
             for f in bits if value & f.enumval]
    rest = value & ~sum(f.enumval for f in bits)
    if rest:
        names.append("0x%x" % rest)
    return "|".join(names) or "0"


def _size(nbytes):
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if nbytes >= 1 << shift and nbytes % (1 << shift) == 0:
            return "%d %s" % (nbytes >> shift, unit)
    return "%d B" % nbytes


def page_phys(page_addr):
    """Physical address of the frame whose struct vm_page is at @page_addr,
    or None outside the page array."""
    pa = _static("pa", "vm_page.c")
    base = int(pa["pages"])
    size = gdb.lookup_type("struct vm_page").sizeof
    index, rem = divmod(int(page_addr) - base, size)
    if rem or not 0 <= index < int(pa["nr_frames"]):
        return None
    return index << PAGE_SHIFT


def queue_entries(queue):
    """Addresses of the entries of struct queue @queue (a value), in order."""
    head = int(queue["q_head"].address)
    e = queue["q_head"]["qe_next"]
    out = []
    while int(e) != head:
        if not int(e) or len(out) >= NODE_LIMIT:
            raise MangoError("queue at 0x%x is broken (NULL link or a loop)" % head)
        out.append(int(e))
        e = e["qe_next"]
    return out


def btree_inorder(tree):
    """(node address, height, depth) of struct btree @tree's nodes, in order."""
    out, stack, depth = [], [], 0
    node = tree["b_root"]
    while stack or int(node):
        while int(node):
            if len(stack) > 64 or len(out) >= NODE_LIMIT:
                raise MangoError("btree at 0x%x is too deep: a loop?" % int(tree.address))
            stack.append((node, depth))
            node, depth = node["b_left"], depth + 1
        node, depth = stack.pop()
        out.append((int(node), int(node["b_height"]), depth))
        node, depth = node["b_right"], depth + 1
    return out


# ---------------------------------------------------------------------------
# Pretty-printers


class VmPagePrinter:
    """struct vm_page: `frame 0x1e4000 FREE order 3` and its owner fields."""

    def __init__(self, val):
        self.val = val

    def to_string(self):
        v = self.val
        phys = page_phys(v.address) if v.address is not None else None
        where = "frame 0x%x" % phys if phys is not None else "not in the page array"
        flags = int(v["p_flags"])
        state = _enum_names("vm_page_flags", flags, "VM_PAGE_") if flags else \
            "inside a block (not a head)"
        text = "vm_page %s %s order %d" % (where, state, int(v["p_order"]))
        if int(v["p_vmo_offset"]) or int(v["p_node"]["b_height"]):
            text += " vmo_offset 0x%x" % int(v["p_vmo_offset"])
        return text


class BtreePrinter:
    """struct btree: count, height and the nodes in order."""

    def __init__(self, val):
        self.val = val

    def to_string(self):
        nodes = btree_inorder(self.val)
        lines = ["btree: %d nodes (b_count %d), height %d" % (
            len(nodes), int(self.val["b_count"]), nodes and int(self.val["b_root"]["b_height"]) or 0)]
        for i, (addr, height, depth) in enumerate(nodes):
            lines.append("  %3d  %snode 0x%x height %d" % (i, "  " * depth, addr, height))
        return "\n".join(lines)


def vm_object_text(vo):
    """A vm_object (a value) as a header line and its page table."""
    prot = _enum_names("vm_prot", vo["vo_prot"], "VM_PROT_")
    in_place = int(gdb.parse_and_eval("VMO_IN_PLACE"))
    flags = "in-place" if int(vo["vo_flags"]) & in_place else "demand"
    nodes = btree_inorder(vo["vo_pages"])
    lines = ['vm_object "%s": size 0x%x prot %s %s, refs %d, %d pages, tree height %d' % (
        vo["vo_name"].string(), int(vo["vo_size"]), prot, flags,
        int(vo["vo_base"]["ob_refs"]), len(nodes), nodes and int(vo["vo_pages"]["b_root"]["b_height"]) or 0)]
    if nodes:
        lines.append("  %-12s %5s %8s  %-12s %-18s %s" % ("offset", "order", "size", "phys",
                                                         "vm_page", "height"))
    for addr, height, depth in nodes:
        page = _container(addr, "vm_page", "p_node")
        order = int(page["p_order"])
        phys = page_phys(page.address)
        lines.append("  0x%-10x %5d %8s  %-12s 0x%-16x %s%d" % (
            int(page["p_vmo_offset"]), order, _size(1 << (PAGE_SHIFT + order)),
            "0x%x" % phys if phys is not None else "?", int(page.address), "  " * depth, height))
    return "\n".join(lines)


class VmObjectPrinter:
    """struct vm_object: see vm_object_text()."""

    def __init__(self, val):
        self.val = val

    def to_string(self):
        return vm_object_text(self.val)


PRINTERS = {"vm_page": VmPagePrinter, "btree": BtreePrinter, "vm_object": VmObjectPrinter}


def lookup_printer(val):
    """The printer for @val if it is one of PRINTERS' structs, else None."""
    t = val.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_STRUCT and t.tag in PRINTERS:
        return PRINTERS[t.tag](val)
    return None


# ---------------------------------------------------------------------------
# Commands


class FreeLists(gdb.Command):
    """mango-freelists: the page allocator's free lists, one line per order.
Each line: the order, its block size, the count nr_free_blocks[k], the
blocks found by walking list k (a mismatch is a broken [I1]) and the
physical addresses of its first blocks. Then the free total."""

    def __init__(self):
        super().__init__("mango-freelists", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        pa = _static("pa", "vm_page.c")
        orders = pa["free"].type.range()[1] + 1
        link = _offsetof("vm_page", "p_link")
        total = 0
        print("order  block     count  walked  first blocks (phys)")
        for k in range(orders):
            entries = queue_entries(pa["free"][k])
            count = int(pa["nr_free_blocks"][k])
            first = ["0x%x" % (page_phys(e - link) or 0) for e in entries[:4]]
            more = " ..." if len(entries) > 4 else ""
            bad = "" if count == len(entries) else "   <- [I1]: count != list length"
            print("%5d  %-8s %6d  %6d  %s%s%s" % (k, _size(1 << (PAGE_SHIFT + k)), count,
                                                  len(entries), " ".join(first), more, bad))
            total += len(entries) << k
        print("free: %d frames (%d KiB) of %d" % (total, total * 4, int(pa["nr_frames"])))


class Vmo(gdb.Command):
    """mango-vmo [NAME]: the live vm_objects (or the one named NAME), each
with its page tree as a table: offset, order, size, phys, struct vm_page
and the node's height (indented by depth)."""

    def __init__(self):
        super().__init__("mango-vmo", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        ty = _static("vm_object_type", "vm_object.c")
        objs = [_container(e, "object", "ob_link") for e in queue_entries(ty["ot_objects"])]
        vos = [gdb.Value(int(o.address) - int(ty["ot_offset"])).cast(
            gdb.lookup_type("struct vm_object").pointer()).dereference() for o in objs]
        name = arg.strip()
        if name:
            vos = [vo for vo in vos if vo["vo_name"].string() == name]
            if not vos:
                raise MangoError("no vm_object named '%s' (mango-vmo lists them)" % name)
        if not vos:
            print("no vm_objects")
        for vo in vos:
            print("(struct vm_object *) 0x%x" % int(vo.address))
            print(vm_object_text(vo))


def read_phys_u64(addr):
    """The 8 bytes at physical address @addr, through QEMU's monitor."""
    try:
        out = gdb.execute("monitor xp /1gx 0x%x" % addr, to_string=True)
    except gdb.error as e:
        raise MangoError("cannot read physical memory (needs QEMU's gdb stub): %s" % e) from None
    return int(out.split(":")[1].split()[0], 16)


def pte_flags(entry):
    return " ".join(name for bit, name in PTE_BITS if entry & (1 << bit))


def pt_walk(va, cr3):
    """Lines describing the walk of @va from the PML4 at @cr3."""
    va &= (1 << 64) - 1
    top = va >> 47
    if top not in (0, (1 << 17) - 1):
        return ["va 0x%x is not canonical (bits 63-47 differ): #GP, not a page fault" % va]
    idx = [(va >> shift) & 0x1FF for _, shift in LEVELS]
    lines = ["va 0x%x: PML4 %d, PDPT %d, PD %d, PT %d, offset 0x%x" % (
        va, idx[0], idx[1], idx[2], idx[3], va & 0xFFF),
        "CR3         = 0x%x" % cr3]
    table = cr3 & PTE_ADDR_MASK
    write, user, nx = True, True, False
    for level, ((name, shift), i) in enumerate(zip(LEVELS, idx)):
        slot = table + 8 * i
        e = read_phys_u64(slot)
        label = "%s[%d]" % (name, i)
        if not e & PTE_P:
            lines.append("%-11s @ 0x%x = 0x%016x  not present: an access faults here"
                         % (label, slot, e))
            return lines
        write, user, nx = write and bool(e & PTE_W), user and bool(e & PTE_U), nx or bool(e & PTE_NX)
        addr = e & PTE_ADDR_MASK
        leaf = level == 3 or (level in (1, 2) and e & PTE_PS)
        if leaf:
            size = 1 << shift
            base = addr & ~(size - 1)
            what = "page 0x%x (%s)" % (base, _size(size))
        else:
            what = "%s at 0x%x" % (LEVELS[level + 1][0], addr)
        lines.append("%-11s @ 0x%x = 0x%016x -> %-24s %s" % (label, slot, e, what, pte_flags(e)))
        if leaf:
            off = va & (size - 1)
            rights = "read" + (", write" if write else "") + ("" if nx else ", execute") + \
                (", user" if user else ", kernel only")
            lines.append("physical      0x%x + 0x%x = 0x%x   (%s)" % (base, off, base + off, rights))
            return lines
        table = addr
    return lines


class PageTable(gdb.Command):
    """mango-pt VA: walk the page tables for virtual address VA (any gdb
expression: mango-pt kmain, mango-pt 0xffff800000100000, mango-pt $rsp).
Prints each level's index, entry address, value and bits, then the
physical address and the rights the CPU combines from all levels. Reads
CR3 and the tables as QEMU sees them (monitor xp), so it works before
and after mmu_init() alike."""

    def __init__(self):
        super().__init__("mango-pt", gdb.COMMAND_DATA, gdb.COMPLETE_EXPRESSION)

    def invoke(self, arg, from_tty):
        if not arg.strip():
            raise MangoError("usage: mango-pt <virtual address or expression>")
        val = gdb.parse_and_eval(arg)
        if val.type.strip_typedefs().code == gdb.TYPE_CODE_FUNC:
            val = val.address
        cr3 = int(gdb.parse_and_eval("$cr3"))
        print("\n".join(pt_walk(int(val), cr3)))


# Sourcing the file again (a second .gdbinit run) must not stack printers.
gdb.pretty_printers[:] = [p for p in gdb.pretty_printers
                          if getattr(p, "__name__", "") != "lookup_printer"]
gdb.pretty_printers.append(lookup_printer)
FreeLists()
Vmo()
PageTable()
