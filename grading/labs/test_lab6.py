# LAB 6 FILE
"""Lab 6 from ring 3: user programs (grading/user/) make the vm_object
system calls and the grader checks what came of them.

Two kinds of test. `usertests` and `vmkill` run with the monitor's `run`:
their lines and exit status say whether each call got the status the
contract (vm/include/mango/vm_syscall.h) gives it, and whether an access
the mapping forbids ends the process (the kernel lives). The witnesses
(`vmhold`) do not take the guest's word: while the program holds its
mappings the grader stops the machine and reads, through QEMU, the page
tables the CPU walks (`info tlb`) and the frames (`xp`), and predicts
them itself from a seed it draws now (secrets), so a kernel that forges
its test output, or allocates the whole 1 GiB, or maps a copy instead of
a share, loses the points."""

import os
import re
import secrets

import pytest

from mangotest import check
from test_lab4 import PAGE, USER, WRITE, user_leaves

pytestmark = pytest.mark.boot

GIB = 1 << 30
FAR = 0x100001000  # vmhold big's fixed address (vmhold.c)
MASK64 = (1 << 64) - 1
HOLD_MS = 5000  # proc.time_limit_ms: how long vmhold holds (guest time)
RIGHTS = 0xF  # VMO_HANDLE_RIGHTS: read write map duplicate


def word(seed, va):
    """What vmhold writes at @va (vmhold.c's word())."""
    return ((va * 0x9E3779B97F4A7C15) & MASK64) ^ seed


def free_pages(m):
    """The page allocator's free frames (`pages`)."""
    return int(check.search(r"\bfree=(\d+)", m.run("pages"), "the free count `pages` prints")
               .group(1))


def run_usertests(m, *names):
    """`run usertests NAMES`: every one must print ok and the program
    exit with status 0."""
    out = m.run("run usertests " + " ".join(names), timeout=60)
    check.true("MANGO PANIC" not in out, "usertests %s: the kernel lives" % " ".join(names), out)
    failed = re.findall(r"usertests: \S+ FAILED: [^\n]*", out)
    check.equal(failed, [], "usertests %s: the FAILED lines" % " ".join(names))
    for name in names:
        check.contains(out, "usertests: %s ok" % name, "`run usertests %s`" % name)
    check.contains(out, "run: usertests exited with status 0", "usertests %s: its exit"
                   % " ".join(names))


@pytest.fixture
def held(boot):
    """held(mode) -> (machine, QMP, seed, what the program printed): `run
    vmhold MODE SEED` until it holds, then the machine stopped for QEMU's
    reads. The test calls release() to let the time limit end it."""
    m = boot(cmdline="proc.time_limit_ms=%d" % HOLD_MS)
    q = m.qmp()
    seed = secrets.randbits(48)

    def _held(mode, more="", run="run"):
        m.run("run hello")  # kmalloc's caches grow on the first run
        m.free_before = free_pages(m)
        m.sendline("%s vmhold %s %x %s" % (run, mode, seed, more))
        m.expect(r"vmhold: holding|vmhold: FAILED[^\r\n]*|run: vmhold[^\r\n]*", timeout=30,
                 what="vmhold %s holding its mappings" % mode)
        said = m.child.match.group(0)
        out = m.child.before.replace("\r", "")
        check.equal(said, "vmhold: holding", "vmhold %s's line after its calls (before it: %r)"
                    % (mode, out[-600:]))
        q.command("stop")
        return q, seed, out

    yield m, _held


def release(m):
    """Let vmhold run on until the time limit ends it; every page it had
    comes back."""
    m.qmp().command("cont")
    m.expect_exact("run: vmhold killed", timeout=HOLD_MS / 1000 + 30,
                   what="the time limit ending vmhold")
    m.wait_prompt()
    check.equal(free_pages(m), m.free_before,
                "free pages after vmhold ended with its mappings live vs before it ran")


def leaves_in(q, lo, hi):
    """{va: (frame, flags)} of the leaves the CPU walks in [lo, hi)."""
    return {va: leaf for va, leaf in user_leaves(q).items() if lo <= va < hi}


# --- usertests: every call's status, as the contract gives it ---

def test_big_object_three_pages(mango):
    run_usertests(mango, "big")


def test_get_info_fields(mango):
    run_usertests(mango, "info")


def test_one_object_two_mappings(mango):
    run_usertests(mango, "share")


def test_bad_pointers(mango):
    run_usertests(mango, "badptr")


def test_bad_lengths_and_addresses(mango):
    run_usertests(mango, "badlen")


def test_handles_rights_and_prot(mango):
    run_usertests(mango, "rights")


