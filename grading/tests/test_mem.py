"""MEM: the Makefile refuses a guest too small to boot, naming the minimum,
and that minimum boots to the monitor. (With MEM=1M GRUB ran out of memory
loading the kernel and waited on a screen -display none hides: a silent
hang.)"""
import re
import subprocess

import pytest

from mangotest.machine import REPO


def make_mem(mem):
    return subprocess.run(["make", "--no-print-directory", "-n", "all", "MEM=" + mem], cwd=REPO,
                          capture_output=True, text=True)


def minimum_mem():
    """The minimum the Makefile names when MEM=1M is refused."""
    r = make_mem("1M")
    assert r.returncode != 0, "MEM=1M was accepted"
    m = re.search(r"MEM=1M is too small; Mango needs at least MEM=(\d+M)", r.stderr)
    assert m, r.stderr
    return m.group(1)


@pytest.mark.parametrize("mem", ["1M", "3M", "0G"])
def test_too_little_memory_is_refused_with_the_minimum(mem):
    r = make_mem(mem)
    assert r.returncode != 0 and "MEM=%s is too small; Mango needs at least MEM=" % mem in r.stderr


@pytest.mark.parametrize("mem", ["4M", "1G"])
def test_enough_memory_is_accepted(mem):
    assert make_mem(mem).returncode == 0


@pytest.mark.boot
def test_the_minimum_boots_to_the_prompt(boot):
    m = boot(mem=minimum_mem())
    assert "usable RAM:" in m.boot_output
    assert "help" in m.run("help")
