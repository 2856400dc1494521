"""`make qemu-gdb` + the generated .gdbinit: gdb stops at kmain in 64-bit code."""
import socket
import subprocess

import pytest

from mangotest.machine import REPO

pytestmark = pytest.mark.boot


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gdb_breaks_at_kmain(boot, tmp_path):
    port = free_port()
    m = boot(command=["make", "-s", "--no-print-directory", "qemu-gdb", "GDBPORT=%d" % port],
             wait_prompt=False)
    m.expect_exact("run: make gdb", what="qemu-gdb's instructions")
    gdbinit = tmp_path / "gdbinit"
    gdbinit.write_text(subprocess.run(
        ["make", "-s", "--no-print-directory", "print-gdbinit", "GDBPORT=%d" % port],
        cwd=REPO, capture_output=True, text=True, check=True).stdout)
    gdb = subprocess.run(
        ["gdb", "-q", "-nx", "-batch", "-x", str(gdbinit),
         "-ex", "break kmain", "-ex", "continue", "-ex", "bt", "-ex", "next",
         "-ex", "info registers rip", "-ex", "kill"],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    out = gdb.stdout + gdb.stderr
    assert "Breakpoint 1, kmain" in out, out
    assert "#0  kmain" in out, out
    # `next` stepped a source line and we are still in the 64-bit kernel
    assert "<kmain+" in out, out
