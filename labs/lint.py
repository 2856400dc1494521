"""lint.py - the lint of a submission's room: what a lab's code never
needs and a forger does.

A lab's room (overlay.py) runs in ring 0 beside the in-kernel tests, so it
could write its own KTAP stream on COM2, read the nonce, power off, or
register cases of its own. lint_room() names each line that reaches for
those channels, by file:line; grade_class.py withholds the points of a
submission with a finding (FLAGGED) until an instructor has looked:

    lint_room(student_root, man["room"])
        -> ["vm/vm_page.c:12: port I/O (outb(): outb(0x2f8, c);"]

It reads a file as the preprocessor does (backslash-newline splices
joined, digraphs spelled out, comments blanked), so `ou\\<newline>tb` and
`%:include` are seen; a line number is the physical line a finding starts
on. What it cannot see - a name assembled at run time, a function found by
scanning memory - the witnesses catch (docs/grading.md, Threat model).
"""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from overlay import own_file  # noqa: E402

# What a lab's code never needs, and a forger does: (pattern, what, view),
# each a reason to withhold the points until an instructor has looked. The
# rules see a room file as the compiler's preprocessor does: backslash-
# newline splices joined, digraphs spelled out, comments blanked; the
# "text" view keeps strings and characters (a forged KTAP line is one) and
# also sees adjacent string literals joined, the "code" view blanks them.
# First the channels a forger writes to or reads from, by name:
LINT_RULES = [
    (r"\b(outb|outw|outl|inb|inw|inl|outs[bwl]|ins[bwl])\s*\(", "port I/O (%s)", "text"),
    (r"\b(asm|__asm__|__asm)\b", "inline assembly (%s)", "text"),
    (r"(?i)\b0x0*(2f8|3f8|f4|501|604|b004|510|511)\b", "a serial or exit I/O port (%s)", "text"),
    (r"(?i)\bcom[12]\b|\buart\w*|\bserial\w*", "the serial ports (%s)", "text"),
    (r"\b(param_\w+|KERNEL_PARAM|kparams?\w*|__kparams\w*|fwcfg\w*|cmdline\w*|"
     r"multiboot\w*|bootinfo\w*)\b", "the kernel command line (%s)", "text"),
    (r"(?i)\bnonce\b|\bktap\b|\bktest\w*|KTEST\w*|__ktests\w*|__ksuites\w*|mango[-_]k?tests?"
     r"|\bok \d", "the test harness (%s)", "text"),
    (r"\bmachine_\w+", "ending the machine (%s)", "text"),
    (r"\b(console_\w+|panic_listen\w*|monitor_\w+|MONITOR_COMMAND|INITCALL|initcall_\w+)\b",
     "the console, the monitor or the boot's hooks (%s)", "text"),
    (r"\bksyms?_\w+|<mango/ksyms\.h>", "the kernel's symbol table (%s)", "text"),
    (r"#\s*include\s*<(arch/(io|uart)|mango/(param|ktest|machine|console|fwcfg|monitor|init|"
     r"bootinfo|multiboot2))\.h>", "a header of the test channel or its levers (%s)", "text"),
    (r"#\s*include\s*<(\.\.|/)[^>]*>|#\s*include(?!\s*<)|\.incbin",
     "an unusual include (%s)", "text"),
    # then the ways to say those names without writing them, or to run
    # code the lab never asked for
    (r"#\s*define\b", None, "define"),  # a flagged name built from pieces: lint_define()
    (r"##", "token pasting (%s)", "code"),
    (r"\b_Pragma\b|#\s*pragma\s+(?!once\b)\w+", "a pragma (%s)", "code"),
    (r"\b__section\b|\b__attribute__\s*\(\(.*?\b_*(section|used|constructor|destructor|alias|"
     r"weak|weakref|ifunc|naked|visibility)_*\b",
     "a linker-section or symbol attribute (%s)", "code"),
    (r"\bextern\b[^;{]*?\b(__\w+|_?end|_?etext|_?edata|_start)\b",
     "an extern of a linker symbol (%s)", "code"),
    (r"\b__builtin_(?!(clz|ctz|ffs|popcount|parity|clrsb)(l|ll)?\b|(expect|unreachable|offsetof|"
     r"constant_p|types_compatible_p|choose_expr|trap|assume_aligned|prefetch|"
     r"(add|sub|mul)_overflow|bswap(16|32|64)|memset|memcpy|memmove|memcmp|strlen|"
     r"frame_address|return_address|va_\w+)\b)\w+", "a compiler builtin (%s)", "code"),
    (r"(?i)\(\s*[a-z_][\w\s]*\(\s*\*\s*\)\s*\([^()]*\)\s*\)\s*\(?\s*(0x0*[1-9a-f][0-9a-f]*|[1-9]\d*)",
     "an absolute address called as a function (%s)", "code"),
    (r"(?i)\b0x0*ffffffff8[0-9a-f]{7}\b", "an address in the kernel image (%s)", "code"),
]

