"""The guards of the grading tests can fail: a vanished corpus, a stale or shrunken record.

``tests/test_grading.py`` and ``tests/test_grading_hardening.py`` build their classes from the
mistake corpus and compare what they grade with the recorded full execution
(``tests/slice_record.py``). Each way those comparisons could quietly test less is planted here
and must be reported.
"""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from tests import slice_record, support
from tests.support import CorpusMissing, answer_ids, mistakes, submission

A = "02_momentum"


def test_the_corpus_covers_every_graded_function():
    for a in support.assignment_names():
        ids = answer_ids(a)
        found = {gid for gid, _, _ in mistakes(a)}
        assert found == set(ids), f"{a}: mistakes for {sorted(found)}, graded functions {ids}"


def test_an_empty_or_renamed_corpus_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(support, "MISTAKES", tmp_path)
    with pytest.raises(CorpusMissing, match="no mistake corpus"):
        mistakes(A)
    (tmp_path / A / "sgd_momentum").mkdir(parents=True)
    (tmp_path / A / "sgd_momentum" / "sign.py").write_text("def sgd_momentum(w, dw, config=None):\n    pass\n")
    with pytest.raises(CorpusMissing, match="sgd_nesterov"):  # one function has no mistake file
        mistakes(A)
    (tmp_path / A / "nesterov_renamed").mkdir()
    with pytest.raises(CorpusMissing, match="nesterov_renamed"):  # a folder that names no function
        mistakes(A)


@pytest.fixture
def record(tmp_path, monkeypatch):
    """A private record and a private copy of ``autograder/`` and ``course_utils/`` to change."""
    root = tmp_path / "repo"
    for d in ("autograder", "course_utils"):
        shutil.copytree(support.ROOT / d, root / d, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(slice_record, "ROOT", root)
    monkeypatch.setattr(slice_record, "RECORD", tmp_path / "record.json")
    return root


def _student(tmp_path, sid, answer=None, markdown_answer=None):
    folder = tmp_path / "subs" / sid
    nb = submission(A, {"sgd_momentum": answer} if answer else None)
    if markdown_answer is not None:
        cell = next(c for c in nb.cells if support.nbgrader_meta(c).get("grade_id") == "sgd_momentum")
        cell.cell_type, cell.source = "markdown", markdown_answer
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
    path = folder / A / f"{A}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return folder


def _write_record(tmp_path, options, outcomes):
    subs = {sid: {"digest": slice_record.student_digest(tmp_path / "subs" / sid, A), "full": full}
            for sid, full in outcomes.items()}
    slice_record.RECORD.write_text(json.dumps({"runs": [], "environment": {A: slice_record.environment(options)},
                                               "submissions": {A: subs}}))


def _row(sid, full):
    return {"student_id": sid, "status": full[0], "score": full[1], "failed_tests": full[2]}


FULL = ["graded", "10", ""]


def test_a_current_record_passes_and_every_change_that_decides_a_result_makes_it_stale(tmp_path, record):
    opts = {"timeout": 120}
    _student(tmp_path, "perfect")
    _student(tmp_path, "as-markdown", markdown_answer="def sgd_momentum(w, dw, config=None):\n    return w, config\n")
    _write_record(tmp_path, opts, {"perfect": FULL, "as-markdown": ["graded", "0", "x"]})
    rows = [_row("perfect", FULL), _row("as-markdown", ["graded", "0", "x"])]

    def problems(rows=rows, options=opts):
        return slice_record.compare(A, rows, lambda sid: tmp_path / "subs" / sid, options=options)

    assert problems() == []
    # an outcome that differs
    assert any("full execution gave" in p for p in problems([_row("perfect", ["graded", "5", "t"]), rows[1]]))
    # a grading option
    assert any("options" in p for p in problems(options={"timeout": 60}))
    # a recorded submission that was not graded (the corpus shrank)
    assert any("not graded in this run" in p and "as-markdown" in p for p in problems(rows[:1]))
    # the markdown of an answer cell turned into markdown (it is restored and run)
    _student(tmp_path, "as-markdown", markdown_answer="def sgd_momentum(w, dw, config=None):\n    return w + 1, config\n")
    assert any("current version" in p and "as-markdown" in p for p in problems())
    _student(tmp_path, "as-markdown", markdown_answer="def sgd_momentum(w, dw, config=None):\n    return w, config\n")
    assert problems() == []
    # a file of the grader or of the helper package
    for changed in ("autograder/forkserver.py", "course_utils/checks.py"):
        path = record / changed
        text = path.read_text()
        path.write_text(text + "\n# changed\n")
        assert any(changed.split("/")[0] in p and "record it again" in p for p in problems()), changed
        path.write_text(text)
    assert problems() == []


def test_a_package_version_makes_the_record_stale(tmp_path, record, monkeypatch):
    from importlib import metadata

    _student(tmp_path, "perfect")
    _write_record(tmp_path, {}, {"perfect": FULL})
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "0.0.1" if name == "torch" else real(name))
    problems = slice_record.compare(A, [_row("perfect", FULL)], lambda sid: tmp_path / "subs" / sid, options={})
    assert any("packages" in p for p in problems)


def test_nothing_recorded_is_a_failure(tmp_path, record):
    slice_record.RECORD.write_text(json.dumps({"runs": [], "submissions": {}}))
    assert slice_record.compare(A, [_row("perfect", FULL)], lambda sid: tmp_path, options={}) != []


def test_the_named_mistakes_of_a_visible_test_are_found_and_seen_in_its_output():
    """The hints check reads a test cell's suspects (literal keys, f-string keys by their longest
    literal part, a dict assigned to a name) and finds them in what the graded cell showed."""
    from tests.slice_record import _suspect_keys

    cell = (
        "S = {'the learning rate is applied twice': 2 * w}\n"
        "check_close(a, b, suspects={'the step goes uphill: subtract the gradient': w + d,\n"
        "                            f'the default learning rate {lr} was not used for this step': w})\n"
        "check_close(a, b, suspects=S)\n"
        "check_close(a, b, suspects={f'{x}': 1})\n")
    assert _suspect_keys(cell) == ["the step goes uphill: subtract the gradient",
                                   " was not used for this step", "the learning rate is applied twice"]
    assert _suspect_keys("def broken(:\n") == []
