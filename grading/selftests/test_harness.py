"""The grader graded: deliberately broken kernels (ktest.selftest=<kind>)
must get the right verdict and no points, a forged KTAP stream must score
zero, a missing case must fail, and make grade must add it all up."""
import json
import subprocess

import pytest

from mangotest import ktap, verdict as V
from mangotest.labrun import LabRun
from mangotest.machine import BUILD, REPO
from mangotest.rubric import Entry, Lab

pytestmark = pytest.mark.boot


def selftest_run(tmp_path, kind, extra=()):
    lab = Lab(id="st", title="self-test", kernel=["selftest.*"],
              cmdline="ktest.selftest=%s" % kind)
    entries = [Entry(name="selftest.pass", lab="st", points=1, timeout=5),
               Entry(name="selftest.%s" % kind, lab="st", points=1, timeout=3)]
    entries += [Entry(name=n, lab="st", points=1, timeout=3) for n in extra]
    return LabRun(lab, entries, tmp_path).run()


@pytest.mark.parametrize("kind, verdict, says", [
    ("fail", V.FAIL, "kernel/ktest/selftest.c:26: expected two + 1 == 4, got two + 1 = 3 (0x3), 4 = 4"),
    ("panic", V.PANIC, "MANGO PANIC: ktest_fn_selftest_panic: selftest: deliberate panic"),
    ("hang", V.TIMEOUT, "no progress in case selftest.hang for 3s"),
    ("triple", V.TRIPLE_FAULT, "the CPU reset itself in case selftest.triple"),
    ("flood", V.FLOOD, "and was cut off"),
])
def test_broken_case_gets_its_verdict(built, tmp_path, kind, verdict, says):
    out = selftest_run(tmp_path, kind)
    bad = out["selftest.%s" % kind]
    assert bad.verdict == verdict, bad.message
    assert says in bad.message, bad.message
    # one bad case does not take the lab down: the other case still passes
    assert out["selftest.pass"].verdict == V.PASS, out["selftest.pass"].message


def test_panic_verdict_carries_a_backtrace(built, tmp_path):
    msg = selftest_run(tmp_path, "panic")["selftest.panic"].message
    assert "backtrace:" in msg and "run_case+" in msg


def test_timeout_verdict_shows_the_console(built, tmp_path):
    msg = selftest_run(tmp_path, "hang")["selftest.hang"].message
    assert "Last console lines" in msg and "ktest: selftest.hang" in msg


def test_forged_ktap_scores_zero(built, tmp_path):
    out = selftest_run(tmp_path, "forge")
    assert all(o.verdict == V.FAIL for o in out.values())
    assert all("results refused" in o.message for o in out.values())


def test_missing_case_fails(built, tmp_path):
    out = selftest_run(tmp_path, "fail", extra=["selftest.ghost"])
    assert out["selftest.ghost"].verdict == V.FAIL
    assert "never reported selftest.ghost" in out["selftest.ghost"].message


def test_ktap_without_nonce_is_refused():
    k = ktap.parse("KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: a\n    1..1\n"
                   "    ok 1 b\nok 1 a\n")
    assert k.nonce is None and k.problems
    k = ktap.parse("KTAP version 1\n# mango-ktest nonce=abc seed=1\n1..1\n"
                   "    KTAP version 1\n    # Subtest: a\n    1..1\n    # start a.b\n"
                   "    ok 1 b\nok 1 a\n# mango-ktest done: passed=1 failed=0 skipped=0\n")
    assert k.nonce == "abc" and not k.problems and k.done
    assert k.results["a.b"].ok


@pytest.fixture
def extra_rubric(tmp_path):
    """An instructor's GRADING_EXTRA: a lab of self-test cases, one hidden
    pytest test, nothing in grading/ edited."""
    (tmp_path / "rubric.toml").write_text('''
[labs.st]
title = "Self-test"
kernel = ["selftest.*"]
cmdline = "ktest.selftest=fail"

[[test]]
name = "selftest.pass"
lab = "st"
points = 1
timeout = 5
hint = "passes"

[[test]]
name = "selftest.fail"
lab = "st"
points = 2
timeout = 5
hint = "fails on purpose"

[[test]]
name = "hidden_uptime"
test = "test_hidden.py::test_hidden_uptime"
lab = "st"
points = 4
timeout = 20
hint = "a hidden test"
''')
    (tmp_path / "test_hidden.py").write_text('''
def test_hidden_uptime(mango):
    assert "ticks at 100 Hz" in mango.run("uptime")
''')
    return tmp_path


# `make grade` writes build/grade/: these tests take turns (one xdist worker).
make_grade = pytest.mark.xdist_group("make_grade")


def grade(*args):
    return subprocess.run(["make", "--no-print-directory", "grade", *args], cwd=REPO,
                          capture_output=True, text=True)


