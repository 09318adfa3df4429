"""``benchmarks/check_corpus.py``, the quick sliced check an author runs before recording: it grades a
group's corpus and judges each row by the grading suite's own rules (``test_grading.score_problems``),
so a mistake that keeps full marks or a variant that earns other than its ``# KEEPS`` is found in
minutes, not after a 15-36 minute record."""

import subprocess
import sys

import pytest

from . import test_grading
from .support import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("check-corpus")]


def test_a_true_corpus_passes(tmp_path):
    r = subprocess.run([sys.executable, "benchmarks/check_corpus.py", "01_sgd", "--only", "*-sgd-[nw][ur]*",
                        "--work", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0 and "\nno problems" in r.stdout, r.stdout[-3000:] + r.stderr[-3000:]
    # the files were graded and judged: the mistakes lost points in sgd's tests, the variants kept their share
    for sid in ("mistake-sgd-wrong_sign", "mistake-sgd-wrong_default_lr", "variant-sgd-numpy_only", "variant-sgd-numpy_copy"):
        assert any(line.startswith(sid) and " graded " in line for line in r.stdout.splitlines()), (sid, r.stdout[-2000:])


def test_the_rules_name_every_kind_of_problem():
    """The judging function both use: each way a row can be wrong is one line naming the submission."""
    row = {"status": "graded", "score": "10", "max_score": "10", "failed_tests": "", "reason": ""}
    problems = test_grading.score_problems("01_sgd", {
        "perfect": "full",
        "untouched": "zero",
        "mistake-sgd-wrong_sign": ("mistake", "sgd"),
        "variant-sgd-numpy_only": ("keeps", "sgd", 4.0),
    }, {sid: row for sid in ("perfect", "untouched", "mistake-sgd-wrong_sign", "variant-sgd-numpy_only")})
    named = sorted(p.split(":")[0] for p in problems)
    assert named == ["mistake-sgd-wrong_sign", "untouched", "variant-sgd-numpy_only"], problems
