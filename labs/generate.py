#!/usr/bin/env python3
"""generate.py - cut the labs out of the reference solution.

    generate.py check                 validate every mark; exit 1 with file:line
    generate.py build OUT [--lab N]   create/update the git repo OUT, branches lab0..labN
    generate.py leaks OUT             verify no stubbed solution line is in any branch

Marks (in comments; `#` for Python, Makefiles, TOML and shell, `//` or
`/* */` for C and assembly, `<!-- -->` in Markdown):

    // LAB 3 SOLUTION BEGIN        the reference solution of lab 3 ...
    ...
    // LAB 3 STUB: return KERN_UNIMPLEMENTED;   ... and what replaces it
    // LAB 3 SOLUTION END
    # LAB 3 CONTENT BEGIN          text that exists only in branches >= 3
    # LAB 3 CONTENT END
    // LAB 3 FILE                  (in a file's first 10 lines) the whole
                                   file exists only in branches >= 3
    <!-- MAIN ONLY BEGIN -->        text for instructors: it stays in main
    <!-- MAIN ONLY END -->          and is in no branch

In branch N a SOLUTION region of a lab < N keeps its code (marks removed)
and one of a lab >= N becomes its STUB lines: each is the marker's
indentation followed by the text after "STUB: ". Regions do not nest.
Standard library only, so instructors need nothing else to run it.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LABS_TOML = REPO / "labs" / "labs.toml"
COMMIT_DATE = "2026-01-05T09:00:00+0000"  # fixed: same input, same commits
AUTHOR = ("Mango Labs", "labs@mango.invalid")

MARK_RE = re.compile(
    r"^(?P<indent>\s*)(?P<lead>//|#|/\*|<!--)\s*(?:LAB (?P<lab>\d+) (?P<kind>SOLUTION BEGIN|"
    r"SOLUTION END|CONTENT BEGIN|CONTENT END|FILE|STUB:)|(?P<main>MAIN ONLY (?:BEGIN|END)))"
    r"(?P<rest>.*)$")
MAIN_ONLY = -1  # the lab number of a MAIN ONLY region: no branch has it
# Markdown files take only the <!-- --> form (code blocks may show marks).
SOURCE_SUFFIXES = {".c", ".h", ".S", ".ld", ".py", ".toml", ".sh", ".in", ".mk", ".cfg", ".md"}


class MarkError(Exception):
    pass


@dataclass
class Region:
    lab: int
    kind: str            # "SOLUTION" or "CONTENT"
    begin: int           # line numbers, 1-based
    end: int = 0
    body: list = field(default_factory=list)   # (lineno, text) of the kept code
    stub: list = field(default_factory=list)   # replacement lines


@dataclass
class Parsed:
    path: str
    lines: list           # original lines (with newlines)
    file_lab: int = None  # LAB n FILE
    regions: list = field(default_factory=list)


def load_labs():
    with open(LABS_TOML, "rb") as f:
        data = tomllib.load(f)
    labs = sorted(data["lab"], key=lambda lab: lab["id"])
    ids = [lab["id"] for lab in labs]
    if ids != list(range(len(ids))):
        raise MarkError("%s: lab ids must be 0, 1, 2, ... in order, got %s" % (LABS_TOML, ids))
    return labs, tuple(data.get("instructor", {}).get("only", []))


def handin_upload():
    """Where students upload their handin archive (labs.toml [handin] upload)."""
    with open(LABS_TOML, "rb") as f:
        return tomllib.load(f).get("handin", {}).get("upload", "the place your course names")


def tracked_files():
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                         check=True).stdout
    return sorted(p for p in out.decode().split("\0") if p)


def is_instructor_only(path, only):
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in only)


def marks_apply(path):
    p = Path(path)
    return p.suffix in SOURCE_SUFFIXES or p.name == "Makefile"


def mark_name(lab, kind):
    """How an error message names a mark: 'LAB 1 SOLUTION END', 'MAIN ONLY BEGIN'."""
    if lab == MAIN_ONLY:
        return kind if kind.startswith("MAIN ONLY") else "MAIN ONLY"
    return ("LAB %d %s" % (lab, kind)).rstrip()


def parse(path, text, nlabs):
    """Find the marks in @text; raise MarkError naming path:line on misuse."""
    parsed = Parsed(path=path, lines=text.splitlines(keepends=True))
    markdown = path.endswith(".md")
    open_region = None
    for no, line in enumerate(parsed.lines, 1):
        m = MARK_RE.match(line.rstrip("\n"))
        if m and markdown and m.group("lead") != "<!--":
            m = None
        if not m:
            if open_region:
                open_region.body.append((no, line))
            continue
        if m.group("main"):
            lab, kind = MAIN_ONLY, "MAIN ONLY " + m.group("main").split()[-1]
        else:
            lab, kind = int(m.group("lab")), m.group("kind")
        rest = m.group("rest")
        where = "%s:%d" % (path, no)
        if lab >= nlabs:
            raise MarkError("%s: LAB %d, but labs/labs.toml lists labs 0-%d" % (where, lab, nlabs - 1))
        closer = {"/*": "*/", "<!--": "-->"}.get(m.group("lead"))
        if kind == "STUB:":
            if not open_region or open_region.kind != "SOLUTION":
                raise MarkError("%s: LAB %d STUB outside a LAB %d SOLUTION region" % (where, lab, lab))
            if lab != open_region.lab:
                raise MarkError("%s: LAB %d STUB inside the LAB %d region begun at line %d"
                                % (where, lab, open_region.lab, open_region.begin))
            text_ = rest[1:] if rest.startswith(" ") else rest
            if closer and text_.rstrip().endswith(closer):
                text_ = text_.rstrip()[:-len(closer)].rstrip()
            open_region.stub.append(m.group("indent") + text_ + "\n")
            continue
        if rest.strip() not in ("", closer):
            raise MarkError("%s: unexpected text after %s: %r" % (where, mark_name(lab, kind),
                                                                  rest.strip()))
        if kind == "FILE":
            if no > 10 or parsed.file_lab is not None:
                raise MarkError("%s: LAB %d FILE must appear once, in the first 10 lines" % (where, lab))
            parsed.file_lab = lab
            continue
        what, edge = kind.rsplit(" ", 1)
        if edge == "BEGIN":
            if open_region:
                raise MarkError("%s: %s inside the %s region begun at line %d "
                                "(regions do not nest)" % (where, mark_name(lab, kind),
                                                           mark_name(open_region.lab, ""),
                                                           open_region.begin))
            open_region = Region(lab=lab, kind=what, begin=no)
        else:
            if not open_region:
                raise MarkError("%s: %s without a BEGIN" % (where, mark_name(lab, kind)))
            if (open_region.lab, open_region.kind) != (lab, what):
                raise MarkError("%s: %s closes the %s region begun at line %d"
                                % (where, mark_name(lab, kind),
                                   mark_name(open_region.lab, open_region.kind),
                                   open_region.begin))
            open_region.end = no
            parsed.regions.append(open_region)
            open_region = None
    if open_region:
        raise MarkError("%s:%d: %s BEGIN is never closed" % (
            path, open_region.begin, mark_name(open_region.lab, open_region.kind)))
    return parsed


def render(parsed, n):
    """The file as branch @n has it, or None when it does not exist there."""
    if parsed.file_lab is not None and parsed.file_lab > n:
        return None
    out, i = [], 0
    by_begin = {r.begin: r for r in parsed.regions}
    lines = parsed.lines
    while i < len(lines):
        no = i + 1
        r = by_begin.get(no)
        if r is None:
            m = MARK_RE.match(lines[i].rstrip("\n"))
            if not (m and m.group("kind") == "FILE" and parsed.file_lab is not None
                    and not (parsed.path.endswith(".md") and m.group("lead") != "<!--")):
                out.append(lines[i])
            i += 1
            continue
        if r.kind == "SOLUTION":
            out += [t for _, t in r.body] if r.lab < n else r.stub
        elif r.kind == "CONTENT" and r.lab <= n:
            out += [t for _, t in r.body]
        i = r.end
    return "".join(out)


def read_all(nlabs, only):
    """Parse every tracked text file that goes to students."""
    files = {}
    for path in tracked_files():
        if is_instructor_only(path, only):
            continue
        full = REPO / path
        if not full.is_file():
            continue  # deleted in the work tree
        data = full.read_bytes()
        if b"\0" in data:
            files[path] = (data, None, full)
            continue
        text = data.decode("utf-8")
        parsed = parse(path, text, nlabs) if marks_apply(path) else Parsed(path, text.splitlines(True))
        files[path] = (data, parsed, full)
    return files


def branch_tree(files, labs, n):
    """{path: (bytes, executable)} of branch labN."""
    tree = {}
    handouts = {lab["handout"]: lab["id"] for lab in labs if lab.get("handout")}
    for path, (data, parsed, full) in files.items():
        if path in handouts and handouts[path] > n:
            continue
        if parsed is not None:
            text = render(parsed, n)
            if text is None:
                continue
            data = text.encode("utf-8")
        tree[path] = (data, os.access(full, os.X_OK))
    tree["grading/branch.toml"] = (
        ("# Generated by labs/generate.py: this is the student branch of lab %d.\n"
         "# Labs before %d are solved here; lab %d and later are stubs.\nlab = %d\n"
         "# where to upload what make handin writes\nupload = %s\n"
         % (n, n, n, n, json.dumps(handin_upload().format(n=n)))).encode(), False)
    return tree


# -- dead links ---------------------------------------------------------

LINK_RE = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE_RE = re.compile(r"^\s*(```|~~~)")
HEADING_RE = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")


def markdown_prose(text):
    """The lines of Markdown @text outside fenced code blocks, with inline
    code spans blanked: (line number, line)."""
    fenced = False
    for no, line in enumerate(text.splitlines(), 1):
        if FENCE_RE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield no, re.sub(r"`[^`]*`", "``", line)


def heading_anchors(text):
    """The anchors GitHub gives @text's headings: lower case, punctuation
    dropped, spaces to '-', a repeated one suffixed -1, -2, ..."""
    seen, anchors = {}, set()
    for _, line in markdown_prose(text):
        m = HEADING_RE.match(line)
        if not m:
            continue
        slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower().replace("``", "")).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.add(slug if n == 0 else "%s-%d" % (slug, n))
    return anchors


def dead_links(tree):
    """Relative links in the Markdown files of @tree ({path: (bytes, exe)})
    whose file, folder or #heading is not there: ["file:line: target (why)"]."""
    dirs = {str(Path(p).parent) for p in tree} | {
        str(parent) for p in tree for parent in Path(p).parents}
    dead = []
    for path, (data, _) in sorted(tree.items()):
        if not path.endswith(".md"):
            continue
        for no, line in markdown_prose(data.decode("utf-8", "replace")):
            for target in LINK_RE.findall(line):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                    continue  # https:, mailto:
                file, _, anchor = target.partition("#")
                dest = os.path.normpath(os.path.join(os.path.dirname(path), file)) if file else path
                why = None
                if dest.startswith(".."):
                    why = "outside the repository"
                elif dest not in tree and dest not in dirs:
                    why = "no such file"
                elif anchor and dest.endswith(".md") and dest in tree and \
                        anchor not in heading_anchors(tree[dest][0].decode("utf-8", "replace")):
                    why = "no heading #%s in %s" % (anchor, dest)
                if why:
                    dead.append("%s:%d: %s (%s)" % (path, no, target, why))
    return dead


