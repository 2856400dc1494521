"""Build and boot a submission in a sandbox, so that its code cannot read or
harm the machine that grades it.

A student's C is compiled on the grading host (an `.incbin` or `#include`
of any host path embeds that file in the kernel, which prints it), and
QEMU runs their kernel there. When MANGO_SANDBOX=1 (labs/grade_class.py
sets it for every copy it grades; a student's own `make grade` does not:
it is their machine), every command that touches the submission's code -
the `built` fixture's `make all`, each QEMU - runs in bubblewrap (`bwrap`):

    argv = sandbox.wrap(argv, tree, writable=[workdir])   # Machine.start
    r = sandbox.run(argv, tree, writable=[tree / "build"], timeout=s)
    r.returncode, r.output, r.timed_out

- it sees the system's programs (/usr, read-only), the graded tree
  (read-only), the `writable` folders and a private /tmp; nothing else:
  no other submission, no GRADING_EXTRA, no instructor's tree, no $HOME,
  an empty environment but for PATH and the build's own variables;
- no network, no IPC, its own process ids (every namespace but the
  user's: see below), a new session (no terminal to type into), killed
  with the grader (--die-with-parent);
- limits (RLIMIT_*, util-linux's prlimit) on each process's memory, CPU
  time, processes and the size of any file it writes, its output included;
  sandbox.run adds a wall-time limit (MANGO_SANDBOX_SECONDS).

Run as root (Gradescope, most CI), bwrap needs no user namespace, and the
command drops to the user nobody (setpriv): RLIMIT_NPROC does not bind
root, and nobody reads no root-only file. The writable folders are given
to nobody first. Run as another user, bwrap needs unprivileged user
namespaces. When the sandbox was asked for and cannot start, SandboxError
says why and how to fix it: nothing runs unsandboxed instead.
"""
import functools
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

ENV = "MANGO_SANDBOX"
SECONDS_ENV = "MANGO_SANDBOX_SECONDS"  # wall time of sandbox.run, default SECONDS
SECONDS = 300
NOBODY = 65534                 # uid and gid a root grader's sandbox runs as
MEM_MB = 3072                  # address space of each process (QEMU's TCG reserves 1 GiB)
CPU_SECONDS = 900              # CPU time of each process
PROCS = 256                    # processes of the sandbox's user
FILE_MB = 64                   # any file a process writes (the ISO is ~1 MiB)
TMP_MB = 256                   # the private /tmp (memory)
OUTPUT_BYTES = 64 << 10        # of a sandbox.run's output, kept for the report
# The environment inside: PATH and what the Makefile reads from it.
PASS_ENV = ("MAKEFLAGS", "CC", "ACCEL", "MEM", "DEBUG", "V", "GDBPORT")
FIX = ("install Debian's bubblewrap (kernel/tools/deps.sh does), and run the grader as "
       "root or where unprivileged user namespaces are allowed (docs/grading.md, Threat "
       "model); or grade without the sandbox, knowingly: grade_class.py --no-sandbox")


class SandboxError(Exception):
    """The sandbox was asked for and cannot start (str: why, and the fix)."""


@dataclass
class Result:
    """How a sandbox.run ended: its status, the start of its output, and
    whether the wall-time limit stopped it."""
    returncode: int
    output: str
    timed_out: bool


def enabled():
    """True when this process grades in the sandbox (MANGO_SANDBOX=1)."""
    return os.environ.get(ENV) == "1"


def make_all():
    """The build of a graded tree: `make all`; in the sandbox without
    remaking .gdbinit (gdb's settings, at the tree's root, which is not
    writable there; nothing grades it)."""
    return ["make", "-s", "--no-print-directory", "all"] + (["-o", ".gdbinit"] if enabled()
                                                           else [])


