"""Mango's pytest plugin: fixtures that boot the kernel, and grading.

Fixtures (any test): built, boot, mango, lab_run.
Grading (`pytest --grade`, which is what `make grade` runs):
  - only tests named in the rubric run; --lab and --grade-test narrow them,
    and an unknown lab or test name is an error that lists the valid ones;
  - each test gets a verdict (see verdict.py) and its rubric points;
  - failing tests keep their console, COM2 and QEMU logs in build/grade/;
  - the session prints a score table ending in "Score: X/Y", writes
    build/grade/results.json (Gradescope's schema) and exits non-zero when
    the score is not full.
"""
import fcntl
import fnmatch
import json
import re
import shutil
import signal
import subprocess
import time
import tomllib
from pathlib import Path

import pytest

from mangotest import rubric as rubric_mod, verdict as V
from mangotest.labrun import LabRun
from mangotest.machine import BUILD, REPO, Machine

GRADE_DIR = BUILD / "grade"


def pytest_addoption(parser):
    g = parser.getgroup("mango")
    g.addoption("--grade", action="store_true", help="grade: run the rubric's tests, print a score")
    g.addoption("--lab", default=None, help="grade one lab (e.g. --lab=0)")
    g.addoption("--grade-test", default=None, help="grade the tests matching a glob")


def branch_lab():
    """N on the student branch labN (grading/branch.toml), None on main."""
    path = REPO / "grading" / "branch.toml"
    if not path.exists():
        return None
    with open(path, "rb") as f:
        return int(tomllib.load(f)["lab"])


def needs_lab_skip_reason(lab, lab_here):
    """Why a test of @lab is skipped on the branch of lab @lab_here."""
    if lab > lab_here:
        return "Lab %d comes after this branch (lab%d)" % (lab, lab_here)
    return "Lab %d is yours to write: run `make grade LAB=%d` (and `make test-host`)" % (lab, lab)


def pytest_configure(config):
    config.addinivalue_line("markers", "lab(id): the lab a test belongs to")
    config.addinivalue_line("markers", "needs_lab(n): needs lab n's code solved (skipped on "
                            "the student branches where lab n is still a stub)")
    if config.getoption("--grade") and not hasattr(config, "workerinput"):
        shutil.rmtree(GRADE_DIR / "logs", ignore_errors=True)  # no stale logs
    config._mango_rubric = None
    if config.getoption("--grade"):
        try:
            rub = config._mango_rubric = rubric_mod.load()
        except rubric_mod.RubricError as exc:
            raise pytest.UsageError("rubric: %s" % exc)
        lab, pattern = config.getoption("--lab"), config.getoption("--grade-test")
        if lab is not None and lab not in rub.labs:
            raise pytest.UsageError("unknown lab %r; valid labs: %s"
                                    % (lab, ", ".join(sorted(rub.labs))))
        if pattern and not any(_matches(e, pattern) for e in rub.entries):
            raise pytest.UsageError("no graded test matches %r; valid tests:\n  %s"
                                    % (pattern, "\n  ".join(e.name for e in rub.entries)))


def _matches(entry, pattern):
    return fnmatch.fnmatchcase(entry.name, pattern) or pattern in entry.name


# ---------------------------------------------------------------------------
# Fixtures

