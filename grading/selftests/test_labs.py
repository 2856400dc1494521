"""The lab generator (labs/generate.py) and make handin."""
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from mangotest.machine import REPO

sys.path.insert(0, str(REPO / "labs"))
import generate  # noqa: E402

C_SOURCE = """int f(void)
{
	// LAB 1 SOLUTION BEGIN
	int secret_answer = compute_the_answer(41);
	return secret_answer + 1;
	// LAB 1 STUB: return KERN_UNIMPLEMENTED; /* Lab 1: write f() */
	// LAB 1 SOLUTION END
}
# LAB 2 CONTENT BEGIN
only in lab 2 and later
# LAB 2 CONTENT END
"""


def render(text, n, path="x.c", nlabs=3):
    return generate.render(generate.parse(path, text, nlabs), n)


def test_solution_kept_before_its_lab_and_stubbed_from_it():
    assert "secret_answer + 1" in render(C_SOURCE, 2)
    assert "LAB" not in render(C_SOURCE, 2)
    stubbed = render(C_SOURCE, 1)
    assert "\treturn KERN_UNIMPLEMENTED; /* Lab 1: write f() */\n" in stubbed
    assert "secret_answer" not in stubbed


def test_content_only_from_its_lab():
    assert "only in lab 2" not in render(C_SOURCE, 1)
    assert "only in lab 2" in render(C_SOURCE, 2)


def test_file_mark_hides_a_whole_file():
    text = "/* later */\n// LAB 2 FILE\nint g;\n"
    assert render(text, 1) is None
    assert render(text, 2) == "/* later */\nint g;\n"


def test_markdown_takes_only_html_comments():
    text = "```\n// LAB 1 SOLUTION BEGIN\n```\n<!-- LAB 1 CONTENT BEGIN -->\nx\n<!-- LAB 1 CONTENT END -->\n"
    assert render(text, 0, "doc.md") == "```\n// LAB 1 SOLUTION BEGIN\n```\n"


@pytest.mark.parametrize("text, error", [
    ("// LAB 1 SOLUTION BEGIN\nx\n", "x.c:1: LAB 1 SOLUTION BEGIN is never closed"),
    ("x\n// LAB 1 SOLUTION END\n", "x.c:2: LAB 1 SOLUTION END without a BEGIN"),
    ("// LAB 1 SOLUTION BEGIN\n// LAB 2 SOLUTION END\n", "x.c:2: LAB 2 SOLUTION END closes the LAB 1"),
    ("// LAB 1 SOLUTION BEGIN\n// LAB 1 CONTENT BEGIN\n", "x.c:2: LAB 1 CONTENT BEGIN inside"),
    ("// LAB 1 STUB: x;\n", "x.c:1: LAB 1 STUB outside a LAB 1 SOLUTION region"),
    ("// LAB 1 SOLUTION BEGIN\n// LAB 2 STUB: x;\n// LAB 1 SOLUTION END\n",
     "x.c:2: LAB 2 STUB inside the LAB 1 region"),
    ("// LAB 7 SOLUTION BEGIN\n", "x.c:1: LAB 7, but labs/labs.toml lists labs 0-2"),
    ("// LAB 1 SOLUTION BEGIN please\n", "x.c:1: unexpected text after LAB 1 SOLUTION BEGIN"),
])
def test_bad_marks_are_rejected_with_file_and_line(text, error):
    with pytest.raises(generate.MarkError) as exc:
        generate.parse("x.c", text, 3)
    assert error in str(exc.value)


def test_leaks_are_found():
    parsed = generate.parse("x.c", C_SOURCE, 3)
    files = {"x.c": (C_SOURCE.encode(), parsed, Path("x.c"))}
    clean = {"x.c": (render(C_SOURCE, 1).encode(), False)}
    leaky = {"x.c": clean["x.c"],
             "y.c": (b"    int secret_answer = compute_the_answer(41);\n", False)}
    assert generate.find_leaks(files, clean, 1) == []
    assert "y.c:1 has solution line from x.c:4" in generate.find_leaks(files, leaky, 1)[0]


