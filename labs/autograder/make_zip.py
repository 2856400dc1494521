#!/usr/bin/env python3
"""make_zip.py LAB OUT.zip [EXTRA_DIR] - the autograder zip Gradescope expects.

At the zip's root: setup.sh and run_autograder (labs/autograder/, with the
lab filled in), then this tree's files (what git knows, as they are in the
work tree; no build/: the grader's own code), labs/autograder/manifest.json
(the lab's room and the files its branch shipped, from the marks:
overlay.manifest), base/ (branch labN's tree, overlay.branch: what each
submission is graded in, with no reference solution it may not see) and,
with EXTRA_DIR (GRADING_EXTRA), the hidden tests as hidden/. Gradescope
unpacks the zip in /autograder/source.
"""
import json
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "labs"))
import overlay  # noqa: E402


def add(z, name, data, executable=False):
    """Add @data as @name to zip @z, mode 755 or 644."""
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 5, 9, 0, 0))
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    lab, out = int(argv[0]), Path(argv[1])
    extra = Path(argv[2]) if len(argv) == 3 and argv[2] else None
    if extra and not (extra / "rubric.toml").is_file():
        raise SystemExit("autograder-zip: GRADING_EXTRA=%s has no rubric.toml" % extra)
    try:
        man = overlay.manifest(lab)
        base = overlay.branch(lab)[1]
    except ValueError as exc:
        raise SystemExit("autograder-zip: %s" % exc)
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                           check=True).stdout.decode().split("\0")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as z:
        add(z, "setup.sh", (HERE / "setup.sh").read_bytes(), True)
        add(z, "run_autograder", (HERE / "run_autograder").read_text().replace("@LAB@", str(lab)),
            True)
        for rel in filter(None, files):
            p = REPO / rel
            if p.is_file():
                add(z, rel, p.read_bytes(), p.stat().st_mode & 0o111 != 0)
        add(z, "labs/autograder/manifest.json", json.dumps(man, indent=1) + "\n")
        for rel, (data, exe) in sorted(base.items()):
            add(z, "base/%s" % rel, data, exe)
        for p in sorted(extra.rglob("*")) if extra else []:
            if p.is_file() and "__pycache__" not in p.parts:
                add(z, "hidden/%s" % p.relative_to(extra), p.read_bytes())
    print("wrote %s: lab %d (room: %s)%s; upload it as the assignment's autograder"
          % (out, lab, ", ".join(man["room"]), ", hidden tests of %s" % extra if extra else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
