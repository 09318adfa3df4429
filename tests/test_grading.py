"""Grading end to end through the CLI, on a synthetic class per assignment.

Each class holds: a perfect submission, an untouched release (zero), a correct solution that writes
to stderr (must keep full marks), every file of the mistake corpus (each must lose points in its
own function's tests), a half-done notebook where there are two exercises, and, for 01, a corrupt
and a missing notebook (rows with a could-not-grade status, not a silent zero). The first mistake of
each function is graded with the class and its feedback checked; the rest of the corpus is graded
in a second run without feedback HTML (it costs about a quarter of the grading time).

The class is graded the default way: ``--slice`` (only the cells that score are executed) in warm,
sandboxed fork-server workers, two side by side. A smaller class (perfect, untouched, and the
corpus's first mistake) is graded again the stock way, ``--full --executor nbgrader`` (every cell,
a Jupyter kernel per submission), and its scores and failed tests must be identical.
"""

import html
import os
import re
from pathlib import Path

import nbformat
import pytest

from autograder.grade import CORRUPT, GRADED, MISSING, UNKNOWN, read_table

from .support import (HIDDEN_BEGIN, HIDDEN_END, answer_cells, assignment_names, grade_cells, mistakes,
                      nbgrader_meta, region_lines, run_cli, solution_notebook, submission)

GRADED_ASSIGNMENTS = [a for a in assignment_names() if grade_cells(nbformat.read(solution_notebook(a), 4))]
REQUIRED_COLUMNS = {"student_id", "assignment", "score", "max_score", "status"}
_CACHE: dict = {}

#: How each class is graded: the default (warm sandboxed workers, sliced), and the anchor: stock
#: nbgrader execution (a Jupyter kernel per submission) of every cell.
MODES = {"--slice": ["--slice", "--jobs", "1"], "--full": ["--full", "--executor", "nbgrader"]}


def _answer_ids(a):
    return [nbgrader_meta(c)["grade_id"] for c in answer_cells(nbformat.read(solution_notebook(a), 4))]


def _points(a, gid):
    nb = nbformat.read(solution_notebook(a), 4)
    return sum(nbgrader_meta(c)["points"] for c in grade_cells(nb) if nbgrader_meta(c)["grade_id"].startswith(f"test_{gid}_"))


def _stderr_wrapped(a):
    """The reference solution, each function wrapped so that every call writes to stderr."""
    nb = submission(a)
    out = {}
    for cell in answer_cells(nb):
        gid = nbgrader_meta(cell)["grade_id"]
        out[gid] = cell.source + (
            f"\n\nimport sys as _sys\n_reference_{gid} = {gid}\n\n"
            f"def {gid}(*args, **kwargs):\n"
            f"    print('DeprecationWarning: a harmless note on stderr', file=_sys.stderr)\n"
            f"    return _reference_{gid}(*args, **kwargs)\n")
    return out


#: A student's own cell that defines a helper and also calls it (a quick check): the slice skips it
#: (it runs code), so the answer that calls the helper meets NameError in the slice and the
#: submission must be graded again with every cell executed, as full execution would.
OWN_HELPER_CELL = ("def _through_my_helper(fn, *args, **kwargs):\n"
                   "    return fn(*args, **kwargs)\n\n"
                   "print('my helper works:', _through_my_helper(abs, -2))\n")


#: Where the class holds that submission: it is graded twice (sliced, then with every cell), which
#: costs a whole notebook run. The three cheapest notebooks show the mechanism; the other eight were
#: checked once against full execution (``benchmarks/slice_equivalence.py``, 2026-11-25: equal).
OWN_HELPER_ASSIGNMENTS = ("01_sgd", "02_momentum", "03_adaptive")


