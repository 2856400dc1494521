#!/usr/bin/env python3
"""demo_class.py OUT [--mutants] - a class folder of Lab 0 submissions, made
from this tree, to try `make grade-class` on (and the README's figure;
grading/selftests/test_class.py grades one):

    reference.tar.gz   the reference solution, handed in with `make handin`
    stubs.bundle       the untouched lab0 branch, as a git bundle
    grader-edits/      a clone that edits grading/rubric.toml, grading/conftest.py
                       and the Makefile to give itself points, and brings its own
                       build/grade/results.json (stub code)
    forger/            a plain folder whose backtrace_walk() writes an all-ok
                       KTAP stream on COM2 (outb to 0x2f8) and powers off
    corrupt.tar.gz     not an archive
    empty/             an empty folder
    wrong-lab/         a clone whose grading/branch.toml says lab 1
    mutant-<name>/     (--mutants) the reference with one labs/mutants/lab0
                       patch applied: a plausible wrong solution

The student branch comes from labs/generate.py (OUT/.repo).
"""
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOM = ["kernel/core/backtrace.c", "kernel/core/ksyms.c"]  # overlay.manifest(0)["room"]
FORGERY = r'''
#include <arch/io.h>
#include <mango/machine.h>

/* A hostile submission: a KTAP stream claiming every case passed, on COM2. */
static void forge(void)
{
	static const char fake[] = "KTAP version 1\n# mango-ktest nonce=0000000000000000 seed=1\n"
		"1..1\nok 1 backtrace\n# mango-ktest done: passed=13 failed=0 skipped=0\n";
	for (const char *s = fake; *s; s++)
		outb(0x2f8, (uint8_t)*s);
	machine_poweroff();
}
'''
WALK = "int backtrace_walk(uintptr_t fp, uintptr_t *pcs, int max)\n{\n"


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def clone_lab0(repo, dest):
    """A clone of branch lab0 of @repo at @dest, ready to commit."""
    git(repo.parent, "clone", "-q", "-b", "lab0", str(repo), str(dest))
    git(dest, "config", "user.email", "student@example.org")
    git(dest, "config", "user.name", "Student")
    return dest


def with_reference(tree):
    """Put the reference Lab 0 room files into @tree."""
    for rel in ROOM:
        shutil.copyfile(REPO / rel, tree / rel)
    return tree


def make(out, mutants=False):
    """Write the class folder @out (see the module doc); return it."""
    out = Path(out)
    work = out / ".work"
    repo = out / ".repo"
    subprocess.run([sys.executable, str(REPO / "labs" / "generate.py"), "build", str(repo),
                    "--lab", "0"], check=True, capture_output=True)
    ref = with_reference(clone_lab0(repo, work / "reference"))
    (ref / "time.txt").write_text("12\n")
    (ref / "answers-lab0.txt").write_text("1. rbp\n")
    git(ref, "add", "-A")
    git(ref, "commit", "-qm", "lab 0")
    subprocess.run(["make", "-s", "handin"], cwd=ref, check=True, capture_output=True)
    shutil.copyfile(ref / "handin-lab0.tar.gz", out / "reference.tar.gz")
    git(repo, "bundle", "create", str(out / "stubs.bundle"), "lab0")
    hack = clone_lab0(repo, out / "grader-edits")
    rubric = hack / "grading" / "rubric.toml"
    rubric.write_text(rubric.read_text().replace("points = ", "points = 100 + "))
    with open(hack / "grading" / "conftest.py", "a") as f:
        f.write("\ndef pytest_runtest_makereport(item, call):\n    call.excinfo = None\n")
    with open(hack / "Makefile", "a") as f:
        f.write("\nCFLAGS += -DGRADE_ME_FULL\n")
    (hack / "build" / "grade").mkdir(parents=True)  # and a results file with full marks
    (hack / "build" / "grade" / "results.json").write_text('{"score": 40, "max_score": 40}\n')
    forger = out / "forger"
    shutil.copytree(clone_lab0(repo, work / "forger"), forger, ignore=shutil.ignore_patterns(".git"))
    bt = forger / ROOM[0]
    head, sep, body = bt.read_text().partition(WALK)
    if not sep:
        raise SystemExit("demo_class: backtrace_walk() is not in %s as expected" % ROOM[0])
    bt.write_text(head + FORGERY + "\n" + sep + "\tforge();\n" + body)
    (out / "corrupt.tar.gz").write_bytes(b"this is not a gzip file\n" * 10)
    (out / "empty").mkdir()
    wrong = clone_lab0(repo, out / "wrong-lab")
    (wrong / "grading" / "branch.toml").write_text("lab = 1\n")
    for patch in sorted((REPO / "labs" / "mutants" / "lab0").glob("*.patch")) if mutants else []:
        tree = with_reference(clone_lab0(repo, out / ("mutant-" + patch.stem)))
        git(tree, "apply", str(patch))
    shutil.rmtree(work)
    return out


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3) or sys.argv[2:] not in ([], ["--mutants"]):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    print("wrote %s" % make(sys.argv[1], "--mutants" in sys.argv))
