"""mango_gdb.py - gdb helpers for Mango's structures (.gdbinit sources it).

Pretty-printers (`p *page`, `p *vo`, `p vo->vo_pages`; `p/r` prints raw):
    struct vm_page     its frame's address, state, order and owner fields
    struct vm_object   name, size, rights, and its page tree as a table
                       (offset, order, size, phys, struct vm_page)
    struct btree       its nodes in order, with each one's height and depth
    struct vm_region   range, pmap root, fault counters, whether it is the
                       active one, and its mappings as a table
    struct vm_region_mapping  one row of that table
Commands (`help mango-pt` etc.):
    mango-freelists    the page allocator's free lists: blocks per order,
                       checked against the counts, and the first blocks
    mango-vmo [name]   the live vm_objects (or the one named), printed as above
    mango-vmr [name]   the live vm_regions (or the one named), printed as above
    mango-pt <va> [region]
                       the 4-level page-table walk of a virtual address,
                       read from physical memory through QEMU's monitor,
                       from CR3 or from the named region's pmap
Everything is read from the kernel's own variables and types (vm/vm_page.c's
`pa`, vm/vm_object.c's `vm_object_type`, vm/vm_region.c's `vm_region_type`),
so it follows the sources; a name gdb cannot find gives a message naming
it, not a traceback.
Tested by grading/tests/test_gdb.py against what the kernel itself prints.
"""
import gdb

PAGE_SHIFT = 12
PHYS_MAP_BASE = 0xFFFF800000000000
USER_HALF_END = 0x0000800000000000  # kernel/arch/x86_64/include/arch/memlayout.h
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


def live_objects(type_name, source, struct):
    """The live objects of the object_type @type_name (a file-scope variable
    of @source, e.g. vm_object_type of vm/vm_object.c), as struct @struct
    values, in the order of the type's ot_objects list."""
    ty = _static(type_name, source)
    ptr = gdb.lookup_type("struct " + struct).pointer()
    if not int(ty["ot_objects"]["q_head"]["qe_next"]):
        # a zeroed list head: object_type_register() has not run yet
        raise MangoError("%s is not registered yet (the kernel registers it during boot, "
                         "after kmain starts): no %s to list" % (type_name, struct))
    objs = [_container(e, "object", "ob_link") for e in queue_entries(ty["ot_objects"])]
    return [gdb.Value(int(o.address) - int(ty["ot_offset"])).cast(ptr).dereference()
            for o in objs]


def prot_letters(prot):
    """enum vm_prot @prot as the monitor writes it (kernel/lib/vm_prot.c):
    four letters "rwxu", '-' for each right not held."""
    prot = int(prot)
    return "".join(letter if prot & int(gdb.parse_and_eval("VM_PROT_" + name)) else "-"
                   for letter, name in (("r", "READ"), ("w", "WRITE"), ("x", "EXEC"),
                                        ("u", "USER")))


def vm_object_kind(vo):
    """"in-place" or "demand": how the vm_object @vo (a value) gets its pages."""
    in_place = int(gdb.parse_and_eval("VMO_IN_PLACE"))
    return "in-place" if int(vo["vo_flags"]) & in_place else "demand"


def _string(chars):
    """The C string @chars, or "?" when it cannot be read."""
    try:
        return chars.string()
    except (gdb.error, UnicodeDecodeError):
        return "?"


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
    flags = vm_object_kind(vo)
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


def region_root(region):
    """Physical address of the root table of vm_region @region's pmap (what
    CR3 holds while it is active; struct pmap is kernel/arch/x86_64/pmap.c's),
    or None when it has no pmap."""
    pm = region["vr_pmap"]
    return int(pm.dereference()["root_pa"]) if int(pm) else None


def region_is_active(region):
    """Whether @region is what vm_region_active() returns: the region last
    activated (vm/vm_region.c's active_region), its root in CR3."""
    root = region_root(region)
    return (int(_static("active_region", "vm_region.c")) == int(region.address)
            and root is not None and root == int(gdb.parse_and_eval("$cr3")) & PTE_ADDR_MASK)


def region_mappings(region):
    """The struct vm_region_mappings of @region's vr_mappings, by m_base."""
    return [_container(addr, "vm_region_mapping", "m_node")
            for addr, _h, _d in btree_inorder(region["vr_mappings"])]


