"""Lab 0 through the monitor: the backtrace a student sees."""
import pytest

from mangotest import check
from mangotest.machine import EXIT_PANIC, backtrace_functions as frames

pytestmark = pytest.mark.boot


def test_bt_command(mango):
    got = frames(mango.run("bt"))
    check.equal(got[:2], ["cmd_bt", "monitor_exec"], "the first two frames bt printed")
    check.true("kmain" in got, "bt's frames reach kmain", got)


def test_panic_backtrace(mango):
    mango.sendline("panic lab0")
    check.equal(mango.wait_exit(), EXIT_PANIC, "QEMU's exit status after `panic lab0`")
    after = mango.transcript().split("MANGO PANIC: cmd_panic: lab0", 1)
    check.true(len(after) == 2, "the panic marker line 'MANGO PANIC: cmd_panic: lab0'",
               mango.transcript())
    got = frames(after[1])
    check.equal(got[:2], ["cmd_panic", "monitor_exec"], "the first two frames of the panic backtrace")
    check.true("kmain" in got, "the panic backtrace reaches kmain", got)
