"""Mango's pytest plugin: fixtures that boot the kernel, and grading.

Fixtures (any test): built, boot, mango, lab_run, kernel_outcome.
Grading (`pytest --grade`, which is what `make grade` runs):
  - only tests named in the rubric run; --lab and --grade-test narrow them
    (a kernel case brings its witnesses along: rubric.py), and an unknown
    lab or test name, or a selection that matches nothing, is an error
    that lists the valid ones;
  - each test ends in one Outcome (verdict.py), recorded as a score.Run on
    its report; the controller's Grader gathers them into one score.Report
    per rubric test;
  - failing tests keep their console, COM2 and QEMU logs in build/grade/,
    one folder per run;
  - the session prints a score table ending in "Score: X/Y", writes
    build/grade/results.json (Gradescope's schema) and exits non-zero when
    the score is not full, whatever the student's code did (a kernel that
    does not build gets NO BUILD on every test).
"""
import fcntl
import fnmatch
import re
import shutil
import time
import tomllib
from pathlib import Path

import pytest

from mangotest import rubric as rubric_mod, sandbox, verdict as V
from mangotest.labrun import LabRun
from mangotest.machine import BUILD, REPO, Machine
from mangotest.score import Run, Score
from mangotest.watchdog import Watchdog

GRADE_DIR = BUILD / "grade"
BUILD_ERROR_LINES = 25   # of the compiler's output, in a NO BUILD message
WALL_TIMEOUT_FACTOR = 4  # a pytest-level test's wall-time limit, in rubric timeouts


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


def rubric_of(config):
    """The session's rubric, loaded once (a rubric error is a usage error)."""
    if getattr(config, "_mango_rubric", None) is None:
        try:
            config._mango_rubric = rubric_mod.load()
        except rubric_mod.RubricError as exc:
            raise pytest.UsageError("rubric: %s" % exc)
    return config._mango_rubric


def pytest_configure(config):
    config.addinivalue_line("markers", "lab(id): the lab a test belongs to")
    config.addinivalue_line("markers", "needs_lab(n): needs lab n's code solved (skipped on "
                            "the student branches where lab n is still a stub)")
    if not config.getoption("--grade"):
        return
    if not hasattr(config, "workerinput"):
        # no stale logs, and no stale score for a run that stops at a usage error
        shutil.rmtree(GRADE_DIR / "logs", ignore_errors=True)
        (GRADE_DIR / "results.json").unlink(missing_ok=True)
    rub = rubric_of(config)
    _check_selection(rub, config.getoption("--lab"), config.getoption("--grade-test"))
    config.pluginmanager.register(Grader(rub), "mango-grader")


def _check_selection(rub, lab, pattern):
    """Raise UsageError, listing what could be chosen, unless --lab and
    --grade-test select at least one graded test."""
    if lab is not None and lab not in rub.labs:
        raise pytest.UsageError("unknown lab %r; valid labs: %s"
                                % (lab, ", ".join(sorted(rub.labs))))
    if not pattern:
        return
    matching = [e for e in rub.entries if _matches(e, pattern)]
    if not matching:
        raise pytest.UsageError("no graded test matches %r; valid tests:\n  %s"
                                % (pattern, "\n  ".join(e.name for e in rub.entries)))
    if lab is not None and not any(e.lab == lab for e in matching):
        labs = sorted({e.lab for e in matching})
        raise pytest.UsageError(
            "no graded test of lab %s matches %r: it matches %d test(s) of lab %s (%s).\n"
            "Drop LAB=%s, or choose among lab %s's graded tests:\n  %s"
            % (lab, pattern, len(matching), ", ".join(labs),
               ", ".join(e.name for e in matching[:4]) + (", ..." if len(matching) > 4 else ""),
               lab, lab, "\n  ".join(e.name for e in rub.lab_entries(lab))))


def _matches(entry, pattern):
    return fnmatch.fnmatchcase(entry.name, pattern) or pattern in entry.name


# ---------------------------------------------------------------------------
# Fixtures

def _build_errors(text):
    """The first lines of a failed build's output, errors first."""
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if "error" in line.lower()), 0)
    start = max(0, first - 2)  # the "In function" line above the first error
    shown = lines[start:start + BUILD_ERROR_LINES]
    more = len(lines) - start - len(shown)
    return "\n".join(shown) + ("\n... (%d more lines: run `make` to see them all)" % more
                               if more > 0 else "")


