"""Every in-kernel case the rubric grades, each as its own pytest test
(the plugin parametrizes `kcase` from the rubric). The cases of one lab
share a single boot (mangotest.labrun)."""


def test_kernel(kernel_outcome):
    kernel_outcome.require()