def _leaning_on_a_skipped_cell(a):
    """The reference solution, its first function calling a helper from a student's own cell that
    the slice skips (see ``OWN_HELPER_CELL``)."""
    nb = submission(a)
    first = answer_cells(nb)[0]
    gid = nbgrader_meta(first)["grade_id"]
    first.source += (f"\n\n_reference_{gid} = {gid}\n\n"
                     f"def {gid}(*args, **kwargs):\n"
                     f"    return _through_my_helper(_reference_{gid}, *args, **kwargs)\n")
    nb.cells.insert(nb.cells.index(first), nbformat.v4.new_code_cell(OWN_HELPER_CELL))
    return nb


def _write(path: Path, nb) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def build_class(a: str, base: Path, bulk: Path | None = None, small: bool = False) -> dict:
    """Write the synthetic class for ``a`` into ``base`` (and the bulk of the mistake corpus into
    ``bulk``); returns student_id -> what we expect. ``small``: only the perfect and untouched
    submissions and the first file of the mistake corpus, all in ``base``."""
    expect = {}
    _write(base / "perfect" / a / f"{a}.ipynb", submission(a))
    expect["perfect"] = "full"
    _write(base / "untouched" / a / f"{a}.ipynb", submission(a, {g: "stub" for g in _answer_ids(a)}))
    expect["untouched"] = "zero"
    if small:  # full execution costs a whole notebook run per submission: one mistake is enough here
        for gid, name, path in mistakes(a)[:1]:
            _write(base / f"mistake-{gid}-{name}" / a / f"{a}.ipynb", submission(a, {gid: path.read_text()}))
            expect[f"mistake-{gid}-{name}"] = ("mistake", gid)
        return expect
    _write(base / "noisy" / a / f"{a}.ipynb", submission(a, _stderr_wrapped(a)))
    expect["noisy"] = "full"
    if a in OWN_HELPER_ASSIGNMENTS:
        _write(base / "own-helper" / a / f"{a}.ipynb", _leaning_on_a_skipped_cell(a))
        expect["own-helper"] = "full"
    ids = _answer_ids(a)
    if len(ids) > 1:
        _write(base / "halfdone" / a / f"{a}.ipynb", submission(a, {g: "stub" for g in ids[1:]}))
        expect["halfdone"] = ("partial", _points(a, ids[0]))
    seen = set()
    for gid, name, path in mistakes(a):
        sid = f"mistake-{gid}-{name}"
        # The first mistake of each function is graded with feedback (checked for hidden lines);
        # the rest of the corpus goes to ``bulk``, graded without feedback HTML to save time.
        where = base if gid not in seen else bulk
        seen.add(gid)
        _write(where / sid / a / f"{a}.ipynb", submission(a, {gid: path.read_text()}))
        expect[sid] = ("mistake", gid)
    if a == "01_sgd":
        (base / "corrupt" / a).mkdir(parents=True)
        (base / "corrupt" / a / f"{a}.ipynb").write_bytes(b'{"cells": [ this is not json')
        expect["corrupt"] = CORRUPT
        _write(base / "misnamed" / a / "my_homework.ipynb", submission(a))
        expect["misnamed"] = MISSING
        (base / "lost" / "99_nothing").mkdir(parents=True)
        expect["lost"] = UNKNOWN
    return expect