def test_close_twice(mango):
    run_usertests(mango, "close")


def test_unmap_and_protect(mango):
    run_usertests(mango, "unmap", "protect")


def test_page_linear_and_merge(mango):
    run_usertests(mango, "linear", "merge")


def vmkill(m, how, why):
    """`run vmkill HOW` is ended by the kernel with @why; the next program runs."""
    out = m.run("run vmkill " + how)
    check.true("vmkill: FAILED" not in out, "vmkill %s: its calls before the access" % how, out)
    check.search(r"user: vmkill killed: " + why, out, "the kernel's message for vmkill %s" % how)
    check.true("vmkill: survived" not in out, "vmkill %s: the access must not go through" % how,
               out)
    check.contains(out, "run: vmkill killed", "`run vmkill %s`" % how)
    check.contains(m.run("run hello"), "run: hello exited with status 3",
                   "the next program after vmkill %s" % how)


def test_touch_after_unmap_kills(mango):
    vmkill(mango, "unmap", r"page fault: no mapping at 0x[0-9a-f]+ in region 'vmkill'")


def test_write_after_protect_kills(mango):
    vmkill(mango, "protect", r"page fault: user write to read-only mapping of 'victim'")


FUZZ_CALLS = int(os.environ.get("FUZZ_CALLS", "10000"))  # make fuzz-syscalls: more


