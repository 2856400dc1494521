"""The grader graded: deliberately broken kernels (ktest.selftest=<kind>)
must get the right verdict and no points, whatever the machine's load; a
forged KTAP stream must score zero, a missing case must fail, a kernel
that does not build must still be graded, and make grade must add it all up."""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib

import pytest

from mangotest import ktap, labrun, rubric, verdict as V
from mangotest.labrun import LabRun
from mangotest.machine import BUILD, REPO
from mangotest.rubric import Entry, Lab

pytestmark = pytest.mark.boot

sys.path.insert(0, str(REPO / "labs"))
import generate  # noqa: E402  (instructor-only, like grading/selftests)


def selftest_run(tmp_path, kind, extra=(), **kwargs):
    return selftest_labrun(tmp_path, kind, extra, **kwargs).run()


def selftest_labrun(tmp_path, kind, extra=(), **kwargs):
    lab = Lab(id="st", title="self-test", kernel=["selftest.*"],
              cmdline="ktest.selftest=%s" % kind)
    entries = [Entry(name="selftest.pass", lab="st", points=1, timeout=5),
               Entry(name="selftest.%s" % kind, lab="st", points=1, timeout=3)]
    entries += [Entry(name=n, lab="st", points=1, timeout=3) for n in extra]
    return LabRun(lab, entries, tmp_path, **kwargs)


SELFTEST_C = REPO / "kernel" / "ktest" / "selftest.c"
FAIL_LINE = next(i for i, line in enumerate(SELFTEST_C.read_text().splitlines(), 1)
                 if "KT_EXPECT_EQ(two + 1, 4)" in line)
BROKEN = [  # kind, verdict, what its message says
    ("fail", V.FAIL, "kernel/ktest/selftest.c:%d: expected two + 1 == 4, got two + 1 = 3 (0x3), "
     "4 = 4" % FAIL_LINE),
    ("panic", V.PANIC, "MANGO PANIC: ktest_fn_selftest_panic: selftest: deliberate panic"),
    ("hang", V.TIMEOUT, "no progress in case selftest.hang for 3s"),
    ("triple", V.TRIPLE_FAULT, "the CPU reset itself in case selftest.triple"),
    ("flood", V.FLOOD, "and was cut off"),
]


@pytest.mark.parametrize("kind, verdict, says", BROKEN)
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


def test_timeout_verdict_shows_the_console_and_where_the_cpu_is(built, tmp_path):
    run = selftest_labrun(tmp_path, "hang")
    msg = run.run()["selftest.hang"].message
    assert "Last console lines" in msg and "ktest: selftest.hang" in msg
    # QEMU's registers over QMP, named with kernel.nm, the line by addr2line
    assert "the CPU is halted (hlt, waiting for an interrupt) in ktest_fn_selftest_hang+0x" in msg
    assert ".h:" in msg or ".c:" in msg, msg
    assert "called from ktest_run <- ktest_boot <- kmain" in msg, msg
    # after a timeout, the lab's later cases get a short budget
    assert run.timed_out == "selftest.hang"
    assert run._budget("selftest.pass") == labrun.AFTER_TIMEOUT_MIN  # 5s / 3 < 2s
    run.entries["selftest.pass"].timeout = 30
    assert run._budget("selftest.pass") == 10
    assert "after selftest.hang timed out" in run._cut_note("selftest.pass")
    assert run._budget("selftest.hang") == 3 and run._cut_note("selftest.hang") == ""


@pytest.fixture
def cpu_hogs():
    """Busy loops, two per core and pinned to it: the machine is saturated."""
    hogs = []
    for cpu in sorted(os.sched_getaffinity(0)) * 2:
        hogs.append(subprocess.Popen(["taskset", "-c", str(cpu), sys.executable, "-c",
                                      "while True: pass"]))
    time.sleep(0.5)
    yield len(hogs)
    for p in hogs:
        p.kill()
        p.wait()


def test_verdicts_do_not_depend_on_load(built, tmp_path, cpu_hogs):
    """Under CPU contention (QEMU gets a third of a core) every broken kind
    gets the verdict it gets on a quiet machine (test_broken_case_gets_its_verdict)."""
    got = {kind: selftest_run(tmp_path / kind, kind) for kind, _, _ in BROKEN}
    assert {k: (o["selftest.%s" % k].verdict, o["selftest.pass"].verdict)
            for k, o in got.items()} == {k: (v, V.PASS) for k, v, _ in BROKEN}


