"""Hostile submissions (labs/hostile/labN/*.patch, each headed by what it
attacks) applied to the generated lab branches, as a student would commit
them, and graded through the instructors' path (labs/grade_class.py, -j 2):
none scores above the honest stub, and each is flagged with a message
naming what it did, or has its in-kernel points withheld as UNCORROBORATED
when only the witnesses can see it. Lab 1's nine lint-visible or lever
patches and the stub are one batch; the forgers are graded again with the
lint off (--no-lint), beside the lint-evading one, to show that the
witnesses withhold their points on their own. Labs 4 and 5 get a forger
each (and Lab 4 the lint-evading one), in one small batch per lab."""
import csv
import json
import os
import re
import subprocess
import sys

import pytest

from mangotest import rubric as rubric_mod
from mangotest.machine import REPO

sys.path.insert(0, str(REPO / "labs"))
import lint  # noqa: E402  (instructor-only, like grading/selftests)
import overlay  # noqa: E402

HOSTILE = REPO / "labs" / "hostile"
UNCORROBORATED = "UNCORROBORATED"
NOT_LINTED = {"lint_evading_hollow"}  # what the lint cannot see, by design
LEVER_EDITS = {"hollow_tests", "rigged_rubric", "rigged_conftest", "rigged_makefile",
               "unregister_cases"}  # files outside the room: the overlay flags them
# what each Lab 1 patch must be flagged for: substrings of its flags
LAB1_FLAGS = {
    "forged_stream": ["vm/vm_page.c:", "port I/O (outb(", "the kernel command line (param_get)",
                      "the test harness (__ktests_start)", "ending the machine (machine_poweroff)"],
    "forged_then_flood": ["vm/vm_page.c:", "port I/O (outb("],
    "hollow_tests": ["vm/vm_page_test.c (changed): a lab's in-kernel tests (ignored: graded "
                     "with the instructor's)"],
    "rigged_rubric": ["grading/rubric.toml (changed): the grader's rubric (ignored: graded "
                      "with the instructor's)"],
    "rigged_conftest": ["grading/conftest.py (changed): the grader's pytest hooks"],
    "rigged_makefile": ["Makefile (changed): the build and make grade"],
    "early_exit": ["vm/vm_page.c:", "ending the machine (machine_poweroff)"],
    "skip_by_parameter": ["vm/vm_page.c:", "the kernel command line (param_parse)"],
    "unregister_cases": ["vm/vm_page_test.c (deleted): a lab's in-kernel tests"],
}


def patches(lab):
    """{name: path} of labs/hostile/lab@lab's patches."""
    return {p.stem: p for p in sorted((HOSTILE / ("lab%d" % lab)).glob("*.patch"))}


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def lab_repo(tmp_path_factory):
    """The student repository labs/generate.py makes, branches lab0..lab5."""
    repo = tmp_path_factory.mktemp("hostile") / "repo"
    subprocess.run([sys.executable, str(REPO / "labs" / "generate.py"), "build", str(repo),
                    "--lab", "5"], check=True, capture_output=True)
    return repo


def submission(repo, lab, dest, patch=None):
    """A clone of branch lab@lab of @repo at @dest with @patch applied and
    committed, as a student hands in a clone."""
    git(repo.parent, "clone", "-q", "-b", "lab%d" % lab, str(repo), str(dest))
    if patch:
        git(dest, "apply", str(patch))
        git(dest, "add", "-A")
        git(dest, "-c", "user.name=Student", "-c", "user.email=s@example.org", "commit", "-qm",
            "my lab %d" % lab)
    return dest


