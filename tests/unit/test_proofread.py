"""Proofreading (:mod:`autograder.proofread`, :mod:`course_utils.quotes`): a number the text marks
must agree with the value the run quoted, and a changed number, a missing quote or an unreadable
marker fails, naming the sentence.

The oracle is the arithmetic of each rule written out here, not the checker's own rounding."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder import proofread
from course_utils import quotes

ROOT = Path(__file__).resolve().parents[2]


def _nb(*markdown):
    return new_notebook(cells=[new_markdown_cell(m) for m in markdown])


@pytest.mark.parametrize("text, value, ok", [
    ("SGD ends at 0.31<!-- quote: loss --> after 100 steps.", 0.3149, True),   # rounded as written
    ("SGD ends at 0.31<!-- quote: loss --> after 100 steps.", 0.3151, False),
    ("SGD ends at **0.31**<!-- quote: loss ±0.05 -->.", 0.359, True),
    ("SGD ends at **0.31**<!-- quote: loss ±0.05 -->.", 0.361, False),
    ("It reaches 93%<!-- quote: acc ±2 --> accuracy.", 0.9449, True),          # percent: value x 100
    ("It reaches 93%<!-- quote: acc ±2 --> accuracy.", 0.9051, False),
    ("It reaches 93%<!-- quote: acc --> accuracy.", 0.9349, True),
    ("It is 4.2x<!-- quote: ratio ±10% --> faster.", 4.6, True),
    ("It is 4.2x<!-- quote: ratio ±10% --> faster.", 3.7, False),
    ("An epoch takes 3.5 ms<!-- quote: ms ±0.5 -->.", 3.9, True),
    ("At least 90%<!-- quote: runs ≥ --> of the runs converge.", 0.9, True),
    ("At least 90%<!-- quote: runs >= --> of the runs converge.", 0.89, False),
    ("At most $10^{-3}$, here 0.0008<!-- quote: err <= -->.", 0.0007, True),
    ("At most $10^{-3}$, here 0.0008<!-- quote: err <= -->.", 0.0009, False),
    ("A loss of 1,234.5<!-- quote: big ±1 -->.", 1234.0, True),
    ("A change of −0.25<!-- quote: neg -->.", -0.25, True),
])
def test_each_rule_accepts_what_it_says_and_nothing_else(text, value, ok):
    problems = proofread.check(_nb(text), {k: value for k in ("loss", "acc", "ratio", "ms", "runs", "err", "big", "neg")}, "nb")
    assert (problems == []) is ok, problems


def test_a_changed_number_is_named_with_its_sentence():
    nb = _nb("# Results\n\nMomentum needs 4.2x<!-- quote: ratio ±10% --> fewer steps. The rest is noise.")
    assert proofread.check(nb, {"ratio": 4.3}, "02_momentum") == []
    nb.cells[0].source = nb.cells[0].source.replace("4.2x", "5.2x")
    [problem] = proofread.check(nb, {"ratio": 4.3}, "02_momentum")
    assert str(problem) == ('02_momentum, markdown cell 0: "Momentum needs 5.2x fewer steps.": the text says 5.2, '
                            "the run measured 4.3 for 'ratio' (within 10% of the run's value)")


def test_a_marker_without_a_quote_and_an_unreadable_marker_fail():
    nb = _nb("Loss 0.31<!-- quote: never_quoted -->.", "Loss <!-- quote: no_number_before_it -->.")
    problems = [str(p) for p in proofread.check(nb, {}, "nb")]
    assert any("'never_quoted', which no cell quoted" in p for p in problems), problems
    assert any("unreadable quote marker" in p and "no_number_before_it" in p for p in problems), problems


def test_quote_returns_its_value_and_writes_the_file_only_when_asked(tmp_path, monkeypatch):
    monkeypatch.delenv(quotes.ENV, raising=False)
    assert quotes.quote("a", 1.5) == 1.5
    target = tmp_path / "q" / "quotes.json"
    monkeypatch.setenv(quotes.ENV, str(target))
    import numpy as np
    assert quotes.quote("b", np.float32(2.5)) == np.float32(2.5)
    assert json.loads(target.read_text())["b"] == 2.5
    monkeypatch.setenv(quotes.ENV, "/proc/cannot/write/here.json")
    assert quotes.quote("c", 3) == 3, "a run that cannot write the file loses only the check"
    monkeypatch.setenv(quotes.ENV, str(target))
    assert quotes.quote("d", None) is None, "a student's experiment that gives None must not break"
    assert np.isnan(quotes.quote("e", float("inf")) - float("inf"))
    recorded = json.loads(target.read_text())
    assert "d" not in recorded and np.isnan(recorded["e"])
    nb = _nb("It ends at 0.31<!-- quote: e -->.", "Loss 0.5<!-- quote: d -->.")
    problems = [str(p) for p in proofread.check(nb, recorded, "nb")]
    assert len(problems) == 2 and "measured nan" in problems[0] and "no cell quoted" in problems[1], problems


@pytest.mark.slow
def test_the_command_fails_on_a_changed_number_in_a_solution(tmp_path):
    """The real command on a course copy with one solution notebook: it runs the notebook, agrees
    with its text, then exits 1 once one marked number in the markdown is changed."""
    course = tmp_path / "course"
    (course / "solutions" / "99_demo").mkdir(parents=True)
    (course / "course_utils").symlink_to(ROOT / "course_utils")
    nb = new_notebook(cells=[
        new_code_cell("from course_utils.quotes import quote\nimport numpy as np\n"
                      "loss = quote('demo_loss', float(np.mean([0.30, 0.32])))\nprint(f'loss {loss:.3f}')"),
        new_markdown_cell("The loss ends at 0.31<!-- quote: demo_loss -->, as printed above.")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = course / "solutions" / "99_demo" / "99_demo.ipynb"
    nbformat.write(nb, path)
    cmd = [sys.executable, "-m", "autograder", "--root", str(course), "proofread", "99_demo"]
    env = {**__import__("os").environ, "PYTHONPATH": str(ROOT)}
    agree = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert agree.returncode == 0, agree.stdout + agree.stderr
    assert "99_demo: 1 marked number(s), 0 mismatch(es)" in agree.stdout
    nb.cells[1].source = nb.cells[1].source.replace("0.31", "0.35")
    nbformat.write(nb, path)
    differ = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert differ.returncode == 1, differ.stdout + differ.stderr
    assert "the text says 0.35, the run measured 0.31 for 'demo_loss'" in differ.stdout
