"""Run a lab's in-kernel test cases: one boot for all of them, and a verdict
for each graded case.

The kernel is booted with `ktest=<the lab's suites> ktest.nonce=<random>`;
results are read from COM2 (KTAP), never from the console, and refused
unless they carry this run's nonce. Each case gets its own timeout from
the rubric: the harness watches COM2 for "# start <case>" and stops the
machine when a case overstays. When a case panics, hangs, triple-faults
or floods, it gets that verdict and the machine is booted again for the
cases after it (with ktest.skip=<culprits>), so one crash costs one case,
not the lab. A graded case the kernel never reports fails as missing.
Cases that must panic boot alone.
"""
import secrets
import time
from dataclasses import dataclass

import pexpect

from mangotest import ktap, verdict as V
from mangotest.machine import (EXIT_PANIC, EXIT_POWEROFF, EXIT_TRIPLE_FAULT, Flood, Machine,
                               describe_exit, panic_report)

BOOT_TIMEOUT = 20      # seconds from QEMU start to the first case
MAX_BOOTS = 8          # per lab: after that, what is left is "not run"
POLL = 0.05


@dataclass
class Outcome:
    verdict: str
    message: str = ""

    @property
    def passed(self):
        return self.verdict == V.PASS


def _read(path, limit=1 << 20):
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            return f.read(limit)
    except FileNotFoundError:
        return ""


def _diagnostics(result):
    lines = [d for d in result.diagnostics if d]
    return "\n".join("    " + d for d in lines) if lines else "    (no diagnostics)"


class LabRun:
    """All kernel-case outcomes of one lab, computed on first use."""

    def __init__(self, lab, entries, workdir, extra_cmdline=""):
        self.lab = lab
        self.entries = {e.name: e for e in entries if e.kind == "ktest"}
        self.workdir = workdir
        self.extra_cmdline = extra_cmdline
        self.outcomes = {}
        self.boots = []  # Machines, for the logs
        self.seed = secrets.randbelow(10 ** 6)

    # -- one boot --------------------------------------------------------

    def _boot(self, globs, skip=()):
        """Boot once running @globs; return (machine, ktap, how, culprit).
        how: 'ok', 'exit', 'timeout', 'flood' (the machine's end)."""
        nonce = secrets.token_hex(8)
        words = ["quiet", "ktest=%s" % globs, "ktest.nonce=%s" % nonce,
                 "ktest.seed=%d" % self.seed]
        if skip:
            words.append("ktest.skip=%s" % ",".join(skip))
        if self.lab.cmdline:
            words.append(self.lab.cmdline)
        if self.extra_cmdline:
            words.append(self.extra_cmdline)
        m = Machine(self.workdir / ("boot%d" % len(self.boots)), cmdline=" ".join(words))
        self.boots.append(m)
        m.start()
        how, current, since = None, None, time.monotonic()
        try:
            while how is None:
                try:
                    m.child.expect(pexpect.EOF, timeout=POLL)
                    how = "exit"
                except pexpect.TIMEOUT:
                    k = ktap.parse(_read(m.com2_log))
                    running = k.running
                    if running != current:
                        current, since = running, time.monotonic()
                    limit = self._timeout_of(running) if running else BOOT_TIMEOUT
                    if time.monotonic() - since > limit:
                        how = "timeout"
        except Flood:
            how = "flood"
        status = None
        if how == "exit":
            status = m.wait_exit()
        m.close()
        k = ktap.parse(_read(m.com2_log))
        m.nonce = nonce
        return m, k, how, status

    # -- the whole lab ---------------------------------------------------

    def _timeout_of(self, name):
        e = self.entries.get(name)
        return e.timeout if e else 10

    def run(self):
        if self.outcomes:
            return self.outcomes
        normal = {n for n, e in self.entries.items() if not e.panics}
        globs = ",".join(self.lab.kernel) or "*"
        skip = []
        while normal - set(self.outcomes) and len(self.boots) < MAX_BOOTS:
            m, k, how, status = self._boot(globs, skip)
            if k.nonce != m.nonce or k.problems:
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
            ended_badly = how != "exit" or status != EXIT_POWEROFF
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
        if k.nonce != m.nonce or k.problems:
            return Outcome(V.FAIL, self._refusal(m, k))
        if how == "exit" and status == EXIT_PANIC and k.running == name:
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
        if how == "timeout":
            limit = self._timeout_of(culprit) if culprit else BOOT_TIMEOUT
            return Outcome(V.TIMEOUT, "no progress %s for %gs. Last console lines (%s):\n%s"
                           % (where, limit, m.console_log, m.tail()))
        if how == "flood":
            return Outcome(V.FLOOD, "the kernel printed more than %d bytes %s and was cut off "
                           "(a printk in a loop?). Last console lines:\n%s"
                           % (m.flood_limit, where, m.tail()))
        if status == EXIT_PANIC:
            report = panic_report(transcript) or "\n".join(k.panic_lines) or "(no marker line)"
            return Outcome(V.PANIC, "%s%s:\n%s" % (expected + ", but " if expected else "",
                                                   "the kernel panicked " + where, report))
        if status == EXIT_TRIPLE_FAULT:
            return Outcome(V.TRIPLE_FAULT, "the CPU reset itself %s (QEMU log: %s). "
                           "Last console lines:\n%s" % (where, m.qemu_log, m.tail()))
        return Outcome(V.FAIL, "%sthe machine %s %s. Last console lines:\n%s"
                       % (expected + ", but " if expected else "", describe_exit(status),
                          where, m.tail()))

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
