#!/usr/bin/env python3
"""handin.py - package a lab for submission (`make handin`).

Refuses, with the reason, when the work tree has uncommitted changes, when
the current branch is not labN (N from grading/branch.toml), or when
time.txt or answers-labN.txt is missing or not committed. Warns when
nothing but those two files changed since the branch's "Lab N:" commit.
Otherwise writes handin-labN.tar.gz with the committed tree,
handin/labN.diff (your changes since "Lab N:"), time.txt and
answers-labN.txt as committed, and says where to upload it
(grading/branch.toml's `upload`, set by the course's labs/labs.toml).
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


def git_bytes(*args):
    """git's output as bytes (a committed file's contents); raises on failure."""
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, check=True).stdout


def main():
    branch_file = REPO / "grading" / "branch.toml"
    if not branch_file.exists():
        raise SystemExit("handin: this is not a student branch (no grading/branch.toml); "
                         "check out the branch of your lab, e.g. git checkout lab0")
    with open(branch_file, "rb") as f:
        branch_doc = tomllib.load(f)
    lab = int(branch_doc["lab"])
    upload = branch_doc.get("upload", "the place your course names")
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
    committed = set(git("ls-tree", "--name-only", "HEAD", "--", *needed).split())
    uncommitted = [n for n in needed if n not in committed]
    if uncommitted:
        raise SystemExit("handin: %s not committed, and the archive holds what is committed: "
                         "git add %s && git commit -m 'lab %d: answers'"
                         % (" and ".join(uncommitted) + (" is" if len(uncommitted) == 1 else
                                                          " are"), " ".join(uncommitted), lab))
    base = git("log", "--format=%H", "-1", "--grep=^Lab %d:" % lab).strip()
    if not base:
        raise SystemExit("handin: cannot find the 'Lab %d:' commit this branch started from" % lab)
    diff = git("diff", base, "HEAD")
    work = git("diff", "--stat", base, "HEAD", "--", ".", *(":!" + n for n in needed)).strip()
    if not work:
        print("handin: warning: nothing but %s changed since the 'Lab %d:' commit; is your "
              "work for lab %d committed on this branch?" % (" and ".join(needed), lab, lab),
              file=sys.stderr)
    archive = subprocess.run(["git", "archive", "--format=tar", "--prefix=lab%d/" % lab, "HEAD"],
                             cwd=REPO, capture_output=True, check=True).stdout
    out = REPO / ("handin-lab%d.tar.gz" % lab)
    with tarfile.open(out, "w:gz") as tar:
        with tarfile.open(fileobj=io.BytesIO(archive)) as src:
            for member in src.getmembers():
                tar.addfile(member, src.extractfile(member) if member.isfile() else None)
        for name, data in [("handin/lab%d.diff" % lab, diff.encode())] + \
                [("handin/%s" % n, git_bytes("show", "HEAD:" + n)) for n in needed]:
            info = tarfile.TarInfo("lab%d/%s" % (lab, name))
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    print("wrote %s (%d lines of diff since 'Lab %d')" % (out.name, diff.count("\n"), lab))
    print("Upload %s to %s." % (out, upload))


if __name__ == "__main__":
    main()
