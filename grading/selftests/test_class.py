"""Grading a class (labs/grade_class.py, labs/overlay.py): labs/demo_class.py's
class folder, made from the generated lab0 branch - the reference as a
`make handin` archive, the stubs as a git bundle, a clone that rewrites the
rubric, conftest and Makefile to give itself points, a forger that writes
fake KTAP on COM2 and powers off, a corrupt archive, an empty folder and a
lab 1 tree - graded in one batch. The honest ones get their score, the
hostile ones no more than the stubs and FLAGGED (the forger by
file:line, the grader's edits by file), the broken ones a row that says why. The batch grades four
trees, -j 2, and the autograder zip's run_autograder grades one in a
temporary /autograder. A lab 1 class of hostile submissions (an .incbin
of a hidden test, an #include of another student's file, an endless
build) is graded in the sandbox (with the lint off: the sandbox alone
must stop them), and again without it to show the attacks
are real: the file takes 24 s with -n 2 on a quiet 2-core machine before
those two batches, 2.5 to 5 minutes with them on a busy one (load 5-9)."""
import base64
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import time
import tomllib
import zipfile
from pathlib import Path

import pytest

from mangotest.machine import REPO

sys.path.insert(0, str(REPO / "labs"))
import demo_class  # noqa: E402  (instructor-only, like grading/selftests)
import lint  # noqa: E402
import overlay  # noqa: E402

