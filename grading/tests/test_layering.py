"""kernel/ is a floor under vm/ (the labs): vm/ may use kernel/, but kernel/
reaches vm/ only through registration points that kernel/ owns - initcalls
(<mango/init.h>) and kmalloc's page provider (<mango/kmalloc.h>) - and never
names a vm/ header or a vm/ function. The Makefile compiles kernel/ without
-Ivm/include; these tests also catch what a build would let through (a
relative include, a function declared by hand)."""
import re
import subprocess

from mangotest.machine import REPO

KERNEL = REPO / "kernel"
VM = REPO / "vm"
SOURCE_SUFFIXES = {".c", ".h", ".S", ".ld"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)

# Symbols defined in vm/ that kernel/ may reference. Every registration
# point is defined in kernel/ (vm/ calls it), so there is none.
ALLOWED_VM_SYMBOLS = frozenset()


def kernel_sources(root=KERNEL):
    """kernel/'s own sources: the tools are build-time programs, not the kernel."""
    return sorted(p for p in root.rglob("*")
                  if p.suffix in SOURCE_SUFFIXES and "tools" not in p.relative_to(root).parts)


def vm_headers():
    """The names under which vm/'s headers are included (mango/vm_page.h, ...)."""
    inc = VM / "include"
    return {p.relative_to(inc).as_posix() for p in inc.rglob("*.h")}


def vm_includes(path, vm_names, vm_root=VM):
    """(line, header) for each #include of a vm/ header in @path: a name that
    only vm/include provides, or a quoted path that leads into @vm_root."""
    text = path.read_text(errors="replace")
    found = []
    for m in INCLUDE.finditer(text):
        kind, name = m.groups()
        line = text.count("\n", 0, m.start()) + 1
        into_vm = kind == '"' and vm_root in (path.parent / name).resolve().parents
        if into_vm or name in vm_names or name.startswith("vm/"):
            found.append((line, name))
    return found


def include_offenders(sources, vm_names, vm_root=VM, base=REPO):
    """"<file>:<line> includes <header>, a vm/ header" for each offence."""
    return ["%s:%d includes <%s>, a vm/ header" % (p.relative_to(base), line, name)
            for p in sources for line, name in vm_includes(p, vm_names, vm_root)]