def graded(a: str, tmp_path_factory, mode: str = "--slice"):
    """Grade the class of ``a`` once per test session, whichever xdist worker asks first (the
    others wait on a file lock and read the results from disk). ``mode``: ``--slice`` grades the
    whole class; ``--full`` the small class, executing every cell."""
    import json

    from filelock import FileLock

    key = f"{a}{mode}"
    if key not in _CACHE:
        # A folder common to all xdist workers of this session (and only of this session).
        shared = tmp_path_factory.getbasetemp()
        if os.environ.get("PYTEST_XDIST_WORKER"):
            shared = shared.parent
        base = shared / f"class-{a}{mode}"
        subs, out, done = base / "submissions", base / "out", base / "result.json"
        bulk_subs, bulk_out = base / "bulk-submissions", base / "bulk-out"
        with FileLock(str(shared / f"class-{a}{mode}.lock")):
            if not done.exists():
                expect = build_class(a, subs, bulk_subs, small=mode == "--full")
                r = run_cli("grade", str(subs), "--out", str(out), *MODES[mode])
                result = {"expect": expect, "returncode": r.returncode,
                          "stdout": r.stdout[-20000:], "stderr": r.stderr[-20000:]}
                if bulk_subs.exists():
                    rb = run_cli("grade", str(bulk_subs), "--out", str(bulk_out), *MODES[mode], "--no-feedback")
                    result.update(bulk_returncode=rb.returncode, stdout=result["stdout"] + rb.stdout[-20000:],
                                  stderr=result["stderr"] + rb.stderr[-20000:])
                done.write_text(json.dumps(result))
        result = json.loads(done.read_text())
        expect = {k: tuple(v) if isinstance(v, list) else v for k, v in result["expect"].items()}
        rows = read_table(out / "grades.csv") if (out / "grades.csv").exists() else []
        if result.get("bulk_returncode") is not None:
            assert result["bulk_returncode"] == 0, result["stdout"][-3000:] + result["stderr"][-3000:]
            rows += read_table(bulk_out / "grades.csv")
        _CACHE[key] = (expect, result, rows, out)
    return _CACHE[key]


def _params():
    return [pytest.param(a, marks=pytest.mark.xdist_group(f"grade-{a}")) for a in GRADED_ASSIGNMENTS]


pytestmark = pytest.mark.slow


@pytest.mark.parametrize("a", _params())
def test_every_submission_gets_a_row(a, tmp_path_factory):
    expect, r, rows, _ = graded(a, tmp_path_factory)
    assert rows, f"no grades.csv:\n{r['stdout'][-3000:]}\n{r['stderr'][-3000:]}"
    assert REQUIRED_COLUMNS <= set(rows[0])
    assert sorted({row["student_id"] for row in rows}) == sorted(expect)
    has_ungradable = any(e in (CORRUPT, MISSING, UNKNOWN) for e in expect.values())
    assert r["returncode"] == (1 if has_ungradable else 0), r["stdout"][-2000:] + r["stderr"][-2000:]


@pytest.mark.parametrize("a", _params())
def test_scores_match_what_each_submission_deserves(a, tmp_path_factory):
    expect, r, rows, _ = graded(a, tmp_path_factory)
    by_id = {row["student_id"]: row for row in rows}
    problems = []
    for sid, want in expect.items():
        row = by_id[sid]
        if isinstance(want, str) and want not in ("full", "zero"):
            if row["status"] != want or row["score"] != "":
                problems.append(f"{sid}: expected status {want!r} and no score, got {row['status']!r} {row['score']!r}")
            continue
        if row["status"] != GRADED:
            problems.append(f"{sid}: not graded: {row['status']} {row['reason']}")
            continue
        score, top = float(row["score"]), float(row["max_score"])
        if want == "full" and score != top:
            problems.append(f"{sid}: {score}/{top}, expected full marks (failed: {row['failed_tests']})")
        elif want == "zero" and score != 0:
            problems.append(f"{sid}: {score}/{top}, expected 0")
        elif isinstance(want, tuple) and want[0] == "partial" and score != want[1]:
            problems.append(f"{sid}: {score}/{top}, expected partial credit {want[1]}")
        elif isinstance(want, tuple) and want[0] == "mistake":
            gid = want[1]
            own = [t for t in row["failed_tests"].split(";") if t.startswith(f"test_{gid}_")]
            if score >= top or not own:
                problems.append(f"{sid}: {score}/{top}; the mistake must lose points in test_{gid}_* "
                                f"(failed: {row['failed_tests'] or 'none'})")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("a", _params())
