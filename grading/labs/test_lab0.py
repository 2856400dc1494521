"""Lab 0 through the monitor: the backtrace a student sees."""
import pytest

from mangotest.machine import EXIT_PANIC, backtrace_functions as frames

pytestmark = pytest.mark.boot


def test_bt_command(mango):
    got = frames(mango.run("bt"))
    assert got[:2] == ["cmd_bt", "monitor_exec"], "bt printed frames %s" % got
    assert "kmain" in got, "bt never reached kmain: %s" % got


def test_panic_backtrace(mango):
    mango.sendline("panic lab0")
    assert mango.wait_exit() == EXIT_PANIC
    after = mango.transcript().split("MANGO PANIC: cmd_panic: lab0", 1)
    assert len(after) == 2, "no panic marker line"
    got = frames(after[1])
    assert got[:2] == ["cmd_panic", "monitor_exec"], "panic backtrace: %s" % got
    assert "kmain" in got
