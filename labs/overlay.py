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

# Files outside every room that steer grading: a submission that changes
# one is reaching for the grader (flagged), though the overlay ignores it
# anyway. First match names the file; anything else outside the room
# (README, docs, notes) is only reported.
LEVERS = [
    (r"grading/rubric\.toml$", "the grader's rubric"),
    (r"grading/conftest\.py$", "the grader's pytest hooks"),
    (r"grading/pytest\.ini$", "the grader's pytest configuration"),
    (r"grading/mangotest/", "the grading harness"),
    (r"grading/labs/", "the labs' graded pytest tests"),
    (r"grading/", "a file of the grader"),
    (r"(.*/)?(Makefile|[^/]*\.mk)$", "the build and make grade"),
    (r"kernel/ktest/|kernel/include/mango/ktest\.h$", "the in-kernel test framework"),
    (r"kernel/arch/[^/]+/kernel\.ld$", "the kernel's layout (where the test cases are registered)"),
    (r"labs/labs\.toml$", "the list of the labs"),
    (r"vm/host/", "a lab's host tests"),
    (r"(vm|kernel)/(.*/)?[^/]*(_test\.[ch]|test_fixture\.h)$", "a lab's in-kernel tests"),
]


def levers(outside):
    """["path (how): what it is (ignored: graded with the instructor's)"]
    for the entries of @outside (outside_room()'s "path (how)") that are
    grading levers (LEVERS)."""
    found = []
    for entry in outside:
        rel = entry.rsplit(" (", 1)[0]
        what = next((what for pattern, what in LEVERS if re.match(pattern, rel)), None)
        if what:
            found.append("%s: %s (ignored: graded with the instructor's)" % (entry, what))
    return found


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


if __name__ == "__main__":
    # overlay.py manifest N > lab<N>-manifest.json (used by make autograder-zip)
    if sys.argv[1:2] == ["manifest"] and len(sys.argv) == 3:
        print(json.dumps(manifest(int(sys.argv[2])), indent=1))
        sys.exit(0)
    print(__doc__, file=sys.stderr)
    sys.exit(2)
