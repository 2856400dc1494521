"""Every way the machine can end, and what it says when it does."""
import re

import pytest

from mangotest.machine import (BUILD, EXIT_PANIC, EXIT_POWEROFF, EXIT_TRIPLE_FAULT,
                               backtrace_functions)

pytestmark = pytest.mark.boot


def test_poweroff_exits_zero(mango):
    mango.sendline("poweroff")
    assert mango.wait_exit() == EXIT_POWEROFF


def test_panic_prints_marker(mango):
    """Infrastructure: the marker line comes first, even on a branch where
    the backtrace (Lab 0) is still a stub."""
    mango.sendline("panic hello")
    assert mango.wait_exit() == EXIT_PANIC
    out = mango.transcript()
    assert re.search(r"^MANGO PANIC: cmd_panic: hello$", out, re.M), out
    assert "QEMU exits with status 3 (panic)" in out


@pytest.mark.needs_lab(0)
def test_panic_prints_marker_and_backtrace(mango):
    mango.sendline("panic hello")
    assert mango.wait_exit() == EXIT_PANIC
    out = mango.transcript()
    assert re.search(r"^MANGO PANIC: cmd_panic: hello$", out, re.M), out
    frames = backtrace_functions(out.split("MANGO PANIC")[1])
    assert frames[:2] == ["cmd_panic", "monitor_exec"], frames
    assert "kmain" in frames


@pytest.mark.needs_lab(0)
def test_page_fault_is_decoded(mango):
    mango.sendline("fault 0xdead000")
    assert mango.wait_exit() == EXIT_PANIC
    out = mango.transcript()
    assert "trap 14 (page fault)" in out
    assert "cr2 000000000dead000" in out
    assert "page fault: read at address 0xdead000" in out
    assert "cause: page not present" in out
    assert "mode:  kernel" in out
    assert re.search(r"at rip 0xffffffff8[0-9a-f]+ <cmd_fault\+0x[0-9a-f]+>", out)
    assert re.search(r"^MANGO PANIC: cmd_fault: page fault at 0xdead000 ", out, re.M)
    assert backtrace_functions(out.split("MANGO PANIC")[1])[0] == "cmd_fault"


def test_kernel_text_is_read_only(mango):
    sym = (BUILD / "kernel.sym").read_text()
    kmain = re.search(r"^([0-9a-f]{16}) T kmain$", sym, re.M).group(1)
    mango.sendline("fault 0x%s w" % kmain)
    assert mango.wait_exit() == EXIT_PANIC
    out = mango.transcript()
    assert "page fault: write at address 0x%s" % kmain.lstrip("0") in out
    assert "cause: protection violation on a present page" in out


@pytest.mark.needs_lab(0)
def test_jump_to_null_names_the_caller(mango):
    mango.sendline("fault 0 x")
    assert mango.wait_exit() == EXIT_PANIC
    out = mango.transcript()
    assert "page fault: instruction fetch at address 0x0" in out
    assert re.search(r"^MANGO PANIC: cmd_fault: page fault at 0x0 ", out, re.M)


@pytest.mark.needs_lab(0)
@pytest.mark.parametrize("kind, trap", [
    ("ud", "invalid opcode"),
    ("div0", "divide error"),
    ("gp", "general protection fault"),
])
def test_exceptions_are_named(mango, kind, trap):
    mango.sendline("crash " + kind)
    assert mango.wait_exit() == EXIT_PANIC
    assert re.search(r"^MANGO PANIC: cmd_crash: %s \(trap \d+" % trap, mango.transcript(), re.M)


@pytest.mark.needs_lab(0)
def test_stack_overflow_hits_the_guard_page(mango):
    mango.sendline("crash stack")
    assert mango.wait_exit() == EXIT_PANIC
    out = mango.transcript()
    assert "trap 8 (double fault)" in out
    assert re.search(r"^MANGO PANIC: overflow: double fault", out, re.M)


def test_triple_fault_ends_qemu(mango):
    mango.sendline("crash triple")
    assert mango.wait_exit(timeout=10) == EXIT_TRIPLE_FAULT
    assert "TRIPLE FAULT" in mango.transcript()