def test_flood_before_ktest_starts_is_flood(built, tmp_path):
    """A console flood before ktest wrote its KTAP header (here: a limit
    below the boot banner) is FLOOD for every case, not 'results refused'."""
    out = selftest_run(tmp_path, "fail", flood_limit=16)
    assert {o.verdict for o in out.values()} == {V.FLOOD}, out
    assert all("before the first case started" in o.message for o in out.values())


@pytest.mark.parametrize("kind, verdict, says", [
    ("boot-panic", V.PANIC, "selftest: deliberate panic before the first case"),
    ("boot-hang", V.TIMEOUT, "the CPU is halted"),
])
def test_a_kernel_that_dies_before_ktest_starts_gets_a_verdict(built, tmp_path, kind, verdict,
                                                                says):
    """A student's bug at boot (before ktest's first line): every case of
    the lab gets the crash's verdict, with where it happened."""
    out = selftest_run(tmp_path, kind)
    assert {o.verdict for o in out.values()} == {verdict}, out
    assert all(says in o.message for o in out.values()), out


def test_incremental_ktap_parse_equals_whole():
    text = ("KTAP version 1\n# mango-ktest nonce=abc seed=1\n1..1\n    KTAP version 1\n"
            "    # Subtest: a\n    1..2\n    # start a.b\n    # x.c:1: expected 1, got 2\n"
            "    not ok 1 b\n    # start a.c\n    ok 2 c\nnot ok 1 a\n"
            "# mango-ktest done: passed=1 failed=1 skipped=0")
    p = ktap.Parser()
    for i in range(0, len(text), 7):
        p.feed(text[i:i + 7])
        if i < text.index("ok 1 b"):
            assert p.result.running in (None, "a.b")
    assert p.finish() == ktap.parse(text)
    k = ktap.parse(text)
    assert not k.problems and k.done and k.results["a.b"].diagnostics == ["x.c:1: expected 1, got 2"]


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
    (["LAB=0", "TEST=pages.*"], "no graded test of lab 0 matches 'pages.*': it matches "),
    (["LAB=0", "TEST=pages.*"], " test(s) of lab 1 (pages.initial_accounting, "),
    (["LAB=0", "TEST=pages.*"], "choose among lab 0's graded tests:\n  "
     "backtrace.first_frame_is_the_caller\n"),
])
def test_make_grade_rejects_unknown_names(built, args, says):
    r = grade(*args)
    assert r.returncode != 0
    assert says in r.stdout + r.stderr
    assert not (BUILD / "grade" / "results.json").exists(), "a stale score outlived the error"


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
    """pytest-xdist when present, serial otherwise: the same scores; in
    parallel, a lab's tests all run on one worker (its one LabRun)."""
    pytest.importorskip("xdist")
    out = {}

    def run(*args):
        r = grade("LAB=st", "GRADING_EXTRA=%s" % extra_rubric, "PYTEST_ARGS=-vv", *args)
        out[args] = r.stdout
        doc = json.loads((BUILD / "grade" / "results.json").read_text())
        outputs[args] = {t["name"]: t["output"] for t in doc["tests"] if t["output"]}
        return r.returncode, sorted((t["name"], t["score"], t["status"]) for t in doc["tests"])

    outputs = {}
    parallel = ("XDIST=-n 2 --dist loadgroup",)
    serial = run("XDIST=")
    assert serial == run(*parallel), "what each failed test said: %s" % outputs
    workers = re.findall(r"^\[(gw\d+)\] .*(?:PASSED|FAILED) \S+@labst", out[parallel], re.M)
    assert len(workers) == 3 and len(set(workers)) == 1, out[parallel]