def mapping_fields(m):
    """(base, end, length, rights, object name, offset, kind) of mapping @m."""
    vo = m["m_object"]
    base, length = int(m["m_base"]), int(m["m_len"])
    return (base, base + length, length, prot_letters(m["m_prot"]),
            _string(vo["vo_name"]) if int(vo) else "(none)", int(m["m_offset"]),
            vm_object_kind(vo) if int(vo) else "?")


MAPPING_COLUMNS = "  %-18s %-18s %8s  %-6s %-14s %-10s %s" % (
    "base", "end", "length", "rights", "object", "offset", "pages")


def mapping_row(m):
    """Mapping @m as a row under MAPPING_COLUMNS."""
    base, end, length, rights, name, offset, kind = mapping_fields(m)
    return "  0x%-16x 0x%-16x %8s  %-6s %-14s 0x%-8x %s" % (base, end, _size(length), rights,
                                                           name, offset, kind)


def vm_region_text(region):
    """A vm_region (a value) as a header line and its mappings' table."""
    mappings = region_mappings(region)
    root = region_root(region)
    faults = region["vr_faults"]
    start = int(region["vr_start"])
    lines = ['vm_region "%s": [0x%x, 0x%x) root %s %s, refs %d, faults=%d pages=%d refused=%d, '
             '%d mappings, tree height %d' % (
                 _string(region["vr_name"]), start, start + int(region["vr_size"]),
                 "0x%x" % root if root is not None else "(no pmap)",
                 "active" if region_is_active(region) else "not active",
                 int(region["vr_base"]["ob_refs"]), int(faults["taken"]), int(faults["pages"]),
                 int(faults["refused"]), len(mappings),
                 mappings and int(region["vr_mappings"]["b_root"]["b_height"]) or 0)]
    if mappings:
        lines.append(MAPPING_COLUMNS)
    lines += [mapping_row(m) for m in mappings]
    return "\n".join(lines)


class VmRegionPrinter:
    """struct vm_region: see vm_region_text()."""

    def __init__(self, val):
        self.val = val

    def to_string(self):
        return vm_region_text(self.val)


class VmRegionMappingPrinter:
    """struct vm_region_mapping: `[base, end) rights object+offset` as
    `vmr list` prints it, then its length, kind and region."""

    def __init__(self, val):
        self.val = val

    def to_string(self):
        base, end, length, rights, name, offset, kind = mapping_fields(self.val)
        region = self.val["m_region"]
        return 'vm_region_mapping [0x%x, 0x%x) %s+0x%x %s, %s %s, in "%s"' % (
            base, end, name, offset, rights, _size(length), kind,
            _string(region["vr_name"]) if int(region) else "(none)")


PRINTERS = {"vm_page": VmPagePrinter, "btree": BtreePrinter, "vm_object": VmObjectPrinter,
            "vm_region": VmRegionPrinter, "vm_region_mapping": VmRegionMappingPrinter}


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
        vos = live_objects("vm_object_type", "vm_object.c", "vm_object")
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


def live_regions():
    return live_objects("vm_region_type", "vm_region.c", "vm_region")


def region_named(name):
    """The live vm_region named @name; a MangoError naming how to list them
    when there is none."""
    for r in live_regions():
        if _string(r["vr_name"]) == name:
            return r
    raise MangoError("no vm_region named '%s' (mango-vmr lists them)" % name)


