"""Parse the KTAP version 1 stream Mango's ktest writes on COM2.

Only the shape kernel/ktest/ktest.c produces is accepted, strictly: one
top-level header, immediately followed by the nonce line; then suites
(indented four spaces) with "# start <case>" before each case and
"ok/not ok N <name>" after it. Anything else is noted in `problems`.

The parser is incremental: LabRun feeds it what COM2 gained since the last
poll, and reads `running` from it while the kernel runs.

    p = Parser(); p.feed(chunk); ...; k = p.finish()   # or k = parse(text)
"""
import re
from dataclasses import dataclass, field

NONCE_RE = re.compile(r"^# mango-ktest nonce=(\S+) seed=(\d+)$")
DONE_RE = re.compile(r"^# mango-ktest done: passed=(\d+) failed=(\d+) skipped=(\d+)$")
RESULT_RE = re.compile(r"^(ok|not ok) (\d+) (\S+)(?: # (SKIP|TODO)\b ?(.*))?$")
SUBTEST_RE = re.compile(r"^# Subtest: (\S+)$")
START_RE = re.compile(r"^# start (\S+)$")
LIST_RE = re.compile(r"^# case (\S+)( panics)?$")


@dataclass
class CaseResult:
    name: str                  # suite.case
    ok: bool
    skipped: str = ""          # reason, when skipped
    diagnostics: list = field(default_factory=list)


@dataclass
class Ktap:
    nonce: str = None
    seed: int = None
    done: bool = False
    results: dict = field(default_factory=dict)   # name -> CaseResult
    started: list = field(default_factory=list)   # names, in order
    panic_lines: list = field(default_factory=list)
    listed: dict = field(default_factory=dict)    # ktest.list: name -> panics?
    problems: list = field(default_factory=list)
    headers: int = 0                              # top-level KTAP headers seen

    @property
    def running(self):
        """The case that started but has no result (it crashed or hung)."""
        for name in reversed(self.started):
            if name not in self.results:
                return name
        return None


def parse(text):
    """The Ktap of a whole stream."""
    p = Parser()
    p.feed(text)
    return p.finish()


class Parser:
    """Feeds lines of a KTAP stream, as they come, into a Ktap (`result`)."""

    def __init__(self):
        self.result = Ktap()
        self._partial = ""      # an unfinished last line
        self._suite = None
        self._pending = []      # diagnostics since the last result
        self._want_nonce = False
        self._lineno = 0

    def feed(self, text):
        """Parse the complete lines of @text (keeping a partial last line);
        return the Ktap so far."""
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for raw in lines:
            self._line(raw.rstrip("\r"))
        return self.result

    def finish(self):
        """The Ktap of the whole stream (its last line need not end in a newline)."""
        if self._partial:
            self._line(self._partial.rstrip("\r"))
            self._partial = ""
        if self._want_nonce:
            self.result.problems.append("the KTAP header is not followed by the nonce line")
            self._want_nonce = False
        return self.result

    def _line(self, raw):
        k = self.result
        self._lineno += 1
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        if self._want_nonce:
            self._want_nonce = False
            m = NONCE_RE.match(line)
            if m:
                k.nonce, k.seed = m.group(1), int(m.group(2))
            else:
                k.problems.append("the KTAP header is not followed by the nonce line")
        if not line:
            return
        if line == "KTAP version 1":
            if indent == 0:
                k.headers += 1
                if k.headers > 1:
                    k.problems.append("a second top-level KTAP header at line %d" % self._lineno)
                self._want_nonce = True
            return
        if k.headers == 0:
            m = LIST_RE.match(line)
            if m:
                k.listed[m.group(1)] = bool(m.group(2))
            elif not line.startswith("# mango-ktest list"):
                k.problems.append("output before the KTAP header: %r" % line[:80])
            return
        if indent == 0:
            m = DONE_RE.match(line)
            if m:
                k.done = True
                counted = sum(int(m.group(g)) for g in (1, 2, 3))
                if counted != len(k.results):
                    k.problems.append("the done line counts %d results, the stream has %d"
                                      % (counted, len(k.results)))
            return
        m = SUBTEST_RE.match(line)
        if m:
            self._suite = m.group(1)
            return
        m = START_RE.match(line)
        if m:
            k.started.append(m.group(1))
            self._pending = []
            return
        if line.startswith("# MANGO PANIC"):
            k.panic_lines.append(line[2:])
            self._pending.append(line[2:])
            return
        if line.startswith("#"):
            self._pending.append(line[1:].strip())
            return
        m = RESULT_RE.match(line)
        if m and self._suite:
            name = "%s.%s" % (self._suite, m.group(3))
            if name in k.results:
                k.problems.append("case %s reported twice" % name)
            # ktest writes "# start X" before running X and skips without it
            if not m.group(4) and (not k.started or k.started[-1] != name):
                k.problems.append("a result for %s without its '# start' line" % name)
            k.results[name] = CaseResult(
                name=name, ok=m.group(1) == "ok",
                skipped=(m.group(5) or "skipped") if m.group(4) == "SKIP" else "",
                diagnostics=self._pending)
            self._pending = []
