"""The grading sandbox (grading/mangotest/sandbox.py) holds: what a
submission's build or boot could reach for on the grading host - files
beside the graded tree, the grader's home and environment, the network,
the tree itself, the disk, processes, time - it cannot; and a grader that
asked for the sandbox and cannot have it stops with the fix (NO SANDBOX),
never runs unsandboxed. A few seconds in all."""
import socket
import subprocess
import sys

import pytest

from mangotest import sandbox
from mangotest.machine import REPO

sys.path.insert(0, str(REPO / "labs"))
import grade_class  # noqa: E402  (instructor-only, like grading/selftests)


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A graded tree (read-only in the sandbox) with its build/, a secret
    beside it, and MANGO_SANDBOX=1."""
    monkeypatch.setenv(sandbox.ENV, "1")
    (tmp_path / "tree" / "build").mkdir(parents=True)
    (tmp_path / "tree" / "Makefile").write_text("all:\n")
    (tmp_path / "secret.txt").write_text("the hidden test\n")
    return tmp_path / "tree"


def sh(tree, script, timeout=None):
    """@script run by sh in the sandbox, in @tree, build/ writable."""
    return sandbox.run(["sh", "-c", script], tree, [tree / "build"], timeout=timeout)


def test_it_sees_the_tree_read_only_and_nothing_beside_it(tree, monkeypatch):
    monkeypatch.setenv("GRADER_TOKEN", "t0ken")
    r = sh(tree, "cat Makefile; cat ../secret.txt; ls %s; echo env=$GRADER_TOKEN; "
                 "echo x > Makefile; echo built > build/out && echo wrote build; id -u"
           % REPO)
    assert "all:" in r.output and "the hidden test" not in r.output
    assert "No such file" in r.output and "env=\n" in r.output
    assert "Read-only file system" in r.output and "wrote build" in r.output
    assert (tree / "Makefile").read_text() == "all:\n" and (tree / "build" / "out").exists()
    assert r.output.split()[-1] == str(sandbox.NOBODY if sandbox.os.geteuid() == 0
                                       else sandbox.os.geteuid())


def test_it_has_no_network(tree):
    """A socket to a server of the grading host (here one listening on its
    loopback) does not connect: the sandbox has a network of its own."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        r = sandbox.run([sys.executable, "-c", "import socket; socket.create_connection("
                         "('127.0.0.1', %d), timeout=5); print('connected')" % port], tree)
    assert r.returncode != 0 and "connected" not in r.output
    assert "ConnectionRefusedError" in r.output or "unreachable" in r.output, r.output


def test_its_time_files_and_processes_are_bounded(tree):
    r = sh(tree, "sleep 60", timeout=1)
    assert r.timed_out
    r = sh(tree, "head -c %d /dev/zero > build/big; echo status=$?" % ((sandbox.FILE_MB + 1) << 20))
    assert (tree / "build" / "big").stat().st_size == sandbox.FILE_MB << 20
    r = sh(tree, "for i in $(seq %d); do sleep 5 & done 2>&1 | tail -1; echo done"
           % (sandbox.PROCS + 10))
    assert "fork" in r.output.lower() or "resource" in r.output.lower(), r.output


def test_it_refuses_to_run_unsandboxed(tree, monkeypatch):
    """Asked for, missing or unable to start: SandboxError with the fix,
    which grade_class turns into the row NO SANDBOX."""
    sandbox.probe.cache_clear()
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    with pytest.raises(sandbox.SandboxError, match="bwrap, which is not installed.*bubblewrap"):
        sandbox.wrap(["true"], tree)
    sandbox.probe.cache_clear()
    monkeypatch.undo()
    monkeypatch.setenv(sandbox.ENV, "1")
    monkeypatch.setattr(sandbox, "command", lambda argv, tree, writable=(): [
        "sh", "-c", "echo 'bwrap: Creating new namespace failed: Operation not permitted' >&2; "
        "exit 1"])
    row, report = grade_class.Row("alice", grade_class.GRADED), []
    ctx = grade_class.Context(1, {}, {}, None, None, None, 60, 0, "")
    assert grade_class._build(tree, ctx, row, report) is False
    assert row.verdict == "NO SANDBOX"
    assert "Creating new namespace failed" in row.note and "user namespaces" in row.note
    sandbox.probe.cache_clear()


def test_off_it_changes_nothing(tree, monkeypatch):
    """A student's own make grade (no MANGO_SANDBOX): the command as it is."""
    monkeypatch.delenv(sandbox.ENV)
    assert sandbox.wrap(["make", "all"], tree) == ["make", "all"]
    assert sandbox.make_all() == ["make", "-s", "--no-print-directory", "all"]
    r = subprocess.run(sandbox.wrap(["cat", "../secret.txt"], tree), cwd=tree,
                       capture_output=True, text=True)
    assert r.stdout == "the hidden test\n"