def test_a_kernel_case_scores_only_when_its_witnesses_pass():
    """A case the kernel reports ok is the kernel's word: student code could
    have written it. Its points need every witness the rubric names."""
    from mangotest.score import Run, Score
    case = Entry(name="s.case", lab="w", points=3, timeout=5, witness=["seen", "also_seen"])
    seen = Entry(name="seen", lab="w", points=1, timeout=5, test="t.py::test_seen")
    also = Entry(name="also_seen", lab="w", points=1, timeout=5, test="t.py::test_also")
    rub = rubric.Rubric(labs={"w": Lab(id="w", title="w")}, entries=[case, seen, also])

    def graded(*runs):
        score = Score(rub)
        for name, verdict in runs:
            score.add(Run(name, "", verdict, "what it saw" if verdict != V.PASS else ""))
        return {r.entry.name: r for r in score.reports()}

    both = graded(("s.case", V.PASS), ("seen", V.PASS), ("also_seen", V.PASS))
    assert (both["s.case"].verdict, both["s.case"].points) == (V.PASS, 3)
    one = graded(("s.case", V.PASS), ("seen", V.PASS), ("also_seen", V.FAIL))
    assert (one["s.case"].verdict, one["s.case"].points) == (V.UNCORROBORATED, 0)
    assert "witness also_seen was graded FAIL: what it saw" in one["s.case"].message
    alone = graded(("s.case", V.PASS), ("seen", V.PASS))
    assert alone["s.case"].verdict == V.UNCORROBORATED
    assert "witness also_seen did not run" in alone["s.case"].message
    failed = graded(("s.case", V.PANIC), ("seen", V.PASS), ("also_seen", V.PASS))
    assert failed["s.case"].verdict == V.PANIC  # the kernel's own verdict stands


@pytest.mark.parametrize("spec, says", [
    ('witness = ["nobody"]', "names witness 'nobody', which is not a pytest-level test of lab st"),
    ('witness = ["selftest.fail"]', "which is not a pytest-level test of lab st; valid "
     "witnesses: hidden_uptime"),
])
def test_a_witness_must_be_a_pytest_level_test_of_the_lab(extra_rubric, spec, says):
    path = extra_rubric / "rubric.toml"
    path.write_text(path.read_text().replace('hint = "passes"', 'hint = "passes"\n' + spec))
    with pytest.raises(rubric.RubricError, match=re.escape(says)):
        rubric.load(extra_dir=str(extra_rubric))


def test_every_public_kernel_case_names_a_witness():
    assert rubric.unwitnessed(rubric.load(extra_dir="")) == []


@make_grade
def test_grading_one_case_brings_its_witness_along(built, extra_rubric):
    """TEST= chooses a case; its witness runs too, and a failing witness
    takes the kernel's word away."""
    (extra_rubric / "test_hidden.py").write_text(
        "def test_hidden_uptime(mango):\n    assert 'no such line' in mango.run('uptime')\n")
    path = extra_rubric / "rubric.toml"
    path.write_text(path.read_text().replace('hint = "passes"',
                                             'hint = "passes"\nwitness = ["hidden_uptime"]'))
    r = grade("TEST=selftest.pass", "GRADING_EXTRA=%s" % extra_rubric)
    assert "UNCORROBORATED selftest.pass" in r.stdout, r.stdout + r.stderr
    assert "the kernel said ok; not confirmed by: hidden_uptime" in r.stdout
    assert "FAIL         hidden_uptime" in r.stdout and "Score: 0/5" in r.stdout
    doc = json.loads((BUILD / "grade" / "results.json").read_text())
    said = {t["name"]: t["output"] for t in doc["tests"]}
    assert "witness hidden_uptime was graded FAIL" in said["selftest.pass"]


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
hint = "waits past its timeout on purpose"

[[test]]
name = "waits_for_nothing"
test = "test_slow.py::test_waits_for_nothing"
lab = "slow"
points = 1
timeout = 30
hint = "waits for a line the kernel never prints"
''')
    (tmp_path / "test_slow.py").write_text('''
def test_too_slow(mango):
    mango.expect("never printed", timeout=600)


def test_waits_for_nothing(mango):
    mango.expect("never printed", timeout=2)
''')
    r = grade("LAB=slow", "GRADING_EXTRA=%s" % tmp_path)
    assert r.returncode != 0
    assert "TIMEOUT      too_slow" in r.stdout, r.stdout
    doc = json.loads((BUILD / "grade" / "results.json").read_text())
    said = {t["name"]: t["output"] for t in doc["tests"]}
    assert said["too_slow"].startswith("TIMEOUT: the test took longer than its 4s")
    # both kinds of TIMEOUT say where the CPU was: the monitor waits for a key
    for name in ("too_slow", "waits_for_nothing"):
        assert re.search(r"the CPU is halted \(hlt, waiting for an interrupt\) in \w+\+0x",
                         said[name]), said[name]
    assert said["waits_for_nothing"].startswith("TIMEOUT: no progress for 2s while waiting for "
                                                "'never printed'; the CPU is halted")


@make_grade
def test_a_test_file_that_does_not_import_is_graded(built, tmp_path):
    """A hidden test with a broken import is that test's FAIL, with the
    error, not an internal error of the whole grading and a 0/0 score."""
    (tmp_path / "rubric.toml").write_text('''
