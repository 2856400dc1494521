"""The lint of a submission's room (labs/lint.py): one small C snippet per
rule, each written the way a forger would hide it, must be found at the
line it starts on; honest code that looks alike must not be (the reference
rooms and stubs of every lab are checked in test_class.py)."""
import sys

import pytest

from mangotest.machine import REPO

sys.path.insert(0, str(REPO / "labs"))
import lint  # noqa: E402  (instructor-only, like grading/selftests)

# (id, C source, line of the finding, what the finding says)
FORGERIES = [
    ("port I/O", "int f(void)\n{\n\toutb(0x2f8, 'k');\n}\n", 3, "port I/O (outb("),
    ("port I/O split by a splice", "void f(void)\n{\n\tou\\\ntb(PORT, 'k');\n}\n", 3,
     "port I/O (outb("),
    ("assembly split by a splice", "void f(void)\n{\n\t__as\\\nm__(\"hlt\");\n}\n", 3,
     "inline assembly (__asm__)"),
    ("include split by a splice", "int x;\n#inc\\\nlude \"../../grading/rubric.toml\"\n", 2,
     "an unusual include"),
    ("include as a digraph", "%:include \"x.c\"\n", 1, "an unusual include"),
    ("a computed include", "#define F \"x.c\"\n#include F\n", 2, "an unusual include"),
    ("COM2 by number", "static const int port = 0x2F8;\n", 1, "a serial or exit I/O port (0x2F8)"),
    ("the serial driver", "void f(void)\n{\n\tuart_putc(base, c);\n}\n", 3, "the serial ports"),
    ("the command line", "static const char *n;\nvoid f(void) { n = param_get(\"x\"); }\n", 2,
     "the kernel command line (param_get)"),
    ("the command line, parsed again", "void f(void) { param_parse(\"ktest.skip=*\"); }\n", 1,
     "the kernel command line (param_parse)"),
    ("the nonce in pieces", "static const char k[] = \"kt\" \"est.no\" \"nce\";\n", 1,
     "the test harness (ktest)"),
    ("a KTAP line in pieces", "static const char k[] = \"KT\"\n\t\"AP version 1\";\n", 1, None),
    ("a result line", "static const char r[] = \"    ok 3 frees\";\n", 1, "the test harness (ok 3)"),
    ("the case table", "extern const char __ktests_start[];\n", 1, "the test harness (__ktests_start)"),
    ("a linker symbol", "extern char _end[];\n", 1, "an extern of a linker symbol (extern char _end)"),
    ("power off", "void f(void) { machine_poweroff(); }\n", 1, "ending the machine (machine_poweroff)"),
    ("the console's flood guard", "void f(void) { console_set_flood_limit(0, 0); }\n", 1,
     "the console, the monitor or the boot's hooks (console_set_flood_limit)"),
    ("a boot hook", "static void f(void) {}\nINITCALL(2, f);\n", 2, "the boot's hooks (INITCALL)"),
    ("the symbol table, outside Lab 0", "void f(void) { ksym_address(name); }\n", 1,
     "the kernel's symbol table (ksym_address)"),
    ("a lever's header", "#include <mango/param.h>\n", 1,
     "a header of the test channel or its levers (#include <mango/param.h>)"),
    ("the ports' header", "#include <arch/io.h>\n", 1,
     "a header of the test channel or its levers (#include <arch/io.h>)"),
    ("token pasting", "#define CAT(a, b) a ## b\nint CAT(x, y);\n", 1, "token pasting (##)"),
    ("token pasting as a digraph", "#define CAT(a, b) a %:%: b\n", 1, "token pasting (##)"),
    ("a name built by a #define", "#define W ou##tb\n", 1,
     "a #define that builds port I/O (outb() from pieces"),
    ("a string built by a #define", "#define N \"non\" \"ce\"\n", 1, "the test harness (nonce)"),
    ("_Pragma", "_Pragma(\"GCC optimize(\\\"O0\\\")\")\n", 1, "a pragma (_Pragma)"),
    ("#pragma", "#pragma GCC diagnostic ignored \"-Wunused\"\n", 1, "a pragma (#pragma GCC)"),
    ("registering into a section", "static const void *c\n\t__attribute__((section(\"x\"))) = 0;\n",
     2, "a linker-section or symbol attribute"),
    ("the section macro", "static const int c __section(\"mango_init.2.x\") = 0;\n", 1,
     "a linker-section or symbol attribute (__section)"),
    ("used, spelled out", "static int c __attribute__ ((__used__)) = 0;\n", 1,
     "a linker-section or symbol attribute"),
    ("a constructor", "static void __attribute__((constructor)) f(void) {}\n", 1,
     "a linker-section or symbol attribute"),
    ("a builtin beyond the bit ops", "void *f(void) { return __builtin_apply(0, 0, 0); }\n", 1,
     "a compiler builtin (__builtin_apply)"),
    ("an absolute call", "void f(void)\n{\n\t((void (*)(char))0xffffffff80104a20)('k');\n}\n", 3,
     "an absolute address called as a function"),
    ("an address in the kernel image", "static unsigned long t = 0xffffffff80104a20;\n", 1,
     "an address in the kernel image (0xffffffff80104a20)"),
]

HONEST = """\
#pragma once
#include <mango/vm_arch.h>
#include <mango/vm_page.h>
/* outb(0x2f8), ktest, the nonce: named in a comment only */
#define NODE(n) \\
	((struct node *)(n))
static __used int helper(void);
static __attribute__((noinline)) unsigned order_of(size_t n)
{
	if (__builtin_expect(n == 0, 0))
		__builtin_unreachable();
	return (unsigned)(63 - __builtin_clzl(n)) + (unsigned)__builtin_ctz(1)
		+ (unsigned)__builtin_popcountll(n) + (unsigned)__builtin_ffs(2);
}
void f(void)
{
	printk("## the tree, %s\\n", "sorted: yes"); // outb
	uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
	void (*none)(void) = (void (*)(void))0;
	(void)fp, (void)none;
}
"""


@pytest.mark.parametrize("source, line, what", [f[1:] for f in FORGERIES],
                         ids=[f[0] for f in FORGERIES])
def test_lint_finds_it_at_its_line(source, line, what):
    hits = lint.lint_text("vm/vm_page.c", source)
    assert hits, "the lint missed:\n" + source
    assert hits[0].startswith("vm/vm_page.c:%d: " % line), hits
    assert what is None or what in hits[0], hits


def test_honest_code_that_looks_alike_is_clean():
    """Bit-op builtins, __used helpers, noinline, #pragma once, a spliced
    macro, names in comments and a ## in a string are what honest rooms hold."""
    assert lint.lint_text("vm/btree.c", HONEST) == []


def test_lab0s_room_may_use_the_symbol_table():
    assert lint.lint_text("kernel/core/backtrace.c", "#include <mango/ksyms.h>\n") == []
    assert lint.lint_text("vm/vm_page.c", "#include <mango/ksyms.h>\n") != []


def test_a_finding_shows_its_physical_line():
    """After a spliced macro the line numbers still count physical lines."""
    source = "#define A(x) \\\n\t(x)\nint y;\nvoid f(void) { machine_exit(7); }\n"
    assert lint.lint_text("a.c", source) == [
        "a.c:4: ending the machine (machine_exit): void f(void) { machine_exit(7); }"]
