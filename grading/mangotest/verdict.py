"""Verdicts: one word that says how a graded test ended, the Outcome that
carries it with its message (the one form of a verdict), and the
exception a test raises to hand an Outcome to the plugin.

    PASS          the test passed
    FAIL          a check failed: expected vs got, with file:line
    PANIC         the kernel printed MANGO PANIC (marker line + backtrace)
    TIMEOUT       the kernel stopped making progress (where the CPU was)
    TRIPLE FAULT  the CPU reset itself
    FLOOD         the kernel printed so much that it was cut off
    NO BUILD      the kernel did not compile (the compiler's errors)
    UNCORROBORATED  the kernel reported an in-kernel case passed, but a
                  witness (a test whose truth the grader establishes
                  outside the guest) of the same feature did not pass:
                  the kernel's word alone earns no points (score.py)
"""
from dataclasses import dataclass
from pathlib import Path

PASS = "PASS"
FAIL = "FAIL"
PANIC = "PANIC"
TIMEOUT = "TIMEOUT"
TRIPLE_FAULT = "TRIPLE FAULT"
FLOOD = "FLOOD"
NO_BUILD = "NO BUILD"
UNCORROBORATED = "UNCORROBORATED"
ALL = (PASS, FAIL, PANIC, TIMEOUT, TRIPLE_FAULT, FLOOD, NO_BUILD, UNCORROBORATED)


@dataclass(frozen=True)
class Outcome:
    """How one graded case or test ended: a verdict and what the student reads."""
    verdict: str
    message: str = ""

    def __post_init__(self):
        assert self.verdict in ALL, self.verdict

    @property
    def passed(self):
        return self.verdict == PASS

    def require(self):
        """Return None when passed; raise GradeFailure carrying self otherwise."""
        if not self.passed:
            raise GradeFailure(self.verdict, self.message)


class GradeFailure(AssertionError):
    """A graded test failed with @verdict; str() is what the student reads."""

    def __init__(self, verdict, message):
        self.outcome = Outcome(verdict, message)
        super().__init__("%s: %s" % (verdict, message))

    @property
    def verdict(self):
        return self.outcome.verdict

    @property
    def message(self):
        return self.outcome.message


def outcome_of(excinfo, test_file=None):
    """The Outcome a test's exception stands for (pytest's ExceptionInfo, or
    None for a test that passed). A GradeFailure carries its own; any other
    exception is a FAIL that reads like a check's: the line of @test_file
    (the test's own file) where it failed, what that line wanted, and what
    came (pytest's assertion explanation, or the exception)."""
    if excinfo is None:
        return Outcome(PASS)
    outcome = getattr(excinfo.value, "outcome", None)
    if isinstance(outcome, Outcome):
        return outcome
    entry = _test_frame(excinfo, test_file)
    where = "%s:%d" % (Path(str(entry.path)).name, entry.lineno + 1) if entry else "?"
    try:
        source = str(entry.statement).strip() if entry else ""
    except Exception:  # no source to show (generated code)
        source = ""
    said = (str(excinfo.value).strip() or "(no message)").replace("\n", "\n              ")
    if isinstance(excinfo.value, AssertionError):
        what = "assertion failed"
        wanted = source.removeprefix("assert ") or "(source not available)"
    else:
        what = "the test stopped with %s" % excinfo.typename
        wanted = "%s to complete" % (source or "the test")
    return Outcome(FAIL, "%s: %s\n    expected: %s\n    got:      %s" % (where, what, wanted, said))


def _test_frame(excinfo, test_file):
    """The traceback entry where the test's own code failed: the last one in
    @test_file, else the last one outside the harness and installed packages."""
    here = Path(__file__).resolve().parent
    entries = list(excinfo.traceback)
    if test_file is not None:
        own = [e for e in entries if Path(str(e.path)).resolve() == Path(test_file).resolve()]
        if own:
            return own[-1]
    others = [e for e in entries if here not in Path(str(e.path)).resolve().parents
              and "-packages" not in str(e.path)]
    return others[-1] if others else (entries[-1] if entries else None)
