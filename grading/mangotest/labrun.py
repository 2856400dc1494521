"""Run a lab's in-kernel test cases: one boot for all of them, and a verdict
for each graded case.

The kernel is booted with `ktest=<the lab's suites> ktest.nonce=<random>`;
results are read from COM2 (KTAP, parsed as it comes), never from the
console, and refused unless they carry this run's nonce. Each case gets its
own timeout from the rubric, in QEMU's time (qemutime.py: not the time
QEMU waited for a CPU, so a verdict does not depend on the machine's load):
the harness watches COM2 for "# start <case>" and stops the machine when a
case overstays, saying where the CPU was (stuck.py). A kernel still
printing when its time is up is read on, so a flood is FLOOD, not TIMEOUT.
Once a case of the lab has timed out, every later case gets a third of its
timeout (AFTER_TIMEOUT_SHARE, at least AFTER_TIMEOUT_MIN), so an endless
loop that every case runs into costs about one timeout and a half, not one
per case (the rubric's timeouts are many times what a case needs). When a case panics, hangs, triple-faults or floods, it gets that
verdict and the machine is booted again for the cases after it (with
ktest.skip=<culprits>), so one crash costs one case, not the lab. A graded
case the kernel never reports fails as missing. Cases that must panic
boot alone.
"""
import secrets

import pexpect

from mangotest import ktap, stuck, verdict as V
from mangotest.machine import (EXIT_FLOOD, EXIT_POWEROFF, FLOOD_LIMIT, Flood, Machine, describe_exit, exit_verdict,
                               panic_report)
from mangotest.symbols import Symbols
from mangotest.verdict import Outcome

BOOT_TIMEOUT = 20      # seconds (QEMU time) to the first case, and between cases
AFTER_TIMEOUT_SHARE = 1 / 3  # of its timeout, a case gets once one of its lab timed out
AFTER_TIMEOUT_MIN = 2        # seconds, at least
MAX_BOOTS = 8          # per lab: after that, what is left is "not run"
POLL = 0.05
STILL_PRINTING = 1.0   # console output this recent (s) at a timeout: read on


class Com2:
    """The COM2 file of one boot, read as it grows into a ktap.Parser."""

    def __init__(self, path):
        self.path = path
        self.file = None
        self.parser = ktap.Parser()

    def poll(self):
        """Feed what the file gained since the last call; return the Ktap so far."""
        if self.file is None:
            try:
                self.file = open(self.path, encoding="utf-8", errors="replace", newline="")
            except FileNotFoundError:
                return self.parser.result
        return self.parser.feed(self.file.read())

    def finish(self):
        """The Ktap of the whole stream."""
        self.poll()
        if self.file:
            self.file.close()
        return self.parser.finish()


def _diagnostics(result):
    lines = [d for d in result.diagnostics if d]
    return "\n".join("    " + d for d in lines) if lines else "    (no diagnostics)"