def nm(obj, *flags):
    out = subprocess.run(["nm", "-P", *flags, str(obj)], capture_output=True, text=True,
                         check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def symbol_offenders(kernel_objs, vm_objs, base):
    """"<object> uses <symbol>, defined in <vm object>" for each undefined
    symbol of a kernel/ object that only vm/ objects define."""
    kernel_defined = set().union(*(nm(o, "--defined-only") for o in kernel_objs))
    vm_owner = {}
    for o in vm_objs:
        for sym in nm(o, "--defined-only"):
            vm_owner.setdefault(sym, o)
    offenders = []
    for o in kernel_objs:
        for sym in sorted(nm(o, "-u")):
            if sym in vm_owner and sym not in kernel_defined and sym not in ALLOWED_VM_SYMBOLS:
                offenders.append("%s uses %s, defined in %s" % (
                    o.relative_to(base), sym, vm_owner[sym].relative_to(base)))
    return offenders


def test_kernel_includes_no_vm_header():
    sources = kernel_sources()
    assert len(sources) > 40, "found too few kernel/ sources to trust: %d" % len(sources)
    offenders = include_offenders(sources, vm_headers())
    assert not offenders, "kernel/ must not include vm/ headers:\n" + "\n".join(offenders)


def test_kernel_objects_reference_no_vm_symbol(built):
    kernel_objs = sorted((built / "kernel").rglob("*.o"))
    vm_objs = sorted((built / "vm").rglob("*.o"))
    assert kernel_objs and vm_objs, "no objects under %s" % built
    offenders = symbol_offenders(kernel_objs, vm_objs, built)
    assert not offenders, ("kernel/ must reach vm/ only through its registration points "
                           "(initcalls, kmalloc's page provider):\n" + "\n".join(offenders))


# The checks above must be able to fail: fed a kernel/ that breaks the rule,
# each names the file and the header or symbol.

def test_include_check_names_the_offending_file(tmp_path):
    bad = tmp_path / "kernel" / "core" / "main.c"
    bad.parent.mkdir(parents=True)
    bad.write_text('#include <mango/printk.h>\n#include <mango/vm_page.h>\n'
                   '#include "../../vm/host/host.h"\n')
    offenders = include_offenders(kernel_sources(tmp_path / "kernel"), vm_headers(),
                                  tmp_path / "vm", tmp_path)
    assert offenders == ["kernel/core/main.c:2 includes <mango/vm_page.h>, a vm/ header",
                         "kernel/core/main.c:3 includes <../../vm/host/host.h>, a vm/ header"]


def test_symbol_check_names_the_offending_object_and_symbol(tmp_path):
    (tmp_path / "kernel").mkdir()
    (tmp_path / "vm").mkdir()
    (tmp_path / "kernel" / "main.c").write_text(
        "void vm_page_init(void);\nvoid kmain(void) { vm_page_init(); }\n")
    (tmp_path / "vm" / "vm_page_init.c").write_text(
        "void kmain(void);\nvoid vm_page_init(void) {}\n")
    for c in tmp_path.rglob("*.c"):  # gcc: the Makefile's default compiler
        subprocess.run(["gcc", "-c", str(c), "-o", str(c.with_suffix(".o"))], check=True)
    offenders = symbol_offenders([tmp_path / "kernel" / "main.o"],
                                 [tmp_path / "vm" / "vm_page_init.o"], tmp_path)
    assert offenders == ["kernel/main.o uses vm_page_init, defined in vm/vm_page_init.o"]



# The circle that once ran through kernel/ - panic called ktest, ktest the
# monitor, the monitor the console, the console the trap code, which
# panics - stays broken: panic tells registered listeners (panic_listen)
# and ktest registers itself, so the floor (panic, the console, traps)
# never calls up into the test framework or the monitor, which sit on it.
# (The floor's modules call each other: panic prints, traps panic.)
FLOOR = {"core/panic", "console", "arch/x86_64/trap"}
ABOVE = {"ktest", "monitor"}


def module_of(obj, base):
    """The module of kernel/ object @obj among FLOOR and ABOVE, or None."""
    rel = obj.relative_to(base / "kernel").with_suffix("").as_posix()
    return next((m for m in FLOOR | ABOVE if rel == m or rel.startswith(m + "/")), None)


def calls_up(objs, base):
    """"<object> calls <symbol> of <module>" for each call from a FLOOR
    module into an ABOVE module."""
    owner = {}
    for o in objs:
        if module_of(o, base) in ABOVE:
            owner.update((sym, module_of(o, base)) for sym in nm(o, "--defined-only"))
    return ["%s calls %s of %s" % (o.relative_to(base), s, owner[s])
            for o in objs if module_of(o, base) in FLOOR
            for s in sorted(nm(o, "-u")) if s in owner]


def test_panic_console_and_traps_call_nothing_above_them(built):
    objs = sorted((built / "kernel").rglob("*.o"))
    assert {module_of(o, built) for o in objs} >= FLOOR | ABOVE
    offenders = calls_up(objs, built)
    assert not offenders, ("panic, the console and traps must not call ktest or the monitor "
                           "(register a listener instead):\n" + "\n".join(offenders))


def test_call_up_check_names_the_old_circle(tmp_path):
    (tmp_path / "kernel" / "core").mkdir(parents=True)
    (tmp_path / "kernel" / "ktest").mkdir()
    (tmp_path / "kernel" / "core" / "panic.c").write_text(
        "void ktest_on_panic(void);\nvoid panic(void) { ktest_on_panic(); }\n")
    (tmp_path / "kernel" / "ktest" / "ktest.c").write_text("void ktest_on_panic(void) {}\n")
    for c in tmp_path.rglob("*.c"):
        subprocess.run(["gcc", "-c", str(c), "-o", str(c.with_suffix(".o"))], check=True)
    assert calls_up(sorted(tmp_path.rglob("*.o")), tmp_path) == [
        "kernel/core/panic.o calls ktest_on_panic of ktest"]