HIDDEN = str(REPO / "labs" / "hidden-example")  # docs/instructors.md's worked example
LAB0_ROOM = demo_class.ROOM
# the tests of the one graded class: one xdist worker, so it is graded once
CLASS = pytest.mark.xdist_group("class")


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, built):
    """(rows by student, out folder, output) of the class above, graded -j 2
    with the hidden tests of labs/hidden-example."""
    tmp = tmp_path_factory.mktemp("class")
    cls = demo_class.make(tmp / "class")
    out = tmp / "out"
    r = subprocess.run([sys.executable, str(REPO / "labs" / "grade_class.py"), str(cls),
                        "--lab", "0", "-j", "2", "--out", str(out), "--timeout", "300"],
                       capture_output=True, text=True, env=dict(os.environ, GRADING_EXTRA=HIDDEN))
    assert r.returncode == 0, r.stdout + r.stderr
    with open(out / "gradebook.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    return rows, out, r.stdout


def test_lab0_room_is_its_solution_files():
    man = overlay.manifest(0)
    assert man["room"] == LAB0_ROOM
    assert "grading/rubric.toml" in man["files"] and "Makefile" in man["files"]


def test_overlay_takes_only_the_room(tmp_path):
    """A submission's grader files never reach the graded tree; they are reported."""
    sub, dest = tmp_path / "sub", tmp_path / "dest"
    man = {"lab": 0, "room": ["a.c"], "files": {"Makefile": overlay.sha256(b"ok\n"),
                                                  "a.c": overlay.sha256(b"stub\n")}}
    for d, makefile in ((sub, b"hacked\n"), (dest, b"ok\n")):
        d.mkdir()
        (d / "Makefile").write_bytes(makefile)
        (d / "a.c").write_bytes(b"stub\n")
    (sub / "a.c").write_bytes(b"mine\n")
    (sub / "new.py").write_bytes(b"x\n")
    (sub / "time.txt").write_bytes(b"3\n")
    (sub / "b.c").symlink_to(dest / "Makefile")  # a link to the grader's files is not taken
    man["room"].append("b.c")
    rep = overlay.overlay(sub, dest, man)
    assert rep.missing == ["b.c"] and not (dest / "b.c").exists()
    assert (dest / "a.c").read_bytes() == b"mine\n"
    assert (dest / "Makefile").read_bytes() == b"ok\n" and not (dest / "new.py").exists()
    assert rep.taken == ["a.c"] and rep.outside == ["Makefile (changed)", "new.py (added)"]


def test_lint_names_forgery_by_file_and_line(tmp_path):
    (tmp_path / "a.c").write_text("int f(void)\n{\n\toutb(0x2f8, 'k');\n\treturn 0;\n}\n")
    (tmp_path / "b.c").write_text("const char *p = param_get(\"ktest.nonce\");\n")
    (tmp_path / "c.c").write_text("/* the serial console,\n * see ktest */\nint x; // outb(0x2f8)\n")
    hits = lint.lint_room(tmp_path, ["a.c", "b.c", "c.c"])
    assert hits[0].startswith("a.c:3: port I/O (outb(")
    assert hits[1].startswith("b.c:1: the kernel command line (param_get)")
    assert len(hits) == 2  # an honest comment that names them is no finding


def test_lab1_is_graded_in_branch_lab1s_tree(tmp_path):
    """The base of a lab 1 grading holds no reference solution a lab 1
    submission could embed (`.incbin "vm/vm_object.c"` gets Lab 3's stub)
    nor its own lab's (generate.py's leak check finds no solution line of
    labs 1-3 in it), and none of main's instructor-only files."""
    overlay.export_branch(1, tmp_path)
    import generate
    labs, only = generate.load_labs()
    files = generate.read_all(len(labs), only)
    exported = {str(p.relative_to(tmp_path)): (p.read_bytes(), False)
                for p in tmp_path.rglob("*") if p.is_file()}
    assert generate.find_leaks(files, exported, 1) == []
    assert "Lab 3, Exercise 2" in (tmp_path / "vm" / "vm_object.c").read_text()
    for rel in ("labs/grade_class.py", "labs/generate.py", "grading/selftests", "labs/hidden-example"):
        assert not (tmp_path / rel).exists(), rel
    assert "\nlab = 1\n" in (tmp_path / "grading" / "branch.toml").read_text()


def test_reference_rooms_pass_the_lint():
    """Every lab of labs/labs.toml, its reference room and its stubs (as
    branch labN ships them): an honest submission is never FLAGGED."""
    with open(REPO / "labs" / "labs.toml", "rb") as f:
        labs = [lab["id"] for lab in tomllib.load(f)["lab"]]
    assert len(labs) >= 5
    for lab in labs:
        room, tree = overlay.branch(lab)
        assert lint.lint_room(REPO, room) == [], lab
        for rel in room:
            assert lint.lint_text(rel, tree[rel][0].decode()) == [], (lab, rel)


@CLASS
@pytest.mark.boot
@pytest.mark.slow
def test_class_is_graded_whatever_it_handed_in(graded_class):
    rows, out, stdout = graded_class
    assert set(rows) == {"reference", "stubs", "grader-edits", "forger", "corrupt", "empty", "wrong-lab"}
    full = int(rows["reference"]["max"])
    assert rows["reference"]["verdict"] == "graded" and int(rows["reference"]["total"]) == full, \
        (out / "reference" / "report.txt").read_text()
    stub = int(rows["stubs"]["total"])
    assert rows["stubs"]["verdict"] == "graded" and stub < full
    assert (rows["corrupt"]["verdict"], rows["empty"]["verdict"], rows["wrong-lab"]["verdict"]) == \
        ("CORRUPT", "EMPTY", "WRONG LAB")
    for student in rows:
        doc = json.loads((out / student / "results.json").read_text())
        check_gradescope_schema(doc)
        assert doc["max_score"] == full and len(doc["tests"]) == len(rows["reference"]) - 8
        assert doc["score"] == int(rows[student]["total"])


@CLASS
@pytest.mark.boot
@pytest.mark.slow
def test_hidden_tests_of_both_kinds_are_graded(graded_class):
    """GRADING_EXTRA's kernel case is compiled into each graded copy; its
    pytest test runs: the reference passes both, the stubs neither."""
    rows, out, _ = graded_class
    hidden = ["backtrace.hidden_walks_a_chain_in_order", "hidden_bt_is_stable"]
    assert [rows["reference"][t] for t in hidden] == ["3", "2"], \
        (out / "reference" / "report.txt").read_text()
    assert [rows["stubs"][t] for t in hidden] == ["0", "0"]
    assert not (REPO / "kernel" / "extra").exists()  # the instructor's tree is untouched


@CLASS
@pytest.mark.boot
@pytest.mark.slow
def test_editing_the_grader_changes_nothing(graded_class):
    """The edits are ignored (the harness measures the stubs' score) and
    flagged, each file named with what it is."""
    rows, out, _ = graded_class
    assert rows["reference"]["touched_outside_room"] == ""  # its handin diff: the room only
    edits = rows["grader-edits"]
    assert edits["verdict"] == "FLAGGED" and edits["total"] == "0"
    measured = json.loads((out / "grader-edits" / "harness-results.json").read_text())["score"]
    assert measured == int(rows["stubs"]["total"])
    for rel, what in (("grading/rubric.toml", "the grader's rubric"),
                      ("grading/conftest.py", "the grader's pytest hooks"),
                      ("Makefile", "the build and make grade")):
        assert "%s (changed)" % rel in edits["touched_outside_room"]
        assert "%s (changed): %s (ignored: graded with the instructor's)" % (rel, what) \
            in edits["flags"]


@CLASS
@pytest.mark.boot
@pytest.mark.slow
def test_forged_ktap_scores_no_more_than_the_stub_and_is_flagged(graded_class):
    rows, out, _ = graded_class
    forger = rows["forger"]
    assert forger["verdict"] == "FLAGGED" and int(forger["total"]) == 0
    assert "kernel/core/backtrace.c:" in forger["flags"] and "port I/O (outb(" in forger["flags"]
    # what the harness measured, before the points were withheld: no more than the stub
    measured = json.loads((out / "forger" / "harness-results.json").read_text())["score"]
    assert measured <= int(rows["stubs"]["total"])


@CLASS
@pytest.mark.boot
@pytest.mark.slow
def test_summary_shows_histogram_and_most_failed(graded_class):
    rows, out, stdout = graded_class
    text = (out / "summary.txt").read_text()
    assert "score histogram:" in text and "tests most failed" in text
    assert "corrupt" in text and "CORRUPT" in text
    assert "Lab 0: 7 submission(s)" in stdout


# -- hostile submissions: the grading host keeps its secrets ---------------

MARKER = "MANGO-SECRET-7f3a9c"  # in every secret below; must appear in no output
# Each attack on lab 1's room, vm/vm_page.c (the stubs plus the attack), is
# graded with --no-lint (the lint names all three, splices and all): the
# sandbox, not the lint, has to stop it. {path}: the secret it reaches for.
INCBIN = r"""
#include <mango/printk.h>
/* embed a file of the grading host in the kernel, print it at boot */
__as\
m__(".section .rodata\n.globl hostile_blob\nhostile_blob:\n"
    ".inc\
bin \"{path}\"\n.byte 0\n.previous\n");
extern const char hostile_blob[];
"""
INCLUDE = r"""
/* compile another student's file (the reference, a hidden test) in */
#inc\
lude "{path}"
"""
ENDLESS = r"""
/* a build that never ends: this file includes itself twice per level */
#if __INCLUDE_LEVEL__ < 40
#inc\
lude "vm_page.c"
#inc\
lude "vm_page.c"
#endif
"""
INIT_END = "\tpa.nr_reserved = nr_frames;\n}\n"


def hostile_vm_page(stub, attack, path=""):
    """Lab 1's stub vm/vm_page.c with @attack (reaching for @path) in it;
    the INCBIN one prints what it embedded from vm_page_allocator_init()."""
    code = attack.replace("{path}", str(path))
    if attack == ENDLESS:  # the body once, the recursion at every level
        return "#ifndef HOSTILE_ONCE\n#define HOSTILE_ONCE\n%s#endif\n%s" % (stub, code)
    head, sep, tail = stub.partition(INIT_END)
    assert sep, "vm_page_allocator_init() does not end as expected"
    if attack == INCBIN:
        sep = sep.replace("\n}", "\n\tfor (const char *c = hostile_blob; *c; c++)\n"
                          "\t\tprintk(\"%c\", *c);\n}")
    return code + head + sep + tail


def hostile_class(tmp, sandboxed, kinds):
    """Grade a lab 1 class of @kinds (reference, incbin, include, endless)
    -j 2, hidden tests in GRADING_EXTRA, with or without the sandbox, and
    without the lint (which names these attacks: the sandbox alone must
    stop them); (rows by student, out folder, grade_class's output)."""
    extra = tmp / "extra"
    shutil.copytree(HIDDEN, extra)
    hidden_test = extra / "test_hidden_lab0.py"
    with open(hidden_test, "a") as f:
        f.write("# the expected answer: %s\n" % MARKER)
    other = tmp / "other-student" / "vm_page.c"  # or the reference solution
    other.parent.mkdir()
    other.write_text("the other student's answer: %s\n" % MARKER)
    stub = overlay.branch(1)[1]["vm/vm_page.c"][0].decode()
    sources = {"reference": (REPO / "vm" / "vm_page.c").read_text(),
               "incbin": hostile_vm_page(stub, INCBIN, hidden_test),
               "include": hostile_vm_page(stub, INCLUDE, other),
               "endless": hostile_vm_page(stub, ENDLESS)}
    cls = tmp / "class"
    for kind in kinds:
        (cls / kind / "vm").mkdir(parents=True)
        (cls / kind / "vm" / "vm_page.c").write_text(sources[kind])
    out = tmp / "out"
    r = subprocess.run([sys.executable, str(REPO / "labs" / "grade_class.py"), str(cls),
                        "--lab", "1", "-j", "2", "--out", str(out), "--timeout", "300",
                        "--build-timeout", "30", "--no-lint"] +
                       ([] if sandboxed else ["--no-sandbox"]),
                       capture_output=True, text=True, env=dict(os.environ, GRADING_EXTRA=str(extra)))
    assert r.returncode == 0, r.stdout + r.stderr
    with open(out / "gradebook.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    return rows, out, r.stdout


def leaks(out, stdout):
    """The outputs of a graded class (logs, report.txt, results.json,
    gradebook, summary, what grade_class printed) that hold MARKER."""
    found = ["grade_class's output"] if MARKER in stdout else []
    return found + [str(p.relative_to(out)) for p in sorted(out.rglob("*"))
                    if p.is_file() and MARKER.encode() in p.read_bytes()]


@pytest.mark.boot
@pytest.mark.slow
def test_hostile_submissions_cannot_read_the_grading_host(tmp_path, built):
    """In the sandbox an .incbin of a hidden test and an #include of another
    student's file find nothing (NO BUILD), a build that never ends is
    stopped (TIME LIMIT), no output holds the secret, none is FLAGGED (the
    sandbox alone stopped them), and the honest submission beside them keeps
    full marks in branch lab1's tree."""
    rows, out, stdout = hostile_class(tmp_path, True, ["reference", "incbin", "include", "endless"])
    assert rows["reference"]["verdict"] == "graded" and \
        rows["reference"]["total"] == rows["reference"]["max"], \
        (out / "reference" / "report.txt").read_text()[-3000:]
    assert rows["incbin"]["verdict"] == "NO BUILD", rows["incbin"]
    assert "test_hidden_lab0.py" in rows["incbin"]["note"] and \
        "not found" in (out / "incbin" / "report.txt").read_text()
    assert rows["include"]["verdict"] == "NO BUILD", rows["include"]
    assert "No such file or directory" in (out / "include" / "report.txt").read_text()
    assert (rows["endless"]["verdict"], rows["endless"]["note"]) == \
        ("TIME LIMIT", "the build ran over 30 s")
    assert leaks(out, stdout) == []
    for student in ("incbin", "include", "endless"):
        check_gradescope_schema(json.loads((out / student / "results.json").read_text()))


@pytest.mark.boot
@pytest.mark.slow
def test_without_the_sandbox_the_same_attacks_leak(tmp_path, built):
    """The attacks above are real: graded with --no-sandbox, the .incbin
    kernel prints the hidden test at boot (kept in the failing tests' logs)
    and the compiler quotes the other student's line in its errors."""
    rows, out, stdout = hostile_class(tmp_path, False, ["incbin", "include"])
    found = leaks(out, stdout)
    assert rows["incbin"]["verdict"] == "graded"
    assert any(p.startswith("incbin/logs/") for p in found), found
    assert rows["include"]["verdict"] == "NO BUILD"
    assert "include/report.txt" in found, found


def check_gradescope_schema(doc):
    """Fail unless @doc is a Gradescope results.json whose score adds up."""
    assert isinstance(doc["score"], (int, float)) and isinstance(doc["tests"], list), doc
    for t in doc["tests"]:
        assert isinstance(t["name"], str) and isinstance(t["output"], str), t
        assert isinstance(t["score"], (int, float)) and isinstance(t["max_score"], (int, float)), t
        assert t["status"] in ("passed", "failed") and 0 <= t["score"] <= t["max_score"], t
    assert doc["score"] == sum(t["score"] for t in doc["tests"])
    assert doc["max_score"] == sum(t["max_score"] for t in doc["tests"])


def unzip(path, dest):
    """Unpack zip @path into @dest as unzip does: modes kept, files dated as stored."""
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            target = dest / info.filename
            z.extract(info, dest)
            os.chmod(target, (info.external_attr >> 16) & 0o777)
            stamp = __import__("time").mktime(info.date_time + (0, 0, -1))
            os.utime(target, (stamp, stamp))


@pytest.mark.boot
@pytest.mark.slow
def test_run_autograder_in_a_simulated_root(tmp_path, built):
    root = tmp_path / "autograder"
    zpath = tmp_path / "autograder.zip"
    subprocess.run([sys.executable, str(REPO / "labs" / "autograder" / "make_zip.py"), "0",
                    str(zpath)], check=True, capture_output=True)
    unzip(zpath, root / "source")
    # what setup.sh leaves (the packages are installed here): base/ built
    subprocess.run(["make", "-s", "-C", "base", "all"], cwd=root / "source", check=True,
                   capture_output=True)
    assert not (root / "source" / "base" / "grading" / "selftests").exists()
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    # the student uploaded a handin archive of the reference
    (root / "submission").mkdir()
    with tarfile.open(root / "submission" / "handin-lab0.tar.gz", "w:gz") as tar:
        for rel in LAB0_ROOM:
            tar.add(REPO / rel, "lab0/" + rel)
        info = tarfile.TarInfo("lab0/grading/branch.toml")
        info.size = len(b"lab = 0\n")
        tar.addfile(info, io.BytesIO(b"lab = 0\n"))
    r = subprocess.run([str(root / "run_autograder")], env=dict(os.environ, AUTOGRADER_ROOT=str(root)),
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads((root / "results" / "results.json").read_text())
    check_gradescope_schema(doc)
    assert doc["score"] == doc["max_score"] > 0, doc["output"]


def test_classroom_workflow_reports_make_grades_score(tmp_path):
    """The workflow's conversion of build/grade/results.json into the
    reporter's runner result: the same points, test by test."""
    text = (REPO / ".github" / "workflows" / "classroom.yml").read_text()
    script = textwrap.dedent(text.split("<<'PY' >> \"$GITHUB_OUTPUT\"\n", 1)[1].split("PY\n", 1)[0])
    (tmp_path / "build" / "grade").mkdir(parents=True)
    doc = {"score": 3, "max_score": 5, "tests": [
        {"name": "a", "score": 3, "max_score": 3, "status": "passed", "output": ""},
        {"name": "b", "score": 0, "max_score": 2, "status": "failed", "output": "FAIL: x"}]}
    (tmp_path / "build" / "grade" / "results.json").write_text(json.dumps(doc))
    r = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                       text=True, check=True)
    key, _, value = r.stdout.strip().partition("=")
    got = json.loads(base64.b64decode(value))
    assert key == "result" and got["max_score"] == 5 and got["status"] == "fail"
    assert [(t["name"], t["score"], t["status"]) for t in got["tests"]] == \
        [("a", 3, "pass"), ("b", 0, "fail")]


def test_grading_is_bounded_in_time_and_memory(tmp_path):
    """run_grade() kills the whole process tree past its time, and bounds
    the address space of everything make grade starts."""
    sys.path.insert(0, str(REPO / "labs"))
    import grade_class
    (tmp_path / "Makefile").write_text(
        "grade:\n\t@sleep 60 & sleep 60\n"
        "big:\n\t@%s -c 'bytearray(512 << 20); print(\"allocated\")'\n" % sys.executable)
    t0 = time.monotonic()
    _, timed_out = grade_class.run_grade(tmp_path, 0, timeout=1, mem_mb=0, extra="")
    assert timed_out and time.monotonic() - t0 < 10
    r = subprocess.run(["make", "-s", "big"], cwd=tmp_path, capture_output=True, text=True,
                       preexec_fn=grade_class._limits(256))
    assert r.returncode != 0 and "MemoryError" in r.stderr and "allocated" not in r.stdout


def test_touched_files_come_from_the_students_own_record(tmp_path):
    """A clone: its history since "Lab 0:" and its work tree; an archive: its
    handin diff. A file that differs from main for another reason is not theirs."""
    man = {"lab": 0, "room": ["a.c"], "files": {"a.c": "?", "Makefile": "?", "old.md": "?"}}
    repo = tmp_path / "clone"
    repo.mkdir()
    for name in ("a.c", "Makefile", "old.md"):
        (repo / name).write_text("given\n")
    demo_class.git(repo, "init", "-q")
    demo_class.git(repo, "add", "-A")
    demo_class.git(repo, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "Lab 0: Tools")
    (repo / "a.c").write_text("mine\n")
    (repo / "Makefile").write_text("hacked\n")
    (repo / "old.md").unlink()
    (repo / "new.c").write_text("x\n")
    assert overlay.outside_room(repo, man) == ["Makefile (changed)", "new.c (added)",
                                               "old.md (deleted)"]
    (tmp_path / "archive" / "handin").mkdir(parents=True)
    (tmp_path / "archive" / "handin" / "lab0.diff").write_text(
        "diff --git a/a.c b/a.c\nindex 1..2 100644\n--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-given\n+mine\n"
        "diff --git a/grading/rubric.toml b/grading/rubric.toml\nnew file mode 100644\n"
        "--- /dev/null\n+++ b/grading/rubric.toml\n@@ -0,0 +1 @@\n+x\n")
    assert overlay.outside_room(tmp_path / "archive", man) == ["grading/rubric.toml (added)"]


def test_lever_edits_are_named_benign_ones_only_reported():
    """A file that steers grading is named with what it is; a README, a doc
    or notes of the student's are no lever."""
    outside = ["README.md (changed)", "docs/grading.md (changed)", "notes.txt (added)",
               "grading/rubric.toml (changed)", "grading/mangotest/score.py (changed)",
               "kernel/ktest/ktest.c (changed)", "vm/vm_page_test.c (deleted)",
               "vm/vm_test_fixture.h (changed)", "labs/labs.toml (changed)", "Makefile (changed)"]
    assert overlay.levers(outside) == [
        "grading/rubric.toml (changed): the grader's rubric (ignored: graded with the instructor's)",
        "grading/mangotest/score.py (changed): the grading harness (ignored: graded with the "
        "instructor's)",
        "kernel/ktest/ktest.c (changed): the in-kernel test framework (ignored: graded with the "
        "instructor's)",
        "vm/vm_page_test.c (deleted): a lab's in-kernel tests (ignored: graded with the "
        "instructor's)",
        "vm/vm_test_fixture.h (changed): a lab's in-kernel tests (ignored: graded with the "
        "instructor's)",
        "labs/labs.toml (changed): the list of the labs (ignored: graded with the instructor's)",
        "Makefile (changed): the build and make grade (ignored: graded with the instructor's)"]


def test_docs_quote_the_hidden_example_as_it_is():
    """docs/instructors.md's worked examples are labs/hidden-example's files,
    word for word (the selftest above grades those files)."""
    doc = (REPO / "docs" / "instructors.md").read_text().split("## Hidden tests: worked examples")[1]
    files = {"c": "kernel/backtrace_hidden.c", "toml": "rubric.toml", "python": "test_hidden_lab0.py"}
    quoted = [(lang, body) for lang, body in re.findall(r"```(\w+)\n(.*?)```", doc, re.S)
              if lang in files]
    assert sorted({lang for lang, _ in quoted}) == ["c", "python", "toml"]
    for lang, body in quoted:
        assert body in (Path(HIDDEN) / files[lang]).read_text(), body
