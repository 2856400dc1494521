"""Parse the KTAP version 1 stream Mango's ktest writes on COM2.

Only the shape kernel/ktest/ktest.c produces is accepted, strictly: one
top-level header, immediately followed by the nonce line; then suites
(indented four spaces) with "# start <case>" before each case and
"ok/not ok N <name>" after it. Anything else is noted in `problems`.
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

    @property
    def running(self):
        """The case that started but has no result (it crashed or hung)."""
        for name in reversed(self.started):
            if name not in self.results:
                return name
        return None


def parse(text):
    k = Ktap()
    suite = None
    pending = []   # diagnostics since the last result
    headers = 0
    lines = text.splitlines()
    for i, raw in enumerate(lines):
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        if not line:
            continue
        if line == "KTAP version 1":
            if indent == 0:
                headers += 1
                if headers > 1:
                    k.problems.append("a second top-level KTAP header at line %d" % (i + 1))
                nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
                m = NONCE_RE.match(nxt)
                if m:
                    k.nonce, k.seed = m.group(1), int(m.group(2))
                else:
                    k.problems.append("the KTAP header is not followed by the nonce line")
            continue
        if headers == 0:
            m = LIST_RE.match(line)
            if m:
                k.listed[m.group(1)] = bool(m.group(2))
                continue
            if line.startswith("# mango-ktest list"):
                continue
            k.problems.append("output before the KTAP header: %r" % line[:80])
            continue
        if indent == 0:
            m = DONE_RE.match(line)
            if m:
                k.done = True
                counted = sum(int(m.group(g)) for g in (1, 2, 3))
                if counted != len(k.results):
                    k.problems.append("the done line counts %d results, the stream has %d"
                                      % (counted, len(k.results)))
            continue
        m = SUBTEST_RE.match(line)
        if m:
            suite = m.group(1)
            continue
        m = START_RE.match(line)
        if m:
            k.started.append(m.group(1))
            pending = []
            continue
        if line.startswith("# MANGO PANIC"):
            k.panic_lines.append(line[2:])
            pending.append(line[2:])
            continue
        if line.startswith("#"):
            pending.append(line[1:].strip())
            continue
        m = RESULT_RE.match(line)
        if m and suite:
            name = "%s.%s" % (suite, m.group(3))
            if name in k.results:
                k.problems.append("case %s reported twice" % name)
            # ktest writes "# start X" before running X and skips without it
            if not m.group(4) and (not k.started or k.started[-1] != name):
                k.problems.append("a result for %s without its '# start' line" % name)
            k.results[name] = CaseResult(
                name=name, ok=m.group(1) == "ok",
                skipped=(m.group(5) or "skipped") if m.group(4) == "SKIP" else "",
                diagnostics=pending)
            pending = []
    return k