@pytest.fixture(scope="session")
def built():
    """Build the kernel and ISO once per session (a no-op when up to date).
    A lock keeps parallel workers from building the same tree at once."""
    BUILD.mkdir(exist_ok=True)
    with open(BUILD / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        out = subprocess.run(["make", "-s", "--no-print-directory", "all"], cwd=REPO,
                             capture_output=True, text=True)
    if out.returncode != 0:
        raise V.GradeFailure(V.NO_BUILD, "`make all` failed:\n%s%s" % (out.stdout, out.stderr))
    return BUILD


@pytest.fixture
def boot(built, tmp_path, request):
    """boot(cmdline="", mem=None, ...) -> a started Machine, stopped at test end."""
    machines = []
    request.node._mango_logs = [tmp_path]

    def _boot(cmdline="", mem=None, extra_args=(), command=None, wait_prompt=True, qmp=False):
        m = Machine(tmp_path / ("m%d" % len(machines)), cmdline=cmdline, mem=mem,
                    extra_args=extra_args, command=command, qmp=qmp)
        machines.append(m)
        m.start()
        if wait_prompt:
            m.boot_output = m.wait_prompt()
        return m

    yield _boot
    for m in machines:
        m.close()


@pytest.fixture
def mango(boot):
    """A machine booted with defaults, at the monitor prompt."""
    return boot()


@pytest.fixture(scope="session")
def lab_run(built, tmp_path_factory, pytestconfig):
    """lab_run(lab_id) -> the LabRun of that lab's kernel cases (one boot,
    shared by every case of the lab in this process)."""
    rub = pytestconfig._mango_rubric or rubric_mod.load()
    runs = {}

    def get(lab_id):
        if lab_id not in runs:
            lab = rub.labs[lab_id]
            run = LabRun(lab, rub.lab_entries(lab_id), tmp_path_factory.mktemp("lab%s-" % lab_id))
            run.run()
            runs[lab_id] = run
        return runs[lab_id]

    get.rubric = rub
    return get


def kernel_case(request, lab_run, name):
    """Body of a graded kernel case: raise unless it passed."""
    entry = lab_run.rubric.by_name()[name]
    run = lab_run(entry.lab)
    request.node._mango_logs = [run.workdir]
    outcome = run.outcomes[name]
    if not outcome.passed:
        raise V.GradeFailure(outcome.verdict, outcome.message)


# ---------------------------------------------------------------------------
# Which tests are graded

def _entry_for(item, entries_by_test, entries_by_name):
    case = getattr(item, "callspec", None)
    if case is not None and "kcase" in case.params:
        return entries_by_name.get(case.params["kcase"])
    key = (Path(str(item.fspath)).resolve(), item.originalname)
    return entries_by_test.get(key)


def pytest_collection_modifyitems(session, config, items):
    lab_here = branch_lab()
    if lab_here is not None:
        for item in items:
            for mark in item.iter_markers("needs_lab"):
                if mark.args[0] >= lab_here:
                    item.add_marker(pytest.mark.skip(
                        reason=needs_lab_skip_reason(mark.args[0], lab_here)))
    rub = config._mango_rubric
    if rub is None:
        return
    by_test = {e.test_location(): e for e in rub.entries if e.test}
    by_name = rub.by_name()
    lab, pattern = config.getoption("--lab"), config.getoption("--grade-test")
    keep, found = [], set()
    for item in items:
        e = _entry_for(item, by_test, by_name)
        if e is None:
            continue
        found.add(e.name)
        if lab is not None and e.lab != lab:
            continue
        if pattern and not _matches(e, pattern):
            continue
        item._mango_entry = e
        item.add_marker(pytest.mark.xdist_group("lab%s" % e.lab))
        keep.append(item)
    missing = [e.name for e in rub.entries if e.name not in found]
    if missing:
        raise pytest.UsageError("the rubric grades tests that do not exist: %s"
                                % ", ".join(missing))
    deselected = [i for i in items if i not in keep]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    items[:] = keep


# ---------------------------------------------------------------------------
# Timeouts, verdicts, logs

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    """Arm the rubric's timeout for a pytest-level graded test: it covers
    setup (booting included) and the test itself; teardown disarms it."""
    e = getattr(item, "_mango_entry", None)
    if e is not None and e.kind == "pytest":
        def on_alarm(signum, frame):
            raise V.GradeFailure(V.TIMEOUT, "the test took longer than its %gs (rubric), "
                                 "booting included" % e.timeout)
        item._mango_old_alarm = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, e.timeout)
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    if hasattr(item, "_mango_old_alarm"):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, item._mango_old_alarm)
    yield