def test_feedback_exists_and_shows_no_hidden_test(a, tmp_path_factory):
    expect, _, rows, out = graded(a, tmp_path_factory)
    hidden = set()
    for cell in nbformat.read(solution_notebook(a), 4).cells:
        hidden |= {ln.strip() for ln in region_lines(cell.source, HIDDEN_BEGIN, HIDDEN_END)
                   if len(ln.strip()) >= 12 and not ln.strip().startswith("#")}
    assert hidden, "the assignment should have hidden tests"
    files = sorted((out / "feedback").rglob("*.html"))
    graded_ids = {row["student_id"] for row in read_table(out / "grades.csv") if row["status"] == GRADED}
    assert {f.parts[-3] for f in files} == graded_ids, "one feedback file per graded submission"
    for f in files:
        text = html.unescape(re.sub(r"<[^>]+>", "", f.read_text(encoding="utf-8")))
        leaked = [ln for ln in hidden if ln in text]
        assert leaked == [], f"{f} shows hidden test lines: {leaked[:3]}"
        assert "BEGIN HIDDEN TESTS" not in text


@pytest.mark.parametrize("a", _params())
def test_gradebook_is_nbgraders_own(a, tmp_path_factory):
    from nbgrader.api import Gradebook

    _, _, _, out = graded(a, tmp_path_factory)
    for run in (out, out.parent / "bulk-out"):  # each grade run keeps its own course and gradebook
        if not (run / "grades.csv").exists():
            continue
        with Gradebook(f"sqlite:///{run / 'course' / 'gradebook.db'}") as gb:
            for row in read_table(run / "grades.csv"):
                if row["status"] == GRADED:
                    sub = gb.find_submission(a, row["student_id"])
                    assert float(row["score"]) == pytest.approx(sub.score)


@pytest.mark.parametrize("a", _params())
def test_full_execution_gives_the_same_scores_as_the_slice(a, tmp_path_factory):
    expect, r, rows, out = graded(a, tmp_path_factory, "--full")
    assert rows, f"no grades.csv:\n{r['stdout'][-3000:]}\n{r['stderr'][-3000:]}"
    _, _, sliced_rows, _ = graded(a, tmp_path_factory, "--slice")
    sliced = {row["student_id"]: row for row in sliced_rows}
    for row in rows:
        twin = sliced[row["student_id"]]
        got = (row["status"], row["score"], row["failed_tests"])
        want = (twin["status"], twin["score"], twin["failed_tests"])
        assert got == want, f"{row['student_id']}: --full gives {got}, --slice gives {want}"
    assert {row["student_id"] for row in rows} == set(expect)


@pytest.mark.parametrize("a", [p for p in _params() if p.values[0] in OWN_HELPER_ASSIGNMENTS])
def test_a_name_error_in_the_slice_is_graded_again_with_every_cell(a, tmp_path_factory):
    from autograder.grade import FULL_RERUN

    _, _, rows, _ = graded(a, tmp_path_factory)
    by_id = {row["student_id"]: row for row in rows}
    row = by_id["own-helper"]
    assert row["reason"].startswith(FULL_RERUN) and "NameError" in row["reason"], (
        f"the slice skips the student's helper cell, so a test must meet NameError and the submission "
        f"be graded again with every cell executed; reason: {row['reason']!r}")
    assert row["score"] == row["max_score"], row
    others = [sid for sid, r in by_id.items() if r["reason"].startswith(FULL_RERUN) and sid != "own-helper"]
    assert not [s for s in others if not s.startswith("mistake-")], f"unexpected full re-grades: {others}"


@pytest.mark.parametrize("a", _params())
def test_slice_scores_equal_the_recorded_full_execution(a, tmp_path_factory):
    """Every submission of the class (the whole corpus of ``a``) scores in the slice exactly as full
    execution did when ``benchmarks/slice_equivalence.py --record`` ran it (``tests/slice_record.py``)."""
    from . import slice_record

    _, _, rows, out = graded(a, tmp_path_factory)

    def folder(sid):
        for where in ("submissions", "bulk-submissions"):
            if (out.parent / where / sid).is_dir():
                return out.parent / where / sid
        raise AssertionError(f"no folder for {sid}")

    problems = slice_record.compare(a, rows, folder)
    assert problems == [], "\n".join(problems)
