"""The rubric: which tests are graded, for how many points, with what
timeout and hint. Data, not code: grading/rubric.toml, plus the
rubric.toml of an instructor's GRADING_EXTRA directory. A lab's id, title
and handout are labs/labs.toml's (its one owner); the rubric's table of a
lab holds only what grading needs:

    [labs.0]
    kernel = ["backtrace.*", "ksyms.*"]   # in-kernel suites this lab boots
    cmdline = ""                          # extra kernel parameters (optional)

A lab that labs.toml does not list (a GRADING_EXTRA lab) gives its own
`title` (and `handout`) in its table.

    [[test]]
    name = "backtrace.first_frame_is_the_caller"   # a KTEST case, or
    # test = "test_lab0.py::test_bt"               # a pytest test
    lab = "0"
    points = 5
    timeout = 10                                   # seconds
    panics = false                                 # the case must panic
    hint = "backtrace_walk() in kernel/core/backtrace.c"
    section = "Exercise 3"                         # in the handout
    witness = ["bt_matches_the_stack"]             # kernel case: see below

A kernel case's `witness` names pytest-level tests of its lab whose truth
the grader establishes itself, outside the guest (QMP reads of the
kernel's structures checked in Python, challenges predicted by a Python
model). The case's points count only when every witness passed
(score.py): student code runs in ring 0 beside ktest and could write a
passing KTAP stream of its own. Every kernel case of a labs.toml lab must
name one (unwitnessed()); a GRADING_EXTRA case may.
"""
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

RUBRIC = Path(__file__).resolve().parents[1] / "rubric.toml"
LABS_TOML = Path(__file__).resolve().parents[2] / "labs" / "labs.toml"
LAB_KEYS = {"kernel", "cmdline"}
OWN_LAB_KEYS = {"title", "handout"}   # only for labs labs.toml does not list


class RubricError(ValueError):
    pass


@dataclass
class Lab:
    id: str
    title: str
    handout: str = ""
    kernel: list = field(default_factory=list)
    cmdline: str = ""


@dataclass
class Entry:
    name: str
    lab: str
    points: int
    timeout: float
    hint: str = ""
    section: str = ""
    test: str = ""        # pytest "file.py::func"; empty for a kernel case
    panics: bool = False
    witness: list = field(default_factory=list)  # names of pytest-level tests
    source: str = ""      # the rubric file it came from

    @property
    def kind(self):
        return "pytest" if self.test else "ktest"

    def test_location(self):
        """(file, function) of a pytest entry: the file is relative to
        grading/labs for the public rubric, to its own folder for an
        instructor's GRADING_EXTRA rubric (so their names cannot collide)."""
        file, _, func = self.test.partition("::")
        base = RUBRIC.parent / "labs" if Path(self.source) == RUBRIC else Path(self.source).parent
        return (base / file).resolve(), func


@dataclass
class Rubric:
    labs: dict            # id -> Lab
    entries: list         # of Entry, in file order

    def lab_entries(self, lab_id):
        return [e for e in self.entries if e.lab == lab_id]

    def by_name(self):
        return {e.name: e for e in self.entries}

    def max_points(self, lab_id=None):
        return sum(e.points for e in self.entries if lab_id in (None, e.lab))


def _toml(path):
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RubricError("%s: %s" % (path, exc)) from None


def lab_metadata(path=LABS_TOML):
    """{id: {"title", "handout"}} from labs/labs.toml's [[lab]] tables
    ({} when the file is absent)."""
    if not Path(path).exists():
        return {}
    return {str(lab["id"]): {"title": lab.get("title", "Lab %s" % lab["id"]),
                             "handout": lab.get("handout", "")}
            for lab in _toml(path).get("lab", [])}