# rules that do not apply to some files: {what: files (a regex)}. Lab 0's
# room (kernel/core/) is the symbol table and its first user.
EXEMPT = {"the kernel's symbol table (%s)": r"kernel/core/"}

# the rules that name a channel (before the "define" entry): a #define
# whose body, its pieces put together, matches one of them is a finding
NAME_RULES = LINT_RULES[:[view for _, _, view in LINT_RULES].index("define")]

C_TOKENS = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|/\*.*?\*/|//[^\n]*'
                      r'|%:%:|%:', re.S)
SPLICE = re.compile(r"\\[ \t]*\r?\n")  # gcc splices across trailing blanks too
DEFINE = re.compile(r"\s*#\s*define\s+\w+(\([^)]*\))?(?P<body>.*)")
# adjacent string literals, which the compiler joins into one
LITERALS = re.compile(r'"(?:\\.|[^"\\\n])*"(?:\s*"(?:\\.|[^"\\\n])*")+')


def lint_splice(text):
    """(@text with its backslash-newline splices joined, line_of) where
    line_of[i] is the physical line (from 1) of character i of the result."""
    out, line_of, line, pos = [], [], 1, 0
    for m in [*SPLICE.finditer(text), None]:
        piece = text[pos:m.start() if m else len(text)]
        out.append(piece)
        for ch in piece:
            line_of.append(line)
            line += ch == "\n"
        if m:
            line += 1
            pos = m.end()
    line_of.append(line)
    return "".join(out), line_of


def lint_views(text):
    """The "text" and "code" views of spliced C @text (same length, same
    newlines): comments blanked, digraphs %: and %:%: spelled # and ##;
    strings and characters kept in "text", blanked in "code"."""
    def blank(keep_strings):
        def sub(m):
            tok = m.group(0)
            if tok.startswith("%:"):
                return "##  " if tok == "%:%:" else "# "
            if tok[0] in "\"'" and keep_strings:
                return tok
            if tok[0] in "\"'":
                return tok[0] + " " * (len(tok) - 2) + tok[-1]
            return re.sub(r"[^\n]", " ", tok)
        return sub
    return {"text": C_TOKENS.sub(blank(True), text), "code": C_TOKENS.sub(blank(False), text)}


def lint_line(rel, views, start, end):
    """(offset in the views, what) of the first rule line [@start, @end) of
    @views (of file @rel) breaks, or None."""
    for pattern, what, view in LINT_RULES:
        if what in EXEMPT and re.match(EXEMPT[what], rel):
            continue
        line = views["text" if view == "define" else view][start:end]
        if view == "define":
            d = DEFINE.match(line)
            if not d:
                continue
            body = re.sub(r'##|\s|"', "", d.group("body")) + "("  # "(": a name to call
            for name_pattern, name_what, _ in NAME_RULES:
                m = re.search(name_pattern, body)
                if m:
                    return start + d.start("body"), "a #define that builds %s from pieces" % (
                        name_what % m.group(0))
            continue
        m = re.search(pattern, line)
        if m:
            return start + m.start(), what % m.group(0).strip()
    return None


def lint_literals(views):
    """[(offset, what)] for each run of adjacent string literals in @views
    (on one line or several) that, joined as the compiler joins them
    ("KT" "AP version 1"), names a channel (NAME_RULES)."""
    found = []
    for m in LITERALS.finditer(views["text"]):
        joined = "".join(re.findall(r'"((?:\\.|[^"\\\n])*)"', m.group(0)))
        what = next((what % f.group(0) for pattern, what, _ in NAME_RULES
                     for f in [re.search(pattern, joined)] if f), None)
        if what:
            found.append((m.start(), what))
    return found


def lint_text(rel, text):
    """["@rel:line: <what>: <the line>"]: the findings of C source @text,
    one a line at most, by line."""
    spliced, line_of = lint_splice(text)
    views = lint_views(spliced)
    found, start = {}, 0
    for line in views["text"].split("\n"):
        hit = lint_line(rel, views, start, start + len(line))
        if hit:
            found[line_of[hit[0]]] = hit[1]
        start += len(line) + 1
    for offset, what in lint_literals(views):
        found.setdefault(line_of[offset], what)
    physical = text.splitlines()
    return ["%s:%d: %s: %s" % (rel, no, what, physical[no - 1].strip()[:80] if no <= len(physical)
                               else "") for no, what in sorted(found.items())]


def lint_room(root, room):
    """["file:line: <what>: <the line>"] for every line of the room files
    under @root that, outside comments, reaches for what only a forger
    needs (LINT_RULES)."""
    hits = []
    for rel in room:
        path = own_file(root, rel)
        if path:
            hits += lint_text(rel, path.read_text(encoding="utf-8", errors="replace"))
    return hits
