"""Fixtures shared by every test: a built kernel, and machines to boot it."""
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mangotest.machine import REPO, Machine  # noqa: E402


@pytest.fixture(scope="session")
def built():
    """Build the kernel and ISO once per session (a no-op when up to date)."""
    out = subprocess.run(["make", "-s", "--no-print-directory", "all"], cwd=REPO,
                         capture_output=True, text=True)
    if out.returncode != 0:
        pytest.fail("NO BUILD: `make all` failed:\n%s%s" % (out.stdout, out.stderr),
                    pytrace=False)
    return REPO / "build"


@pytest.fixture
def boot(built, tmp_path):
    """boot(cmdline="", mem=None, ...) -> a started Machine, stopped at test end."""
    machines = []

    def _boot(cmdline="", mem=None, extra_args=(), command=None, wait_prompt=True):
        m = Machine(tmp_path / ("m%d" % len(machines)), cmdline=cmdline, mem=mem,
                    extra_args=extra_args, command=command)
        machines.append(m)
        m.start()
        if wait_prompt:
            m.boot_output = m.wait_prompt()
        return m

    yield _boot
    for m in machines:
        m.close()


@pytest.fixture
def mango(boot):
    """A machine booted with defaults, at the monitor prompt."""
    return boot()