def _safe(name):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:120]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    e = getattr(item, "_mango_entry", None)
    if e is None or report.when not in ("setup", "call"):
        return
    if report.when == "setup" and report.passed:
        return
    exc = call.excinfo.value if call.excinfo else None
    verdict = V.verdict_of(exc) if report.failed else V.PASS
    message = getattr(exc, "message", None) or (str(exc) if exc else "")
    logs = ""
    if report.failed:
        dest = GRADE_DIR / "logs" / _safe(e.name)
        shutil.rmtree(dest, ignore_errors=True)
        for src in getattr(item, "_mango_logs", []):
            if Path(src).exists():
                shutil.copytree(src, dest / Path(src).name, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("*.sock"))
        logs = str(dest)
    report.user_properties.append(("mango", {
        "name": e.name, "lab": e.lab, "points": e.points if verdict == V.PASS else 0,
        "max_points": e.points, "verdict": verdict, "message": message, "hint": e.hint,
        "section": e.section, "logs": logs,
    }))
    if report.failed:
        if isinstance(exc, V.GradeFailure):
            # the verdict is the whole story: no harness traceback around it
            report.longrepr = "%s: %s" % (verdict, exc.message)
        report.sections.append(("Mango", "verdict: %s\nhint: %s%s\nlogs: %s" % (
            verdict, e.hint, " (handout section: %s)" % e.section if e.section else "", logs)))


def pytest_runtest_logreport(report):
    for key, value in report.user_properties:
        if key == "mango":
            _RESULTS.append(value)


_RESULTS = []  # what pytest_runtest_logreport saw (on the controller, with xdist)


# ---------------------------------------------------------------------------
# The score

def _results():
    """The graded results by test name."""
    return {r["name"]: r for r in _RESULTS}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if config._mango_rubric is None:
        return
    rub, results = config._mango_rubric, _results()
    tr = terminalreporter
    total = got = 0
    tr.write_sep("=", "Mango grade")
    for lab_id, lab in rub.labs.items():
        rows = [results[e.name] for e in rub.lab_entries(lab_id) if e.name in results]
        if not rows:
            continue
        lab_got = sum(r["points"] for r in rows)
        lab_max = sum(r["max_points"] for r in rows)
        tr.write_line("Lab %s: %s" % (lab_id, lab.title))
        for r in rows:
            tr.write_line("  %-12s %-52s %3d/%-3d" % (r["verdict"], r["name"], r["points"],
                                                      r["max_points"]))
            if r["verdict"] != V.PASS:
                where = ", ".join(x for x in (lab.handout, r["section"]) if x)
                tr.write_line("  %12s hint: %s%s" % ("", r["hint"], " (%s)" % where if where else ""))
        tr.write_line("  %-65s %3d/%-3d" % ("Lab %s total" % lab_id, lab_got, lab_max))
        total += lab_max
        got += lab_got
    tr.write_line("Score: %d/%d" % (got, total))


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if config._mango_rubric is None or hasattr(config, "workerinput"):
        return
    results = _results()
    got = sum(r["points"] for r in results.values())
    total = sum(r["max_points"] for r in results.values())
    GRADE_DIR.mkdir(parents=True, exist_ok=True)
    doc = {
        "score": got,
        "max_score": total,
        "execution_time": round(time.monotonic() - _START, 1),
        "output": "Score: %d/%d" % (got, total),
        "tests": [{
            "name": r["name"],
            "number": "lab%s" % r["lab"],
            "score": r["points"],
            "max_score": r["max_points"],
            "status": "passed" if r["verdict"] == V.PASS else "failed",
            "output": "" if r["verdict"] == V.PASS else "%s: %s\nhint: %s" % (
                r["verdict"], r["message"], r["hint"]),
            "tags": ["lab%s" % r["lab"], r["verdict"]],
        } for r in results.values()],
    }
    (GRADE_DIR / "results.json").write_text(json.dumps(doc, indent=2) + "\n")
    if session.exitstatus == 0 and got < total:
        session.exitstatus = 1


_START = time.monotonic()
