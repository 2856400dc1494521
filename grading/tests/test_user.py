"""User mode (the infrastructure of Lab 6): programs packed into the kernel
run in ring 3 with `run`, make system calls, and end - by exit, by a fault
the kernel decodes, by the time limit - with the kernel alive and every
page they had free again. Corrupt ELF images are refused with the reason.
The programs are grading/user/*.c; the corrupt images are derived from
hello by kernel/tools/mkuserimages.py.

Running a program needs the VM of Labs 1-5 (objects, mappings, demand
faults: the stack and bss come on demand), so those tests are skipped on
the student branches before Lab 6; refusing a corrupt image does not (the
check comes before any memory is taken)."""
import re

import pytest

from mangotest import ktap
from mangotest.machine import EXIT_POWEROFF

pytestmark = pytest.mark.boot
needs_vm = pytest.mark.needs_lab(5)

PROMPT_ALIVE = "ticks at"  # what `uptime` answers


def free_pages(mango):
    """The page allocator's free frames (`pages`)."""
    m = re.search(r"\bfree=(\d+)", mango.run("pages"))
    assert m, "`pages` printed no free count"
    return int(m.group(1))


@pytest.mark.parametrize("suites", [
    # elf_check's refusals, handle tables, copyin's range checks and fault
    # recovery (handle tables allocate with kmalloc: Lab 1's pages)
    pytest.param("elf,handle,usercopy", marks=pytest.mark.needs_lab(1)),
    # the loader's mappings and rights, refusals that leave nothing, copies
    # on a real address space
    pytest.param("proc", marks=needs_vm),
])
def test_kernel_cases_pass(boot, suites):
    names = suites.split(",")
    m = boot(cmdline="ktest=%s ktest.nonce=n0nce" % ",".join(n + ".*" for n in names),
             wait_prompt=False)
    assert m.wait_exit() == EXIT_POWEROFF
    k = ktap.parse(m.com2_log.read_text())
    assert (k.done, k.problems) == (True, [])
    assert {name.split(".")[0] for name in k.results} == set(names), list(k.results)
    failed = [r.name for r in k.results.values() if not r.ok]
    assert not failed, failed


@needs_vm
def test_hello_runs_and_exits_3(mango):
    out = mango.run("run hello one two")
    assert "hello, world from ring 3 (3 arguments)" in out, out
    assert 'argv[0] = "hello"' in out and 'argv[2] = "two"' in out, out
    assert "run: hello exited with status 3" in out, out


def test_run_lists_programs(mango):
    out = mango.run("run nosuch")
    assert "run: no program 'nosuch'; programs:" in out, out
    assert " hello" in out and " badptr" in out, out


@needs_vm
def test_write_to_read_only_page_kills_the_process(mango):
    out = mango.run("run rofault")
    assert "rofault: writing to read-only" in out, out
    assert re.search(r"user: rofault killed: page fault: user write to read-only mapping "
                     r"of 'rofault\.rodata' \[0x40[0-9a-f]000-0x40[0-9a-f]000\) at 0x40", out), out
    assert "the write went through" not in out, out
    assert "run: rofault killed" in out, out
    assert "MANGO PANIC" not in out, out
    # the kernel lives, and runs the next program
    assert PROMPT_ALIVE in mango.run("uptime")
    assert "run: hello exited with status 3" in mango.run("run hello")


@needs_vm
def test_kernel_address_from_user_mode_kills_the_process(mango):
    out = mango.run("run kread")
    assert "user: kread killed: page fault: 0xffffffff80100000 is in the kernel half" in out, out
    assert "read 0x" not in out.replace("reading 0x", ""), out
    assert PROMPT_ALIVE in mango.run("uptime")


