"""Drive one Mango machine in QEMU: boot it, talk to the monitor on COM1,
and learn how it ended.

    m = Machine(workdir, cmdline="loglevel=7")
    m.start()
    m.wait_prompt()
    out = m.run("uptime")          # text between the command and the next prompt
    m.sendline("poweroff")
    assert m.wait_exit() == EXIT_POWEROFF

Every failure raises MachineError whose message says what was awaited,
how the machine ended (if it did) and the last console lines, so a test
failure reads as a diagnosis rather than a pexpect traceback.
"""
import functools
import os
import re
import shlex
import subprocess
from pathlib import Path

import pexpect

from mangotest import sandbox, verdict as V
from mangotest.qemutime import QemuTime

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "build"
RUN_QEMU = REPO / "kernel" / "tools" / "run-qemu.sh"
PROMPT = "mango> "
PANIC_MARKER = "MANGO PANIC"

# How QEMU's exit status reads (kernel/include/mango/machine.h,
# kernel/tools/run-qemu.sh): the one table that maps a status to a verdict.
EXIT_POWEROFF = 0
EXIT_PANIC = 3
EXIT_TRIPLE_FAULT = 4
EXIT_HALT = 5
EXIT_FLOOD = 7  # ktest.flood: the console passed the grader's limit
EXITS = {  # status: (what happened, verdict of a test that did not expect it)
    EXIT_POWEROFF: ("powered off", V.FAIL),
    EXIT_PANIC: ("panicked", V.PANIC),
    EXIT_TRIPLE_FAULT: ("triple fault", V.TRIPLE_FAULT),
    EXIT_HALT: ("power-off failed", V.FAIL),
    EXIT_FLOOD: ("flooded the console", V.FLOOD),
}

TAIL_LINES = 30
FLOOD_LIMIT = int(os.environ.get("MANGO_FLOOD_LIMIT", 512 * 1024))  # console bytes


class MachineError(V.GradeFailure):
    """The machine did not do what a test waited for."""

    def __init__(self, message, verdict=V.FAIL):
        super().__init__(verdict, message)


class Flood(MachineError):
    def __init__(self, limit):
        super().__init__("the kernel printed more than %d bytes on the console and was "
                         "cut off (a printk in a loop?)" % limit, V.FLOOD)


class _CountingLog:
    """pexpect's logfile_read: keeps the transcript, stops a flood."""

    def __init__(self, path, limit):
        self.f = open(path, "w", encoding="utf-8", errors="replace", newline="")
        self.limit = limit
        self.count = 0

    def write(self, data):
        self.count += len(data)
        if self.count > self.limit:
            raise Flood(self.limit)
        self.f.write(data)

    def flush(self):
        if not self.f.closed:
            self.f.flush()

    def close(self):
        self.f.close()


def exit_verdict(status):
    """The verdict of a machine that ended with @status when it should not have."""
    return EXITS.get(status, ("", V.FAIL))[1]


def panic_report(transcript):
    """The marker line and the backtrace after it, or None."""
    i = transcript.find(PANIC_MARKER)
    if i < 0:
        return None
    lines = transcript[i:].splitlines()
    keep = [lines[0]]
    for line in lines[1:]:
        if line.startswith("backtrace:") or line.startswith("  #"):
            keep.append(line)
        elif len(keep) > 1:
            break
    return "\n".join(keep)


def describe_exit(status):
    if status is None:
        return "still running"
    if status < 0:
        return "killed by signal %d" % -status
    return "exited with status %d (%s)" % (status, EXITS.get(status, ("unexpected",))[0])


@functools.lru_cache(maxsize=None)
def qemu_base_args(mem=None, accel=None):
    """The QEMU arguments every boot shares, from the Makefile (one source
    of truth for machine type, devices and the ISO)."""
    cmd = ["make", "-s", "--no-print-directory", "print-qemu-args"]
    if mem:
        cmd.append("MEM=%s" % mem)
    if accel:
        cmd.append("ACCEL=%s" % accel)
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if out.returncode != 0:
        raise MachineError("`%s` failed:\n%s" % (" ".join(cmd), out.stderr))
    return tuple(line for line in out.stdout.splitlines() if line)


def fwcfg_cmdline(cmdline):
    """QEMU option for per-boot kernel parameters (',' is written ',,')."""
    return ["-fw_cfg", "name=opt/mango/cmdline,string=%s" % cmdline.replace(",", ",,")]


