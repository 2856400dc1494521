"""The build: outputs, the multiboot2 header, the embedded symbol table,
and clear errors for bad make variables."""
import json
import shutil
import subprocess
import sys

import pytest

from mangotest.machine import BUILD, REPO


def make(*args, **kw):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=REPO,
                          capture_output=True, text=True, **kw)


def test_outputs_exist(built):
    for name in ("kernel.elf", "kernel.sym", "kernel.asm", "mango.iso"):
        assert (built / name).stat().st_size > 0, name
    assert " T kmain\n" in (built / "kernel.sym").read_text()
    assert "<kmain>:" in (built / "kernel.asm").read_text()


def test_multiboot2_header(built):
    assert subprocess.run(["grub-file", "--is-x86-multiboot2", str(built / "kernel.elf")]).returncode == 0


def test_kernel_is_linked_in_the_higher_half(built):
    out = subprocess.run(["readelf", "-h", "-l", str(built / "kernel.elf")],
                         capture_output=True, text=True, check=True).stdout
    assert "0xffffffff80" in out  # segments at -2 GiB
    assert "Entry point address:               0x1" in out  # 32-bit entry, physical


def test_symbol_table_is_embedded(built):
    nm = subprocess.run(["nm", str(built / "kernel.elf")], capture_output=True, text=True).stdout
    assert "ksyms_names" in nm and "ksyms_addrs" in nm


def test_mksyms_detects_moved_symbols(tmp_path):
    a, b = tmp_path / "a.nm", tmp_path / "b.nm"
    a.write_text("ffffffff80100000 0000000000000010 T kmain\n")
    b.write_text("ffffffff80100010 0000000000000010 T kmain\n")
    tool = [sys.executable, str(REPO / "kernel/tools/mksyms.py"), "--verify"]
    assert subprocess.run(tool + [str(a), str(a)]).returncode == 0
    r = subprocess.run(tool + [str(a), str(b)], capture_output=True, text=True)
    assert r.returncode == 1 and "moved" in r.stderr


@pytest.mark.parametrize("var, valid", [
    ("ACCEL=xen", "ACCEL=tcg (default) or ACCEL=kvm"),
    ("MEM=lots", "MEM=128M or MEM=1G"),
    ("V=2", "V=0 (quiet) or V=1"),
    ("CC=true", "CC=gcc or CC=clang"),
    ("DEBUG=yes", "DEBUG=0 or DEBUG=1"),
])
def test_bad_make_variable_names_the_valid_ones(var, valid):
    r = make("-n", "all", var)
    assert r.returncode != 0
    assert var.split("=")[0] in r.stderr and valid in r.stderr, r.stderr


def test_print_gdbport_is_per_user():
    import os
    env = {k: v for k, v in os.environ.items() if k != "GDBPORT"}  # the default, not ours
    r = make("-s", "print-gdbport", env=env)
    assert r.stdout.strip() == str(os.getuid() % 5000 + 25000)
    assert make("-s", "print-gdbport", "GDBPORT=31337").stdout.strip() == "31337"


def test_compdb(built, tmp_path):
    assert make("-s", "compdb").returncode == 0
    entries = json.loads((REPO / "compile_commands.json").read_text())
    files = {e["file"] for e in entries}
    assert str(REPO / "kernel/core/main.c") in files
    assert all("-mcmodel=kernel" in e["arguments"] for e in entries)


@pytest.mark.slow
@pytest.mark.parametrize("cc", ["clang", "gcc"])
def test_builds_without_warnings(cc, tmp_path):
    """Every compiler we support builds the tree with -Werror, out of tree."""
    assert shutil.which(cc), "%s is not installed; kernel/tools/deps.sh (make deps) installs it" % cc
    r = make("-s", "BUILD=%s" % (tmp_path / "b"), "CC=" + cc,
             str(tmp_path / "b" / "kernel.elf"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "warning" not in r.stderr
