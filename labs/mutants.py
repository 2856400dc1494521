#!/usr/bin/env python3
"""mutants.py [--lab N ...] [--mutant GLOB] [--jobs J] [--first-kill] [--keep] [--list]

Prove that the grader fails wrong solutions. Every mutant is a small
patch, labs/mutants/lab<N>/<name>.patch, that puts one plausible student
bug into the reference solution; its first lines say which:

    # bug: <the wrong code, in one sentence>
    # breaks: <the handout's promise it breaks, and where>

For each mutant this copies the tree (the files git knows, as they are in
the working tree, and the caller's build/ objects so that only the patched
file recompiles) into a temporary directory, applies the patch with
`git apply`, runs `make grade LAB=<its lab>` there and reads
build/grade/results.json. The unpatched copy is graded first (the
reference must pass everything, or no failure would mean anything).

Prints one line per mutant (KILLED by <tests> / SURVIVED / NO BUILD),
then each graded test with the mutants it killed, then the kill rate.
Exits 1 if a mutant survived or did not build, or (when every mutant of a
lab ran) a graded test of that lab killed none. --first-kill stops each
mutant's grading at its first failing test (pytest -x): it proves every
mutant is killed in a fraction of the time (`make test` uses it), but
not which tests kill which, so the graded tests are not checked. docs/instructors.md says
how to add a mutant.
"""
import argparse
import concurrent.futures
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MUTANTS = REPO / "labs" / "mutants"
# build/ subfolders a mutant's tree does not need (results, other trees)
BUILD_SKIP = {"grade", "labs-repo", "host", "fuzz", "floor", "mutants", "check-boot"}
GRADE_TIMEOUT = 900  # seconds for one mutant's build and grade


@dataclass
class Mutant:
    lab: int
    name: str
    path: Path
    bug: str
    breaks: str

    @property
    def id(self):
        return "lab%d/%s" % (self.lab, self.name)


@dataclass
class Outcome:
    verdict: str                                # KILLED, SURVIVED, NO BUILD, NO RESULTS
    killers: dict = field(default_factory=dict)  # test name -> its verdict (FAIL, PANIC...)
    detail: str = ""
    seconds: float = 0.0


def lab_ids():
    """The labs' ids, from labs/labs.toml."""
    with open(REPO / "labs" / "labs.toml", "rb") as f:
        return [lab["id"] for lab in tomllib.load(f)["lab"]]


def read_mutant(lab, path):
    """The mutant in @path; its header must name the bug and the promise."""
    head = {}
    for line in path.read_text().splitlines():
        got = re.match(r"#\s*(bug|breaks):\s*(.*)", line)
        if got:
            head[got.group(1)] = got.group(2).strip()
        elif line.startswith("diff ") or line.startswith("--- "):
            break
    missing = [k for k in ("bug", "breaks") if not head.get(k)]
    if missing:
        raise SystemExit("%s: the header has no '# %s:' line (see docs/instructors.md)"
                         % (path.relative_to(REPO), "' or '# ".join(missing)))
    return Mutant(lab, path.stem, path, head["bug"], head["breaks"])


def all_mutants():
    """Every mutant, by lab then name."""
    return [read_mutant(lab, p) for lab in lab_ids()
            for p in sorted((MUTANTS / ("lab%d" % lab)).glob("*.patch"))]


def select(mutants, labs, pattern):
    """The mutants of @labs whose name or labN/name matches @pattern; a bad
    lab or a pattern matching nothing stops with the valid values. (A lab
    with no mutants yet is not an error here: report() says its tests kill
    none.)"""
    valid = lab_ids()
    for lab in labs or []:
        if lab not in valid:
            raise SystemExit("mutants: LAB=%s is not a lab; valid labs: %s"
                             % (lab, " ".join(map(str, valid))))
    chosen = [m for m in mutants if not labs or m.lab in labs]
    if pattern:
        chosen = [m for m in chosen if fnmatch.fnmatch(m.name, pattern) or
                  fnmatch.fnmatch(m.id, pattern)]
    if pattern and not chosen:
        names = "\n  ".join(m.id for m in mutants if not labs or m.lab in labs)
        raise SystemExit("mutants: no mutant matches %s%s; valid ones:\n  %s"
                         % ("MUTANT=%s" % pattern if pattern else "the selection",
                            " in LAB=%s" % " ".join(map(str, labs)) if labs else "", names))
    return chosen


