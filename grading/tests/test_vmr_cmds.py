"""The monitor's vmr, peek and poke answer every input with a message, never
a panic: bad subcommands, numbers, rights and names say what was expected;
a fault says why; a Lab 4 stub's status is printed. Lab 4's graded tests
(grading/labs/test_lab4.py) drive the same commands against QEMU."""
import re

import pytest

from mangotest.machine import BUILD

pytestmark = pytest.mark.boot

SUBCOMMANDS = ["create", "map", "unmap", "protect", "list", "use", "drop"]


def kmain():
    return int(re.search(r"^([0-9a-f]{16}) T kmain$", (BUILD / "kernel.sym").read_text(),
                         re.M).group(1), 16)


@pytest.mark.parametrize("line", ["vmr", "vmr frob"])
def test_vmr_without_a_known_subcommand_lists_them(mango, line):
    out = mango.run(line)
    assert out.startswith("vmr: unknown subcommand 'frob'" if "frob" in line
                          else "vmr: a subcommand is needed"), out
    assert re.findall(r"^  vmr (\w+) ", out, re.M) == SUBCOMMANDS
    assert "<prot>: letters of rwxu" in out


@pytest.mark.parametrize("line, answer", [
    ("vmr map as0 buf", "usage: vmr map <region> <vmo> <offset> <len> <prot> [addr]\n"),
    ("vmr list a b", "usage: vmr list [region]\n"),
    ("vmr create as0 0x1000", "usage: vmr create <name> <start> <size>\n"),
    ("vmr create as0 zz 1G", "<start>: 'zz' is not a number (decimal or 0x hex)\n"),
    ("vmr unmap as0 0x1000 4Q", "<len>: '4Q' is not a number (decimal or 0x hex, K/M/G suffix "
                                "allowed)\n"),
    ("vmr protect as0 0x1000 4K rz", "<prot>: 'rz' is not rights (letters of rwxu: rw, r-x, "
                                     "rwxu)\n"),
    ("vmr use nowhere", "no region named 'nowhere' (try 'vmr list')\n"),
    ("vmr create kernel 0x1000 4K", "the name 'kernel' is taken (the kernel's address space)\n"),
    ("peek zz", "usage: peek <va>\n"),
    ("poke 0x1000", "usage: poke <va> <value>\n"),
    ("peek 0x1004", "peek 0x1004: not 8-byte aligned\n"),
    ("poke 0x800000000000 1", "poke 0x800000000000: not a canonical address (bits 63..48 must "
                              "copy bit 47)\n"),
])
def test_bad_input_is_named(mango, line, answer):
    assert mango.run(line) == answer
    assert "ticks at" in mango.run("uptime")


def test_vmr_create_answers_success_or_the_stub_status(mango):
    out = mango.run("vmr create as0 0x10000000 1G")
    assert out in ("vmr as0: [0x10000000, 0x50000000) mappings=0 tables=1\n",
                   "vm_region_create: KERN_UNIMPLEMENTED\n"), out
    assert mango.run("vmr list").endswith("the kernel's address space is active\n")


def test_peek_and_poke_the_kernel_half(boot):
    m = boot(qmp=True)
    va = kmain()
    word = m.qmp().read_virt(va, 1)[0]
    assert m.run("peek 0x%x" % va) == "peek 0x%x: 0x%016x\n" % (va, word)
    # the kernel's text is read-only: the write faults, the kernel lives
    assert m.run("poke 0x%x 0" % va) == "poke 0x%x: KERN_MEMORY_FAULT (read-only)\n" % va
    assert m.run("peek 0x%x" % va) == "peek 0x%x: 0x%016x\n" % (va, word)
    assert m.run("peek 0x1000") == ("peek 0x1000: KERN_MEMORY_FAULT (not mapped: the kernel's "
                                    "address space maps no user address; 'vmr use' one)\n")
    assert "ticks at" in m.run("uptime")


@pytest.mark.needs_lab(4)
def test_vmr_statuses_and_dropping_the_active_region(boot):
    m = boot(qmp=True)
    m.run("vmo create buf 8K rw")
    m.run("vmo alloc buf 0")
    assert "mappings=0" in m.run("vmr create as0 0x10000000 1G")
    assert m.run("vmr map as0 buf 0 16K rw") == "vm_region_map: KERN_OUT_OF_RANGE\n"
    assert m.run("vmr map as0 buf 0 8K rwx") == "vm_region_map: KERN_ACCESS_DENIED\n"
    assert m.run("vmr map as0 buf 0x800 4K rw") == "vm_region_map: KERN_INVALID_ARGUMENT\n"
    assert m.run("vmr map as0 nope 0 4K rw") == "no vm_object named 'nope' (try 'vmo list')\n"
    assert m.run("vmr map as0 buf 0 8K rw") == "mapped buf+0x0 at [0x10000000, 0x10002000) rw--\n"
    assert m.run("vmr protect as0 0x10000000 16K r") == "vm_region_protect: KERN_NOT_FOUND\n"
    assert m.run("vmr create as0 0x1000 4K") == "the name 'as0' is taken (a live region)\n"
    m.run("vmr use as0")
    assert m.run("poke 0x10000008 0x77") == "poke 0x10000008: 0x0000000000000077\n"
    assert m.qmp().gva2gpa(0x10000008) is not None
    assert m.run("vmr drop as0") == ("the kernel's address space is active again\n"
                                     "dropped 'as0'\n")
    assert m.qmp().gva2gpa(0x10000008) is None
    assert m.run("pt").endswith("  0 runs, 0 leaves\n")
    assert m.run("vmr list") == "0 regions; the kernel's address space is active\n"
    assert "= 0x0000000000000077" in m.run("vmo read buf 8")  # the object lives on
