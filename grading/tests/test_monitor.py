"""The monitor: command table, help, line editing, inspection commands."""
import re

import pytest

from mangotest.machine import BUILD, backtrace_functions

pytestmark = pytest.mark.boot


def registered_commands():
    """Command names as the linker sees them (MONITOR_COMMAND symbols)."""
    syms = (BUILD / "kernel.sym").read_text()
    return set(re.findall(r"\b__monitor_cmd_(\w+)$", syms, re.M))


def test_help_lists_every_command(mango):
    listed = set(re.findall(r"^  (\w+)", mango.run("help"), re.M))
    expected = registered_commands()
    assert {"help", "mem", "bt", "uptime", "cmdline", "panic", "fault", "poweroff"} <= expected
    assert listed == expected


def test_help_describes_one_command(mango):
    out = mango.run("help fault")
    assert out.startswith("fault <addr>")
    assert "page-fault" in out


def test_unknown_command(mango):
    assert mango.run("frobnicate now") == "unknown command 'frobnicate' (try 'help')\n"


def test_empty_line_is_ignored(mango):
    assert mango.run("") == ""


def test_backspace_ctrl_u_and_ctrl_c(mango):
    # "helo<BS><BS>lp" is "help"; the terminal sees the erase sequences
    mango.send("helo\x7f\x7flp\r")
    out = mango.wait_prompt()
    assert "uptime" in out
    # Ctrl-U throws away the line typed so far
    mango.send("garbage\x15uptime\r")
    assert "ticks at" in mango.wait_prompt()
    # Ctrl-C abandons the line: nothing runs
    mango.send("panic now\x03")
    out = mango.wait_prompt()
    assert "^C" in out and "MANGO PANIC" not in out
    assert "ticks at" in mango.run("uptime")


def test_overlong_line_is_cut_not_crashed(mango):
    mango.sendline("x" * 300)
    out = mango.wait_prompt()
    assert "\a" in out  # the bell for each character past the limit
    assert "unknown command '%s'" % ("x" * 255) in out
    assert "ticks at" in mango.run("uptime")


@pytest.mark.needs_lab(0)
def test_bt_names_the_monitor_and_kmain(mango):
    out = mango.run("bt")
    frames = backtrace_functions(out)
    assert frames[0] == "cmd_bt"
    assert "monitor_exec" in frames and "kmain" in frames
    assert frames.index("monitor_exec") < frames.index("kmain")


def test_mem_summarises_memory(mango):
    out = mango.run("mem")
    assert "usable RAM:" in out
    assert re.search(r"kernel image: \[100000-[0-9a-f]+\) \d+ KiB", out)
    assert re.search(r"early allocator: \d+ of \d+ KiB used", out)


@pytest.mark.parametrize("args", ["", "xyz", "0x10 q", "1 2 3"])
def test_fault_rejects_bad_arguments(mango, args):
    assert mango.run(("fault " + args).strip()) == "usage: fault <addr> [r|w|x]\n"


def test_fault_on_mapped_memory_does_not_fault(mango):
    sym = (BUILD / "kernel.sym").read_text()
    kmain = re.search(r"^([0-9a-f]{16}) T kmain$", sym, re.M).group(1)
    assert "no fault" in mango.run("fault 0x" + kmain)