class Vmr(gdb.Command):
    """mango-vmr [NAME]: the live vm_regions (or the one named NAME), each
with a header (range, the physical address of its pmap's root table,
whether it is the active one, references, the fault counters `vmr list`
prints) and its mappings in address order: base, end, length, rights (rwxu
as the monitor prints them), object, offset in it, and whether the object
is in-place or fills on demand. `mango-pt VA NAME` walks its page tables."""

    def __init__(self):
        super().__init__("mango-vmr", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        name = arg.strip()
        regions = [region_named(name)] if name else live_regions()
        if not regions:
            print("no vm_regions")
        for r in regions:
            print("(struct vm_region *) 0x%x" % int(r.address))
            print(vm_region_text(r))


def read_phys_u64(addr):
    """The 8 bytes at physical address @addr, through QEMU's monitor."""
    try:
        out = gdb.execute("monitor xp /1gx 0x%x" % addr, to_string=True)
    except gdb.error as e:
        raise MangoError("cannot read physical memory (needs QEMU's gdb stub): %s" % e) from None
    return int(out.split(":")[1].split()[0], 16)


def pte_flags(entry):
    return " ".join(name for bit, name in PTE_BITS if entry & (1 << bit))


def pt_walk(va, root, label="CR3"):
    """Lines describing the walk of @va from the PML4 at physical address
    @root (@label says whose root it is: CR3, or a region's)."""
    va &= (1 << 64) - 1
    top = va >> 47
    if top not in (0, (1 << 17) - 1):
        return ["va 0x%x is not canonical (bits 63-47 differ): #GP, not a page fault" % va]
    idx = [(va >> shift) & 0x1FF for _, shift in LEVELS]
    lines = ["va 0x%x: PML4 %d, PDPT %d, PD %d, PT %d, offset 0x%x" % (
        va, idx[0], idx[1], idx[2], idx[3], va & 0xFFF),
        "%-11s = 0x%x" % (label, root)]
    table = root & PTE_ADDR_MASK
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
            letters = "r" + "-w"[write] + "x-"[nx] + "-u"[user]
            lines.append("physical      0x%x + 0x%x = 0x%x   (%s: %s)" % (
                base, off, base + off, rights, letters))
            return lines
        table = addr
    return lines


def mapping_note(region, va):
    """A line saying which of @region's mappings holds @va, or that none does."""
    for m in region_mappings(region):
        base, end, _len, rights, name, offset, kind = mapping_fields(m)
        if base <= va < end:
            return "mapping     [0x%x, 0x%x) %s+0x%x %s (%s): va is object offset 0x%x" % (
                base, end, name, offset, rights, kind, offset + va - base)
    if va >= USER_HALF_END:
        return ("mapping     none: va 0x%x is in the kernel half, shared by every pmap (a "
                "region's root gets its entries when it is activated)" % va)
    return "mapping     none: no mapping of %s holds va 0x%x" % (_string(region["vr_name"]), va)


def split_region(arg):
    """(VA expression value, region or None) of mango-pt's arguments: the
    whole of @arg is the expression when it parses as one (`$rsp + 8`);
    else its last word names the region."""
    try:
        return gdb.parse_and_eval(arg), None
    except gdb.error as e:
        words = arg.rsplit(None, 1)
        if len(words) < 2:
            raise
        try:
            val = gdb.parse_and_eval(words[0])
        except gdb.error:
            raise e from None
        return val, region_named(words[1])


class PageTable(gdb.Command):
    """mango-pt VA [REGION]: walk the page tables for virtual address VA (any
gdb expression: mango-pt kmain, mango-pt 0xffff800000100000, mango-pt $rsp).
Prints each level's index, entry address, value and bits, then the
physical address and the rights the CPU combines from all levels (also as
rwxu letters, like the monitor's). Reads CR3 and the tables as QEMU sees
them (monitor xp), so it works before and after mmu_init() alike.
With REGION (a vm_region's name, see mango-vmr), walks that region's pmap
from its root instead of CR3, active or not, and names the mapping of the
region that holds VA (the kernel half is copied into a region's root
when it is activated)."""

    def __init__(self):
        super().__init__("mango-pt", gdb.COMMAND_DATA, gdb.COMPLETE_EXPRESSION)

    def invoke(self, arg, from_tty):
        if not arg.strip():
            raise MangoError("usage: mango-pt <virtual address or expression> [region]")
        val, region = split_region(arg.strip())
        if val.type.strip_typedefs().code == gdb.TYPE_CODE_FUNC:
            val = val.address
        va = int(val) & ((1 << 64) - 1)
        if region is None:
            print("\n".join(pt_walk(va, int(gdb.parse_and_eval("$cr3")))))
            return
        name = _string(region["vr_name"])
        root = region_root(region)
        if root is None:
            raise MangoError("vm_region '%s' has no pmap (vr_pmap is NULL)" % name)
        print("\n".join(pt_walk(va, root, "%s root" % name)))
        print(mapping_note(region, va))


# Sourcing the file again (a second .gdbinit run) must not stack printers.
gdb.pretty_printers[:] = [p for p in gdb.pretty_printers
                          if getattr(p, "__name__", "") != "lookup_printer"]
gdb.pretty_printers.append(lookup_printer)
FreeLists()
Vmo()
Vmr()
PageTable()
