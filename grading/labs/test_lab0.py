"""Lab 0 through the monitor: the backtrace a student sees."""
import collections
import random
import re
import time

import pytest

from mangotest import check, guestmem
from mangotest.layout import Layout
from mangotest.machine import EXIT_PANIC, backtrace_functions as frames
from mangotest.symbols import Symbols

pytestmark = pytest.mark.boot


def test_bt_command(mango):
    got = frames(mango.run("bt"))
    check.equal(got[:2], ["cmd_bt", "monitor_exec"], "the first two frames bt printed")
    check.true("kmain" in got, "bt's frames reach kmain", got)


def test_panic_backtrace(mango):
    mango.sendline("panic lab0")
    check.equal(mango.wait_exit(), EXIT_PANIC, "QEMU's exit status after `panic lab0`")
    after = mango.transcript().split("MANGO PANIC: cmd_panic: lab0", 1)
    check.true(len(after) == 2, "the panic marker line 'MANGO PANIC: cmd_panic: lab0'",
               mango.transcript())
    got = frames(after[1])
    check.equal(got[:2], ["cmd_panic", "monitor_exec"], "the first two frames of the panic backtrace")
    check.true("kmain" in got, "the panic backtrace reaches kmain", got)


# ---------------------------------------------------------------------------
# Witnesses: the grader's own truth. It walks the frame chain QEMU shows
# while the kernel holds its stack (bt deep), knows the made-up chains it
# asked for (bt chain), and names addresses from the ELF's symbol table
# (build/kernel.nm), with depths, chains and addresses drawn now
# (SystemRandom), so no fixed output can pass.

FRAME_RE = re.compile(r"#(\d+)\s+0x([0-9a-f]{16}) (\S+)")
BACKTRACE_MAX = 32              # frames a backtrace prints at most (backtrace.h)
KERNEL_HALF_BASE = 0xFFFF800000000000
CHAIN_MAX = 10                  # frames of one `bt chain` line (its 256 characters)
HOLD_TRIES = 20                 # stops of the CPU to catch it in the held stack


class ElfSymbols:
    """The kernel's functions as the ELF lists them, and the lookups the
    kernel's ksym_lookup() must agree with."""

    def __init__(self):
        self.syms = Symbols.load()
        funcs = [f for f in self.syms.functions if not re.match(r"__\w+_(start|end)$", f[2])]
        starts = collections.Counter(f[0] for f in funcs)
        names = collections.Counter(f[2] for f in funcs)
        # functions with a size, a start of their own and a name of their
        # own: what an address inside one, or its name, must give
        self.clear = [f for f in funcs if f[1] and starts[f[0]] == 1 and names[f[2]] == 1]
        nexts = {a: b for a, b in zip(sorted(starts), sorted(starts)[1:])}
        # padding after a function and before the next: in no function
        self.gaps = [(s + size, nexts[s]) for s, size, _ in self.clear
                     if s in nexts and s + size < nexts[s]]
        check.true(len(self.clear) > 50 and self.gaps, "build/kernel.nm lists the kernel's "
                   "functions (run make)", "%d functions" % len(self.clear))

    def name(self, addr):
        """"name+0xoff" for @addr, or "?" (the kernel's format)."""
        return self.syms.name(addr) or "?"

    def frame(self, ret):
        """How a backtrace prints return address @ret: the call at ret - 1."""
        got = self.syms.name(ret - 1)
        if got is None:
            return "?"
        name, off = got.rsplit("+", 1)
        return "%s+0x%x" % (name, int(off, 16) + 1)

    def random_addresses(self, rng, count):
        """@count addresses: inside functions, at their first and last
        byte, in the padding between two, and below its first symbol."""
        out = []
        for i in range(count):
            start, size, _ = rng.choice(self.clear)
            kind = i % 5
            if kind == 0:
                out.append(start)
            elif kind == 1:
                out.append(start + size - 1)
            elif kind == 2:
                lo, hi = rng.choice(self.gaps)
                out.append(rng.randrange(lo, hi))
            elif kind == 3:
                out.append(rng.randrange(0x1000, self.syms.starts[0]))
            else:
                out.append(start + rng.randrange(size))
        rng.shuffle(out)
        return out


@pytest.fixture(scope="module")
def elf():
    return ElfSymbols()