@needs_vm
def test_bad_pointers_to_system_calls_return_errors(mango):
    out = mango.run("run badptr")
    expected = {
        "write(NULL, 8)": "KERN_MEMORY_FAULT",
        "write(unmapped, 8)": "KERN_MEMORY_FAULT",
        "write(kernel half, 8)": "KERN_INVALID_ARGUMENT",
        "write(wrapping length)": "KERN_INVALID_ARGUMENT",
        "write(past the user half)": "KERN_INVALID_ARGUMENT",
        "write(guard page, 1)": "KERN_MEMORY_FAULT",
        "syscall 63": "KERN_INVALID_ARGUMENT",
        "syscall -1": "KERN_INVALID_ARGUMENT",
    }
    for call, status in expected.items():
        assert "badptr: %s = -" % call in out and "(%s) ok" % status in out, (call, out)
    assert "badptr: a good write" in out, out
    assert "WRONG" not in out, out
    assert "run: badptr exited with status 0" in out, out
    assert "MANGO PANIC" not in out, out


@needs_vm
def test_bss_and_stack_come_on_demand(mango):
    out = mango.run("run bss")
    assert "bss: 0 nonzero pages, sum 32640, stack 5050" in out, out
    assert "run: bss exited with status 0" in out, out


@needs_vm
@pytest.mark.parametrize("program", ["hello", "rofault", "bss", "badptr", "kread"])
def test_every_page_is_freed(mango, program):
    # the first run grows kmalloc's caches for a process's structures
    mango.run("run " + program)
    before = free_pages(mango)
    for _ in range(3):
        mango.run("run " + program)
    after = free_pages(mango)
    assert after == before, "%s: %d pages free before 3 runs, %d after" % (program, before, after)


@needs_vm
@pytest.mark.parametrize("args", ["spin", "spin yield"])
def test_a_program_that_loops_forever_is_killed(boot, args):
    m = boot(cmdline="proc.time_limit_ms=300")
    out = m.run("run " + args, timeout=20)
    assert "spin: looping forever" in out, out
    assert "user: spin killed: time limit of 300 ms exceeded" in out, out
    assert "run: spin killed" in out, out
    assert PROMPT_ALIVE in m.run("uptime")


CRASHES = {
    "ud": "invalid opcode (trap 6",
    "int3": "general protection fault (trap 13",
    "gp": "general protection fault (trap 13, error 0x0)",
    "div0": "divide error (trap 0",
    "cr3": "general protection fault (trap 13, error 0x0)",
    "null": "page fault: no mapping at 0x0 in region 'crash'",
    "nx": "page fault: user instruction fetch from NX mapping of 'crash.stack'",
    "kjump": "page fault: 0xffffffff80100000 is in the kernel half",
    "stack": "page fault: no mapping at 0x7ffffffb",
}


@needs_vm
def test_every_kind_of_crash_ends_only_the_process(mango):
    mango.run("run crash ud")  # kmalloc's caches grow on the first run
    before = free_pages(mango)
    for kind, why in CRASHES.items():
        out = mango.run("run crash " + kind)
        assert "user: crash killed: " + why in out, (kind, out)
        assert "run: crash killed" in out and "survived" not in out, (kind, out)
        assert "MANGO PANIC" not in out, (kind, out)
    assert free_pages(mango) == before, "a crash left pages allocated"
    assert "run: hello exited with status 3" in mango.run("run hello")


CORRUPT = {
    "badmagic": "not an ELF file",
    "truncated": "its bytes lie outside the file",
    "badentry": "entry point 0x0 is in no executable segment",
    "kernelseg": "outside the program's part of the user half",
    "wxseg": "writable and executable (W^X)",
    "pastfile": "its bytes lie outside the file",
}


def test_corrupt_elf_images_are_refused(mango):
    for name, why in CORRUPT.items():
        out = mango.run("run " + name)
        assert "run: cannot load '%s': " % name in out and why in out, (name, out)
        assert "(KERN_INVALID_ARGUMENT)" in out, (name, out)
    assert PROMPT_ALIVE in mango.run("uptime")
