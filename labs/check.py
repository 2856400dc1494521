#!/usr/bin/env python3
"""check.py OUT [N ...] - prove that the generated lab branches are right.

For each branch labN of the repository OUT (all, or the N given): build it
with -Werror, boot it to the monitor, run its `make test` (which must pass
on the untouched branch, as a student runs it first), run each host test
once (it may fail on the stubs, but never with an ASan/UBSan report),
grade it, and check that every graded test of labs < N passes, every
graded test of lab N fails (a test that passes against the stubs grades
nothing), that no solution line leaked and that every relative Markdown
link resolves. Prints a table and exits 1 if any cell is not ok.
"""
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "labs"))
import generate  # noqa: E402


def sh(cmd, cwd, timeout=900):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


SANITIZER_RE = re.compile(r"runtime error: .*|ERROR: AddressSanitizer: .*")


def sanitizer_reports(work):
    """Run every host test of the branch in @work once (seed 1): the ones
    that end in an ASan/UBSan report, each with its first report line. On
    the stubs a host test must fail by its checks, never by undefined
    behaviour in given code (lab3's vm_object_check read through the NULL
    a stub returned)."""
    reports = []
    for src in sorted((work / "vm" / "host").glob("*_host_test.c")):
        exe = "build/host/" + src.stem
        r = sh(["make", "-s", exe], work)
        if r.returncode:
            reports.append("%s: does not build: %s" % (src.stem, r.stderr[-500:]))
            continue
        r = sh([str(work / exe), "1"], work, timeout=300)
        m = SANITIZER_RE.search(r.stderr)
        if m:
            reports.append("%s 1: %s" % (src.stem, m.group(0)))
    return reports


def check_branch(out, n, files, labs):
    row = {"branch": "lab%d" % n}
    notes = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / ("lab%d" % n)
        r = sh(["git", "clone", "-q", "-b", "lab%d" % n, str(out), str(work)], None)
        if r.returncode:
            return dict(row, build="no branch"), [r.stderr]
        r = sh(["make", "-s", "all"], work)
        row["build"] = "ok" if r.returncode == 0 else "FAIL"
        if r.returncode:
            return row, [r.stdout[-2000:] + r.stderr[-2000:]]
        boot = sh(["/usr/bin/python3", "-c",
                   "import sys; sys.path.insert(0, 'grading');"
                   "from mangotest.machine import Machine;"
                   "m = Machine('build/check-boot'); m.start(); m.wait_prompt();"
                   "m.sendline('poweroff'); sys.exit(m.wait_exit())"], work, timeout=60)
        row["boot"] = "ok" if boot.returncode == 0 else "FAIL"
        if boot.returncode:
            notes.append(boot.stdout[-1500:] + boot.stderr[-1500:])
        r = sh(["make", "test"], work, timeout=1800)
        says = "Lab %d is yours to write: run `make grade LAB=%d`" % (n, n)
        row["test"] = "ok" if r.returncode == 0 and says in r.stdout else "FAIL"
        if row["test"] != "ok":
            notes.append("lab%d: make test on the untouched branch %s:\n%s%s" % (
                n, "failed" if r.returncode else "did not say '%s'" % says,
                r.stdout[-2500:], r.stderr[-1500:]))
        reports = sanitizer_reports(work)
        row["sanitizers"] = "ok" if not reports else "FAIL %d" % len(reports)
        notes += ["lab%d: host test %s" % (n, r) for r in reports]
        sh(["make", "grade"], work)
        try:
            doc = json.loads((work / "build/grade/results.json").read_text())
        except (OSError, ValueError):
            return dict(row, earlier="no results", own="no results"), notes
        lab_of = {t["name"]: int(t["number"].removeprefix("lab")) for t in doc["tests"]}
        earlier = [t for t in doc["tests"] if lab_of[t["name"]] < n]
        own = [t for t in doc["tests"] if lab_of[t["name"]] == n]
        bad_earlier = [t["name"] for t in earlier if t["status"] != "passed"]
        bad_own = [t["name"] for t in own if t["status"] == "passed"]
        row["earlier"] = "ok (%d)" % len(earlier) if not bad_earlier else "FAIL %d" % len(bad_earlier)
        row["own"] = "ok (%d fail)" % len(own) if own and not bad_own else \
            "FAIL: none graded" if not own else "FAIL %d pass" % len(bad_own)
        if bad_earlier:
            notes.append("lab%d: earlier labs' tests failing: %s" % (n, ", ".join(bad_earlier)))
        if bad_own:
            notes.append("lab%d: tests passing against the stubs: %s" % (n, ", ".join(bad_own)))
    tree = generate.branch_tree(files, labs, n)
    leaks = generate.find_leaks(files, tree, n)
    row["leaks"] = "ok" if not leaks else "FAIL %d" % len(leaks)
    notes += leaks
    dead = generate.dead_links(tree)
    row["links"] = "ok" if not dead else "FAIL %d" % len(dead)
    notes += ["lab%d %s: dead link" % (n, d) for d in dead]
    return row, notes


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    out = Path(argv[1]).resolve()
    labs, only = generate.load_labs()
    files = generate.read_all(len(labs), only)
    wanted = [int(a) for a in argv[2:]] or [lab["id"] for lab in labs]
    cols = ["branch", "build", "boot", "test", "sanitizers", "earlier", "own", "leaks", "links"]
    rows, notes = [], []
    for n in wanted:
        row, more = check_branch(out, n, files, labs)
        rows.append(row)
        notes += more
    print("  ".join("%-14s" % c for c in cols))
    for row in rows:
        print("  ".join("%-14s" % row.get(c, "-") for c in cols))
    for note in notes:
        print("  " + note)
    ok = all(all(str(row.get(c, "-")).startswith("ok") for c in cols[1:]) for row in rows)
    print("check-labs: %s" % ("all branches ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
