"""Instructor workflows around ``grade``: an LMS zip as input, re-grading one student, re-running.

The zip follows Canvas's naming (``<login>_<user id>_<submission id>_<file name>``), which the
default ``--zip-pattern`` parses with nbgrader's own ``FileNameCollectorPlugin``.
"""

from __future__ import annotations

import zipfile

import nbformat
import pytest

from autograder.grade import read_table

from .hostile import RIGHT, WRONG, A
from .support import run_cli, submission

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("intake")]


def _zip(path, uploads):
    with zipfile.ZipFile(path, "w") as z:
        for name, nb in uploads:
            z.writestr(name, nbformat.writes(nb) if not isinstance(nb, str) else nb)


def _rows(out):
    return {r["student_id"]: r for r in read_table(out / "grades.csv")}


@pytest.fixture(scope="module")
def class_zip(tmp_path_factory):
    base = tmp_path_factory.mktemp("intake")
    uploads = [
        ("alice_101_9001_01_sgd.ipynb", submission(A, {"sgd": RIGHT})),
        ("bob_102_9002_homework-1.ipynb", submission(A, {"sgd": WRONG})),
        ("carol_103_9003_01_sgd.ipynb", submission(A, {"sgd": WRONG})),
        ("carol_LATE_103_9004_01_sgd-1.ipynb", submission(A, {"sgd": RIGHT})),  # a later upload wins
        ("dave_104_9005_notes.txt", "not a notebook"),
    ]
    _zip(base / "uploads.zip", uploads)
    out = base / "out"
    r = run_cli("grade", str(base / "uploads.zip"), "--assignment", A, "--out", str(out), "--jobs", "1")
    return base, out, r


def test_a_zip_of_uploads_is_graded_per_student(class_zip):
    _, out, r = class_zip
    rows = _rows(out)
    assert {sid: (row["status"], row["score"]) for sid, row in rows.items()} == {
        "alice": ("graded", "5"), "bob": ("graded", "0"), "carol": ("graded", "5")}, r.stdout[-3000:] + r.stderr[-3000:]
    assert "carol: several uploads" in r.stdout and "dave_104_9005_notes.txt" in r.stdout
    assert (out / "summary" / f"{A}.md").exists() and (out / "summary" / f"{A}.png").exists()


def test_regrading_one_student_leaves_the_others_alone(class_zip, tmp_path):
    base, out, _ = class_zip
    before = _rows(out)
    alice_feedback = out / "feedback" / "alice" / A / f"{A}.html"
    stamp = alice_feedback.stat().st_mtime_ns
    fixed = tmp_path / "regrade"
    (fixed / "bob" / A).mkdir(parents=True)
    nbformat.write(submission(A, {"sgd": RIGHT}), str(fixed / "bob" / A / f"{A}.ipynb"))
    r = run_cli("grade", str(fixed), "--out", str(out), "--student", "bob", "--jobs", "1")
    after = _rows(out)
    assert after["bob"]["score"] == "5", r.stdout[-3000:] + r.stderr[-3000:]
    assert after["alice"] == before["alice"] and after["carol"] == before["carol"]
    assert alice_feedback.stat().st_mtime_ns == stamp
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'course' / 'gradebook.db'}") as gb:
        assert gb.find_submission(A, "bob").score == 5 and gb.find_submission(A, "alice").score == 5


def test_grading_twice_gives_the_same_table(tmp_path):
    subs = tmp_path / "subs"
    for sid, answer in [("p", RIGHT), ("q", WRONG)]:
        (subs / sid / A).mkdir(parents=True)
        nbformat.write(submission(A, {"sgd": answer}), str(subs / sid / A / f"{A}.ipynb"))
    tables = []
    for _ in range(2):
        run_cli("grade", str(subs), "--out", str(tmp_path / "out"), "--jobs", "1", "--no-feedback")
        tables.append([{k: v for k, v in row.items() if k != "seconds"} for row in read_table(tmp_path / "out" / "grades.csv")])
    assert tables[0] == tables[1] and [r["score"] for r in tables[0]] == ["5", "0"]
