"""Struct layouts, constants and addresses of globals from the built
kernel's DWARF (build/kernel.elf), so that a grader reading guest memory
over QMP decodes it with the offsets the compiler used, never with
numbers copied into a test that drift when a struct changes.

    lay = Layout.load()                                # build/kernel.elf
    page = lay.struct("struct vm_page", ["p_flags", "p_order", "p_link.qe_next"])
    page.size                                          # 64
    page["p_order"].offset, page["p_order"].size       # 2, 1
    page["p_flags"].get(buf, i * page.size)            # little-endian field of a copy
    page["p_flags"].column(buf, page.size, n)          # that field of n structs in a row
    lay.address("'vm_page.c'::pa")                     # a static global's address
    pa = lay.variable("'vm_page.c'::pa", ["nr_frames", "free[3].q_head.qe_next"])
    pa["free[3].q_head.qe_next"].offset                # where that member lies in it
    lay.constant("VM_PAGE_FREE")                       # an enumerator's value: 1

gdb evaluates the C expressions (the project's gdb, with its Python; no
extra package). One gdb run answers a whole batch; answers are cached per
ELF file and modification time, so every test of a session shares them.
The ELF is trusted as layout (the grader builds it from the instructor's
tree); what memory holds is for the caller to check.
"""
import json
import os
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mangotest.machine import BUILD

GDB_TIMEOUT = 60  # seconds for one batch (loading the ELF takes a fraction of one)

# Run inside gdb: evaluate each expression of $MANGO_LAYOUT_EXPRS (a JSON
# list) as an unsigned integer; print one JSON line after a marker.
_GDB_SCRIPT = r"""
import json, os
out = []
for e in json.loads(os.environ["MANGO_LAYOUT_EXPRS"]):
    try:
        out.append(int(gdb.parse_and_eval("(unsigned long)(%s)" % e)))
    except gdb.error as exc:
        out.append(str(exc))
print("MANGO-LAYOUT " + json.dumps(out))
"""
_MARK = "MANGO-LAYOUT "
_cache = {}  # (elf, mtime) -> {expression: int or error text}


class LayoutError(RuntimeError):
    pass


@dataclass(frozen=True)
class Field:
    """One member: @offset and @size in bytes."""
    offset: int
    size: int

    def get(self, buf, base=0):
        """The member, little-endian unsigned, in @buf at @base + offset."""
        start = base + self.offset
        return int.from_bytes(buf[start:start + self.size], "little")

    def column(self, buf, stride, count):
        """The member in each of @count structs of @stride bytes at the
        start of @buf (an array of structs), as a list (struct.iter_unpack:
        a page array of 10^5 entries decodes in milliseconds)."""
        code = {1: "B", 2: "H", 4: "I", 8: "Q"}[self.size]
        fmt = "<%dx%s%dx" % (self.offset, code, stride - self.offset - self.size)
        return [v for (v,) in struct.iter_unpack(fmt, buf[:stride * count])]


@dataclass(frozen=True)
class Struct:
    """A type's size and the fields asked for, by (dotted) name."""
    name: str
    size: int
    fields: dict

    def __getitem__(self, member):
        return self.fields[member]


class Layout:
    def __init__(self, elf):
        self.elf = Path(elf)

    @classmethod
    def load(cls, build=BUILD):
        """The layout of build/kernel.elf; LayoutError when it is absent."""
        elf = Path(build) / "kernel.elf"
        if not elf.exists():
            raise LayoutError("%s does not exist: build the kernel first" % elf)
        return cls(elf)

    def values(self, exprs):
        """Each C expression of @exprs evaluated by gdb against the ELF, as an
        unsigned integer (one gdb run for those not asked before). Raises
        LayoutError naming the first one gdb could not evaluate."""
        key = (str(self.elf.resolve()), self.elf.stat().st_mtime_ns)
        known = _cache.setdefault(key, {})
        todo = [e for e in dict.fromkeys(exprs) if e not in known]
        if todo:
            known.update(zip(todo, self._gdb(todo)))
        for e in exprs:
            if not isinstance(known[e], int):
                raise LayoutError("gdb cannot evaluate %r in %s: %s" % (e, self.elf, known[e]))
        return [known[e] for e in exprs]

    def _gdb(self, exprs):
        cmd = ["gdb", "-batch", "-nx", "-iex", "set style enabled off", str(self.elf),
               "-ex", "python\n" + _GDB_SCRIPT + "\nend"]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=GDB_TIMEOUT,
                                 env=dict(os.environ, MANGO_LAYOUT_EXPRS=json.dumps(exprs)))
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise LayoutError("gdb did not run on %s: %s" % (self.elf, exc)) from None
        for line in out.stdout.splitlines():
            if line.startswith(_MARK):
                return json.loads(line[len(_MARK):])
        raise LayoutError("gdb printed no answer for %s:\n%s%s" % (self.elf, out.stdout, out.stderr))

    def value(self, expr):
        return self.values([expr])[0]

    def sizeof(self, type_name):
        return self.value("sizeof(%s)" % type_name)

    def constant(self, name):
        """An enumerator's or a constant expression's value."""
        return self.value(name)

    def address(self, var):
        """The address of global @var ("'file.c'::name" for a static one)."""
        return self.value("&(%s)" % var)

    def variable(self, var, members):
        """Global @var's size and the offset and size in it of each of
        @members (e.g. "free[3].q_head.qe_next", "nr_reserved")."""
        exprs = ["sizeof(%s)" % var]
        for m in members:
            exprs += ["(unsigned long)&(%s).%s - (unsigned long)&(%s)" % (var, m, var),
                      "sizeof((%s).%s)" % (var, m)]
        return self._fields(var, exprs, members)

    def struct(self, type_name, members):
        """@type_name's size and the offset and size of each of @members
        (dotted paths such as "p_link.qe_next" reach nested members)."""
        exprs = ["sizeof(%s)" % type_name]
        for m in members:
            exprs += ["&((%s *)0)->%s" % (type_name, m), "sizeof(((%s *)0)->%s)" % (type_name, m)]
        return self._fields(type_name, exprs, members)

    def _fields(self, name, exprs, members):
        got = self.values(exprs)
        fields = {m: Field(got[1 + 2 * i], got[2 + 2 * i]) for i, m in enumerate(members)}
        return Struct(name, got[0], fields)