def _system_binds():
    """bwrap arguments for the read-only system: /usr, the merged-/usr
    links (or folders) /bin /sbin /lib*, and of /etc only what programs
    need to start (the loader's cache, Debian's alternatives)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    args += ["--perms", "0755", "--dir", "/etc"]
    for path in ("/etc/ld.so.cache", "/etc/alternatives"):
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    return args


def _parents(paths):
    """The folders above @paths, outermost first, but / and /tmp: made in
    the sandbox so that its user can walk down to what is bound there."""
    out = []
    for path in paths:
        for d in reversed(Path(path).parents):
            if str(d) not in ("/", "/tmp") and str(d) not in out:
                out.append(str(d))
    return out


def _give(path):
    """Make @path and everything under it nobody's (a root grader's
    sandbox writes as nobody)."""
    for root, dirs, files in os.walk(path):
        for name in [root] + [os.path.join(root, n) for n in dirs + files]:
            if os.lstat(name).st_uid != NOBODY:
                os.lchown(name, NOBODY, NOBODY)


def command(argv, tree, writable=()):
    """@argv wrapped in the sandbox: @tree read-only, the folders
    @writable read-write (given to nobody when we are root), run in @tree.
    Does not check that bwrap works (probe() does)."""
    tree = os.path.abspath(tree)
    root = os.geteuid() == 0
    args = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if root:  # no user namespace: one would map only uid 0, and keep root's exemptions
        args += ["--cap-drop", "ALL", "--cap-add", "cap_setuid", "--cap-add", "cap_setgid",
                 "--cap-add", "cap_setpcap"]
    else:
        args += ["--unshare-user", "--disable-userns"]
    args += _system_binds()
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(TMP_MB << 20), "--tmpfs", "/tmp"]
    if os.environ.get("ACCEL") == "kvm":
        args += ["--dev-bind-try", "/dev/kvm", "/dev/kvm"]
    writable = [os.path.abspath(w) for w in writable]
    for d in _parents([tree] + writable):  # bwrap would copy their modes (pytest's: 0700)
        args += ["--perms", "0755", "--dir", d]
    args += ["--ro-bind", tree, tree]
    for w in writable:
        os.makedirs(w, exist_ok=True)
        if root:
            _give(w)
        args += ["--bind", w, w]
    args += ["--chdir", tree, "--clearenv", "--setenv", "PATH", "/usr/bin:/bin",
             "--setenv", "HOME", "/tmp", "--setenv", "LANG", "C.UTF-8"]
    for name in PASS_ENV:
        if name in os.environ:
            args += ["--setenv", name, os.environ[name]]
    args.append("--")
    if root:
        args += ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--"]
    args += ["prlimit", "--as=%d" % (MEM_MB << 20), "--cpu=%d" % CPU_SECONDS,
             "--nproc=%d" % PROCS, "--fsize=%d" % (FILE_MB << 20), "--core=0", "--"]
    return args + list(argv)


@functools.lru_cache(maxsize=None)
def probe():
    """None when the sandbox can start here; else SandboxError's message
    (what failed, and the fix). Checked once per process."""
    if shutil.which("bwrap") is None:
        return "the grading sandbox needs bwrap, which is not installed: " + FIX
    tmp = tempfile.mkdtemp(prefix="mango-sandbox-probe-")
    try:
        r = subprocess.run(command(["true"], tmp), capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=60)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if r.returncode != 0:
        why = (r.stderr.strip().splitlines() or ["exit status %d" % r.returncode])[-1]
        return "the grading sandbox cannot start (%s): %s" % (why, FIX)
    return None


def wrap(argv, tree, writable=()):
    """@argv as it must run: in the sandbox (command()) when enabled(),
    else unchanged. Raises SandboxError when the sandbox cannot start."""
    if not enabled():
        return list(argv)
    why = probe()
    if why:
        raise SandboxError(why)
    return command(argv, tree, writable)


def run(argv, tree, writable=(), timeout=None):
    """Run @argv in @tree (wrap()ped), in a session of its own: its Result,
    output (stdout and stderr) cut to OUTPUT_BYTES. The output goes through
    a file, so in the sandbox FILE_MB bounds it. Past @timeout seconds (in
    the sandbox by default MANGO_SANDBOX_SECONDS) the session is killed,
    and the sandbox with bwrap."""
    argv = wrap(argv, tree, writable)
    if enabled() and timeout is None:
        timeout = int(os.environ.get(SECONDS_ENV) or SECONDS)
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen(argv, cwd=tree, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT, start_new_session=True)
        try:
            status, timed_out = p.wait(timeout=timeout), False
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            status, timed_out = p.wait(), True
        out.seek(0)
        text = out.read(OUTPUT_BYTES).decode("utf-8", "replace")
    return Result(status, text, timed_out)
