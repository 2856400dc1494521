#!/usr/bin/env python3
"""handin.py - package a lab for submission (`make handin`).

Refuses, with the reason, when the work tree has uncommitted changes, when
the current branch is not labN (N from grading/branch.toml), or when
time.txt or answers-labN.txt is missing. Otherwise writes
handin-labN.tar.gz with the committed tree, handin/labN.diff (your changes
since the branch's "Lab N:" commit), time.txt and answers-labN.txt.
"""
import io
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def git(*args):
    r = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("handin: git %s failed: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def main():
    branch_file = REPO / "grading" / "branch.toml"
    if not branch_file.exists():
        raise SystemExit("handin: this is not a student branch (no grading/branch.toml); "
                         "check out the branch of your lab, e.g. git checkout lab0")
    with open(branch_file, "rb") as f:
        lab = int(tomllib.load(f)["lab"])
    branch = git("rev-parse", "--abbrev-ref", "HEAD").strip()
    if branch != "lab%d" % lab:
        raise SystemExit("handin: you are on branch '%s', but this tree is lab %d: "
                         "git checkout lab%d (and merge your work into it) first" % (branch, lab, lab))
    dirty = git("status", "--porcelain", "--untracked-files=no").strip()
    if dirty:
        raise SystemExit("handin: you have uncommitted changes; commit them first "
                         "(git commit -am 'lab %d'):\n%s" % (lab, dirty))
    needed = ["time.txt", "answers-lab%d.txt" % lab]
    missing = [n for n in needed if not (REPO / n).is_file()]
    if missing:
        raise SystemExit("handin: missing %s: write the hours you spent in time.txt and your "
                         "answers in answers-lab%d.txt, commit them, then run make handin"
                         % (" and ".join(missing), lab))
    base = git("log", "--format=%H", "-1", "--grep=^Lab %d:" % lab).strip()
    if not base:
        raise SystemExit("handin: cannot find the 'Lab %d:' commit this branch started from" % lab)
    diff = git("diff", base, "HEAD")
    archive = subprocess.run(["git", "archive", "--format=tar", "--prefix=lab%d/" % lab, "HEAD"],
                             cwd=REPO, capture_output=True, check=True).stdout
    out = REPO / ("handin-lab%d.tar.gz" % lab)
    with tarfile.open(out, "w:gz") as tar:
        with tarfile.open(fileobj=io.BytesIO(archive)) as src:
            for member in src.getmembers():
                tar.addfile(member, src.extractfile(member) if member.isfile() else None)
        for name, data in [("handin/lab%d.diff" % lab, diff.encode())] + \
                [("handin/%s" % n, (REPO / n).read_bytes()) for n in needed]:
            info = tarfile.TarInfo("lab%d/%s" % (lab, name))
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    print("wrote %s (%d lines of diff since 'Lab %d')" % (out.name, diff.count("\n"), lab))


if __name__ == "__main__":
    main()
