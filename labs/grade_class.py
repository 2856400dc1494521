#!/usr/bin/env python3
"""grade_class.py SUBMISSIONS --lab N [-j J] [--out DIR] [--timeout S] [--mem-mb M]
   grade_class.py --one SUBMISSION --lab N [--results FILE] ...

Grade a class: every entry of the folder SUBMISSIONS is one submission,
named after it (its `student`), in any form students hand in: a `make
handin` archive (.tar.gz, .tgz, .tar), a .zip, a git bundle (.bundle), a
clone or a plain folder. Each is graded with the pristine overlay
(overlay.py: only the lab's room is taken from it) in a copy of branch
labN's tree (solutions of the labs before N, stubs from N on: never a
reference solution the student may not see), -j at a time (default: the
cores), each bounded in time (--timeout) and memory (--mem-mb, the
address space of make grade and everything it runs). Its build and its
boots run in the grading sandbox (grading/mangotest/sandbox.py: no view of
this tree, other submissions or GRADING_EXTRA; limits on time, memory,
processes and file size); --no-sandbox grades without it, knowingly.
GRADING_EXTRA (environment) adds hidden tests: its rubric.toml and test
files, and its kernel/*.c compiled into each graded copy.

Writes into --out (default build/class):
    gradebook.csv                 one row per submission: student, verdict,
                                  total, max, one column per test, flags
    summary.txt                   verdicts, score histogram, tests most failed
    <student>/results.json        Gradescope's schema
    <student>/logs/               the failing tests' logs (make grade's)
    <student>/report.txt          overlay: room taken, files touched outside
                                  it, lint findings, the grader's output
A submission that cannot be graded (EMPTY, CORRUPT, NOT A SUBMISSION, WRONG
LAB, NO BUILD, TIME LIMIT, NO SANDBOX, NO RESULTS, GRADER ERROR) gets a row
saying so; nothing stops the batch. One whose room reaches for port I/O, the serial ports, the
command line or the test harness (lint.lint_room), or that changed a file
steering grading (overlay.levers: the rubric, grading/, the Makefile, the
tests, ktest), is FLAGGED: its points are withheld (0) until an instructor
has read report.txt. --no-lint grades without the lint, knowingly.
"""
import argparse
import concurrent.futures
import csv
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lint  # noqa: E402
import overlay  # noqa: E402

REPO = overlay.REPO
sys.path.insert(0, str(REPO / "grading"))
from mangotest import rubric as rubric_mod, sandbox  # noqa: E402

# build/ subfolders a graded copy does not need (results, other trees)
BUILD_SKIP = {"grade", "class", "submission", "labs-repo", "host", "fuzz", "floor", "mutants",
              "check-boot"}
ARCHIVES = (".tar.gz", ".tgz", ".tar", ".zip", ".bundle")
# What the caller's `make grade SUBMISSION=` puts in the environment that
# must not reach the make grade of a graded copy (it would recurse).
CALLER_MAKE_VARS = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SUBMISSION", "SUBMISSIONS", "JOBS",
                    "TEST", "PYTEST_ARGS"}
MAX_UNPACKED = 256 << 20  # bytes an archive may unpack to (a lab tree is ~1 MiB)
GRADED = "graded"
FLAGGED = "FLAGGED"


@dataclass
class Row:
    """One submission's line of the gradebook."""
    student: str
    verdict: str                                  # GRADED, FLAGGED or why it was not graded
    points: dict = field(default_factory=dict)    # test name -> points
    verdicts: dict = field(default_factory=dict)  # test name -> the harness's verdict
    note: str = ""
    flags: list = field(default_factory=list)     # lint findings (file:line: what), levers
    outside: list = field(default_factory=list)   # files touched outside the room
    seconds: float = 0.0

    @property
    def total(self):
        return 0 if self.verdict == FLAGGED else sum(self.points.values())


def student_name(path):
    """The student a submission entry stands for: its name without the
    archive extension."""
    name = Path(path).name
    for ext in ARCHIVES:
        if name.endswith(ext):
            return name[:-len(ext)]
    return name