def graded_tests(lab):
    """The rubric's graded test names of @lab, in rubric order."""
    with open(REPO / "grading" / "rubric.toml", "rb") as f:
        return [t["name"] for t in tomllib.load(f)["test"] if t["lab"] == lab]


def make_base(tmp):
    """A copy of the caller's tree (working-tree contents of every file git
    knows, untracked ones too unless ignored) with its build/ objects, built."""
    base = tmp / "base"
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=REPO, capture_output=True, check=True).stdout.split(b"\0")
    for rel in filter(None, files):
        src = REPO / os.fsdecode(rel)
        if src.is_file():
            (base / os.fsdecode(rel)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, base / os.fsdecode(rel))
    if (REPO / "build").is_dir():
        shutil.copytree(REPO / "build", base / "build", symlinks=True,
                        ignore=lambda d, names: [n for n in names if Path(d) == REPO / "build"
                                                 and n in BUILD_SKIP])
    r = subprocess.run(["make", "-s", "all"], cwd=base, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit("mutants: the unpatched tree does not build:\n" + r.stdout[-3000:] +
                         r.stderr[-3000:])
    return base


def _copy(base, tmp, lab):
    """A copy of @base for the reference grade of @lab, so that two grades
    never share a build/grade folder."""
    tree = tmp / ("reference-lab%d" % lab)
    subprocess.run(["cp", "-a", str(base), str(tree)], check=True)
    return tree


def grade(tree, lab, first_kill=False):
    """make grade LAB=@lab in @tree (one QEMU at a time: mutants run in
    parallel instead; @first_kill: stop at the first failing test).
    Returns {test name: (passed, verdict)} for the lab's tests that ran,
    or None if there are no results."""
    results = tree / "build" / "grade" / "results.json"
    results.unlink(missing_ok=True)
    subprocess.run(["make", "-s", "grade", "LAB=%d" % lab, "XDIST="] +
                   (["PYTEST_ARGS=-x"] if first_kill else []), cwd=tree,
                   capture_output=True, text=True, timeout=GRADE_TIMEOUT)
    try:
        doc = json.loads(results.read_text())
    except (OSError, ValueError):
        return None
    return {t["name"]: (t["status"] == "passed", t["tags"][-1] if t.get("tags") else t["status"])
            for t in doc["tests"] if t["number"] == "lab%d" % lab}


def run_mutant(base, tmp, m, keep, first_kill=False):
    """Copy @base, apply @m, build and grade it; the Outcome, timed."""
    t0 = time.monotonic()
    tree = tmp / ("lab%d-%s" % (m.lab, m.name))
    subprocess.run(["cp", "-a", str(base), str(tree)], check=True)
    try:
        outcome = _patch_and_grade(tree, m, first_kill)
    finally:
        if not keep:
            shutil.rmtree(tree, ignore_errors=True)
    outcome.seconds = time.monotonic() - t0
    return outcome


def _patch_and_grade(tree, m, first_kill=False):
    """Apply @m in @tree, build, grade its lab: the Outcome (untimed)."""
    r = subprocess.run(["git", "apply", str(m.path)], cwd=tree, capture_output=True, text=True)
    if r.returncode:
        return Outcome("NO BUILD", detail="bad patch: " + (r.stderr.strip().splitlines() or ["?"])[0])
    r = subprocess.run(["make", "-s", "all"], cwd=tree, capture_output=True, text=True)
    if r.returncode:
        err = [line for line in (r.stdout + r.stderr).splitlines() if "error" in line]
        return Outcome("NO BUILD", detail="compile: " + (err[0] if err else "make all failed"))
    try:
        got = grade(tree, m.lab, first_kill)
    except subprocess.TimeoutExpired:
        return Outcome("NO RESULTS", detail="make grade ran over %d s" % GRADE_TIMEOUT)
    if got is None:
        return Outcome("NO RESULTS", detail="make grade wrote no build/grade/results.json")
    killers = {name: verdict for name, (passed, verdict) in got.items() if not passed}
    return Outcome("KILLED" if killers else "SURVIVED", killers)


def report(chosen, outcomes, labs, full_labs, reference_failures):
    """Print the tables (the graded tests of @labs) and the kill rate;
    returns the exit status (0 when every mutant was killed, every graded
    test of @full_labs killed one and the reference passed everything)."""
    width = max([len(m.id) for m in chosen] + [6]) + 2
    print("\n%-*s %s" % (width, "mutant", "verdict"))
    for m in chosen:
        o = outcomes[m.id]
        if o.verdict == "KILLED":
            text = "KILLED by " + ", ".join("%s (%s)" % kv for kv in o.killers.items())
        else:
            text = o.verdict + (": " + o.detail if o.detail else "")
        print("%-*s %s" % (width, m.id, text))

    bad_tests = []
    print("\n%-60s %s" % ("graded test", "mutants it kills"))
    for lab in labs:
        for t in graded_tests(lab):
            kills = [m.name for m in chosen if m.lab == lab and t in outcomes[m.id].killers]
            if not kills and lab in full_labs:
                bad_tests.append(t)
            print("%-60s %s" % (t, ", ".join(kills) if kills else
                                "NONE" if lab in full_labs else
                                "- (not checked: a MUTANT= selection or --first-kill)"))

    killed = sum(outcomes[m.id].verdict == "KILLED" for m in chosen)
    print("\nkill rate: %d/%d mutants (%.0f%%)" % (killed, len(chosen),
                                                 100.0 * killed / max(len(chosen), 1)))
    problems = ["%s: %s" % (m.id, outcomes[m.id].verdict) for m in chosen
                if outcomes[m.id].verdict != "KILLED"]
    problems += ["lab%d has graded tests but no mutants: add them in labs/mutants/lab%d/" % (lab, lab)
                 for lab in labs if lab in full_labs and graded_tests(lab) and
                 not any(m.lab == lab for m in chosen)]
    problems += ["%s kills no mutant: add one it catches (docs/instructors.md)" % t
                 for t in bad_tests]
    problems += ["the reference fails %s: a failure would prove nothing" % t
                 for t in reference_failures]
    for p in problems:
        print("  " + p)
    if problems:
        verdict = "FAILED"
    elif full_labs:
        verdict = "every mutant killed, every graded test kills one"
    else:
        verdict = "every mutant killed (a MUTANT= selection or --first-kill: graded tests " \
            "not checked)"
    print("mutants: " + verdict)
    return 0 if not problems else 1


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lab", type=int, action="append", help="only this lab's mutants (repeatable)")
    ap.add_argument("--mutant", help="only mutants whose name (or labN/name) matches this glob")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                    help="mutants graded at once (default: 2, or 1 on one CPU)")
    ap.add_argument("--first-kill", action="store_true",
                    help="stop each grading at its first failing test (fast; tests not checked)")
    ap.add_argument("--keep", action="store_true", help="keep each mutant's tree (path printed)")
    ap.add_argument("--list", action="store_true", help="list the mutants and their bugs")
    args = ap.parse_args(argv)

    mutants = all_mutants()
    chosen = select(mutants, args.lab, args.mutant)
    if args.list:
        for m in chosen:
            print("%s\n    bug:    %s\n    breaks: %s" % (m.id, m.bug, m.breaks))
        return 0
    # with MUTANT= only the labs that ran are reported, and no test is checked
    labs = sorted({m.lab for m in chosen}) if args.mutant else sorted(set(args.lab or lab_ids()))
    full_labs = set() if args.mutant or args.first_kill else set(labs)
    t0 = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="mango-mutants-"))
    try:
        print("mutants: %d mutant(s) of lab(s) %s, %d at a time, in %s"
              % (len(chosen), " ".join(map(str, labs)), args.jobs, tmp), flush=True)
        base = make_base(tmp)
        outcomes, reference_failures = {}, []
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            refs = {pool.submit(grade, _copy(base, tmp, lab), lab): lab
                    for lab in sorted({m.lab for m in chosen})}
            jobs = {pool.submit(run_mutant, base, tmp, m, args.keep, args.first_kill): m
                    for m in chosen}
            for f in concurrent.futures.as_completed(list(refs) + list(jobs)):
                if f in refs:
                    got = f.result()
                    if got is None:
                        reference_failures.append("lab%d (no results)" % refs[f])
                    else:
                        reference_failures += [t for t, (passed, _) in got.items() if not passed]
                    print("  reference lab%d: %s" % (refs[f], "graded" if got else "NO RESULTS"),
                          flush=True)
                    continue
                m = jobs[f]
                outcomes[m.id] = o = f.result()
                print("  %-44s %-10s %3.0f s" % (m.id, o.verdict, o.seconds), flush=True)
        status = report(chosen, outcomes, labs, full_labs, reference_failures)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print("mutants: %.0f s" % (time.monotonic() - t0))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
