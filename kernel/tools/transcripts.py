#!/usr/bin/env python3
"""transcripts.py - the quoted sessions of the docs, from a real run.

    transcripts.py list             the sessions and the blocks that quote them
    transcripts.py update [NAME..]  run the sessions, rewrite the blocks (make transcripts)
    transcripts.py check [NAME..]   run them, exit 1 naming doc:line and block on a mismatch
    transcripts.py show NAME..      run sessions and print them

A quoted block in docs/*.md or labs/lab*.md is marked

    <!-- transcript: gdb-kmain -->
    ```text
    ... generated, do not edit ...
    ```
    <!-- end transcript -->

and SESSIONS below says how to produce it: boot Mango (plain, or under
`make qemu-gdb` with gdb attached through the generated .gdbinit, or with
`make qemu` on a terminal), type the commands, keep the output. The current
build is used as is (run `make` first). Nothing is normalized: addresses
and lines are stable for one build and compiler, and differ for another,
which is what makes a quoted transcript stale. The only values that vary
between runs of one build (see VOLATILE) are replaced by a fixed text in
both the run and the document. grading/tests/test_transcripts.py runs
`check` per session.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "grading"))

import pexpect  # noqa: E402

from mangotest.gdb import QEMU_GDB_READY, Gdb, qemu_gdb_command  # noqa: E402
from mangotest.machine import Machine, strip_ansi, unix_newlines  # noqa: E402

DOCS = ["docs/debugging.md", "docs/boot.md", "labs/lab0-backtrace.md", "labs/lab1-pages.md",
        "labs/lab2-btree.md", "labs/lab3-vmobject.md", "labs/lab5-faults.md"]
BLOCK_RE = re.compile(r"^<!-- transcript: (?P<name>[\w-]+) -->\n(?P<fence>```\w*)\n"
                      r"(?P<body>.*?)^```\n<!-- end transcript -->$", re.M | re.S)
KERNEL_BASE = 0xFFFFFFFF80000000
# What differs between two runs of one build: replaced in both.
VOLATILE = [
    # where Ctrl-C happened to stop the CPU
    (re.compile(r"^Program received signal SIGINT.*\n(?:0x[0-9a-f]+ in .*\n)?(?:\d+\t.*\n)?", re.M),
     "Program received signal SIGINT, Interrupt.\n"),
    # QEMU's -d int numbers every interrupt, timer ticks included
    (re.compile(r"^ *\d+: v=", re.M), "    N: v="),
]


def normalize(text):
    for pattern, fixed in VOLATILE:
        text = pattern.sub(fixed, text)
    return text


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def symbol(name):
    """Address of @name in build/kernel.elf."""
    out = subprocess.run(["nm", str(REPO / "build" / "kernel.elf")], capture_output=True,
                         text=True, check=True).stdout
    return int(re.search(r"^([0-9a-f]+) \w %s$" % re.escape(name), out, re.M).group(1), 16)


def trim_frames(text, head=2, tail=1):
    """Keep the first @head and last @tail lines of each backtrace, "..." between."""
    out, frames = [], []

    def flush():
        if len(frames) > head + tail + 1:
            out.extend(frames[:head] + ["  ..."] + frames[len(frames) - tail:])
        else:
            out.extend(frames)
        frames.clear()

    for line in text.splitlines():
        if re.match(r"  #\d+ ", line):
            frames.append(line)
            continue
        flush()
        out.append(line)
    flush()
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# Ways to run a session


class MonitorSession:
    """A plain boot; run(cmd) types at mango> and records prompt, command
    and output."""

    def __init__(self, workdir, cmdline=""):
        self.m = Machine(workdir, cmdline=cmdline, name="transcript")
        self.text = ""

    def __enter__(self):
        self.m.start()
        self.boot = self.m.wait_prompt(timeout=60)
        return self

    def __exit__(self, *exc):
        self.m.close()

    def run(self, command):
        """Run a monitor command; record it and its output; return the output."""
        out = self.m.run(command)
        self.text += "mango> %s\n%s" % (command, out)
        return out

    def run_to_exit(self, command):
        """A command that ends the machine (panic, crash): all it printed."""
        self.m.sendline(command)
        self.m.wait_exit(timeout=30)
        out = self.m.transcript().rsplit("mango> ", 1)[1]
        out = out.split("\n", 1)[1] if "\n" in out else ""
        self.text += "mango> %s\n%s" % (command, out)
        return out


class GdbSession:
    """`make qemu-gdb` with gdb attached by the generated .gdbinit; gdb(cmd)
    records "(gdb) cmd" and its output, console(line) types at mango>."""

    def __init__(self, workdir):
        self.port = free_port()
        self.m = Machine(workdir, command=qemu_gdb_command(self.port), name="transcript")
        self.workdir = workdir
        self.text = ""

    def __enter__(self):
        self.m.start()
        self.m.expect_exact(QEMU_GDB_READY)
        self.g = Gdb(self.port, self.workdir).start()
        return self

    def __exit__(self, *exc):
        self.g.close()
        self.m.close()

    def gdb(self, command, record=True):
        """Run a gdb command; record it and its output unless not @record."""
        out = self.g.run(command, timeout=60)
        if record:
            self.text += "(gdb) %s\n%s" % (command, out)
        return out

    def resume(self, command, note=""):
        """continue, without waiting: the next wait() has its output."""
        self.g.resume(command)
        self.text += "(gdb) %s%s\n" % (command, "    # " + note if note else "")

    def wait(self):
        """Wait for gdb to stop again (after resume); record what it said."""
        out = self.g.wait_stop(timeout=60)
        self.text += out
        return out

    def boot_to_prompt(self):
        """Boot to mango>, then stop the machine (not recorded)."""
        self.g.resume("continue")
        self.m.wait_prompt(timeout=60)

    def console(self, line):
        """Type @line at mango> (not recorded: the notes say what was typed)."""
        self.m.sendline(line)


# The sessions that run `make qemu`, which writes build/qemu.log and
# build/com2.log: never two at once (the test puts them in one xdist group).
MAKE_QEMU_SESSIONS = {"make-qemu-triple", "qemu-info-mem"}


def make_qemu(workdir, commands):
    """`make qemu` on a terminal, as a student runs it: type @commands, each
    a (text to send, text to wait for); return what the terminal showed."""
    # make's last lines come right before the terminal closes, and Linux may
    # drop what a pty still holds when its last writer exits: the shell
    # keeps it open a moment after make ends, so they are always read
    argv = ["sh", "-c", "make -s --no-print-directory qemu; sleep 0.5"]
    log = workdir / "make-qemu.log"
    with open(log, "w") as f:
        # as from a shell, not from inside `make transcripts` ("make[1]: ...")
        env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
        child = pexpect.spawn(argv[0], argv[1:], cwd=str(REPO), encoding="utf-8", env=env,
                              codec_errors="replace", timeout=60, dimensions=(50, 200))
        child.logfile_read = f
        child.expect_exact("mango> ")
        for send, until in commands:
            child.send(send)
            if until is pexpect.EOF:
                child.expect(pexpect.EOF)
            else:
                child.expect_exact(until)
        child.close()
    return strip_ansi(unix_newlines(log.read_text()))


def shell(command):
    """`$ command` and its output, run in the repository."""
    out = subprocess.run(command, shell=True, cwd=REPO, capture_output=True, text=True)
    return "$ %s\n%s" % (command, out.stdout)


# ---------------------------------------------------------------------------
# The sessions (name -> function(workdir) -> text)

SESSIONS = {}


def session(fn):
    SESSIONS[fn.__name__.replace("_", "-")] = fn
    return fn


@session
def gdb_buddy_free(w):
    with GdbSession(w) as s:
        s.boot_to_prompt()
        s.console("pages alloc 3")
        s.m.wait_prompt()
        addr = re.search(r"at (0x[0-9a-f]+)", s.m.transcript().rsplit("pages alloc 3", 1)[1]).group(1)
        s.g.interrupt()
        s.gdb("break buddy_free")
        s.resume("continue", "then in terminal 1: mango> pages free %s" % addr)
        s.console("pages free %s" % addr)
        s.wait()
        s.gdb("p *p")
        s.gdb("bt")
        return s.text


def console_then_interrupt(s, commands):
    """Boot GdbSession @s to mango>, type @commands there, stop the machine
    (Ctrl-C in gdb); the session's text so far is both terminals' part."""
    s.boot_to_prompt()
    text = ""
    for cmd in commands:
        s.console(cmd)
        out = s.m.expect_exact("mango> ")
        text += "mango> " + unix_newlines(out).lstrip("\n")
    s.g.interrupt()
    s.text = "# terminal 1\n" + text + "# terminal 2: Ctrl-C, then\n"


@session
def gdb_helpers(w):
    with GdbSession(w) as s:
        console_then_interrupt(s, ("vmo create buf 1M rw", "vmo alloc buf 0", "vmo alloc buf 0x4000 2",
                                   "vmo alloc buf 0x10000 4", "vmo alloc buf 0x2000"))
        s.gdb("mango-vmo buf")
        vo = re.search(r"\(struct vm_object \*\) (0x[0-9a-f]+)", s.text).group(1)
        s.gdb("p ((struct vm_object *)%s)->vo_pages" % vo)
        s.gdb("p *vm_page_from_phys(%s)" % re.findall(r"^  0x4000 .*?(0x[0-9a-f]+) ", s.text, re.M)[0])
        s.gdb("mango-freelists")
        return s.text


@session
def gdb_vmr(w):
    with GdbSession(w) as s:
        console_then_interrupt(s, ("vmo create buf 16K rw", "vmo alloc buf 0x2000",
                                   "vmr create as0 0x10000000 1G",
                                   "vmr map as0 buf 0 16K rw 0x10000000", "vmr map as0 buf 0x2000 8K r",
                                   "vmr create as1 0x40000000 1G", "vmr use as1", "vmr list"))
        for command in ("mango-vmr", "mango-pt 0x10004008 as0", "mango-pt 0x10001000 as0",
                        "mango-pt 0x10004008"):
            s.gdb(command)
        return s.text


def monitor(commands=(), ends=None, cmdline="", trim=None):
    """A session typing @commands at mango>, then @ends (a command, or a
    function giving it, that ends the machine); @trim = (head, tail) shortens
    the backtraces after the commands (trim_frames)."""
    def run(w):
        with MonitorSession(w, cmdline=cmdline) as s:
            for command in commands:
                s.run(command)
            before = s.text
            if ends:
                s.run_to_exit(ends() if callable(ends) else ends)
            after = s.text[len(before):]
            return before + (trim_frames(after, *trim) if trim else after)
    return run


def gdb_at(commands, banner=False, at_prompt=False):
    """A session running gdb @commands from the stop before the BIOS (with
    the .gdbinit's @banner), or, @at_prompt, once Mango waits at mango>."""
    def run(w):
        with GdbSession(w) as s:
            if banner:
                s.text = s.g.banner.split("\n", 2)[-1]  # from the stop before the BIOS on
            if at_prompt:
                s.boot_to_prompt()
                s.g.interrupt()
            for command in commands:
                s.gdb(command)
            return s.text
    return run


def gdb_stop_in(function, console, commands):
    """A session stopping in @function when @console is typed at mango>,
    then running gdb @commands."""
    def run(w):
        with GdbSession(w) as s:
            s.boot_to_prompt()
            s.g.interrupt()
            s.gdb("break " + function)
            s.resume("continue", "then in terminal 1: mango> " + console)
            s.console(console)
            s.wait()
            for command in commands:
                s.gdb(command)
            return s.text
    return run


def gdb_registers(breakpoint, registers):
    """A session showing `info registers @registers` at @breakpoint."""
    def run(w):
        with GdbSession(w) as s:
            s.gdb("break " + breakpoint, record=False)
            s.gdb("continue", record=False)
            s.gdb("info registers " + registers)
            return s.text
    return run


SESSIONS.update({
    "gdb-kmain": gdb_at(["break kmain", "continue", "bt", "next"], banner=True),
    "gdb-kmain-registers": gdb_at(["break kmain", "continue", "info registers rip rsp rbp",
                                   "bt", "next"]),
    "gdb-break-panic": gdb_stop_in("panic", "panic hello", ["bt"]),
    "gdb-panic-trap": gdb_stop_in("panic_trap", "fault 0xdead000",
                                  ["bt", "p/x tf->rip", "info symbol tf->rip", "p/x $cr2"]),
    "gdb-pt-kmain": gdb_at(["mango-pt kmain", "mango-pt 0xffff800000123456", "mango-pt 0"],
                           at_prompt=True),
    "gdb-start-registers": gdb_registers("_start", "eax ebx cr0"),
    "gdb-long-mode-registers": gdb_registers("long_mode_high", "cr0 cr4 efer cr3"),
    "monitor-panic": monitor(ends="panic hello"),
    "monitor-lab0": monitor(["bt"], ends="panic lab0", trim=(2, 0)),
    "monitor-fault-read": monitor(ends="fault 0xdead000"),
    "monitor-fault-write-text": monitor(ends=lambda: "fault %#x w" % symbol("kmain"), trim=(1, 0)),
    "monitor-crash-stack": monitor(ends="crash stack", trim=(2, 2)),
    "monitor-mem": monitor(["mem"]),
    "monitor-cmdline": monitor(["cmdline"], cmdline="loglevel=7 timer.hz=250 bogus=1"),
    "monitor-vmo": monitor(["vmo create heap 8M rw", "vmo alloc heap 0", "vmo alloc heap 2M 9",
                            "vmo alloc heap 0x201000", "vmo read heap 0x203038", "vmo show heap",
                            "vmo inplace image 0x100000 16K r", "vmo alloc image 0", "objects",
                            "vmo drop heap"]),
    "monitor-vmr": monitor(["vmo create buf 16K rw", "vmo alloc buf 0", "vmo alloc buf 0x1000",
                            "vmr create as0 0x10000000 1G", "vmr map as0 buf 0 16K rw 0x10000000",
                            "vmr map as0 buf 0 8K r", "vmr use as0", "poke 0x10001008 0x1234",
                            "peek 0x10005008", "poke 0x10005008 5", "peek 0x10002008",
                            "vmr list", "pt", "pt 0x10001008"]),
    "monitor-fault": monitor(["vmo create buf 4M", "vmr create as0 0x40000000 1G",
                              "vmr map as0 buf 0 64K rw 0x40000000",
                              "vmr map as0 buf 0 64K r 0x40100000", "vmr use as0",
                              "peek 0x40003000", "poke 0x40003008 7", "peek 0x40103008",
                              "poke 0x40103008 1", "vmr list as0", "vmo show buf",
                              "pt 0x40003000"]),
})


@session
def monitor_pages(w):
    with MonitorSession(w) as s:
        s.run("pages")
        addr = re.search(r"at (0x[0-9a-f]+)", s.run("pages alloc 2")).group(1)
        s.run("pages")
        s.run("pages free %s" % addr)
        s.run("pages free %s" % addr)
        s.run("pages check")
        return s.text


@session
def make_qemu_triple(w):
    out = make_qemu(w, [("crash triple\r", pexpect.EOF)])
    return "mango> crash triple\n" + out.split("crash triple", 1)[1].lstrip("\n")


@session
def qemu_info_mem(w):
    out = make_qemu(w, [("\x01c", "(qemu) "), ("info mem\r", "(qemu) "), ("quit\r", pexpect.EOF)])
    out = out.split("info mem", 1)[1].split("(qemu)", 1)[0]
    return "(qemu) info mem\n" + "".join(line + "\n" for line in out.splitlines() if line.strip())


@session
def shell_fault_rip(w):
    rip = re.search(r"rip ([0-9a-f]{16})", SESSIONS["monitor-fault-read"](w)).group(1)
    return (shell("awk '$1 <= \"%s\"' build/kernel.sym | tail -1" % rip)
            + shell("grep -B3 '%s:' build/kernel.asm" % rip)
            + shell("addr2line -e build/kernel.elf 0x%s" % rip).replace(str(REPO) + "/", ".../"))


@session
def shell_return_address(w):
    ret = int(re.search(r"#\d+\s+(0x[0-9a-f]+) kmain\+", SESSIONS["monitor-panic"](w)).group(1), 16)
    return (shell("grep -A2 'call.*<monitor_run>' build/kernel.asm")
            + shell("addr2line -f -i -e build/kernel.elf %#x" % (ret - 1))
            + shell("addr2line -f -i -e build/kernel.elf %#x" % ret)).replace(str(REPO) + "/", ".../")


@session
def qemu_int_log(w):
    log = w / "int.log"
    cmd = ("qemu-system-x86_64 $(make -s print-qemu-args) -serial stdio -d int,cpu_reset -D %s"
           % log)
    child = pexpect.spawn("bash", ["-c", cmd], cwd=str(REPO), encoding="utf-8",
                          codec_errors="replace", timeout=60)
    child.expect_exact("mango> ")
    child.send("crash triple\r")
    child.expect(pexpect.EOF)
    child.close()
    lines = [line for line in log.read_text(errors="replace").splitlines()
             if re.search(r" v=|check_exception|Triple", line)][-7:]
    # the register dump after each v= line is long: its first fields say enough
    lines = [re.sub(r"^(\s*\d+: v=.*? SP=\S+) .*", r"\1 ...", line) for line in lines]
    return "\n".join(lines) + "\n"


@session
def monitor_boot(w):
    with MonitorSession(w) as s:
        first = "Mango x86-64 kernel booting"
        return first + s.boot.split(first, 1)[1] + "mango> \n"


@session
def shell_readelf(w):
    out = shell("readelf -lW build/kernel.elf")
    keep = [line for line in out.splitlines()
            if line.startswith(("$", "Entry point", "  Type", "  LOAD"))]
    return "\n".join(keep) + "\n"


# ---------------------------------------------------------------------------
# Documents


def blocks():
    """(doc, line, name, match) of every marked block."""
    out = []
    for doc in DOCS:
        path = REPO / doc
        if not path.exists():
            continue
        text = path.read_text()
        for m in BLOCK_RE.finditer(text):
            out.append((doc, text.count("\n", 0, m.start()) + 1, m.group("name"), m))
    return out


def run_session(name, workdir=None):
    if name not in SESSIONS:
        raise SystemExit("transcripts: no session '%s' (known: %s)" % (name, ", ".join(SESSIONS)))
    with tempfile.TemporaryDirectory(prefix="transcript-") as tmp:
        text = SESSIONS[name](Path(workdir or tmp))
    return normalize(text.rstrip("\n") + "\n")


def compare(name, text):
    """Mismatch messages of the blocks quoting session @name against @text."""
    import difflib
    problems = []
    for doc, line, block, m in blocks():
        if block != name:
            continue
        quoted = normalize(m.group("body"))
        if quoted != text:
            diff = "".join(difflib.unified_diff(quoted.splitlines(True), text.splitlines(True),
                                                "%s (quoted)" % doc, "a real run"))
            problems.append("%s:%d: transcript '%s' no longer matches a real run "
                            "(make transcripts rewrites it):\n%s" % (doc, line, name, diff))
    return problems


def used_sessions(names):
    used = sorted({b[2] for b in blocks()})
    unknown = [n for n in used if n not in SESSIONS]
    if unknown:
        raise SystemExit("transcripts: blocks name unknown sessions: %s" % unknown)
    return names or used


def update(names):
    results = {name: run_session(name) for name in used_sessions(names)}
    for doc in DOCS:
        path = REPO / doc
        if not path.exists():
            continue
        text = path.read_text()

        def repl(m):
            if m.group("name") not in results:
                return m.group(0)
            return "<!-- transcript: %s -->\n%s\n%s```\n<!-- end transcript -->" % (
                m.group("name"), m.group("fence"), results[m.group("name")])
        new = BLOCK_RE.sub(repl, text)
        if new != text:
            path.write_text(new)
            print("transcripts: rewrote %s" % doc)
    return 0


def check(names):
    problems = []
    for name in used_sessions(names):
        problems += compare(name, run_session(name))
    print("\n".join(problems) or "transcripts: every quoted transcript matches a real run")
    return 1 if problems else 0


def main(argv):
    cmd, names = (argv[1] if len(argv) > 1 else "list"), argv[2:]
    if cmd == "list":
        for doc, line, name, _ in blocks():
            print("%-28s %s:%d" % (name, doc, line))
        return 0
    if cmd == "show":
        for name in names:
            print(run_session(name), end="")
        return 0
    if cmd == "update":
        return update(names)
    if cmd == "check":
        return check(names)
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