class LabRun:
    """All kernel-case outcomes of one lab, computed on first use."""

    def __init__(self, lab, entries, workdir, extra_cmdline="", flood_limit=FLOOD_LIMIT):
        self.lab = lab
        self.flood_limit = flood_limit
        self.entries = {e.name: e for e in entries if e.kind == "ktest"}
        self.workdir = workdir
        self.extra_cmdline = extra_cmdline
        self.outcomes = {}
        self.boots = []  # Machines, for the logs
        self.seed = secrets.randbelow(10 ** 6)
        self.timed_out = None  # the first case of the lab that timed out
        self._symbols = None

    # -- one boot --------------------------------------------------------

    def _boot(self, globs, skip=()):
        """Boot once running @globs; return (machine, ktap, how, status).
        how: 'exit', 'timeout', 'flood' (the machine's end); on a timeout,
        machine.stuck says where the CPU was."""
        nonce = secrets.token_hex(8)
        words = ["quiet", "ktest=%s" % globs, "ktest.nonce=%s" % nonce,
                 "ktest.seed=%d" % self.seed, "ktest.flood=%d" % self.flood_limit]
        if skip:
            words.append("ktest.skip=%s" % ",".join(skip))
        if self.lab.cmdline:
            words.append(self.lab.cmdline)
        if self.extra_cmdline:
            words.append(self.extra_cmdline)
        # The kernel ends itself at the flood limit (ktest.flood, exit status
        # EXIT_FLOOD): the same byte whatever the load. The harness's own
        # count is a backstop, with room for the CRs the pty adds.
        m = Machine(self.workdir / ("boot%d" % len(self.boots)), cmdline=" ".join(words), qmp=True,
                    flood_limit=2 * self.flood_limit + 4096)
        self.boots.append(m)
        m.nonce, m.stuck, m.last_lines = nonce, "", ""
        m.start()
        com2 = Com2(m.com2_log)
        try:
            how = self._watch(m, com2)
        except Flood:
            how = "flood"
        status = m.wait_exit() if how == "exit" else None
        m.close()
        if status == EXIT_FLOOD or (how != "flood" and m.flooded()):
            how = "flood"  # the kernel's own count, or QEMU's copy of what the pty lost
        k = com2.finish()
        if how == "timeout" and self.timed_out is None:
            self.timed_out = k.running
        return m, k, how, status

    def _watch(self, m, com2):
        """Poll machine @m and its COM2 until it exits ('exit') or the case
        it runs overstays its budget ('timeout': m.stuck and m.last_lines
        say where it was). A flood raises Flood."""
        current, since = None, 0.0
        printed, printed_at = 0, 0.0
        while True:
            try:
                m.child.expect(pexpect.EOF, timeout=POLL)
                return "exit"
            except pexpect.TIMEOUT:
                pass
            now = m.time.seconds()
            if m.console_bytes() != printed:
                printed, printed_at = m.console_bytes(), now
            running = com2.poll().running
            if running != current:
                current, since = running, now
            if now - since > self._budget(running):
                # a kernel still printing is read on: a flood is FLOOD
                if now - printed_at < STILL_PRINTING and \
                        m.drain(STILL_PRINTING, self._budget(running)):
                    return "exit"
                m.stuck = stuck.where(m, self.symbols())
                m.last_lines = m.tail()  # before QEMU's "terminating on signal"
                return "timeout"

    def _budget(self, name):
        """Seconds (QEMU time) case @name may run; BOOT_TIMEOUT for None."""
        if name is None:
            return BOOT_TIMEOUT
        e = self.entries.get(name)
        limit = e.timeout if e else 10
        if self.timed_out in (None, name):
            return limit
        return min(limit, max(AFTER_TIMEOUT_MIN, round(limit * AFTER_TIMEOUT_SHARE, 1)))

    def symbols(self):
        """The kernel's symbols (build/kernel.nm), loaded on first use."""
        if self._symbols is None:
            self._symbols = Symbols.load()
        return self._symbols

    # -- the whole lab ---------------------------------------------------

    def run(self):
        if self.outcomes:
            return self.outcomes
        normal = {n for n, e in self.entries.items() if not e.panics}
        globs = ",".join(self.lab.kernel) or "*"
        skip = []
        while normal - set(self.outcomes) and len(self.boots) < MAX_BOOTS:
            m, k, how, status = self._boot(globs, skip)
            ended_badly = how != "exit" or status != EXIT_POWEROFF
            # a kernel that crashed before ktest wrote its header gets the
            # crash's verdict; a stream that is there must be this run's
            if k.problems or (k.nonce != m.nonce and (k.headers or not ended_badly)):
                self._refuse(normal, m, k)
                break
            for name in normal:
                r = k.results.get(name)
                if r is None or name in self.outcomes:
                    continue
                if r.skipped:
                    self.outcomes[name] = Outcome(V.FAIL, "the kernel skipped it: %s" % r.skipped)
                elif r.ok:
                    self.outcomes[name] = Outcome(V.PASS)
                else:
                    self.outcomes[name] = Outcome(V.FAIL, "%s failed:\n%s" % (name, _diagnostics(r)))
            culprit = k.running
            if not ended_badly:
                if not k.done:
                    self._refuse(normal, m, k, "the machine powered off before ktest's done line")
                break
            outcome = self._crash_outcome(m, k, how, status, culprit)
            if culprit is None:
                # it died before or between cases: blame every case left
                for name in normal - set(self.outcomes):
                    self.outcomes[name] = outcome
                break
            if culprit in normal:
                self.outcomes[culprit] = outcome
            skip.append(culprit)
        for name in sorted(normal - set(self.outcomes)):
            self.outcomes[name] = Outcome(V.FAIL, self._missing(name))
        for name, e in self.entries.items():
            if e.panics:
                self.outcomes[name] = self._run_panicking(name)
        return self.outcomes

    def _run_panicking(self, name):
        m, k, how, status = self._boot(name)
        if k.problems or (k.nonce != m.nonce and (k.headers or status == EXIT_POWEROFF)):
            return Outcome(V.FAIL, self._refusal(m, k))
        if how == "exit" and exit_verdict(status) == V.PANIC and k.running == name:
            return Outcome(V.PASS)
        r = k.results.get(name)
        if r is not None and not r.ok:
            return Outcome(V.FAIL, "%s was expected to end in MANGO PANIC:\n%s"
                           % (name, _diagnostics(r)))
        if r is None and name not in k.started:
            return Outcome(V.FAIL, self._missing(name))
        return self._crash_outcome(m, k, how, status, name,
                                   expected="%s was expected to end in MANGO PANIC" % name)

    # -- messages --------------------------------------------------------

    def _crash_outcome(self, m, k, how, status, culprit, expected=None):
        where = "in case %s" % culprit if culprit else \
            "before the first case started" if not k.started else "between cases"
        transcript = m.transcript()
        verdict = exit_verdict(status)
        if how == "timeout":
            return Outcome(V.TIMEOUT, "no progress %s for %gs%s; %s. Last console lines (%s):\n%s"
                           % (where, self._budget(culprit), self._cut_note(culprit), m.stuck,
                              m.console_log, m.last_lines))
        if how == "flood":
            return Outcome(V.FLOOD, "the kernel printed more than %d bytes %s and was cut off "
                           "(a printk in a loop?). Last console lines:\n%s"
                           % (self.flood_limit, where, m.tail()))
        if verdict == V.PANIC:
            report = panic_report(transcript) or "\n".join(k.panic_lines) or "(no marker line)"
            return Outcome(V.PANIC, "%s%s:\n%s" % (expected + ", but " if expected else "",
                                                   "the kernel panicked " + where, report))
        if verdict == V.TRIPLE_FAULT:
            return Outcome(V.TRIPLE_FAULT, "the CPU reset itself %s (QEMU log: %s). "
                           "Last console lines:\n%s" % (where, m.qemu_log, m.tail()))
        return Outcome(V.FAIL, "%sthe machine %s %s. Last console lines:\n%s"
                       % (expected + ", but " if expected else "", describe_exit(status),
                          where, m.tail()))

    def _cut_note(self, name):
        """Why case @name had less than its rubric timeout, or ""."""
        e = self.entries.get(name)
        if e is None or self._budget(name) == e.timeout:
            return ""
        return (" (QEMU time; its rubric timeout is %gs, but after %s timed out every later "
                "case of lab %s gets a third of its timeout, at least %gs)"
                % (e.timeout, self.timed_out, self.lab.id, AFTER_TIMEOUT_MIN))

    def _missing(self, name):
        return ("the kernel never reported %s: is it defined with KTEST(%s, %s), and in "
                "lab %s's suites (%s)? Logs: %s" % (
                    name, *name.split(".", 1), self.lab.id, ", ".join(self.lab.kernel),
                    self.workdir))

    def _refusal(self, m, k, why=None):
        problems = "; ".join(k.problems + ([why] if why else [])) or "no nonce line"
        return ("results refused: the KTAP stream on COM2 is not the one this run's ktest "
                "wrote with its nonce (%s). Only kernel/ktest may write to COM2. Logs: %s"
                % (problems, m.com2_log))

    def _refuse(self, names, m, k, why=None):
        for name in names:
            self.outcomes.setdefault(name, Outcome(V.FAIL, self._refusal(m, k, why)))
