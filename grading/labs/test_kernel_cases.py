"""Every in-kernel case the rubric grades, each as its own pytest test.

The cases of one lab share a single boot (mangotest.labrun); a case that
the kernel never reports fails."""
import pytest

from mangotest import rubric
from mangotest.plugin import kernel_case

CASES = [e.name for e in rubric.load().entries if e.kind == "ktest"]


@pytest.mark.parametrize("kcase", CASES)
def test_kernel(request, lab_run, kcase):
    kernel_case(request, lab_run, kcase)
