"""Time as the QEMU process had it, so that a timeout does not depend on
how busy the machine is.

Wall time runs on while QEMU waits for a CPU that other processes hold; a
case that needs 2 s of a CPU takes 6 s when three processes share it.
QemuTime is wall time minus the time QEMU's threads waited, runnable, for
a CPU (the kernel's schedstat run_delay). A busy guest's QemuTime is its
CPU time; a halted guest's (hlt, waiting for an interrupt) is wall time.

    t = QemuTime(child_pid)     # QEMU, or a wrapper QEMU runs under
    t.seconds()                 # since QemuTime() was made
"""
import time
from pathlib import Path


def _children(pid):
    try:
        return [int(p) for p in
                Path("/proc/%d/task/%d/children" % (pid, pid)).read_text().split()]
    except (OSError, ValueError):
        return []


def _descendants(pid):
    """Every process under @pid: QEMU is run-qemu.sh's child, and in the
    grading sandbox (sandbox.py) that is under bwrap and its init."""
    out, todo = [], _children(pid)
    while todo:
        out.append(todo.pop())
        todo += _children(out[-1])
    return out


def _run_delay(pid):
    """Seconds the longest-waiting thread of @pid waited for a CPU, or 0."""
    worst = 0
    try:
        tasks = list(Path("/proc/%d/task" % pid).iterdir())
    except OSError:
        return 0.0
    for task in tasks:
        try:
            worst = max(worst, int((task / "schedstat").read_text().split()[1]))
        except (OSError, ValueError, IndexError):
            continue
    return worst / 1e9


class QemuTime:
    def __init__(self, pid):
        """@pid: QEMU's, or that of a wrapper (run-qemu.sh, bwrap) QEMU runs under."""
        self.pid = pid
        self.wall0 = time.monotonic()
        self.delay0 = _run_delay(pid)
        self.child_delay = {}  # QEMU's pid -> its last run delay (kept once it exits)
        self.final = None

    def seconds(self):
        """Seconds since construction that QEMU ran or slept, not those it
        waited for a CPU (wall time when /proc says nothing); fixed by freeze()."""
        if self.final is not None:
            return self.final
        wall = time.monotonic() - self.wall0
        for child in _descendants(self.pid):  # the wrapper's QEMU (started after us)
            self.child_delay[child] = _run_delay(child)
        delay = _run_delay(self.pid) - self.delay0 + sum(self.child_delay.values())
        return max(0.0, wall - delay)

    def freeze(self):
        """Stop the clock (QEMU has ended): seconds() keeps its value."""
        if self.final is None:
            self.final = self.seconds()