def printed_frames(text):
    """[(address, "name+0xoff" or "?")] of the backtrace in @text, checking
    that the frames are numbered from 0."""
    rows = FRAME_RE.findall(text)
    check.equal([int(i) for i, _, _ in rows], list(range(len(rows))),
                "frame numbers of the backtrace")
    return [(int(a, 16), name) for _, a, name in rows]


def walk_held_stack(q):
    """The return addresses of the frame chain from the CPU's %rbp, read by
    QEMU with the CPU stopped (stops at a zero, misaligned, unreadable or
    not-ascending frame pointer, or a zero return address)."""
    with guestmem.paused(q):
        fp, prev, rets = q.registers()["RBP"], 0, []
        while fp and fp % 8 == 0 and fp > prev and len(rets) < 4 * BACKTRACE_MAX:
            words = q.read_virt(fp, 2)
            if words is None or words[1] == 0:
                break
            rets.append(words[1])
            prev, fp = fp, words[0]
    return rets


def held_backtrace(m, q, elf, depth):
    """`bt deep @depth`: (what the kernel printed, the chain QEMU shows from
    the return into bt_descend of bt_hold's frame on), then release it."""
    m.sendline("bt deep %d" % depth)
    out = m.expect_exact("press a key", what="`bt deep %d` holding its stack" % depth)
    for _ in range(HOLD_TRIES):  # the CPU may stop in an interrupt: try again
        chain = walk_held_stack(q)
        names = [elf.frame(r).split("+")[0] for r in chain]
        if "bt_descend" in names:
            chain = chain[names.index("bt_descend"):]
            break
        time.sleep(0.05)
    else:
        check.fail("QEMU's %%rbp chain while `bt deep %d` holds its stack" % depth,
                   "a frame returning into bt_descend", [elf.frame(r) for r in chain])
    m.send("q")
    m.wait_prompt()
    return printed_frames(out), chain


def test_backtrace_matches_the_stack_qemu_sees(boot, elf):
    """Witness of Lab 0: `bt deep N` recurses N calls (N drawn now, once
    below and once above the 32-frame limit), prints its backtrace and
    holds the stack; the grader walks the %rbp chain itself in guest
    memory (QMP) and names each return address from the ELF. The kernel
    must print exactly that chain - first the return into bt_hold (the
    caller of backtrace_print), then every bt_descend, cmd_bt, monitor_exec,
    monitor_run, kmain, long_mode_high - each address symbolized as the ELF
    says, and no more than 32 frames. Catches: skipping the first frame or
    starting one too high, stopping early or running past kmain's zero
    frame pointer, an off-by-one at the limit, a lookup that names the
    wrong function or offset, and a stub or forged test stream."""
    m = boot(qmp=True)
    q = m.qmp()
    rng = random.SystemRandom()
    for depth in (rng.randint(1, 20), rng.randint(BACKTRACE_MAX - 4, BACKTRACE_MAX + 8)):
        printed, chain = held_backtrace(m, q, elf, depth)
        names = [elf.frame(r).split("+")[0] for r in chain]
        check.equal((names.count("bt_descend"), names[-1:]), (depth + 1, ["long_mode_high"]),
                    "(bt_descend frames, last frame) of the %rbp chain QEMU shows")
        check.true(len(printed) > 0 and printed[0][1].startswith("bt_hold+"),
                   "frame #0 of `bt deep %d`: the return into bt_hold" % depth, printed[:1])
        check.equal([("0x%x" % a, n) for a, n in printed[1:]],
                    [("0x%x" % a, elf.frame(a)) for a in chain[:BACKTRACE_MAX - 1]],
                    "frames #1.. of `bt deep %d` against the %%rbp chain QEMU shows (%d "
                    "bt_descend frames, at most %d in all)" % (depth, depth + 1, BACKTRACE_MAX))
        check.equal(printed[0][1], elf.frame(printed[0][0]),
                    "frame #0 of `bt deep %d` named from the ELF" % depth)


def mapped_edges(q):
    """Kernel-half addresses where a mapped range ends and nothing is
    mapped (QEMU's `info mem`), verified with gva2gpa."""
    ranges = [(s, e) for s, e, _ in q.mappings() if s >= KERNEL_HALF_BASE]
    starts = {s for s, _ in ranges}
    return [e for _, e in ranges if e not in starts and q.gva2gpa(e) is None]


