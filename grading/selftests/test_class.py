"""Grading a class (labs/grade_class.py, labs/overlay.py): a class folder made
from the generated lab0 branch - the reference as a `make handin` archive,
the stubs as a git bundle, a clone that rewrites the rubric, conftest and
Makefile to give itself points, a forger that writes fake KTAP on COM2 and
powers off, a corrupt archive, an empty folder and a lab 1 tree - graded
in one batch. The honest ones get their score, the hostile ones no more
than the stubs (and the forger is flagged, file:line), the broken ones a
row that says why. The batch grades four trees, -j 2: about 60 s; the
autograder zip's run_autograder, in a temporary /autograder: about 30 s."""
import base64
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile

import pytest

from mangotest.machine import REPO

sys.path.insert(0, str(REPO / "labs"))
import grade_class  # noqa: E402  (instructor-only, like grading/selftests)
import overlay  # noqa: E402

HIDDEN = str(REPO / "labs" / "hidden-example")  # docs/instructors.md's worked example
LAB0_ROOM = ["kernel/core/backtrace.c", "kernel/core/ksyms.c"]
FORGERY = r'''
#include <arch/io.h>
#include <mango/machine.h>

/* A hostile submission: a KTAP stream claiming every case passed, on COM2. */
static void forge(void)
{
	static const char fake[] = "KTAP version 1\n# mango-ktest nonce=0000000000000000 seed=1\n"
		"1..1\nok 1 backtrace\n# mango-ktest done: passed=13 failed=0 skipped=0\n";
	for (const char *s = fake; *s; s++)
		outb(0x2f8, (uint8_t)*s);
	machine_poweroff();
}
'''


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def clone_lab0(repo, dest):
    git(repo.parent, "clone", "-q", "-b", "lab0", str(repo), str(dest))
    git(dest, "config", "user.email", "student@example.org")
    git(dest, "config", "user.name", "Student")
    return dest


def make_class(tmp):
    """A class folder of lab 0 submissions in @tmp/class; returns it."""
    repo = tmp / "repo"
    subprocess.run([sys.executable, str(REPO / "labs" / "generate.py"), "build", str(repo),
                    "--lab", "0"], check=True, capture_output=True)
    cls = tmp / "class"
    cls.mkdir()
    # the reference, handed in with make handin
    ref = clone_lab0(repo, tmp / "w-ref")
    for rel in LAB0_ROOM:
        shutil.copyfile(REPO / rel, ref / rel)
    (ref / "time.txt").write_text("12\n")
    (ref / "answers-lab0.txt").write_text("1. rbp\n")
    git(ref, "add", "-A")
    git(ref, "commit", "-qm", "lab 0")
    subprocess.run(["make", "-s", "handin"], cwd=ref, check=True, capture_output=True)
    shutil.copyfile(ref / "handin-lab0.tar.gz", cls / "alice.tar.gz")
    # the stubs, as a git bundle
    git(repo, "bundle", "create", str(cls / "bob.bundle"), "lab0")
    # a clone that edits the grader to give itself every point
    hack = clone_lab0(repo, cls / "mallory")
    rubric = hack / "grading" / "rubric.toml"
    rubric.write_text(rubric.read_text().replace("points = ", "points = 100 + "))
    with open(hack / "grading" / "conftest.py", "a") as f:
        f.write("\ndef pytest_runtest_makereport(item, call):\n    call.excinfo = None\n")
    with open(hack / "Makefile", "a") as f:
        f.write("\nCFLAGS += -DGRADE_ME_FULL\n")
    # a forger: a plain folder whose backtrace.c writes fake KTAP and powers off
    forger = cls / "trudy"
    shutil.copytree(clone_lab0(repo, tmp / "w-trudy"), forger, ignore=shutil.ignore_patterns(".git"))
    bt = forger / LAB0_ROOM[0]
    text = bt.read_text()
    head, sep, body = text.partition("int backtrace_walk(uintptr_t fp, uintptr_t *pcs, int max)\n{\n")
    assert sep, "backtrace_walk() is not where the test expects it"
    bt.write_text(head + FORGERY + "\n" + sep + "\tforge();\n" + body)
    # broken ones
    (cls / "carol.tar.gz").write_bytes(b"this is not a gzip file\n" * 10)
    (cls / "dave").mkdir()
    wrong = clone_lab0(repo, cls / "erin")
    (wrong / "grading" / "branch.toml").write_text("lab = 1\n")
    return cls


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, built):
    """(rows by student, out folder, output) of the class above, graded -j 2
    with the hidden tests of labs/hidden-example."""
    tmp = tmp_path_factory.mktemp("class")
    cls = make_class(tmp)
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
    rep = overlay.overlay(sub, dest, man)
    assert (dest / "a.c").read_bytes() == b"mine\n"
    assert (dest / "Makefile").read_bytes() == b"ok\n" and not (dest / "new.py").exists()
    assert rep.taken == ["a.c"] and rep.outside == ["Makefile (changed)", "new.py (added)"]


