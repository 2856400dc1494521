"""A hidden pytest-level Lab 0 test (GRADING_EXTRA example): bt twice at the
same prompt must print the same frames, reaching kmain. Catches a walk
that reads uninitialised or unchecked memory (frames that change between
two identical calls)."""
import pytest

from mangotest import check
from mangotest.machine import backtrace_functions as frames

pytestmark = pytest.mark.boot


def test_bt_twice_gives_the_same_frames(mango):
    first, second = frames(mango.run("bt")), frames(mango.run("bt"))
    check.true("kmain" in first, "bt's frames reach kmain", first)
    check.equal(second, first, "the frames of a second bt at the same prompt")