def work_tree():
    """{path: (bytes, executable)} of main's tracked files, as they are now."""
    return {p: ((REPO / p).read_bytes(), os.access(REPO / p, os.X_OK))
            for p in tracked_files() if (REPO / p).is_file()}


# -- leak check ---------------------------------------------------------

TRIVIAL_RE = re.compile(r"^[\s{}();,*/#-]*$|^(return|break|continue|else|do)\b[^;]{0,12};?$")


def leak_lines(files, n):
    """Non-trivial solution lines stubbed out in branch @n: {text: where}."""
    outside = set()
    candidates = {}
    for path, (_, parsed, _) in files.items():
        if parsed is None:
            continue
        inside = set()
        for r in parsed.regions:
            if r.kind != "SOLUTION":
                continue
            for no, text in r.body:
                inside.add(no)
                s = text.strip()
                if r.lab >= n and len(s) >= 12 and not TRIVIAL_RE.match(s) and \
                        not s.startswith(("/*", "*", "//", "#")):
                    candidates.setdefault(s, "%s:%d" % (path, no))
        for no, text in enumerate(parsed.lines, 1):
            if no not in inside:
                outside.add(text.strip())
    return {s: w for s, w in candidates.items() if s not in outside}


def find_leaks(files, tree, n):
    secret = leak_lines(files, n)
    leaks = []
    for path, (data, _) in sorted(tree.items()):
        if b"\0" in data:
            continue
        for no, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if line.strip() in secret:
                leaks.append("lab%d %s:%d has solution line from %s: %s"
                             % (n, path, no, secret[line.strip()], line.strip()))
    return leaks