def test_backtrace_of_made_up_chains_stops_where_it_must(boot, elf):
    """Witness of Lab 0: `bt chain <end> <ret>...` walks frames the grader
    made up: random return addresses (inside functions, at their edges, in
    padding, below the kernel), the last frame's caller pointer one of
    zero, misaligned, a loop back to an earlier frame or to itself,
    unmapped, half mapped (its return-address word unmapped), all drawn
    now; and walks
    that start at a non-canonical address or at 0. The kernel must print
    exactly the made-up frames, named from the ELF, and stop there (no
    panic). Catches: no alignment check, a loop followed until the limit,
    reading unmapped or half-mapped frames (a page fault), a non-canonical
    frame pointer dereferenced (#GP), a lookup that misses a function's
    first byte or ignores its end, and a stub or forged test stream."""
    m = boot(qmp=True)
    q = m.qmp()
    rng = random.SystemRandom()
    chain_at = Layout.load().address("'backtrace_cmds.c'::chain")
    edges = mapped_edges(q)
    check.true(any(e > chain_at + 0x1000 for e in edges),
               "an unmapped kernel-half page above the kernel's data (QEMU's info mem)", edges)
    edge = rng.choice([e for e in edges if e > chain_at + 0x1000])
    kinds = ["zero", "misaligned", "loop", "self loop", "unmapped", "half mapped"]
    rng.shuffle(kinds)
    for kind in kinds:
        n = rng.randint(1, CHAIN_MAX)
        rets = [a + 1 for a in elf.random_addresses(rng, n)]
        end = {"zero": 0,
               "misaligned": chain_at + 16 * n + rng.randint(1, 7),
               "loop": chain_at + 16 * rng.randrange(max(n - 1, 1)),
               "self loop": chain_at + 16 * (n - 1),
               "unmapped": edge + 8 * rng.randrange(512),
               "half mapped": edge - 8}[kind]
        cmd = "bt chain 0x%x %s" % (end, " ".join("0x%x" % r for r in rets))
        out = m.run(cmd)
        check.contains(out, "bt chain: %d frames at 0x%x" % (n, chain_at), "`%s`" % cmd)
        check.equal([("0x%x" % a, name) for a, name in printed_frames(out)],
                     [("0x%x" % r, elf.frame(r)) for r in rets],
                     "the frames `%s` printed (the last frame's caller pointer: %s)" % (cmd, kind))
    for start in (0x0000800000000000 + 8 * rng.randrange(1 << 20), 0):
        cmd = "bt chain 0x%x" % start
        out = m.run(cmd)
        check.equal(printed_frames(out), [], "frames of `%s` (a walk from a %s frame pointer)"
                    % (cmd, "zero" if start == 0 else "non-canonical"))
        check.contains(out, "(no frames)", "`%s`" % cmd)
    check.contains(m.run("uptime"), "ticks at", "`uptime` after the made-up chains")


def test_ksym_lookups_match_the_elf_symbols(mango, elf):
    """Witness of Lab 0: `ksym` of addresses drawn now (a function's first
    and last byte, inside one, in the padding between two, below the
    kernel) names what the ELF's symbol table says, "?" outside every
    function; `ksym` of function names drawn now gives their ELF address,
    and a made-up name none. Catches: a binary search off by one (missing
    the first byte, taking the next function), ignoring a function's end,
    ksym_address() stopping before the last symbol or returning the wrong
    entry, and a stub or forged test stream."""
    rng = random.SystemRandom()
    addrs = elf.random_addresses(rng, 10)
    funcs = rng.sample(elf.clear, 4) + [elf.clear[0], elf.clear[-1]]
    bogus = "no_such_function_%x" % rng.getrandbits(32)
    out = mango.run("ksym %s" % " ".join("0x%x" % a for a in addrs))
    for a in addrs:
        got = check.search(r"ksym 0x%016x: (\S+)" % a, out, "`ksym 0x%x`" % a).group(1)
        check.equal(got, elf.name(a), "`ksym 0x%x`: the function holding it per the ELF" % a)
    out = mango.run("ksym %s %s" % (" ".join(f[2] for f in funcs), bogus))
    for start, _, name in funcs:
        got = check.search(r"ksym %s: (\S+)" % re.escape(name), out, "`ksym %s`" % name).group(1)
        check.equal(got, "0x%016x" % start, "`ksym %s`: its address per the ELF" % name)
    check.contains(out, "ksym %s: not found" % bogus, "`ksym %s` (no such function)" % bogus)
