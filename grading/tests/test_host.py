"""vm/ on the host under ASan/UBSan (vm/host/), as `make test` runs it.

Each host test exercises one lab's code. On the student branch of that
lab it would only test the stubs, so it is skipped there (needs_lab), with
a message saying to run `make test-host` yourself.
"""
import subprocess

import pytest

from mangotest.machine import BUILD, REPO

# The lab whose code each vm/host/<name>.c tests; -1 for given
# infrastructure (the host pmap), which runs on every branch.
HOST_TESTS = {"pmap_host_test": -1, "vm_page_host_test": 1, "btree_host_test": 2,
              "vm_object_host_test": 3, "vm_region_host_test": 4, "vm_fault_host_test": 5}


def make(*args):
    return subprocess.run(["make", "-s", "--no-print-directory", *args], cwd=REPO,
                          capture_output=True, text=True)


def host_cc():
    """The Makefile's command for a host test (compiler, flags, sources)."""
    r = make("print-host-cc")
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def test_every_host_test_is_run_here():
    """A new vm/host/*_host_test.c must be added to HOST_TESTS, or make test
    would never run it."""
    found = {p.stem for p in (REPO / "vm" / "host").glob("*_host_test.c")}
    assert found <= set(HOST_TESTS), "not in HOST_TESTS: %s" % sorted(found - set(HOST_TESTS))


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.needs_lab(lab))
                                  for n, lab in sorted(HOST_TESTS.items(), key=lambda x: x[1])])
def test_host_test_passes(name):
    r = make("build/host/" + name)
    assert r.returncode == 0, "building %s failed:\n%s%s" % (name, r.stdout, r.stderr)
    r = subprocess.run([str(BUILD / "host" / name)], cwd=REPO, capture_output=True, text=True,
                       timeout=300)
    assert "seed" in r.stdout, "no seed line: a failure could not be replayed\n" + r.stdout
    assert r.returncode == 0, "%s failed:\n%s%s" % (name, r.stdout, r.stderr[-4000:])
    assert "all passed" in r.stdout


PANICS_AFTER_A_LINE = r"""
#include <mango/vm_arch.h>

int main(int argc, char **argv)
{
	printf("demo_host_test: seed 42 (replay: demo_host_test 42)\n");
	if (argc > 1)
		abort(); /* as an ASan or UBSan report ends a run */
	panic("broken invariant %d", 7);
}
"""


@pytest.mark.parametrize("how", ["panic", "abort"])
def test_seed_line_survives_a_pipe(tmp_path, how):
    """`vm_page_host_test 5 | cat` once showed only the panic: the seed line
    stayed in stdout's buffer when the process died."""
    src = tmp_path / "demo_host_test.c"
    src.write_text(PANICS_AFTER_A_LINE)
    exe = tmp_path / "demo_host_test"
    r = subprocess.run([*host_cc(), str(src), "-o", str(exe)],
                       cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(exe)] + (["abort"] if how == "abort" else []),
                       capture_output=True, text=True)   # stdout is a pipe
    assert r.returncode < 0, "the demo should have died: %s" % r
    assert "seed 42" in r.stdout, "the seed line was lost:\nstdout: %r\nstderr: %r" % (
        r.stdout, r.stderr)
    if how == "panic":
        assert "MANGO PANIC: main: broken invariant 7" in r.stderr