class Machine:
    """One QEMU process running Mango, its console under pexpect."""

    def __init__(self, workdir, cmdline="", mem=None, extra_args=(), command=None,
                 name="mango", qmp=False, flood_limit=FLOOD_LIMIT):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.cmdline = cmdline
        self.mem = mem
        self.extra_args = list(extra_args)
        self.command = command  # a whole command line instead of QEMU's (e.g. make qemu-gdb)
        self.name = name
        self.console_log = self.workdir / ("%s-console.log" % name)
        # QEMU's own copy of the console (chardev logfile=): complete even
        # when the pty loses what a machine printed just before it exited
        self.console_qemu_log = self.workdir / ("%s-console-qemu.log" % name)
        self.com2_log = self.workdir / ("%s-com2.log" % name)
        self.qemu_log = self.workdir / ("%s-qemu.log" % name)
        # (a whole command line, e.g. make qemu, has no QMP socket of ours)
        self.qmp_path = self.workdir / ("%s-qmp.sock" % name) if qmp and not command else None
        self.flood_limit = flood_limit
        self.child = None
        self.status = None
        self.time = None  # QemuTime from start()

    # -- lifecycle -------------------------------------------------------

    def qemu_command(self):
        args = [str(RUN_QEMU), str(self.qemu_log), "qemu-system-x86_64"]
        args += qemu_base_args(self.mem, os.environ.get("ACCEL"))
        args += ["-chardev", "stdio,id=console,signal=off,logfile=%s" % self.console_qemu_log,
                 "-serial", "chardev:console",
                 "-serial", "file:%s" % self.com2_log]
        if self.cmdline:
            args += fwcfg_cmdline(self.cmdline)
        if self.qmp_path:
            args += ["-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        return args + self.extra_args

    def start(self):
        """Start QEMU (in the grading sandbox when MANGO_SANDBOX=1: the tree
        read-only, the workdir its one writable folder; sandbox.py)."""
        try:
            argv = sandbox.wrap(self.command or self.qemu_command(), REPO, [self.workdir])
        except sandbox.SandboxError as exc:
            raise MachineError("QEMU did not start: %s" % exc) from None
        self._logfile = _CountingLog(self.console_log, self.flood_limit)
        self.child = pexpect.spawn(argv[0], argv[1:], cwd=str(REPO), encoding="utf-8",
                                   codec_errors="replace", echo=False, timeout=30,
                                   dimensions=(50, 200), maxread=65536)
        # pexpect sleeps 50 ms before every send by default (for ttys that
        # drop input typed too early); QEMU's chardev buffers it
        self.child.delaybeforesend = None
        self.child.logfile_read = self._logfile
        self.time = QemuTime(self.child.pid)
        return self

    def close(self):
        """Stop QEMU if it still runs; record its status."""
        if self.child is None:
            return
        if getattr(self, "_qmp", None):
            self._qmp.close()
        if self.child.isalive():
            self.child.terminate(force=True)
        try:
            self._reap()
        except Flood:
            pass
        self._logfile.close()

    def _reap(self):
        """Wait for QEMU to end (reading its last output); return its status.
        A flood in that last output kills QEMU and raises Flood."""
        if self.status is not None:
            return self.status
        flood = None
        self.time.freeze()
        try:
            self.child.expect(pexpect.EOF, timeout=10)
        except Flood as exc:
            flood = exc
            self.child.logfile_read = None
            self.child.terminate(force=True)
            self.child.expect(pexpect.EOF, timeout=10)
        self.child.close()
        if self.child.signalstatus is not None:
            self.status = -self.child.signalstatus
        else:
            self.status = self.child.exitstatus
        if flood:
            raise flood
        return self.status

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # -- talking to it ---------------------------------------------------

    def transcript(self):
        """Everything the console printed so far, with Unix newlines: what
        pexpect read, or QEMU's own copy when that holds more (a machine
        that exits right after printing can leave its last output unread
        in the pty; QEMU's copy lacks only run-qemu.sh's own lines)."""
        self._logfile.flush()
        read = _text(self.console_log)
        qemu = _text(self.console_qemu_log)
        return unix_newlines(qemu if len(qemu) > len(read) else read)

    def flooded(self):
        """True if the console printed more than the flood limit, by QEMU's
        own count: the same answer however fast the pty was read, so
        FLOOD does not depend on the machine's load."""
        try:
            return self.console_qemu_log.stat().st_size > self.flood_limit
        except FileNotFoundError:
            return False

    def tail(self, n=TAIL_LINES):
        lines = self.transcript().splitlines()
        return "\n".join("    | " + line for line in lines[-n:])

    def _fail(self, what, timeout, exc):
        if isinstance(exc, pexpect.EOF):
            status = self._reap()
            verdict = exit_verdict(status)
            how = "the machine %s" % describe_exit(status)
            report = panic_report(self.transcript()) if verdict == V.PANIC else None
            if report:
                raise MachineError("%s while waiting for %s:\n%s" % (how, what, report),
                                   verdict) from None
        else:
            verdict = V.TIMEOUT
            how = "no progress for %ss" % timeout
            where = self.where()
            what += "; %s" % where if where else ""
        raise MachineError("%s while waiting for %s.\nLast console lines (%s):\n%s"
                           % (how, what, self.console_log, self.tail()), verdict) from None

    def where(self):
        """Where the CPU of this running machine is (stuck.py: function,
        source line, callers), or "" when it was started without QMP or
        has ended."""
        if not self.qmp_path or self.child is None or not self.child.isalive():
            return ""
        from mangotest import stuck
        from mangotest.symbols import Symbols
        return stuck.where(self, Symbols.load())

    def _wait(self, method, pattern, timeout):
        """pexpect's @method(@pattern), with @timeout in QEMU time (qemutime.py),
        so a busy machine does not make a wait time out."""
        start = self.time.seconds()
        while True:
            left = timeout - (self.time.seconds() - start)
            try:
                return method(pattern, timeout=max(0.05, min(left, 1.0)))
            except pexpect.TIMEOUT:
                if self.time.seconds() - start >= timeout:
                    raise

    def expect(self, pattern, timeout=10, what=None):
        """Wait for regex @pattern (@timeout: QEMU time); return the match."""
        try:
            self._wait(self.child.expect, pattern, timeout)
        except (pexpect.EOF, pexpect.TIMEOUT) as exc:
            self._fail(what or repr(pattern), timeout, exc)
        return self.child.match

    def expect_exact(self, text, timeout=10, what=None):
        """Wait for @text (@timeout: QEMU time); return what came before it."""
        try:
            self._wait(self.child.expect_exact, text, timeout)
        except (pexpect.EOF, pexpect.TIMEOUT) as exc:
            self._fail(what or repr(text), timeout, exc)
        return unix_newlines(self.child.before)

    def wait_prompt(self, timeout=15):
        """Wait for the monitor prompt; return what was printed before it."""
        return self.expect_exact(PROMPT, timeout, "the monitor prompt %r" % PROMPT)

    def sendline(self, line):
        self.child.send(line + "\r")

    def send(self, text):
        self.child.send(text)

    def run(self, command, timeout=10):
        """Run a monitor command; return its output (without the echo)."""
        self.sendline(command)
        out = self.expect_exact(PROMPT, timeout, "the prompt after %r" % command)
        first, _, rest = out.partition("\n")
        if first.strip() != command.strip():
            raise MachineError("the monitor echoed %r for command %r" % (first, command))
        return rest

    def console_bytes(self):
        """How many bytes the console has printed so far."""
        return self._logfile.count

    def drain(self, quiet=1.0, limit=10.0):
        """Read the console until it has been silent for @quiet seconds, or
        for @limit seconds in all (both QEMU time: see qemutime.py); True if
        QEMU ended meanwhile. A flood raises Flood, so a kernel that is
        printing when its time is up gets FLOOD, not TIMEOUT."""
        start = last = self.time.seconds()
        count = self.console_bytes()
        while self.time.seconds() - last < quiet and self.time.seconds() - start < limit:
            try:
                self.child.expect(pexpect.EOF, timeout=0.1)
                return True
            except pexpect.TIMEOUT:
                pass
            if self.console_bytes() != count:
                count, last = self.console_bytes(), self.time.seconds()
        return False

    def wait_exit(self, timeout=15):
        """Wait for QEMU to end; return its exit status."""
        try:
            self._wait(self.child.expect, pexpect.EOF, timeout)
        except pexpect.TIMEOUT:
            where = self.where()
            raise MachineError("no progress for %ss waiting for the machine to end%s.\n"
                               "Last console lines:\n%s" % (timeout, "; " + where if where else "",
                                                            self.tail()), V.TIMEOUT) from None
        return self._reap()

    def qmp(self):
        """A connected QMP client (the machine must be made with qmp=True)."""
        from mangotest.qmp import QMP
        if not self.qmp_path:
            raise MachineError("this machine was started without qmp=True")
        if getattr(self, "_qmp", None) is None:
            self._qmp = QMP(self.qmp_path).connect()
        return self._qmp

    def __repr__(self):
        return "Machine(%s)" % " ".join(shlex.quote(a) for a in (self.command or self.qemu_command()))


def _text(path):
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def backtrace_functions(text):
    """Function names of the backtrace frames ("#3 0x... kmain+0x1b") in @text."""
    return re.findall(r"#\d+\s+0x[0-9a-f]{16} (\w+)\+0x[0-9a-f]+", text)


def unix_newlines(text):
    """The kernel ends lines with CR LF and the pty may add another CR."""
    return re.sub(r"\r+\n", "\n", text)


def strip_ansi(text):
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
