"""The monitor's vmo command always answers: on a branch where Lab 3 is a
stub its constructors return NULL without a word, and `vmo create` used to
print nothing at all."""
import pytest

pytestmark = pytest.mark.boot


def test_vmo_create_answers_success_or_failure(mango):
    out = mango.run("vmo create heap 8M rw")
    assert "vmo heap: size=0x800000 prot=rw--" in out or \
        "vmo create: failed: vm_object_create() returned NULL" in out, out
    out = mango.run("vmo create none 0")
    assert "vmo create: failed: vm_object_create() returned NULL" in out, out
    out = mango.run("vmo inplace none 0x1000 0")
    assert "vmo inplace: failed: vm_object_create_in_place() returned NULL" in out, out
