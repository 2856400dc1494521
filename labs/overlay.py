"""overlay.py - the pristine overlay: what of a student's submission is graded.

A lab's *room* is the set of files that hold its `LAB n SOLUTION` regions
(labs/generate.py's marks): Lab 0's kernel/core/backtrace.c and ksyms.c,
Lab 1's vm/vm_page.c, ... Only those files are taken from a submission;
the grader, rubric, tests, kernel infrastructure, Makefile and build flags
always come from the instructor's tree. Everything that grades a
submission (make grade-class, make grade SUBMISSION=, Gradescope's
run_autograder) goes through overlay() below.

    man = manifest(1)                     # room + the files branch lab1 shipped
    export_branch(1, graded_tree)         # what a lab 1 submission is graded in
    rep = overlay(student_root, graded_tree, man)
    rep.outside    -> ["grading/rubric.toml (changed)", ...]  reported, never used
    lint(student_root, man["room"])  -> ["vm/vm_page.c:12: port I/O (outb) ..."]

The manifest (room and sha256 of every file branch labN shipped) is
computed from the marks on main; an autograder zip carries it as JSON,
because the marks' tool (generate.py) is not needed there.
"""
import hashlib
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# A submission's files that are neither its room nor "touched": the
# handin extras, build products and caches.
NOT_TOUCHED = re.compile(r"^(\.git/|build/|handin/|time\.txt$|answers-lab\d+\.txt$|"
                         r"handin-lab\d+\.tar\.gz$|grading/branch\.toml$|\.gdbinit$|"
                         r"compile_commands\.json$|.*__pycache__/|.*\.pyc$|\.pytest_cache/)")
EXTRA_KERNEL_DIR = "kernel/extra"  # where GRADING_EXTRA's kernel/*.c are compiled in

# What a lab's code never needs, and a forger does: found in a room file
# outside its comments (strings are kept: a forged KTAP line is one), each
# a reason to withhold the points until an instructor has looked.
LINT_RULES = [
    (r"\b(outb|outw|outl|inb|inw|inl)\s*\(", "port I/O (%s)"),
    (r"\b(asm|__asm__|__asm)\b", "inline assembly (%s)"),
    (r"(?i)\b0x0*(2f8|3f8|f4|501|604|b004)\b", "a serial or exit I/O port (%s)"),
    (r"(?i)\bcom[12]\b|\buart\w*|\bserial\w*", "the serial ports (%s)"),
    (r"\b(param_get|KERNEL_PARAM|fwcfg\w*|cmdline\w*)\b", "the kernel command line (%s)"),
    (r"(?i)\bnonce\b|\bktap\b|\bktest\w*|KTEST\w*|mango-ktest|\bok \d", "the test harness (%s)"),
    (r"\b(machine_poweroff|machine_exit|machine_halt|machine_triple_fault)\b",
     "ending the machine (%s)"),
    (r"#\s*include\s*[<\"](\.\.|/)[^>\"]*[>\"]|#\s*include\s*\"|\.incbin", "an unusual include (%s)"),
]


@dataclass
class Report:
    """What overlay() did: room files taken, missing, and files the
    submission changed or added outside its room (reported, ignored)."""
    taken: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    outside: list = field(default_factory=list)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def branch(lab):
    """(room, tree) of lab @lab from the marks of this tree (needs
    labs/generate.py: main only): the room is the files holding a LAB @lab
    SOLUTION region, the tree {path: (bytes, executable)} is branch
    lab@lab's (solutions of the labs before it, stubs from it on, no
    instructor-only file)."""
    sys.path.insert(0, str(REPO / "labs"))
    import generate
    labs, only = generate.load_labs()
    ids = [x["id"] for x in labs]
    if lab not in ids:
        raise ValueError("lab %r is not a lab; valid labs: %s" % (lab, " ".join(map(str, ids))))
    files = generate.read_all(len(labs), only)
    room = sorted(path for path, (_, parsed, _) in files.items() if parsed is not None and
                  any(r.kind == "SOLUTION" and r.lab == lab for r in parsed.regions))
    return room, generate.branch_tree(files, labs, lab)


def manifest(lab):
    """{"lab", "room": [paths], "files": {path: sha256}} for lab @lab (branch())."""
    room, tree = branch(lab)
    return {"lab": lab, "room": room,
            "files": {path: sha256(data) for path, (data, _) in sorted(tree.items())}}


def export_branch(lab, dest):
    """Write branch lab@lab's files (branch()) into the new folder @dest:
    what a submission of lab @lab is graded in. Reference solutions of
    lab @lab and later are not in it, nor main's instructor-only files."""
    dest = Path(dest)
    for rel, (data, exe) in branch(lab)[1].items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_bytes(data)
        (dest / rel).chmod(0o755 if exe else 0o644)


def load_manifest(lab, path=None):
    """The manifest of @lab: from the JSON file @path when given (an
    autograder zip), else computed from the marks."""
    if path:
        man = json.loads(Path(path).read_text())
        if man["lab"] != lab:
            raise ValueError("%s is the manifest of lab %s, not lab %s" % (path, man["lab"], lab))
        return man
    return manifest(lab)


