"""The score: the graded runs of a session, one report per rubric test, and
what is made of them (the score table, build/grade/results.json).

A run is one pytest test's outcome (a test parametrized twice runs twice);
a rubric test's report is PASS with its points only when every one of its
runs passed, else the first failing run's verdict and message. A kernel
case is the kernel's word: its PASS stands only when every witness the
rubric names for it passed too (rubric.py), else it is UNCORROBORATED.
"""
import json
from dataclasses import dataclass, field

from mangotest import verdict as V


@dataclass
class Run:
    """One pytest test of a rubric entry, as the plugin saw it end."""
    name: str            # the rubric test's name
    run: str             # the parametrization id ("" for a single run)
    verdict: str
    message: str = ""
    logs: str = ""

    def to_dict(self):  # what crosses from an xdist worker in user_properties
        return dict(self.__dict__)


@dataclass
class Report:
    """One rubric test's result: verdict, points and the why."""
    entry: object        # rubric.Entry
    verdict: str
    points: int
    message: str = ""
    logs: list = field(default_factory=list)

    @property
    def passed(self):
        return self.verdict == V.PASS


def report(entry, runs, witnesses=None):
    """The Report of @entry from its Runs (all passed: full points), given
    the Reports of the witnesses that ran ({name: Report}; a witness that
    did not run does not corroborate)."""
    bad = [r for r in runs if r.verdict != V.PASS]
    if not bad:
        witnesses = witnesses or {}
        unconfirmed = [w for w in entry.witness if w not in witnesses or not witnesses[w].passed]
        if unconfirmed:
            w = witnesses.get(unconfirmed[0])
            why = "did not run" if w is None else "was graded %s%s" % (
                w.verdict, ": " + w.message.splitlines()[0] if w.message else "")
            return Report(entry, V.UNCORROBORATED, 0,
                          "the kernel reported this case passed, but the grader could not "
                          "confirm it outside the guest: its witness %s %s" % (unconfirmed[0], why))
        return Report(entry, V.PASS, entry.points)
    first = bad[0]
    message = ("[%s] %s" % (first.run, first.message)) if len(runs) > 1 and first.run else first.message
    return Report(entry, first.verdict, 0, message, [r.logs for r in bad if r.logs])


class Score:
    """The graded runs of a session against a rubric."""

    def __init__(self, rubric):
        self.rubric = rubric
        self.runs = {}   # name -> [Run]

    def add(self, run):
        self.runs.setdefault(run.name, []).append(run)

    def reports(self):
        """A Report per rubric entry that ran, in rubric order: the
        pytest-level tests first, as the kernel cases' witnesses."""
        ran = [e for e in self.rubric.entries if e.name in self.runs]
        done = {e.name: report(e, sorted(self.runs[e.name], key=lambda r: r.run))
                for e in ran if e.kind == "pytest"}
        for e in ran:
            if e.kind != "pytest":
                done[e.name] = report(e, sorted(self.runs[e.name], key=lambda r: r.run), done)
        return [done[e.name] for e in ran]

    def totals(self, reports):
        return sum(r.points for r in reports), sum(r.entry.points for r in reports)

    def table(self, write_line):
        """Write the score table, line by line, ending in "Score: X/Y"."""
        reports = self.reports()
        by_name = {r.entry.name: r for r in reports}
        for lab_id, lab in self.rubric.labs.items():
            rows = [r for r in reports if r.entry.lab == lab_id]
            if not rows:
                continue
            write_line("Lab %s: %s" % (lab_id, lab.title))
            for r in rows:
                write_line("  %-12s %-52s %3d/%-3d" % (r.verdict, r.entry.name, r.points,
                                                      r.entry.points))
                if r.verdict == V.UNCORROBORATED:
                    write_line("  %12s the kernel said ok; not confirmed by: %s" % (
                        "", ", ".join(w for w in r.entry.witness
                                      if not (by_name.get(w) and by_name[w].passed))))
                if not r.passed:
                    where = ", ".join(x for x in (lab.handout, r.entry.section) if x)
                    write_line("  %12s hint: %s%s" % ("", r.entry.hint,
                                                      " (%s)" % where if where else ""))
            got, total = self.totals(rows)
            write_line("  %-65s %3d/%-3d" % ("Lab %s total" % lab_id, got, total))
        write_line("Score: %d/%d" % self.totals(reports))

    def results_json(self, execution_time):
        """Gradescope's results.json, as text."""
        reports = self.reports()
        got, total = self.totals(reports)
        doc = {
            "score": got,
            "max_score": total,
            "execution_time": round(execution_time, 1),
            "output": "Score: %d/%d" % (got, total),
            "tests": [{
                "name": r.entry.name,
                "number": "lab%s" % r.entry.lab,
                "score": r.points,
                "max_score": r.entry.points,
                "status": "passed" if r.passed else "failed",
                "output": "" if r.passed else "%s: %s\nhint: %s" % (r.verdict, r.message,
                                                                     r.entry.hint),
                "tags": ["lab%s" % r.entry.lab, r.verdict],
            } for r in reports],
        }
        return json.dumps(doc, indent=2) + "\n"