@pytest.fixture(scope="session")
def built():
    """Build the kernel and ISO once per session (a no-op when up to date).
    A lock keeps parallel workers from building the same tree at once.
    A failed build fails every test that needs it with NO BUILD."""
    BUILD.mkdir(exist_ok=True)
    with open(BUILD / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:  # in the grading sandbox when MANGO_SANDBOX=1 (sandbox.py)
            out = sandbox.run(sandbox.make_all(), REPO, [BUILD])
        except sandbox.SandboxError as exc:
            raise V.GradeFailure(V.NO_BUILD, "`make all` did not run: %s" % exc)
    if out.timed_out:
        raise V.GradeFailure(V.NO_BUILD, "`make all` did not finish within the grading "
                             "sandbox's time limit and was stopped:\n%s" % _build_errors(out.output))
    if out.returncode != 0:
        raise V.GradeFailure(V.NO_BUILD, "`make all` failed:\n%s" % _build_errors(out.output))
    return BUILD


@pytest.fixture
def boot(built, tmp_path, request):
    """boot(cmdline="", mem=None, ...) -> a started Machine, stopped at test end.
    Machines have a QMP socket unless qmp=False: a TIMEOUT then says where
    the CPU was (Machine.where)."""
    machines = []
    request.node._mango_logs = [tmp_path]
    request.node._mango_machines = machines  # for the rubric timeout (QEMU time)

    def _boot(cmdline="", mem=None, extra_args=(), command=None, wait_prompt=True, qmp=True):
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
    rub = rubric_of(pytestconfig)
    runs = {}

    def get(lab_id):
        if lab_id not in runs:
            run = LabRun(rub.labs[lab_id], rub.lab_entries(lab_id),
                         tmp_path_factory.mktemp("lab%s-" % lab_id))
            run.run()
            runs[lab_id] = run
        return runs[lab_id]

    return get


def pytest_generate_tests(metafunc):
    """A test asking for `kcase` runs once per kernel case of the rubric."""
    if "kcase" in metafunc.fixturenames:
        rub = rubric_of(metafunc.config)
        metafunc.parametrize("kcase", [e.name for e in rub.entries if e.kind == "ktest"])


@pytest.fixture
def kernel_outcome(request, lab_run, kcase):
    """The Outcome of kernel case @kcase (its lab's LabRun runs on first use)."""
    run = lab_run(rubric_of(request.config).by_name()[kcase].lab)
    request.node._mango_logs = [run.workdir]
    return run.outcomes[kcase]


# ---------------------------------------------------------------------------
# Which tests are graded

class UnimportableTest(pytest.Item):
    """A graded test whose file failed to import (an instructor's hidden
    test with a typo, a missing module): it is graded FAIL with the error
    instead of stopping the whole grading."""

    def __init__(self, *, error, **kwargs):
        super().__init__(**kwargs)
        self.originalname = self.name
        self.error = error

    def runtest(self):
        raise V.GradeFailure(V.FAIL, "%s could not be imported, so its test did not run:\n%s"
                             % (self.path.name, self.error))

    def reportinfo(self):
        return self.path, None, self.name


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """When grading, a test file of the rubric that fails to import becomes
    one UnimportableTest per rubric test in it."""
    outcome = yield
    rep = outcome.get_result()
    if not (rep.failed and isinstance(collector, pytest.Module)
            and collector.config.getoption("--grade")):
        return
    path = Path(str(collector.path)).resolve()
    funcs = [e.test_location()[1] for e in rubric_of(collector.config).entries
             if e.test and e.test_location()[0] == path]
    if not funcs:
        return
    lines = [line for line in str(rep.longrepr).splitlines() if line.strip()]
    error = "\n".join("    " + line for line in lines[-4:])
    items = [UnimportableTest.from_parent(collector, name=func, error=error) for func in funcs]
    outcome.force_result(pytest.CollectReport(rep.nodeid, "passed", None, items))

def _entry_for(item, entries_by_test, entries_by_name):
    case = getattr(item, "callspec", None)
    if case is not None and "kcase" in case.params:
        return entries_by_name.get(case.params["kcase"])
    key = (Path(str(item.fspath)).resolve(), item.originalname)
    return entries_by_test.get(key)


def _run_id(item):
    """The parametrization of a pytest-level test ("" for a kernel case)."""
    case = getattr(item, "callspec", None)
    return "" if case is None or "kcase" in case.params else case.id


@pytest.hookimpl(tryfirst=True)  # before xdist turns xdist_group marks into node ids
def pytest_collection_modifyitems(session, config, items):
    """Skip needs_lab tests a student branch cannot pass; when grading, keep
    only the selected rubric tests, each lab's in one xdist group (one
    LabRun per lab, on one worker)."""
    lab_here = branch_lab()
    if lab_here is not None:
        for item in items:
            for mark in item.iter_markers("needs_lab"):
                if mark.args[0] >= lab_here:
                    item.add_marker(pytest.mark.skip(
                        reason=needs_lab_skip_reason(mark.args[0], lab_here)))
    if not config.getoption("--grade"):
        return
    rub = rubric_of(config)
    by_test = {e.test_location(): e for e in rub.entries if e.test}
    by_name = rub.by_name()
    lab, pattern = config.getoption("--lab"), config.getoption("--grade-test")
    chosen = {e.name for e in rub.entries
              if (lab is None or e.lab == lab) and (not pattern or _matches(e, pattern))}
    chosen |= {w for e in rub.entries if e.name in chosen for w in e.witness}
    keep, found = [], set()
    for item in items:
        e = _entry_for(item, by_test, by_name)
        if e is None:
            continue
        found.add(e.name)
        if e.name not in chosen:
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
# Timeouts, outcomes, logs

def _machine_seconds(item):
    """QEMU time (qemutime.py) the test's machines have had: 0 before the
    first boot, so host-side setup (the `built` fixture waiting for the
    build lock or rebuilding on a busy machine) is bounded by the wall-time
    cap, not charged to the student's code."""
    machines = [m for m in getattr(item, "_mango_machines", []) if m.time is not None]
    return sum(m.time.seconds() for m in machines)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    """Arm the rubric's timeout for a pytest-level graded test: it covers
    setup (booting included) and the test itself (watchdog.py). It counts
    QEMU time, so the time the test's machines waited for a CPU on a busy
    grading machine is not charged; WALL_TIMEOUT_FACTOR times the timeout
    in wall time ends it regardless."""
    e = getattr(item, "_mango_entry", None)
    if e is not None and e.kind == "pytest":
        item._mango_watchdog = Watchdog(e.timeout, lambda: _machine_seconds(item),
                                        WALL_TIMEOUT_FACTOR * e.timeout).start()
    yield


def _disarm(item):
    if hasattr(item, "_mango_watchdog"):
        item._mango_watchdog.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    yield
    _disarm(item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    _disarm(item)  # setup failed: the call never ran
    yield


def _safe(name):
    return re.sub(r"[^A-Za-z0-9_.\[\]-]+", "_", name)[:120]


def _keep_logs(item, e, run_id):
    """Copy a failed run's machine folders to build/grade/logs/<name>[<run>]/."""
    dest = GRADE_DIR / "logs" / _safe(e.name + ("[%s]" % run_id if run_id else ""))
    shutil.rmtree(dest, ignore_errors=True)
    for src in getattr(item, "_mango_logs", []):
        if Path(src).exists():
            shutil.copytree(src, dest / Path(src).name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*.sock"))
    return str(dest)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Turn a graded test's setup or call into its Outcome, recorded on the
    report as a score.Run; a failure reads as its verdict and message."""
    report = (yield).get_result()
    e = getattr(item, "_mango_entry", None)
    if e is None or report.when not in ("setup", "call"):
        return
    if report.when == "setup" and report.passed:
        return
    outcome = V.outcome_of(call.excinfo if report.failed else None, item.path)
    fired = getattr(getattr(item, "_mango_watchdog", None), "fired", None)
    if fired and report.failed:
        # the TIMEOUT is the verdict, wherever its exception landed; the
        # machines still run (teardown comes later): say where their CPU is
        where = [w for w in (m.where() for m in getattr(item, "_mango_machines", [])) if w]
        outcome = V.Outcome(V.TIMEOUT, fired + "".join("; " + w for w in where))
    run_id = _run_id(item)
    logs = _keep_logs(item, e, run_id) if report.failed else ""
    run = Run(e.name, run_id, outcome.verdict, outcome.message, logs)
    report.user_properties.append(("mango", run.to_dict()))
    if report.failed:
        # the outcome is the whole story: no harness traceback around it
        report.longrepr = "%s: %s" % (outcome.verdict, outcome.message)
        report.sections.append(("Mango", "verdict: %s\nhint: %s%s\nlogs: %s" % (
            outcome.verdict, e.hint, " (handout section: %s)" % e.section if e.section else "",
            logs)))


class Grader:
    """The controller's side of grading (with xdist, workers only report):
    gathers the Runs and ends the session with the score."""

    def __init__(self, rubric):
        self.score = Score(rubric)
        self.start = time.monotonic()

    def pytest_runtest_logreport(self, report):
        for key, value in report.user_properties:
            if key == "mango":
                self.score.add(Run(**value))

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.write_sep("=", "Mango grade")
        self.score.table(terminalreporter.write_line)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        if hasattr(session.config, "workerinput"):
            return
        GRADE_DIR.mkdir(parents=True, exist_ok=True)
        (GRADE_DIR / "results.json").write_text(
            self.score.results_json(time.monotonic() - self.start))
        got, total = self.score.totals(self.score.reports())
        if session.exitstatus == 0 and got < total:
            session.exitstatus = 1
