"""Checks for pytest-level graded tests that read like the in-kernel ones.

An in-kernel case fails with `file:line expected X, got Y`; a test written
in Python should fail the same way, not with pytest's rewritten `assert`
(`assert 'size=0x2000' in ''`). Each check raises GradeFailure(FAIL, ...)
whose message names the test file and line, what was checked, what was
expected and what came:

    check.contains(m.run("vmo show buf"), "pages=1", "vmo show after one alloc")
    check.equal(free_pages(m), before, "free pages after vmo drop")
    got = check.search(r"at (0x[0-9a-f]+)", out, "the address `pages alloc` printed")

    test_lab3.py:42: free pages after vmo drop
        expected: 31012
        got:      31011
"""
import re
import sys
from pathlib import Path

from mangotest import verdict as V

_GOT_MAX = 1200  # characters of a long output shown in a message


def _caller():
    """file:line of the first frame outside this module (the test's line).
    Walks frame objects: inspect.stack() would read every frame's source."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    if frame is None:
        return "?"
    return "%s:%d" % (Path(frame.f_code.co_filename).name, frame.f_lineno)


def _show(value):
    text = value if isinstance(value, str) else repr(value)
    if isinstance(value, str) and ("\n" in value or not value):
        text = "\n" + "\n".join("        | " + line for line in (value or "(nothing)").splitlines())
    if len(text) > _GOT_MAX:
        text = text[:_GOT_MAX] + " ... (%d more characters)" % (len(text) - _GOT_MAX)
    return text


def fail(what, expected, got):
    """Fail the test: @what was checked, @expected was wanted, @got came."""
    raise V.GradeFailure(V.FAIL, "%s: %s\n    expected: %s\n    got:      %s"
                         % (_caller(), what, _show(expected), _show(got)))


def true(condition, what, got=""):
    """@condition must hold; @got says what was seen instead."""
    if not condition:
        fail(what, "true", got)


def equal(got, expected, what):
    if got != expected:
        fail(what, expected, got)


def contains(text, needle, what):
    """@needle must appear in @text (a command's output, usually)."""
    if needle not in text:
        fail(what, "output containing %r" % needle, text)


def search(pattern, text, what):
    """The first match of regex @pattern in @text; fail when there is none."""
    m = re.search(pattern, text)
    if m is None:
        fail(what, "output matching %r" % pattern, text)
    return m


def between(got, low, high, what):
    """low <= got <= high."""
    if not low <= got <= high:
        fail(what, "between %r and %r" % (low, high), got)