def submission_files(root):
    """Relative paths of every regular file under @root (symlinks skipped)."""
    root = Path(root)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and not p.is_symlink())


HOW = {"A": "added", "M": "changed", "D": "deleted"}


def student_changes(root, lab):
    """{path: "added"|"changed"|"deleted"} of what the student changed since
    their branch's "Lab @lab:" commit, from their own record: a clone's
    git history (work tree included) or a handin archive's
    handin/lab@lab.diff. None when the submission has neither."""
    root = Path(root)
    diff = root / "handin" / ("lab%d.diff" % lab)
    if diff.is_file():
        out = {}
        for block in re.split(r"^diff --git ", diff.read_text(errors="replace"), flags=re.M)[1:]:
            path = block.split(" b/", 1)[-1].split("\n", 1)[0].strip()
            out[path] = "added" if "\nnew file mode" in block.split("@@", 1)[0] else \
                "deleted" if "\ndeleted file mode" in block.split("@@", 1)[0] else "changed"
        return out
    if not (root / ".git").exists():
        return None

    def git(*args):
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True).stdout
    base = git("log", "--format=%H", "-1", "--grep=^Lab %d:" % lab).strip()
    if not base:
        return None
    out = {}
    for line in git("diff", "--name-status", "--no-renames", base).splitlines():
        how, _, path = line.partition("\t")
        out[path] = HOW.get(how[:1], "changed")
    for path in git("ls-files", "--others", "--exclude-standard").splitlines():
        out[path] = "added"
    return out


def outside_room(root, man):
    """The files of the submission at @root that the student changed,
    added or deleted outside the room: ["path (changed|added|deleted)"].
    What changed is the student's own record (student_changes) when there
    is one, so a file you edited on main after the release is not theirs;
    else what differs from the files branch lab<n> shipped."""
    room = set(man["room"])
    changes = student_changes(root, man["lab"])
    if changes is None:
        changes = {}
        for rel in submission_files(root):
            if rel not in man["files"]:
                changes[rel] = "added"
            elif sha256((Path(root) / rel).read_bytes()) != man["files"][rel]:
                changes[rel] = "changed"
    return ["%s (%s)" % (rel, how) for rel, how in sorted(changes.items())
            if rel not in room and not NOT_TOUCHED.match(rel)]


def own_file(root, rel):
    """@root/@rel if it is a regular file inside @root (no symlink on the
    way: a submission's link may point at the grader's files), else None."""
    path = Path(root) / rel
    if path.is_file() and path.resolve() == Path(root).resolve() / rel:
        return path
    return None


def overlay(root, dest, man, extra=None):
    """Copy the room files of the submission at @root over the instructor's
    tree copy @dest (nothing else of the submission is read), and
    GRADING_EXTRA @extra's kernel/*.c into dest/kernel/extra/. Returns the
    Report. A room file the submission lacks keeps the instructor's copy
    out: it is deleted, so the build says what is missing (NO BUILD)."""
    root, dest = Path(root), Path(dest)
    rep = Report(outside=outside_room(root, man))
    for rel in man["room"]:
        src = own_file(root, rel)
        if src:
            shutil.copyfile(src, dest / rel)
            rep.taken.append(rel)
        else:
            (dest / rel).unlink(missing_ok=True)
            rep.missing.append(rel)
    if extra and (Path(extra) / "kernel").is_dir():
        for c in sorted((Path(extra) / "kernel").glob("*.c")):
            (dest / EXTRA_KERNEL_DIR).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(c, dest / EXTRA_KERNEL_DIR / c.name)
    return rep


C_TOKENS = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|/\*.*?\*/|//[^\n]*', re.S)


def strip_comments(text):
    """C/assembly @text with its comments blanked (newlines kept, so line
    numbers stay), strings and characters untouched."""
    def blank(m):
        tok = m.group(0)
        return tok if tok[0] in "\"'" else "\n" * tok.count("\n")
    return C_TOKENS.sub(blank, text)


def lint(root, room):
    """["file:line: <what>: <the line>"] for every line of the room files
    under @root that, outside comments, reaches for what only a forger
    needs (LINT_RULES)."""
    hits = []
    for rel in room:
        path = own_file(root, rel)
        if not path:
            continue
        text = strip_comments(path.read_text(encoding="utf-8", errors="replace"))
        for no, line in enumerate(text.splitlines(), 1):
            for pattern, what in LINT_RULES:
                m = re.search(pattern, line)
                if m:
                    hits.append("%s:%d: %s: %s" % (rel, no, what % m.group(0).strip(),
                                                   line.strip()[:80]))
                    break
    return hits


if __name__ == "__main__":
    # overlay.py manifest N > lab<N>-manifest.json (used by make autograder-zip)
    if sys.argv[1:2] == ["manifest"] and len(sys.argv) == 3:
        print(json.dumps(manifest(int(sys.argv[2])), indent=1))
        sys.exit(0)
    print(__doc__, file=sys.stderr)
    sys.exit(2)