# -- writing the repository ---------------------------------------------

def git(out, *args, env=None, input=None):
    return subprocess.run(["git", "-C", str(out), *args], capture_output=True, check=True,
                          env=env, input=input).stdout.decode().strip()


def write_tree(out, tree):
    """Store @tree in @out's object database; return the tree id."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "t"
        for path, (data, exe) in tree.items():
            p = root / path
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
            os.chmod(p, 0o755 if exe else 0o644)
        env = dict(os.environ, GIT_INDEX_FILE=str(Path(tmp) / "index"),
                   GIT_WORK_TREE=str(root))
        subprocess.run(["git", "-C", str(out), "--work-tree", str(root), "add", "-A", "-f", "."],
                       check=True, env=env, capture_output=True)
        return subprocess.run(["git", "-C", str(out), "--work-tree", str(root), "write-tree"],
                              check=True, env=env, capture_output=True).stdout.decode().strip()


def build(out, upto=None):
    labs, only = load_labs()
    files = read_all(len(labs), only)
    out = Path(out)
    if not (out / ".git").exists():
        out.mkdir(parents=True, exist_ok=True)
        git(out, "init", "-q", "-b", "lab0")
    env = dict(os.environ, GIT_AUTHOR_NAME=AUTHOR[0], GIT_AUTHOR_EMAIL=AUTHOR[1],
               GIT_COMMITTER_NAME=AUTHOR[0], GIT_COMMITTER_EMAIL=AUTHOR[1],
               GIT_AUTHOR_DATE=COMMIT_DATE, GIT_COMMITTER_DATE=COMMIT_DATE)
    parent = None
    problems = []
    for lab in labs:
        n = lab["id"]
        if upto is not None and n > upto:
            break
        tree = branch_tree(files, labs, n)
        problems += [("LEAK", p) for p in find_leaks(files, tree, n)]
        problems += [("DEAD LINK", "lab%d %s" % (n, d)) for d in dead_links(tree)]
        tree_id = write_tree(out, tree)
        msg = "Lab %d: %s\n\nGenerated by labs/generate.py from the reference tree.\n" % (n, lab["title"])
        args = ["commit-tree", tree_id, "-m", msg] + (["-p", parent] if parent else [])
        commit = git(out, *args, env=env)
        try:
            old = git(out, "rev-parse", "-q", "--verify", "refs/heads/lab%d" % n)
        except subprocess.CalledProcessError:
            old = None
        if old != commit:
            git(out, "update-ref", "refs/heads/lab%d" % n, commit)
        print("lab%d  %s  %s  (%d files)%s" % (n, commit[:12], lab["title"], len(tree),
                                                "" if old != commit else "  unchanged"))
        parent = commit
    # keep the work tree (if any) on a real branch, matching its commit
    head = git(out, "symbolic-ref", "-q", "HEAD")
    if head.startswith("refs/heads/lab"):
        git(out, "reset", "-q", "--hard")
    for kind, p in problems:
        print("%s: %s" % (kind, p), file=sys.stderr)
    return 1 if problems else 0


def check():
    labs, only = load_labs()
    files = read_all(len(labs), only)
    dead = dead_links(work_tree())
    for d in dead:
        print("DEAD LINK: main %s" % d, file=sys.stderr)
    if dead:
        return 1
    regions = sum(len(p.regions) for _, p, _ in files.values() if p)
    print("marks ok: %d regions in %d files, %d labs" % (
        regions, sum(1 for _, p, _ in files.values() if p and p.regions), len(labs)))
    return 0


def main(argv):
    try:
        if argv[1:2] == ["check"]:
            return check()
        if argv[1:2] == ["build"] and len(argv) >= 3:
            upto = int(argv[argv.index("--lab") + 1]) if "--lab" in argv else None
            return build(argv[2], upto)
    except MarkError as exc:
        print("generate.py: %s" % exc, file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