def test_syscall_fuzz(boot):
    """vmfuzz: FUZZ_CALLS random calls from a seed drawn now (replay: `run
    vmfuzz SEED N`); every answer a status, the kernel alive, every page
    and object back at the end, the allocator's invariants intact."""
    m = boot(cmdline="proc.time_limit_ms=0")
    seed = "%x" % secrets.randbits(32)
    replay = "`run vmfuzz %s %d`" % (seed, FUZZ_CALLS)
    free = []
    for _ in range(2):  # the first run may grow kmalloc's caches; a leak grows every run
        out = m.run("run vmfuzz %s %d" % (seed, FUZZ_CALLS), timeout=60 + FUZZ_CALLS // 100)
        check.true("MANGO PANIC" not in out, "the kernel lives through " + replay, out[-2000:])
        check.equal(re.findall(r"vmfuzz: [^\n]*not a valid answer", out), [],
                    "answers that are no status, in " + replay)
        check.contains(out, "run: vmfuzz exited with status 0", replay)
        check.search(r"vmfuzz: ok [1-9]", out, "calls that succeeded in %s (some must)" % replay)
        free.append(free_pages(m))
    check.equal(free[1], free[0], "free pages after the second %s vs after the first" % replay)
    check.contains(m.run("pages check"), "all invariants hold", "`pages check` after " + replay)
    check.contains(m.run("objects"), "vm_object: 0 live", "`objects` after " + replay)


# --- witnesses: QEMU's view of the page tables while vmhold holds ---

def test_witness_big_object_three_leaves(held):
    m, hold = held
    q, seed, out = hold("big")
    off = 8 * ((seed >> 4) & 0x1FF)
    third = GIB // PAGE // 3
    touched = [FAR + (i * third + (seed >> (8 * i)) % third) * PAGE + off for i in range(3)]
    check.contains(out, "resident=3", "vmo_get_info's resident after three touches of big")
    leaves = leaves_in(q, FAR, FAR + GIB)
    check.equal(sorted("0x%x" % va for va in leaves), sorted("0x%x" % (va - off) for va in touched),
                "the leaves the CPU walks in the 1 GiB mapping (QEMU's info tlb): the three "
                "pages touched, nothing else")
    frames = set()
    for va in touched:
        frame, flags = leaves.get(va - off, (None, "-" * 9))
        check.true(flags[USER] == "U" and flags[WRITE] == "W",
                   "the leaf at 0x%x: user and writable (flags %s)" % (va - off, flags))
        check.equal(q.read_phys(frame + off, 1), [word(seed, va)],
                    "the word at frame 0x%x + 0x%x (QEMU's xp), written at 0x%x" % (frame, off, va))
        frames.add(frame)
    check.equal(len(frames), 3, "distinct frames behind the three pages")
    release(m)


def test_witness_two_mappings_one_frame(held):
    m, hold = held
    q, seed, out = hold("share")
    got = check.search(r"mappings (0x[0-9a-f]+) (0x[0-9a-f]+) page (\d+)", out,
                       "where vmhold share mapped its object")
    a, b, page = int(got.group(1), 16), int(got.group(2), 16), int(got.group(3))
    check.equal(page, seed % 8, "the page vmhold share wrote")
    va = a + page * PAGE + 16
    check.contains(out, "read 0x%x" % word(seed, va), "the word read through the second mapping")
    la, lb = user_leaves(q).get(a + page * PAGE), user_leaves(q).get(b + page * PAGE)
    check.true(la is not None and lb is not None,
               "leaves at 0x%x and 0x%x after a write through one, a read through the other"
               % (a + page * PAGE, b + page * PAGE), (la, lb))
    check.equal(la[0], lb[0], "the frames behind the two mappings of one page (info tlb)")
    check.equal((la[1][WRITE], lb[1][WRITE]), ("W", "-"),
                "the leaves' W flags: the first mapping rw, the second r (flags %s, %s)"
                % (la[1], lb[1]))
    check.equal(q.read_phys(la[0] + 16, 1), [word(seed, va)],
                "the word at the shared frame 0x%x + 16 (QEMU's xp)" % la[0])
    release(m)


def test_witness_read_only_leaf(held):
    m, hold = held
    q, seed, out = hold("ro")
    va = int(check.search(r"read-only (0x[0-9a-f]+)", out, "vmhold ro's page").group(1), 16)
    leaf = user_leaves(q).get(va & ~(PAGE - 1))
    check.true(leaf is not None, "a leaf at 0x%x (info tlb): written, then protected read-only"
               % (va & ~(PAGE - 1)))
    check.equal(leaf[1][USER] + leaf[1][WRITE], "U-",
                "the leaf's U and W flags after vmr_protect(r) (flags %s)" % leaf[1])
    check.equal(q.read_phys(leaf[0] + (va & (PAGE - 1)), 1), [word(seed, va)],
                "the word at 0x%x (QEMU's xp), written before the protect" % va)
    release(m)


def test_witness_unmap_keeps_the_ends(held):
    m, hold = held
    q, seed, out = hold("unmap")
    a = int(check.search(r"unmapped the middle of (0x[0-9a-f]+)", out, "vmhold unmap's mapping")
            .group(1), 16)
    leaves = leaves_in(q, a, a + 4 * PAGE)
    check.equal(sorted("0x%x" % va for va in leaves), ["0x%x" % a, "0x%x" % (a + 3 * PAGE)],
                "the leaves the CPU walks in the four pages after unmapping the middle two")
    for va in leaves:
        check.equal(q.read_phys(leaves[va][0], 1), [word(seed, va)],
                    "the word at the frame behind 0x%x (QEMU's xp)" % va)
    release(m)


def test_witness_in_place_window(held):
    m, hold = held
    phys = int(check.search(r"allocated order 1 at (0x[0-9a-f]+)", m.run("pages alloc 1"),
                            "two frames for the in-place object (`pages alloc 1`)").group(1), 16)
    q, seed, out = hold("inplace", "%x" % phys, run="run -p")
    got = check.search(r"in-place (0x[0-9a-f]+) phys=(0x[0-9a-f]+) flags=(\d+) at (0x[0-9a-f]+)",
                       out, "what vmhold inplace reports")
    va, a = int(got.group(1), 16), int(got.group(4), 16)
    check.equal((int(got.group(2), 16), int(got.group(3))), (phys, 1),
                "vmo_get_info's phys and flags (VMO_INFO_IN_PLACE) of the in-place object")
    page = seed % 2
    check.equal(va, a + page * PAGE + 40, "the address vmhold inplace wrote")
    leaf = user_leaves(q).get(a + page * PAGE)
    check.true(leaf is not None and leaf[0] == phys + page * PAGE,
               "the leaf at 0x%x (info tlb): the frame 0x%x of the window"
               % (a + page * PAGE, phys + page * PAGE), leaf)
    check.equal(q.read_phys(phys + page * PAGE + 40, 1), [word(seed, va)],
                "the word at 0x%x (QEMU's xp), written through the in-place mapping"
                % (phys + page * PAGE + 40))
    release(m)
    m.run("pages free 0x%x" % phys)


def test_witness_exit_with_mappings_frees_all(boot):
    m = boot(qmp=True)
    seed = secrets.randbits(48)
    m.run("run vmhold live %x" % seed)  # kmalloc's caches grow on the first run
    before = free_pages(m)
    for n in range(3):
        out = m.run("run vmhold live %x" % (seed >> n))
        check.contains(out, "run: vmhold exited with status 0", "vmhold live, run %d" % (n + 2))
    check.equal(free_pages(m), before,
                "free pages after 3 runs that exit with four mappings live vs before")
    check.equal(user_leaves(m.qmp()), {}, "user leaves the CPU walks at the monitor prompt")