def students(entries):
    """(entry, student) for each of @entries: student_name(), with -2, -3
    ... added when two entries give the same name (alice/ and alice.tar.gz)."""
    seen, out = {}, []
    for e in entries:
        name = student_name(e)
        seen[name] = seen.get(name, 0) + 1
        out.append((e, name if seen[name] == 1 else "%s-%d" % (name, seen[name])))
    return out


# -- intake --------------------------------------------------------------

def _budget(sizes):
    """Raise ValueError when @sizes (member sizes) add up past MAX_UNPACKED."""
    if sum(sizes) > MAX_UNPACKED:
        raise ValueError("it unpacks to more than %d MiB" % (MAX_UNPACKED >> 20))


def _safe_extract_tar(path, dest):
    """Extract regular files and folders of tar @path into @dest; links,
    devices and paths leaving @dest are skipped."""
    with tarfile.open(path) as tar:
        _budget(m.size for m in tar.getmembers() if m.isfile())
        for m in tar.getmembers():
            target = (dest / m.name).resolve()
            if not (m.isfile() or m.isdir()) or dest.resolve() not in (target, *target.parents):
                continue
            if m.isdir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(m).read())


def _safe_extract_zip(path, dest):
    with zipfile.ZipFile(path) as z:
        _budget(info.file_size for info in z.infolist())
        for info in z.infolist():
            target = (dest / info.filename).resolve()
            if info.is_dir() or dest.resolve() not in target.parents:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(info))


def _git(*args, cwd=None):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def _clone(src, dest, lab):
    """Clone bundle or repository @src into @dest and check out branch
    lab@lab if it has one, else its HEAD, else its first branch; None or why not."""
    r = _git("clone", "-q", "--no-checkout", str(src), str(dest))
    if r.returncode:
        return r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "git clone failed"
    refs = _git("for-each-ref", "--format=%(refname:short)", "refs/remotes", cwd=dest).stdout.split()
    want = [r for r in refs if r.endswith("/lab%d" % lab)] or \
        [r for r in refs if r.endswith("/HEAD")] or refs
    if not want:
        return "it holds no branch"
    r = _git("checkout", "-q", want[0], cwd=dest)
    return r.stderr.strip() if r.returncode else None


def find_root(top, room):
    """The folder under @top (itself or up to two levels down) that holds
    one of the @room files, or None."""
    top = Path(top)
    for depth in range(3):
        for cand in sorted([top] if depth == 0 else top.glob("/".join(["*"] * depth))):
            if cand.is_dir() and any((cand / r).is_file() for r in room):
                return cand
    return None


def intake(entry, work, lab, room):
    """(root of the submission's files, None) or (None, (verdict, why))
    for submission entry @entry, unpacked under @work if needed."""
    entry = Path(entry)
    work.mkdir(parents=True, exist_ok=True)
    try:
        if entry.is_dir():
            if (entry / "HEAD").is_file() and (entry / "objects").is_dir():  # a bare clone
                why = _clone(entry, work / "tree", lab)
                if why:
                    return None, ("CORRUPT", "git clone of the bare repository failed: %s" % why)
                top = work / "tree"
            else:
                top = entry
            inner = [p for p in top.iterdir() if p.is_file() and p.name.endswith(ARCHIVES)]
            if len(inner) == 1 and find_root(top, room) is None:
                return intake(inner[0], work / "inner", lab, room)  # an upload folder
            if not any(p.is_file() for p in top.rglob("*") if ".git" not in p.parts):
                return None, ("EMPTY", "the folder holds no files")
        elif entry.name.endswith(".bundle"):
            why = _clone(entry, work / "tree", lab)
            if why:
                return None, ("CORRUPT", "not a usable git bundle: %s" % why)
            top = work / "tree"
        elif entry.name.endswith((".tar.gz", ".tgz", ".tar")):
            _safe_extract_tar(entry, work / "tree")
            top = work / "tree"
        elif entry.name.endswith(".zip"):
            _safe_extract_zip(entry, work / "tree")
            top = work / "tree"
        else:
            return None, ("NOT A SUBMISSION", "%s is not a folder, clone, bundle or archive "
                          "(%s)" % (entry.name, ", ".join(ARCHIVES)))
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        why = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(":")
        return None, ("CORRUPT", "cannot unpack %s: %s" % (entry.name, why))
    if not top.exists() or not any(top.rglob("*")):
        return None, ("EMPTY", "%s holds no files" % entry.name)
    root = find_root(top, room)
    if root is None:
        return None, ("NOT A SUBMISSION", "none of lab %d's files (%s) is in it"
                      % (lab, ", ".join(room)))
    branch = root / "grading" / "branch.toml"
    if branch.is_file():
        try:
            theirs = int(tomllib.loads(branch.read_text())["lab"])
        except (ValueError, KeyError, tomllib.TOMLDecodeError):
            theirs = lab
        if theirs != lab:
            return None, ("WRONG LAB", "it is a lab %d tree (grading/branch.toml), graded as "
                          "lab %d" % (theirs, lab))
    return root, None