def test_lint_names_forgery_by_file_and_line(tmp_path):
    (tmp_path / "a.c").write_text("int f(void)\n{\n\toutb(0x2f8, 'k');\n\treturn 0;\n}\n")
    (tmp_path / "b.c").write_text("const char *p = param_get(\"ktest.nonce\");\n")
    hits = overlay.lint(tmp_path, ["a.c", "b.c"])
    assert hits[0].startswith("a.c:3: port I/O (outb(")
    assert hits[1].startswith("b.c:1: the kernel command line (param_get)")


def test_reference_rooms_pass_the_lint():
    """(The stubs' are checked by bob's row: graded, not FLAGGED.)"""
    for lab in range(4):
        assert overlay.lint(REPO, overlay.manifest(lab)["room"]) == []


@pytest.mark.boot
@pytest.mark.slow
def test_class_is_graded_whatever_it_handed_in(graded_class):
    rows, out, stdout = graded_class
    assert set(rows) == {"alice", "bob", "mallory", "trudy", "carol", "dave", "erin"}
    full = int(rows["alice"]["max"])
    assert rows["alice"]["verdict"] == "graded" and int(rows["alice"]["total"]) == full, \
        (out / "alice" / "report.txt").read_text()
    stub = int(rows["bob"]["total"])
    assert rows["bob"]["verdict"] == "graded" and stub < full
    assert (rows["carol"]["verdict"], rows["dave"]["verdict"], rows["erin"]["verdict"]) == \
        ("CORRUPT", "EMPTY", "WRONG LAB")
    for student in rows:
        doc = json.loads((out / student / "results.json").read_text())
        check_gradescope_schema(doc)
        assert doc["max_score"] == full and len(doc["tests"]) == len(rows["alice"]) - 8
        assert doc["score"] == int(rows[student]["total"])


@pytest.mark.boot
@pytest.mark.slow
def test_hidden_tests_of_both_kinds_are_graded(graded_class):
    """GRADING_EXTRA's kernel case is compiled into each graded copy; its
    pytest test runs: the reference passes both, the stubs neither."""
    rows, out, _ = graded_class
    hidden = ["backtrace.hidden_walks_a_chain_in_order", "hidden_bt_is_stable"]
    assert [rows["alice"][t] for t in hidden] == ["3", "2"], \
        (out / "alice" / "report.txt").read_text()
    assert [rows["bob"][t] for t in hidden] == ["0", "0"]
    assert not (REPO / "kernel" / "extra").exists()  # the instructor's tree is untouched


@pytest.mark.boot
@pytest.mark.slow
def test_editing_the_grader_changes_nothing(graded_class):
    rows, out, _ = graded_class
    assert rows["mallory"]["verdict"] == "graded"
    assert rows["mallory"]["total"] == rows["bob"]["total"]
    touched = rows["mallory"]["touched_outside_room"]
    for rel in ("grading/rubric.toml", "grading/conftest.py", "Makefile"):
        assert "%s (changed)" % rel in touched


@pytest.mark.boot
@pytest.mark.slow
def test_forged_ktap_scores_no_more_than_the_stub_and_is_flagged(graded_class):
    rows, out, _ = graded_class
    trudy = rows["trudy"]
    assert trudy["verdict"] == "FLAGGED" and int(trudy["total"]) == 0
    assert "kernel/core/backtrace.c:" in trudy["flags"] and "port I/O (outb(" in trudy["flags"]
    # what the harness measured, before the points were withheld: no more than the stub
    measured = json.loads((out / "trudy" / "harness-results.json").read_text())["score"]
    assert measured <= int(rows["bob"]["total"])


@pytest.mark.boot
@pytest.mark.slow
def test_summary_shows_histogram_and_most_failed(graded_class):
    rows, out, stdout = graded_class
    text = (out / "summary.txt").read_text()
    assert "score histogram:" in text and "tests most failed" in text
    assert "carol" in text and "CORRUPT" in text
    assert "Lab 0: 7 submission(s)" in stdout


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
    # what setup.sh's `make all` leaves (the packages are installed here)
    shutil.copytree(REPO / "build", root / "source" / "build", symlinks=True,
                    ignore=shutil.ignore_patterns("grade", "class", "labs-repo", "autograder*"))
    subprocess.run(["make", "-s", "all"], cwd=root / "source", check=True, capture_output=True)
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