[labs.bad]
title = "Bad"

[[test]]
name = "broken_import"
test = "test_broken.py::test_x"
lab = "bad"
points = 2
timeout = 10
hint = "the instructor's hidden test has a typo"
''')
    (tmp_path / "test_broken.py").write_text("import no_such_module\n\n\ndef test_x(mango):\n    pass\n")
    r = grade("LAB=bad", "GRADING_EXTRA=%s" % tmp_path)
    assert "INTERNALERROR" not in r.stdout + r.stderr, r.stdout + r.stderr
    assert "Score: 0/2" in r.stdout, r.stdout
    doc = json.loads((BUILD / "grade" / "results.json").read_text())
    out = doc["tests"][0]["output"]
    assert out.startswith("FAIL: test_broken.py could not be imported, so its test did not run")
    assert "ModuleNotFoundError: No module named 'no_such_module'" in out


@make_grade
def test_pytest_level_failures_read_like_checks(built, tmp_path):
    """A graded pytest-level test failing with a plain assert, an exception
    or a check reads file:line / expected / got; a parametrized test keeps
    one log folder per run and is graded on all its runs."""
    (tmp_path / "rubric.toml").write_text('''
[labs.py]
title = "Pytest-level"

[[test]]
name = "plain_assert"
test = "test_py.py::test_plain_assert"
lab = "py"
points = 2
timeout = 20

[[test]]
name = "exception"
test = "test_py.py::test_exception"
lab = "py"
points = 1
timeout = 20

[[test]]
name = "two_runs"
test = "test_py.py::test_two_runs"
lab = "py"
points = 3
timeout = 20
hint = "passes on 'ticks' only"
''')
    (tmp_path / "test_py.py").write_text('''import re

import pytest

from mangotest import check


def test_plain_assert(mango):
    out = mango.run("uptime")
    assert "size=0x2000" in out


def test_exception(mango):
    re.search("fortnights", mango.run("uptime")).group(1)


@pytest.mark.parametrize("word", ["aeons", "fortnights", "ticks"])
def test_two_runs(mango, word):
    check.contains(mango.run("uptime"), word, "uptime's output")
