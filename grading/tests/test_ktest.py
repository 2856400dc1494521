"""The in-kernel test framework through its real channel (KTAP on COM2)."""
import re

import pytest

from mangotest import ktap
from mangotest.machine import EXIT_PANIC, EXIT_POWEROFF

pytestmark = pytest.mark.boot


def com2(m):
    return m.com2_log.read_text()


def test_infrastructure_cases_pass(boot):
    m = boot(cmdline="ktest=lib.*,ktest.* ktest.nonce=n0nce ktest.seed=7", wait_prompt=False)
    assert m.wait_exit() == EXIT_POWEROFF
    k = ktap.parse(com2(m))
    assert (k.nonce, k.seed, k.done, k.problems) == ("n0nce", 7, True, [])
    assert len(k.results) >= 14
    failed = [r.name for r in k.results.values() if not r.ok]
    assert not failed, failed
    # the case that must panic is skipped when others run with it
    assert "expects a panic" in k.results["ktest.panic_is_expected"].skipped


def test_pmap_cases_pass(boot):
    """On every branch: without Lab 1's allocator the pmap's table pages
    come from the early pool (and a table that empties is not handed to
    the stub allocator)."""
    m = boot(cmdline="ktest=pmap.* ktest.nonce=n0nce ktest.seed=7", wait_prompt=False)
    assert m.wait_exit() == EXIT_POWEROFF
    k = ktap.parse(com2(m))
    assert (k.done, k.problems) == (True, [])
    failed = [r.name for r in k.results.values() if not r.ok]
    assert k.results and not failed, failed


def test_seed_is_printed_when_not_given(boot):
    m = boot(cmdline="ktest=lib.glob", wait_prompt=False)
    assert m.wait_exit() == EXIT_POWEROFF
    k = ktap.parse(com2(m))
    assert k.nonce == "none" and isinstance(k.seed, int)
    assert "(seed %d)" % k.seed in m.transcript()


def test_panicking_case_alone_ends_in_panic(boot):
    m = boot(cmdline="ktest=ktest.panic_is_expected ktest.nonce=x", wait_prompt=False)
    assert m.wait_exit() == EXIT_PANIC
    k = ktap.parse(com2(m))
    assert k.running == "ktest.panic_is_expected"
    assert k.panic_lines[0].startswith("MANGO PANIC: ktest_fn_ktest_panic_is_expected: ")


def test_list(boot):
    m = boot(cmdline="ktest.list", wait_prompt=False)
    assert m.wait_exit() == EXIT_POWEROFF
    k = ktap.parse(com2(m))
    assert "lib.glob" in k.listed and "backtrace.respects_max" in k.listed
    assert k.listed["ktest.panic_is_expected"] is True
    assert not any(name.startswith("selftest.") for name in k.listed)


def test_monitor_command(mango):
    out = mango.run("ktest lib.format_*")
    assert re.search(r"ktest: 4 passed, 0 failed, 0 skipped", out), out
    assert "ticks at" in mango.run("uptime")  # the monitor is still there