def grade(cls, out, lab, *options):
    """Grade class folder @cls as lab @lab, -j 2, into @out: rows by student."""
    r = subprocess.run([sys.executable, str(REPO / "labs" / "grade_class.py"), str(cls), "--lab",
                        str(lab), "-j", "2", "--out", str(out), "--timeout", "300", *options],
                       capture_output=True, text=True, env=dict(os.environ, GRADING_EXTRA=""))
    assert r.returncode == 0, r.stdout + r.stderr
    with open(out / "gradebook.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def in_kernel(lab):
    """Names of lab @lab's in-kernel (ktest) rubric entries."""
    return [e.name for e in rubric_mod.load().lab_entries(str(lab)) if e.kind == "ktest"]


@pytest.fixture(scope="module")
def lab1_batch(tmp_path_factory, built, lab_repo):
    """(rows, out) of the stub and every lint-visible or lever patch of lab 1."""
    tmp = tmp_path_factory.mktemp("lab1-batch")
    submission(lab_repo, 1, tmp / "class" / "stub")
    for name, patch in patches(1).items():
        if name not in NOT_LINTED:
            submission(lab_repo, 1, tmp / "class" / name, patch)
    return grade(tmp / "class", tmp / "out", 1), tmp / "out"


@pytest.fixture(scope="module")
def unlinted_batch(tmp_path_factory, built, lab_repo):
    """(rows, out) of lab 1's forgers and the stub graded with the lint off
    (its own stub: each batch may run on another xdist worker)."""
    if not any(e.witness for e in rubric_mod.load().lab_entries("1")):
        pytest.skip("lab 1's in-kernel cases name no witness yet (rubric `witness`): nothing "
                    "but the lint withholds a forger's points")
    tmp = tmp_path_factory.mktemp("lab1-unlinted")
    submission(lab_repo, 1, tmp / "class" / "stub")
    for name in ("forged_stream", "lint_evading_hollow"):
        submission(lab_repo, 1, tmp / "class" / name, patches(1)[name])
    return grade(tmp / "class", tmp / "out", 1, "--no-lint"), tmp / "out"


def test_every_patch_says_what_it_attacks():
    """A header comment naming the attack and what stops it; Lab 1's set
    covers each kind of the issue's list."""
    assert set(patches(1)) == set(LAB1_FLAGS) | NOT_LINTED
    for lab in (1, 4, 5):
        for name, patch in patches(lab).items():
            head = patch.read_text().split("diff --git", 1)[0]
            assert head.startswith("# Attacks: ") and "Stopped by: " in head, (lab, name)


@pytest.mark.parametrize("lab", [1, 4, 5])
def test_patches_apply_and_the_lint_sees_exactly_the_visible_ones(lab, lab_repo, tmp_path):
    """Each patch applies to its generated branch; the lint finds the room
    edits (the lint-evading one stays clean: only the witnesses see it)."""
    room = overlay.manifest(lab)["room"]
    for name, patch in patches(lab).items():
        tree = submission(lab_repo, lab, tmp_path / name, patch)
        hits = lint.lint_room(tree, room)
        if name in NOT_LINTED | LEVER_EDITS:
            assert hits == [], (name, hits)
        else:
            assert hits and all(h.startswith(tuple(room)) for h in hits), (name, hits)


@pytest.mark.xdist_group("hostile-lab1")
@pytest.mark.boot
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(LAB1_FLAGS))
def test_lab1_hostile_patch_is_flagged_and_scores_no_more_than_the_stub(name, lab1_batch):
    rows, out = lab1_batch
    stub, row = rows["stub"], rows[name]
    assert stub["verdict"] == "graded", (out / "stub" / "report.txt").read_text()[-3000:]
    assert row["verdict"] == "FLAGGED" and int(row["total"]) <= int(stub["total"]), row
    for what in LAB1_FLAGS[name]:
        assert what in row["flags"], (what, row["flags"])
    doc = json.loads((out / name / "results.json").read_text())
    assert doc["score"] == int(row["total"]) and "Flagged for review:" in doc["output"]
    assert LAB1_FLAGS[name][0] in doc["output"]


@pytest.mark.xdist_group("hostile-lab1")
@pytest.mark.boot
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(LEVER_EDITS | {"early_exit", "skip_by_parameter"}))
def test_what_the_harness_measured_is_the_stubs_score(name, lab1_batch):
    """Before the points are withheld: the overlay ignored the lever edits,
    and the harness failed what an early exit or a skip left unreported."""
    rows, out = lab1_batch
    measured = json.loads((out / name / "harness-results.json").read_text())
    assert measured["score"] <= int(rows["stub"]["total"]), measured["score"]


@pytest.mark.xdist_group("hostile-unlinted")
@pytest.mark.boot
@pytest.mark.slow
@pytest.mark.parametrize("name", ["forged_stream", "lint_evading_hollow"])
def test_witnesses_alone_withhold_a_forgers_points(name, unlinted_batch):
    """Graded with --no-lint, a forger's in-kernel cases say ok but no
    witness corroborates them: UNCORROBORATED, 0 points each, and the total
    is no more than the stub's."""
    rows, out = unlinted_batch
    row = rows[name]
    report = (out / name / "report.txt").read_text()
    assert row["verdict"] == "graded" and "lint: off (--no-lint)" in report, row
    assert int(row["total"]) <= int(rows["stub"]["total"]), row
    harness = {t["name"]: t for t in
               json.loads((out / name / "harness-results.json").read_text())["tests"]}
    for case in in_kernel(1):
        assert harness[case]["tags"][-1] == UNCORROBORATED and row[case] == "0", \
            (case, harness[case]["tags"], harness[case]["output"][:300])


@pytest.mark.xdist_group("hostile-lab45")
@pytest.mark.boot
@pytest.mark.slow
@pytest.mark.parametrize("lab", [4, 5])
def test_later_labs_hostile_patches_score_no_more_than_the_stub(lab, lab_repo, tmp_path):
    """Labs 4 and 5, graded beside the stub: a forged stream from the lab's
    own room (vm_region.c, vm_fault.c) is FLAGGED by file:line and scores 0,
    and even what the harness measured before withholding is no more than
    the stub's; the lint-evading hollowing of Lab 4's case table is graded,
    lint-clean, but none of its in-kernel cases is corroborated. The
    witnesses (QMP reads of the page tables, the faults' effects) withhold
    both forgers' in-kernel points."""
    room = overlay.manifest(lab)["room"][0]
    submission(lab_repo, lab, tmp_path / "class" / "stub")
    for name, patch in patches(lab).items():
        submission(lab_repo, lab, tmp_path / "class" / name, patch)
    rows = grade(tmp_path / "class", tmp_path / "out", lab)
    stub = int(rows["stub"]["total"])
    for name in patches(lab):
        row = rows[name]
        measured = json.loads((tmp_path / "out" / name / "harness-results.json").read_text())
        tags = {t["name"]: t["tags"][-1] for t in measured["tests"]}
        assert int(row["total"]) <= stub and measured["score"] <= stub, (name, row["total"])
        assert {tags[case] for case in in_kernel(lab)} == {UNCORROBORATED}, (name, tags)
        if name in NOT_LINTED:
            assert row["verdict"] == "graded" and row["flags"] == "", row
        else:
            assert row["verdict"] == "FLAGGED", row
            assert re.search(r"%s:\d+: port I/O \(outb\(" % re.escape(room), row["flags"]), row