''')
    r = grade("LAB=py", "GRADING_EXTRA=%s" % tmp_path)
    assert "Score: 0/6" in r.stdout, r.stdout + r.stderr
    tests = {t["name"]: t for t in json.loads((BUILD / "grade" / "results.json").read_text())["tests"]}
    plain = tests["plain_assert"]["output"]
    assert plain.startswith("FAIL: test_py.py:10: assertion failed\n"), plain
    assert "    expected: \"size=0x2000\" in out\n    got:      assert 'size=0x2000' in " in plain
    exc = tests["exception"]["output"]
    assert exc.startswith("FAIL: test_py.py:14: the test stopped with AttributeError\n"
                          "    expected: re.search(\"fortnights\", mango.run(\"uptime\")).group(1)"
                          " to complete\n    got:      'NoneType' object has no attribute 'group'"), exc
    two = tests["two_runs"]["output"]
    # graded on every run (the last one, ticks, passes), the first failure shown
    assert tests["two_runs"]["score"] == 0
    assert two.startswith("FAIL: [aeons] test_py.py:19: uptime's output\n"), two
    assert "expected: output containing 'aeons'" in two
    logs = BUILD / "grade" / "logs"
    for word in ("aeons", "fortnights"):
        assert list((logs / ("two_runs[%s]" % word)).glob("*/m0/mango-console.log")), word
    assert not (logs / "two_runs[ticks]").exists(), "a passing run keeps no logs"


@make_grade
def test_no_build_is_graded(tmp_path):
    """A tree that does not compile: every test NO BUILD with the compiler's
    error, the score table, results.json and junit.xml all the same."""
    tree = tmp_path / "tree"
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    for f in filter(None, files):
        if (REPO / f).is_file():
            (tree / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / f, tree / f)
    with open(tree / "kernel" / "include" / "mango" / "types.h", "a") as f:
        f.write("\nthis is not C;\n")  # a student's typo, in a header every file includes
    r = subprocess.run(["make", "--no-print-directory", "grade", "LAB=0"], cwd=tree,
                       capture_output=True, text=True)
    top = rubric.load().max_points("0")  # the rubric's, not a number copied here
    assert r.returncode != 0
    assert "Score: 0/%d" % top in r.stdout, r.stdout + r.stderr
    assert "NO BUILD     backtrace.first_frame_is_the_caller" in r.stdout
    doc = json.loads((tree / "build" / "grade" / "results.json").read_text())
    assert (doc["score"], doc["max_score"]) == (0, top)
    assert {t["tags"][1] for t in doc["tests"]} == {V.NO_BUILD}
    assert len(doc["tests"]) == len(rubric.load().lab_entries("0"))
    assert "types.h" in doc["tests"][0]["output"] and "error" in doc["tests"][0]["output"]
    assert (tree / "build" / "grade" / "junit.xml").exists()


def test_lab_metadata_has_one_owner():
    """labs/labs.toml gives titles and handouts, and is on every branch."""
    labs, only = generate.load_labs()
    assert not generate.is_instructor_only("labs/labs.toml", only), \
        "the grader reads labs.toml on student branches"
    loaded = rubric.load()
    for lab in labs:
        assert loaded.labs[str(lab["id"])].title == lab["title"]
        assert loaded.labs[str(lab["id"])].handout == lab["handout"]
    text = (REPO / "grading" / "rubric.toml").read_text()
    assert "title =" not in text and "handout =" not in text
    for n in range(len(labs)):   # branch labN lists labs 0..N, and the rubric's are among them
        branch = generate.render(generate.parse("labs/labs.toml", (REPO / "labs/labs.toml")
                                                .read_text(), len(labs)), n)
        assert [lab["id"] for lab in tomllib.loads(branch)["lab"]] == list(range(n + 1))


def test_rubric_refuses_a_title_labs_toml_owns(tmp_path):
    (tmp_path / "labs.toml").write_text('[[lab]]\nid = "st"\ntitle = "Self-test"\n')
    (tmp_path / "rubric.toml").write_text('[labs.st]\ntitle = "again"\n')
    with pytest.raises(rubric.RubricError, match=r"\[labs.st\] gives title, which labs/labs.toml owns"):
        rubric.load(extra_dir=str(tmp_path), labs_toml=tmp_path / "labs.toml")


@pytest.mark.parametrize("where", ["main thread", "other thread"])
def test_rubric_timeout_rings_on_any_thread(where):
    """pytest-xdist on execnet 1.x can run a worker's tests outside the main
    thread (seen in CI under load), where a SIGALRM timeout cannot be armed:
    the watchdog must end a test on either, and withdraw its exception once
    disarmed. QEMU time is 0 here (no machine), so the wall cap rings."""
    import threading
    from mangotest.watchdog import Watchdog

    def slow_test(result):
        dog = Watchdog(30, lambda: 0.0, 0.3).start()
        try:
            for _ in range(100):   # 5 s of short waits, as Machine's are
                time.sleep(0.05)
            result["verdict"] = "ran to the end"
        except V.GradeFailure as exc:
            result["verdict"] = exc.outcome.verdict
        finally:
            dog.stop()
        quick = Watchdog(30, lambda: 0.0, 60).start()
        quick.stop()
        time.sleep(0.2)     # nothing may land after stop()
        result["after"] = (quick.fired, "still running")

    result = {}
    if where == "main thread":
        slow_test(result)
    else:
        t = threading.Thread(target=slow_test, args=(result,))
        t.start()
        t.join()
    assert result == {"verdict": V.TIMEOUT, "after": (None, "still running")}


def test_symbols_load_two_symbols_at_one_address(tmp_path):
    """A label at a function's address (nm gives it no size) must not break
    the table the timeout verdict symbolizes with (seen: a TypeError turned
    every TIMEOUT of a lab into a harness error)."""
    from mangotest.symbols import Symbols
    (tmp_path / "kernel.nm").write_text(
        "ffffffff80100000 0000000000000010 T probe_read64\n"
        "ffffffff80100000 T probe_read64_access\n"
        "ffffffff80100010 0000000000000008 T probe_write64\n")
    syms = Symbols.load(tmp_path)
    assert syms.name(0xffffffff80100004) in ("probe_read64+0x4", "probe_read64_access+0x4")
    assert syms.name(0xffffffff80100012) == "probe_write64+0x2"