@make_grade
def test_make_grade_scores_and_writes_results(built, extra_rubric):
    r = grade("LAB=st", "GRADING_EXTRA=%s" % extra_rubric)
    assert r.returncode != 0, "make grade must fail when the score is not full"
    assert "Score: 5/7" in r.stdout, r.stdout + r.stderr
    assert "FAIL         selftest.fail" in r.stdout
    assert "hint: fails on purpose" in r.stdout
    doc = json.loads((BUILD / "grade" / "results.json").read_text())
    assert (doc["score"], doc["max_score"]) == (5, 7)
    tests = {t["name"]: t for t in doc["tests"]}
    assert tests["selftest.fail"]["score"] == 0 and tests["selftest.fail"]["max_score"] == 2
    assert tests["selftest.fail"]["output"].startswith("FAIL: selftest.fail failed")
    assert tests["hidden_uptime"]["status"] == "passed"
    assert (BUILD / "grade" / "junit.xml").exists()
    assert (BUILD / "grade" / "logs" / "selftest.fail").is_dir()


@make_grade
def test_make_grade_one_test(built, extra_rubric):
    r = grade("TEST=selftest.pass", "GRADING_EXTRA=%s" % extra_rubric)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Score: 1/1" in r.stdout


@make_grade
@pytest.mark.parametrize("args, says", [
    (["LAB=42"], "unknown lab '42'; valid labs: 0"),
    (["TEST=no_such_test"], "no graded test matches 'no_such_test'; valid tests:"),
])
def test_make_grade_rejects_unknown_names(built, args, says):
    r = grade(*args)
    assert r.returncode != 0
    assert says in r.stdout + r.stderr


def test_results_without_start_lines_are_refused():
    """A kernel that writes 'ok' lines of its own after the real header."""
    k = ktap.parse("KTAP version 1\n# mango-ktest nonce=abc seed=1\n1..1\n"
                   "    KTAP version 1\n    # Subtest: a\n    1..2\n    # start a.b\n"
                   "    ok 1 b\n    ok 2 c\n")
    assert any("without its '# start' line" in p for p in k.problems)


def test_done_line_must_match_the_results():
    k = ktap.parse("KTAP version 1\n# mango-ktest nonce=abc seed=1\n1..1\n"
                   "    KTAP version 1\n    # Subtest: a\n    1..1\n    # start a.b\n"
                   "    ok 1 b\nok 1 a\n# mango-ktest done: passed=5 failed=0 skipped=0\n")
    assert any("done line counts 5" in p for p in k.problems)


@make_grade
def test_serial_and_parallel_grading_agree(built, extra_rubric):
    """pytest-xdist when present, serial otherwise: the same scores."""
    pytest.importorskip("xdist")

    def run(*args):
        r = grade("LAB=st", "GRADING_EXTRA=%s" % extra_rubric, *args)
        doc = json.loads((BUILD / "grade" / "results.json").read_text())
        return r.returncode, sorted((t["name"], t["score"], t["status"]) for t in doc["tests"])

    assert run("XDIST=") == run("XDIST=-n 2 --dist loadgroup")


def test_extra_rubric_cannot_redefine_a_public_lab(tmp_path):
    from mangotest import rubric
    (tmp_path / "rubric.toml").write_text('[labs.0]\ntitle = "mine"\n')
    with pytest.raises(rubric.RubricError, match=r"\[labs.0\] is defined already"):
        rubric.load(extra_dir=str(tmp_path))


def test_extra_tests_are_located_in_their_own_folder(tmp_path):
    from mangotest import rubric
    (tmp_path / "rubric.toml").write_text(
        '[[test]]\nname = "hidden_bt"\ntest = "test_lab0.py::test_bt_command"\n'
        'lab = 0\npoints = 1\ntimeout = 10\n')
    entry = rubric.load(extra_dir=str(tmp_path)).by_name()["hidden_bt"]
    assert entry.test_location() == ((tmp_path / "test_lab0.py").resolve(), "test_bt_command")


@make_grade
def test_pytest_level_timeout_is_a_verdict(built, tmp_path):
    (tmp_path / "rubric.toml").write_text('''
[labs.slow]
title = "Slow"

[[test]]
name = "too_slow"
test = "test_slow.py::test_too_slow"
lab = "slow"
points = 3
timeout = 4
hint = "sleeps past its timeout on purpose"
''')
    (tmp_path / "test_slow.py").write_text('''
import time

def test_too_slow(mango):
    time.sleep(60)
''')
    r = grade("LAB=slow", "GRADING_EXTRA=%s" % tmp_path)
    assert r.returncode != 0
    assert "TIMEOUT      too_slow" in r.stdout, r.stdout
    doc = json.loads((BUILD / "grade" / "results.json").read_text())
    assert doc["tests"][0]["output"].startswith("TIMEOUT: the test took longer than its 4s")
