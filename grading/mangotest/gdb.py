"""Drive gdb attached to a Mango machine started with `make qemu-gdb`.

    m = Machine(workdir, command=qemu_gdb_command(port))
    m.start()
    m.expect_exact(QEMU_GDB_READY)
    with Gdb(port, workdir) as g:          # gdb -q -nx -x <the generated .gdbinit>
        g.run("break kmain")
        out = g.run("continue")            # text up to the next (gdb) prompt
        g.resume("continue")               # let it run without waiting ...
        m.sendline("vmo alloc a 0")        # ... poke the console ...
        out = g.wait_stop()                # ... and wait until gdb stops again

Used by grading/tests/test_gdb.py and kernel/tools/transcripts.py, so the
tests and the documents' quoted gdb sessions drive gdb the same way.
"""
import os
import re
import subprocess

import pexpect

from mangotest.machine import REPO, MachineError, strip_ansi, unix_newlines

GDB_PROMPT = "(gdb) "
QEMU_GDB_READY = "run: make gdb"  # the last line `make qemu-gdb` prints


def qemu_gdb_command(port, *make_args):
    """`make qemu-gdb` on @port, as a Machine(command=...) argument list."""
    return ["make", "-s", "--no-print-directory", "qemu-gdb", "GDBPORT=%d" % port, *make_args]


def gdbinit_text(port):
    """The .gdbinit `make gdb` would use for @port (make print-gdbinit)."""
    return subprocess.run(["make", "-s", "--no-print-directory", "print-gdbinit",
                           "GDBPORT=%d" % port], cwd=REPO, capture_output=True,
                          text=True, check=True).stdout


class Gdb:
    """gdb under pexpect, with the generated .gdbinit (which attaches)."""

    def __init__(self, port, workdir, timeout=30):
        self.port = port
        self.gdbinit = workdir / ("gdbinit-%d" % port)
        self.log = workdir / ("gdb-%d.log" % port)
        self.timeout = timeout
        self.child = None

    def start(self):
        self.gdbinit.write_text(gdbinit_text(self.port))
        self._logfile = open(self.log, "w", encoding="utf-8")
        # -iex: before the .gdbinit, so that its own output is plain too
        self.child = pexpect.spawn(
            "gdb", ["-q", "-nx", "-iex", "set style enabled off", "-iex", "set width 0",
                    "-iex", "set height 0", "-x", str(self.gdbinit)],
            cwd=str(REPO), encoding="utf-8", codec_errors="replace", echo=False,
            timeout=self.timeout, dimensions=(50, 250),
            env=dict(os.environ, TERM="dumb"))  # no readline escapes
        self.child.logfile_read = self._logfile
        self.banner = self.wait_stop()
        return self

    def close(self):
        if self.child is None:
            return
        if self.child.isalive():
            self.child.sendline("kill")
            self.child.sendline("quit")
            try:
                self.child.expect(pexpect.EOF, timeout=10)
            except pexpect.TIMEOUT:
                self.child.terminate(force=True)
        self.child.close()
        self._logfile.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def wait_stop(self, timeout=None, what="the (gdb) prompt"):
        """Wait for the next prompt; return what gdb printed before it."""
        try:
            self.child.expect_exact(GDB_PROMPT, timeout=timeout or self.timeout)
        except (pexpect.EOF, pexpect.TIMEOUT):
            self._logfile.flush()
            raise MachineError("gdb: no %s; its last output (%s):\n%s"
                               % (what, self.log, self.log.read_text()[-3000:])) from None
        return strip_ansi(unix_newlines(self.child.before))

    def resume(self, command):
        """Send @command (continue, next, ...) without waiting for gdb."""
        self.child.sendline(command)

    def run(self, command, timeout=None):
        """Run @command; return its output (up to the next prompt)."""
        self.child.sendline(command)
        return self.wait_stop(timeout, "prompt after %r" % command)

    def interrupt(self):
        """Ctrl-C: stop the running machine; return gdb's report."""
        self.child.sendintr()
        return self.wait_stop(what="stop after Ctrl-C")


def value_of(gdb_output):
    """The value of `p x` output "$1 = 42" -> "42"."""
    m = re.search(r"^\$\d+ = (.*)$", gdb_output, re.M | re.S)
    if not m:
        raise MachineError("gdb printed no value: %r" % gdb_output)
    return m.group(1).strip()