# -- grading -------------------------------------------------------------

def copy_tree(src, dest):
    """Copy tree @src (every file but .git/) and its build/ objects to @dest."""
    rels = [str(p.relative_to(src)) for p in src.rglob("*")
            if p.is_file() and p.relative_to(src).parts[0] not in ("build", ".git")]
    for rel in rels:
        if (src / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / rel, dest / rel)
    if (src / "build").is_dir():
        shutil.copytree(src / "build", dest / "build", symlinks=True,
                        ignore=lambda d, names: [n for n in names if Path(d) == src / "build"
                                                 and (n in BUILD_SKIP or n.endswith(".zip"))])


def make_base(tmp, lab, given=None):
    """The built tree every graded copy of lab @lab starts from: branch
    lab@lab's files (overlay.export_branch), or the folder @given made the
    same way (an autograder zip's base/, built by its setup.sh). Never this
    tree: it holds the reference solutions of lab @lab and later, which a
    submission's build could read."""
    base = tmp / "base"
    if given:
        copy_tree(Path(given), base)
    else:
        overlay.export_branch(lab, base)
    r = subprocess.run(["make", "-s", "all"], cwd=base, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit("grade-class: branch lab%d's tree does not build:\n%s"
                         % (lab, (r.stdout + r.stderr)[-3000:]))
    return base


def _limits(mem_mb):
    """preexec_fn: a new session (so a time limit kills the whole tree) and
    an address-space bound of @mem_mb MiB."""
    def apply():
        os.setsid()
        if mem_mb:
            resource.setrlimit(resource.RLIMIT_AS, (mem_mb << 20, mem_mb << 20))
    return apply


def run_grade(tree, lab, timeout, mem_mb, extra):
    """make grade LAB=@lab in @tree, bounded; (output, timed out?). Its
    builds and boots are sandboxed when ours are (MANGO_SANDBOX, set by main())."""
    env = {k: v for k, v in os.environ.items() if k not in CALLER_MAKE_VARS}
    env["GRADING_EXTRA"] = str(extra) if extra else ""
    p = subprocess.Popen(["make", "-s", "--no-print-directory", "grade", "LAB=%d" % lab, "XDIST="],
                         cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         env=env, preexec_fn=_limits(mem_mb))
    try:
        return p.communicate(timeout=timeout)[0], False
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        return p.communicate()[0], True


def grade_one(entry, student, ctx):
    """Grade submission @entry (a path) of @student with @ctx (Context); its
    Row. Writes <out>/<student>/{results.json, report.txt, logs/}."""
    t0 = time.monotonic()
    out = ctx.out / student
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    work = Path(tempfile.mkdtemp(prefix="%s-" % re.sub(r"[^\w.-]", "_", student), dir=ctx.tmp))
    report = []
    try:
        root, bad = intake(entry, work / "in", ctx.lab, ctx.man["room"])
        if bad:
            row = Row(student, bad[0], note=" ".join(bad[1].split())[:300])
        else:
            row = _grade_tree(student, root, work / "tree", ctx, out, report)
    except Exception as exc:  # a grader bug or a full disk: this row says so, the batch goes on
        row = Row(student, "GRADER ERROR", note="%s: %s" % (type(exc).__name__, exc))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    row.seconds = time.monotonic() - t0
    if row.verdict not in (GRADED, FLAGGED):
        report.insert(0, "%s: %s" % (row.verdict, row.note))
    (out / "report.txt").write_text("\n".join(report) + "\n")
    (out / "results.json").write_text(results_json(row, ctx))
    return row


def _grade_tree(student, root, tree, ctx, out, report):
    """Overlay the submission at @root on a copy of the base and grade it."""
    subprocess.run(["cp", "-a", str(ctx.base), str(tree)], check=True)
    rep = overlay.overlay(root, tree, ctx.man, ctx.extra)
    found = [] if ctx.no_lint else lint.lint_room(root, ctx.man["room"])
    pulled = overlay.levers(rep.outside)
    flags = found + pulled
    report += ["room taken: %s" % (", ".join(rep.taken) or "none")]
    if rep.missing:
        report.append("room files missing (graded without them): %s" % ", ".join(rep.missing))
    report.append("touched outside the room (ignored): %s" % (", ".join(rep.outside) or "none"))
    report.append("grading levers changed: %s" % ("\n  ".join([""] + pulled) if pulled else "none"))
    report.append("lint: %s" % ("off (--no-lint)" if ctx.no_lint else
                                "\n  ".join([""] + found) if found else "clean"))
    row = Row(student, GRADED, flags=flags, outside=rep.outside)
    if rep.missing:
        row.note = "missing %s" % ", ".join(rep.missing)
    if not _build(tree, ctx, row, report):
        return row
    output, timed_out = run_grade(tree, ctx.lab, ctx.timeout, ctx.mem_mb, ctx.extra)
    report += ["", "make grade LAB=%d:" % ctx.lab, output[-20000:]]
    if (tree / "build" / "grade" / "logs").is_dir():
        shutil.copytree(tree / "build" / "grade" / "logs", out / "logs")
    if timed_out:
        row.verdict, row.note = "TIME LIMIT", "grading ran over %d s" % ctx.timeout
        return row
    try:
        doc = json.loads((tree / "build" / "grade" / "results.json").read_text())
    except (OSError, ValueError):
        row.verdict, row.note = "NO RESULTS", "make grade wrote no results (%s)" % (
            output.strip().splitlines()[-1][:200] if output.strip() else "no output")
        return row
    (out / "harness-results.json").write_text(json.dumps(doc, indent=2) + "\n")
    for t in doc["tests"]:
        if t["name"] in ctx.tests:
            row.points[t["name"]] = t["score"]
            row.verdicts[t["name"]] = t["tags"][-1] if t.get("tags") else t["status"]
    if row.verdicts and all(v == "NO BUILD" for v in row.verdicts.values()):
        row.verdict = "NO BUILD"
        said = next((t["output"].splitlines()[1:] for t in doc["tests"]
                     if len(t["output"].splitlines()) > 1), [""])
        row.note = row.note or next((line for line in said if "error" in line.lower()), said[0])
    if flags:
        row.verdict = FLAGGED
        row.note = "points withheld pending review: %s%s" % (
            "; ".join(flags[:3]), "; and %d more (report.txt)" % (len(flags) - 3)
            if len(flags) > 3 else "")
    return row


def _build(tree, ctx, row, report):
    """Build graded copy @tree (in the sandbox unless --no-sandbox), before
    make grade does (it then finds the build done), so that a build that
    never ends is a TIME LIMIT of its own. False when @row is decided: TIME
    LIMIT, or NO SANDBOX when the sandbox cannot start. A build that fails
    goes on to make grade, which grades it NO BUILD with the compiler's errors."""
    report.append("sandbox: %s" % ("bwrap, build %d s (grading/mangotest/sandbox.py)"
                                   % ctx.build_seconds if ctx.sandboxed else
                                   "NONE (--no-sandbox): the submission's build and boots "
                                   "ran with the grader's view of this machine"))
    try:
        r = sandbox.run(sandbox.make_all(), tree, [tree / "build"], timeout=ctx.build_seconds)
    except sandbox.SandboxError as exc:
        row.verdict, row.note = "NO SANDBOX", str(exc)
        return False
    report += ["", "make all: %s" % ("failed" if r.returncode else "ok")] + \
        ([r.output[-5000:]] if r.output.strip() else [])
    if r.timed_out:
        row.verdict, row.note = "TIME LIMIT", "the build ran over %d s" % ctx.build_seconds
        return False
    return True


def results_json(row, ctx):
    """Gradescope's results.json for @row: every test of the lab with its
    points (0 when not graded or flagged) and the reason in `output`."""
    tests, total_max = [], 0
    for name, e in ctx.tests.items():
        got = row.points.get(name, 0) if row.verdict == GRADED else 0
        total_max += e.points
        verdict = row.verdicts.get(name, row.verdict)
        tests.append({"name": name, "number": "lab%s" % e.lab, "score": got,
                      "max_score": e.points, "status": "passed" if got == e.points else "failed",
                      "output": "" if got == e.points else "%s%s" % (
                          verdict, "" if row.verdict == GRADED else ": " + row.note),
                      "tags": ["lab%s" % e.lab, verdict]})
    lines = ["Score: %d/%d" % (row.total, total_max)]
    if row.verdict != GRADED:
        lines.append("%s: %s" % (row.verdict, row.note))
    if row.flags:
        lines += ["Flagged for review:"] + ["  " + f for f in row.flags]
    if row.outside:
        lines.append("Files outside lab %d's room were changed; they were not used: %s"
                     % (ctx.lab, ", ".join(row.outside[:10])))
    doc = {"score": row.total, "max_score": total_max, "execution_time": round(row.seconds, 1),
           "output": "\n".join(lines), "tests": tests}
    return json.dumps(doc, indent=2) + "\n"


# -- the class -----------------------------------------------------------

@dataclass
class Context:
    lab: int
    man: dict
    tests: dict      # name -> rubric Entry, this lab's graded tests in rubric order
    base: Path
    out: Path
    tmp: Path
    timeout: int
    mem_mb: int
    extra: str
    jobs: int = 1
    sandboxed: bool = True
    build_seconds: int = sandbox.SECONDS
    no_lint: bool = False


def write_gradebook(rows, ctx):
    """gradebook.csv: student, verdict, total, max, one column per test, flags."""
    names = list(ctx.tests)
    total_max = sum(e.points for e in ctx.tests.values())
    with open(ctx.out / "gradebook.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "verdict", "total", "max"] + names +
                   ["seconds", "flags", "touched_outside_room", "note"])
        for r in rows:
            w.writerow([r.student, r.verdict, r.total, total_max] +
                       [r.points.get(n, 0) if r.verdict == GRADED else 0 for n in names] +
                       ["%.1f" % r.seconds, " | ".join(r.flags), " ".join(r.outside), r.note])


def summary(rows, ctx, seconds):
    """The instructor's view of the class, as text: verdicts, a histogram of
    totals, and the tests most failed among the graded submissions."""
    total_max = sum(e.points for e in ctx.tests.values()) or 1
    out = ["Lab %d: %d submission(s) graded in %.0f s (%.1f s each, -j %d)"
           % (ctx.lab, len(rows), seconds, seconds / max(1, len(rows)), ctx.jobs)]
    counts = {}
    for r in rows:
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    out.append("verdicts: " + ", ".join("%s %d" % kv for kv in sorted(counts.items())))
    totals = [r.total for r in rows]
    if totals:
        out.append("total: mean %.1f, median %.1f, max %d (of %d)"
                   % (statistics.mean(totals), statistics.median(totals), max(totals), total_max))
    out.append("\nscore histogram:")
    for lo in range(0, 100, 10):
        n = sum(1 for t in totals if lo <= 100 * t / total_max < lo + 10 or
                (lo == 90 and t == total_max))
        out.append("  %3d-%3d%%  %3d %s" % (lo, lo + 10, n, "#" * n))
    graded = [r for r in rows if r.verdict in (GRADED, FLAGGED) and r.verdicts]
    out.append("\ntests most failed (of %d graded submission(s)):" % len(graded))
    failed = sorted(((sum(1 for r in graded if r.verdicts.get(n) != "PASS"), n) for n in ctx.tests),
                    key=lambda x: -x[0])
    for n_failed, name in failed:
        how = {}
        for r in graded:
            v = r.verdicts.get(name)
            if v and v != "PASS":
                how[v] = how.get(v, 0) + 1
        out.append("  %3d  %-50s %s" % (n_failed, name, ", ".join("%s %d" % kv for kv in
                                                                  sorted(how.items()))))
    problems = [r for r in rows if r.verdict not in (GRADED,)]
    if problems:
        out.append("\nnot graded or flagged:")
        out += ["  %-24s %-16s %s" % (r.student, r.verdict, r.note) for r in problems]
    touched = [r for r in rows if r.outside]
    if touched:
        out.append("\ntouched files outside the room (ignored):")
        out += ["  %-24s %s" % (r.student, ", ".join(r.outside[:6]) +
                                (" ..." if len(r.outside) > 6 else "")) for r in touched]
    return "\n".join(out) + "\n"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("submissions", help="a folder of submissions (or, with --one, one submission)")
    ap.add_argument("--lab", type=int, required=True)
    ap.add_argument("--one", action="store_true", help="SUBMISSIONS is a single submission")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", default=str(REPO / "build" / "class"))
    ap.add_argument("--timeout", type=int, default=900, help="seconds per submission")
    ap.add_argument("--mem-mb", type=int, default=4096, help="address space per grading (MiB)")
    ap.add_argument("--manifest", help="the lab's room and files as JSON (autograder zip)")
    ap.add_argument("--results", help="also copy the (single) results.json here")
    ap.add_argument("--base", help="branch labN's tree, prebuilt (an autograder zip's base/) "
                    "instead of generating it from the marks")
    ap.add_argument("--build-timeout", type=int, default=sandbox.SECONDS,
                    help="seconds a submission's build may take (TIME LIMIT)")
    ap.add_argument("--no-sandbox", action="store_true",
                    help="build and boot submissions without the sandbox (their code then "
                    "sees all this machine lets the grader see)")
    ap.add_argument("--no-lint", action="store_true",
                    help="grade without the lint of the room (labs/lint.py), knowingly: "
                    "what the witnesses withhold on their own")
    args = ap.parse_args(argv)

    subs = Path(args.submissions)
    if args.one:
        entries = [subs]
    elif subs.is_dir():
        entries = sorted(p for p in subs.iterdir() if not p.name.startswith("."))
    else:
        raise SystemExit("grade-class: SUBMISSIONS=%s is not a folder" % subs)
    try:
        man = overlay.load_manifest(args.lab, args.manifest)
        rub = rubric_mod.load()
    except (ValueError, rubric_mod.RubricError) as exc:
        raise SystemExit("grade-class: %s" % exc)
    if str(args.lab) not in rub.labs:
        raise SystemExit("grade-class: lab %d has no graded tests; valid labs: %s"
                         % (args.lab, " ".join(sorted(rub.labs))))
    extra = os.environ.get("GRADING_EXTRA") or ""
    # every build and boot of a submission, here and in its make grade
    os.environ[sandbox.ENV] = "" if args.no_sandbox else "1"
    os.environ[sandbox.SECONDS_ENV] = str(args.build_timeout)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="mango-class-"))
    try:
        ctx = Context(args.lab, man, {e.name: e for e in rub.lab_entries(str(args.lab))},
                      None, out, tmp, args.timeout, args.mem_mb,
                      str(Path(extra).resolve()) if extra else "", args.jobs,
                      not args.no_sandbox, args.build_timeout, args.no_lint)
        print("grade-class: %d submission(s), lab %d (room: %s), %d at a time%s"
              % (len(entries), args.lab, ", ".join(man["room"]), args.jobs,
                 ("" if ctx.sandboxed else ", WITHOUT the sandbox") +
                 (", WITHOUT the lint" if ctx.no_lint else "")), flush=True)
        ctx.base = make_base(tmp, args.lab, args.base)
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(grade_one, e, name, ctx) for e, name in students(entries)]
            for f in concurrent.futures.as_completed(futures):
                r = f.result()
                print("  %-28s %-16s %3d  %4.0f s  %s" % (r.student, r.verdict, r.total,
                                                          r.seconds, r.note[:60]), flush=True)
        rows = sorted((f.result() for f in futures), key=lambda r: r.student)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    write_gradebook(rows, ctx)
    text = summary(rows, ctx, time.monotonic() - t0)
    (out / "summary.txt").write_text(text)
    print("\n" + text + "gradebook: %s" % (out / "gradebook.csv"))
    if args.results:
        Path(args.results).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / rows[0].student / "results.json", args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
