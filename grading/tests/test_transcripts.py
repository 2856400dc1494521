"""Every quoted transcript in the docs and handouts matches a real run.

A block marked `<!-- transcript: NAME -->` in docs/*.md or labs/lab*.md is
the output of session NAME of kernel/tools/transcripts.py. Each test runs
one session against the current build and fails naming the document, the
line and the block, with a diff, when the quote no longer matches: after
a change that moves code, `make transcripts` rewrites the blocks. Catches
the drift of issue 11 (a kmain breakpoint quoted at line 42 and 44 while
a real run says 45, a cr3 value from an older layout).
"""
import importlib.util

import pytest

from mangotest.machine import REPO

_spec = importlib.util.spec_from_file_location("transcripts", REPO / "kernel" / "tools" / "transcripts.py")
transcripts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(transcripts)

# The student branches have neither labs/generate.py nor the reference
# solution the transcripts were taken from: their runs differ by design.
pytestmark = [
    pytest.mark.boot,
    pytest.mark.skipif(not (REPO / "labs" / "generate.py").exists(),
                       reason="transcripts are checked against the reference solution (main)"),
]

USED = sorted({name for _doc, _line, name, _m in transcripts.blocks()})


def test_every_block_names_a_session():
    unknown = [(doc, line, name) for doc, line, name, _m in transcripts.blocks()
               if name not in transcripts.SESSIONS]
    assert not unknown, "transcript blocks naming no session of transcripts.py: %s" % unknown


def test_blocks_are_found():
    # a marker typo (or a fence the pattern misses) would silently check nothing
    text = "".join((REPO / d).read_text() for d in transcripts.DOCS if (REPO / d).exists())
    assert text.count("<!-- transcript: ") == len(transcripts.blocks()) > 0


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xdist_group("make-qemu")) if n in transcripts.MAKE_QEMU_SESSIONS
    else n for n in USED])
def test_transcript_matches_a_real_run(built, name, tmp_path):
    problems = transcripts.compare(name, transcripts.run_session(name, tmp_path))
    assert not problems, "\n".join(problems)