def test_reference_tree_marks_are_valid():
    r = subprocess.run([sys.executable, "labs/generate.py", "check"], cwd=REPO,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def labs_repo(tmp_path_factory):
    out = tmp_path_factory.mktemp("labs") / "repo"
    assert generate.build(out) == 0
    return out


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def test_generation_is_deterministic_and_idempotent(labs_repo, tmp_path):
    first = git(labs_repo, "rev-parse", "lab0")
    assert generate.build(labs_repo) == 0
    assert git(labs_repo, "rev-parse", "lab0") == first
    other = tmp_path / "again"
    assert generate.build(other) == 0
    assert git(other, "rev-parse", "lab0") == first  # same input, same commits
    assert git(labs_repo, "log", "--format=%s", "lab0").strip() == "Lab 0: Tools and backtrace"


def test_branch_contents(labs_repo):
    files = git(labs_repo, "ls-tree", "-r", "--name-only", "lab0").split()
    assert "grading/branch.toml" in files and "kernel/core/backtrace.c" in files
    assert "labs/generate.py" not in files and not any(f.startswith(".ci/") for f in files)
    walk = git(labs_repo, "show", "lab0:kernel/core/backtrace.c")
    assert "frame_readable" not in walk and "return 0;" in walk


@pytest.fixture
def student(labs_repo, tmp_path):
    work = tmp_path / "student"
    git(tmp_path, "clone", "-q", "-b", "lab0", str(labs_repo), str(work))
    git(work, "config", "user.email", "s@example.com")
    git(work, "config", "user.name", "Student")
    return work


def handin(work):
    return subprocess.run(["make", "--no-print-directory", "handin"], cwd=work,
                          capture_output=True, text=True)


def test_handin_refuses_then_packs(student):
    r = handin(student)
    assert r.returncode != 0 and "missing time.txt and answers-lab0.txt" in r.stderr
    (student / "time.txt").write_text("6\n")
    (student / "answers-lab0.txt").write_text("1. ret-1 names the call.\n")
    r = handin(student)   # written, never added: the archive would not hold them
    assert r.returncode != 0 and "time.txt and answers-lab0.txt are not committed" in r.stderr
    assert "git add time.txt answers-lab0.txt" in r.stderr
    (student / "kernel/core/ksyms.c").write_text("/* my work */\n")
    git(student, "add", "time.txt", "answers-lab0.txt")
    r = handin(student)
    assert r.returncode != 0 and "uncommitted changes" in r.stderr
    git(student, "commit", "-qam", "lab 0")
    git(student, "checkout", "-q", "-b", "elsewhere")
    r = handin(student)
    assert r.returncode != 0 and "on branch 'elsewhere'" in r.stderr
    git(student, "checkout", "-q", "lab0")
    r = handin(student)
    assert r.returncode == 0, r.stderr
    assert "warning" not in r.stderr
    assert "Upload %s to the course's Gradescope, assignment \"Lab 0\"." % (
        student / "handin-lab0.tar.gz") in r.stdout, r.stdout
    with tarfile.open(student / "handin-lab0.tar.gz") as tar:
        names = tar.getnames()
        diff = tar.extractfile("lab0/handin/lab0.diff").read().decode()
    assert "lab0/handin/time.txt" in names and "lab0/handin/answers-lab0.txt" in names
    assert "lab0/kernel/core/ksyms.c" in names
    assert "+/* my work */" in diff


def test_main_only_text_is_in_no_branch():
    text = "a\n<!-- MAIN ONLY BEGIN -->\n## For instructors\n<!-- MAIN ONLY END -->\nb\n"
    for n in range(3):
        assert render(text, n, "README.md") == "a\nb\n"
    with pytest.raises(generate.MarkError, match="README.md:1: MAIN ONLY BEGIN is never closed"):
        generate.parse("README.md", "<!-- MAIN ONLY BEGIN -->\n", 3)
    with pytest.raises(generate.MarkError, match="x.c:2: MAIN ONLY END closes the LAB 1 SOLUTION"):
        generate.parse("x.c", "// LAB 1 SOLUTION BEGIN\n// MAIN ONLY END\n", 3)


def test_dead_links_are_found():
    tree = {
        "README.md": ("# Top\n## Part 2: for students\n"
                      "[ok](docs/a.md) [dir](docs) [here](#part-2-for-students) "
                      "[web](https://example.org/x.md)\n"
                      "[gone](docs/lab9.md)\n"
                      "```\n[in a code block](nowhere.md)\n```\n"
                      "`[inline code](nowhere.md)` [bad anchor](docs/a.md#no-such)\n").encode(),
        "docs/a.md": b"# A\n[up](../README.md#top) [out](../../x.md)\n",
    }
    tree = {p: (data, False) for p, data in tree.items()}
    assert generate.dead_links(tree) == [
        "README.md:4: docs/lab9.md (no such file)",
        "README.md:8: docs/a.md#no-such (no heading #no-such in docs/a.md)",
        "docs/a.md:2: ../../x.md (outside the repository)",
    ]


def test_no_dead_link_on_main_or_any_branch():
    labs, only = generate.load_labs()
    files = generate.read_all(len(labs), only)
    assert generate.dead_links(generate.work_tree()) == []
    for lab in labs:
        assert generate.dead_links(generate.branch_tree(files, labs, lab["id"])) == []


def test_student_readme_describes_the_students_world(labs_repo):
    readme = git(labs_repo, "show", "lab0:README.md")
    assert "For instructors" not in readme and "check-labs" not in readme
    assert "labs/lab0-backtrace.md" in readme and "labs/lab1-pages.md" not in readme
    assert "labs/lab1-pages.md" in git(labs_repo, "show", "lab1:README.md")
    assert "For instructors" in (REPO / "README.md").read_text()


def test_instructor_targets_on_a_student_branch_say_so(student):
    for target in ("labs", "check-labs"):
        r = subprocess.run(["make", "--no-print-directory", target], cwd=student,
                           capture_output=True, text=True)
        assert r.returncode != 0
        assert "this is a student branch; instructors run it on main" in r.stderr, r.stderr
        assert "Traceback" not in r.stdout + r.stderr


def test_handin_warns_about_an_untouched_lab(student):
    (student / "time.txt").write_text("1\n")
    (student / "answers-lab0.txt").write_text("none yet\n")
    git(student, "add", "time.txt", "answers-lab0.txt")
    git(student, "commit", "-qm", "lab 0: answers")
    r = handin(student)
    assert r.returncode == 0, r.stderr
    assert "warning: nothing but time.txt and answers-lab0.txt changed since the 'Lab 0:' " \
        "commit" in r.stderr
    assert "Upload " in r.stdout


def test_sanitizer_reports_name_the_host_test_and_the_report(student):
    import check
    (student / "vm/host/ub_host_test.c").write_text(
        "#include <limits.h>\n\nint main(int argc, char **argv)\n{\n"
        "\tint x = INT_MAX - 1;\n\treturn x + argc > 0; /* argc 2: overflow */\n}\n")
    reports = check.sanitizer_reports(student)
    assert len(reports) == 1 and reports[0].startswith(
        "ub_host_test 1: runtime error: signed integer overflow"), reports
