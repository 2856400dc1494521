"""What `make test` needs is what kernel/tools/deps.sh installs.

The README's commands install their packages through deps.sh and CI runs
that script and nothing else. These tests catch a dependency that works
here only because it happens to be installed: a pytest plugin the suite
needs to collect (a marker such as xdist_group, an option such as -n), an
optional import or tool a test reaches for.
"""
import importlib.util
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from mangotest.machine import REPO

DEPS = REPO / "kernel" / "tools" / "deps.sh"
PYTEST = [sys.executable, "-m", "pytest", "-c", str(REPO / "grading" / "pytest.ini")]
SUITE = [p for p in ("grading/tests", "grading/labs", "grading/selftests") if (REPO / p).is_dir()]


def deps_needs():
    """{package: check command} from deps.sh's `need PACKAGE COMMAND...` lines."""
    found = re.findall(r"^need (\S+) (.+)$", DEPS.read_text(), re.M)
    assert found, "%s has no `need PACKAGE COMMAND` lines" % DEPS
    return {pkg: cmd for pkg, cmd in found}


def debian_package_of(path):
    """The Debian package that installed @path, or None (pip, a venv)."""
    r = subprocess.run(["dpkg", "-S", str(path)], capture_output=True, text=True)
    return r.stdout.split(":")[0] if r.returncode == 0 else None


def installed_pytest_plugins():
    """[(plugin name, Debian package or None)] of every pytest11 entry point."""
    plugins = []
    for ep in entry_points(group="pytest11"):
        module = ep.value.split(":")[0]
        spec = importlib.util.find_spec(module.split(".")[0])
        where = Path(spec.origin).parent if spec and spec.origin else None
        plugins.append((ep.name, debian_package_of(where) if where else None))
    return plugins


def test_suite_collects_with_only_the_plugins_deps_installs():
    """Turn off every installed pytest plugin that deps.sh does not
    install: the whole suite must still collect. (With xdist missing from
    deps.sh this fails as a fresh machine did: 'xdist_group' not found in
    markers.)"""
    needs = deps_needs()
    off = [name for name, pkg in installed_pytest_plugins() if pkg not in needs]
    args = [a for name in off for a in ("-p", "no:" + name)]
    r = subprocess.run(PYTEST + args + ["--collect-only", "-q", *SUITE], cwd=REPO,
                       capture_output=True, text=True)
    assert r.returncode == 0, "with %s off:\n%s%s" % (off or "no plugin", r.stdout[-3000:],
                                                    r.stderr[-2000:])


def test_every_plugin_marker_and_option_the_suite_uses_is_installed_by_deps():
    """xdist_group and -n come from pytest-xdist: deps.sh must install it."""
    used = ""
    for path in list((REPO / "grading").rglob("*.py")) + [REPO / "Makefile"]:
        used += path.read_text()
    needs = deps_needs()
    if re.search(r"xdist_group|import xdist|importorskip\(\"xdist\"\)|-n \d", used):
        assert "python3-pytest-xdist" in needs and "import xdist" in needs["python3-pytest-xdist"]


def test_optional_imports_and_tools_are_installed_by_deps():
    """A test that skips when a module or program is missing hides a
    dependency: each one it may skip on must be in deps.sh."""
    text = "\n".join(p.read_text() for p in (REPO / "grading").rglob("*.py"))
    checks = " ".join(deps_needs().values())
    for module in re.findall(r"importorskip\(\"([\w.]+)\"", text):
        assert "import %s" % module.split(".")[0] in checks, \
            "a test needs the module %s, which deps.sh does not install" % module
    for tool in re.findall(r"shutil\.which\(\"([\w.+-]+)\"\)", text):
        assert "command -v %s" % tool in checks, \
            "a test needs the program %s, which deps.sh does not install" % tool


def test_deps_is_quiet_and_succeeds_when_everything_is_installed():
    r = subprocess.run([str(DEPS)], capture_output=True, text=True)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


@pytest.mark.skipif(not (REPO / ".ci" / "run").exists(), reason=".ci/ is on main only")
def test_ci_installs_only_through_deps_and_runs_the_readme_command():
    ci = (REPO / ".ci" / "run").read_text()
    commands = [line.strip() for line in ci.splitlines()
                if line.strip() and not line.lstrip().startswith(("#", "echo", "set ", "cd ",
                                                                    "start="))]
    assert commands == ["kernel/tools/deps.sh", "make test"], commands
    readme = (REPO / "README.md").read_text()
    assert re.search(r"^make test\b", readme, re.M), "the README's test command is not make test"