def _load_one(path, labs, entries, metadata):
    data = _toml(path)
    for lab_id, spec in data.get("labs", {}).items():
        lab_id = str(lab_id)
        if lab_id in labs:
            raise RubricError("%s: [labs.%s] is defined already; add tests to it with lab = %s "
                              "instead of redefining it" % (path, lab_id, lab_id))
        allowed = LAB_KEYS | (set() if lab_id in metadata else OWN_LAB_KEYS)
        unknown = set(spec) - allowed
        if unknown & OWN_LAB_KEYS:
            raise RubricError("%s: [labs.%s] gives %s, which labs/labs.toml owns; keep only %s "
                              "here" % (path, lab_id, ", ".join(sorted(unknown & OWN_LAB_KEYS)),
                                        ", ".join(sorted(LAB_KEYS))))
        if unknown:
            raise RubricError("%s: [labs.%s]: unknown keys %s (valid: %s)" % (
                path, lab_id, ", ".join(sorted(unknown)), ", ".join(sorted(allowed))))
        meta = metadata.get(lab_id, {})
        labs[lab_id] = Lab(id=lab_id, title=meta.get("title") or spec.get("title", "Lab %s" % lab_id),
                           handout=meta.get("handout") or spec.get("handout", ""),
                           kernel=list(spec.get("kernel", [])), cmdline=spec.get("cmdline", ""))
    for i, spec in enumerate(data.get("test", [])):
        where = "%s: test #%d" % (path, i + 1)
        missing = [k for k in ("name", "lab", "points", "timeout") if k not in spec]
        if missing:
            raise RubricError("%s lacks %s" % (where, ", ".join(missing)))
        unknown = set(spec) - {"name", "lab", "points", "timeout", "hint", "section", "test",
                               "panics", "witness"}
        if unknown:
            raise RubricError("%s: unknown keys %s" % (where, ", ".join(sorted(unknown))))
        entries.append(Entry(name=spec["name"], lab=str(spec["lab"]), points=int(spec["points"]),
                             timeout=float(spec["timeout"]), hint=spec.get("hint", ""),
                             section=spec.get("section", ""), test=spec.get("test", ""),
                             panics=bool(spec.get("panics", False)),
                             witness=list(spec.get("witness", [])), source=str(path)))


def load(extra_dir=None, labs_toml=LABS_TOML):
    """The rubric, with GRADING_EXTRA's rubric.toml (if any) added, and the
    labs' titles and handouts from @labs_toml."""
    labs, entries = {}, []
    metadata = lab_metadata(labs_toml)
    _load_one(RUBRIC, labs, entries, metadata)
    extra_dir = extra_dir if extra_dir is not None else os.environ.get("GRADING_EXTRA")
    if extra_dir:
        extra = Path(extra_dir) / "rubric.toml"
        if not extra.exists():
            raise RubricError("GRADING_EXTRA=%s has no rubric.toml" % extra_dir)
        _load_one(extra, labs, entries, metadata)
    seen = set()
    for e in entries:
        if e.name in seen:
            raise RubricError("%s: test %r is graded twice" % (e.source, e.name))
        seen.add(e.name)
        if e.lab not in labs:
            raise RubricError("%s: test %r is in lab %r, which no [labs.%s] table defines"
                              % (e.source, e.name, e.lab, e.lab))
        if e.kind == "ktest" and "." not in e.name:
            raise RubricError("%s: kernel case %r must be named suite.case" % (e.source, e.name))
    by_name = {e.name: e for e in entries}
    for e in entries:
        if e.witness and e.kind != "ktest":
            raise RubricError("%s: %r is a pytest-level test: only kernel cases name a witness "
                              "(the grader establishes a pytest-level test's truth itself)"
                              % (e.source, e.name))
        for w in e.witness:
            other = by_name.get(w)
            if other is None or other.kind != "pytest" or other.lab != e.lab:
                raise RubricError("%s: %r names witness %r, which is not a pytest-level test of "
                                  "lab %s; valid witnesses: %s" % (
                                      e.source, e.name, w, e.lab,
                                      ", ".join(x.name for x in entries
                                                if x.kind == "pytest" and x.lab == e.lab)
                                      or "(none: add one)"))
    return Rubric(labs=labs, entries=entries)


def unwitnessed(rub, labs_toml=LABS_TOML):
    """Names of the kernel cases of labs.toml's labs that name no witness
    (the grader's self-tests require none)."""
    public = set(lab_metadata(labs_toml))
    return [e.name for e in rub.entries if e.kind == "ktest" and e.lab in public and not e.witness]
