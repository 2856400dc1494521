"""Verdicts: one word that says how a graded test ended, and the exception
that carries it from deep in the harness to the score table.

    PASS          the test passed
    FAIL          a check failed: expected vs got, with file:line
    PANIC         the kernel printed MANGO PANIC (marker line + backtrace)
    TIMEOUT       the kernel stopped making progress (last console lines)
    TRIPLE FAULT  the CPU reset itself
    FLOOD         the kernel printed so much that it was cut off
    NO BUILD      the kernel did not compile (the compiler's errors)
"""
PASS = "PASS"
FAIL = "FAIL"
PANIC = "PANIC"
TIMEOUT = "TIMEOUT"
TRIPLE_FAULT = "TRIPLE FAULT"
FLOOD = "FLOOD"
NO_BUILD = "NO BUILD"
ALL = (PASS, FAIL, PANIC, TIMEOUT, TRIPLE_FAULT, FLOOD, NO_BUILD)


class GradeFailure(AssertionError):
    """A graded test failed with @verdict; str() is what the student reads."""

    def __init__(self, verdict, message):
        assert verdict in ALL, verdict
        super().__init__("%s: %s" % (verdict, message))
        self.verdict = verdict
        self.message = message


def verdict_of(exc):
    """The verdict an exception raised by a test stands for."""
    if exc is None:
        return PASS
    return getattr(exc, "verdict", FAIL)
