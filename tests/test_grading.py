"""Grading end to end through the CLI, on a synthetic class per assignment, all graded together.

Each class holds: a perfect submission, an untouched release (zero), a correct solution that writes
to stderr (must keep full marks), every file of the mistake corpus (each must lose points in its
own function's tests), a half-done notebook where there are two exercises, and, for 01, a corrupt
and a missing notebook and an unknown assignment (rows with a could-not-grade status, not a silent
zero). The classes of every assignment are graded live in one ``grade`` run with one worker and
feedback (one course, one warm worker: the fixed cost is paid once): the perfect, untouched, noisy,
half-done and own-helper submissions and the first mistake of each function (its feedback checked
for hidden lines). They are compared with the recorded full execution (``tests/slice_record.py``),
graded with two workers: so one worker, two workers and full execution agree on them.

The rest of the mistake corpus (about 300 submissions, 5.5 minutes of grading) is not graded live:
its outcomes come from the record, which ``benchmarks/slice_equivalence.py --record`` made by
grading every submission both sliced and with every cell executed. A recorded outcome counts only
where the submission's digest (its cells, the assignment's tests), ``autograder/``,
``course_utils/``, the package versions and the grading options all equal today's, and only where
the record's slice and full execution agree; the same expectations as the live class then apply
(each mistake loses points in its own function's tests). Any change to what decides a grade makes
the record stale and fails the suite until it is recorded again.

The anchor to stock nbgrader is graded live: the corpus's first mistake of every assignment
executed by stock nbgrader's ``Execute`` (a Jupyter kernel per submission) on the same slice, and
01's small class (perfect, untouched, first mistake) with every cell executed (``--full --executor
nbgrader``); status, score and failed tests must be identical to the warm worker's. With the record
(full execution = slice, warm workers) that ties stock nbgrader's full execution to what ``grade``
gives.
"""

import html
import os
import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from autograder.grade import CORRUPT, GRADED, MISSING, UNKNOWN, read_table

from .support import (HIDDEN_BEGIN, HIDDEN_END, answer_cells, assignment_names, grade_cells, mistakes,
                      nbgrader_meta, public_lines, region_lines, run_cli, solution_notebook, submission, variants)

GRADED_ASSIGNMENTS = [a for a in assignment_names() if grade_cells(nbformat.read(solution_notebook(a), 4))]
REQUIRED_COLUMNS = {"student_id", "assignment", "score", "max_score", "status"}


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


def build_class(a: str, base: Path, bulk: Path | None = None, small: bool | str = False) -> dict:
    """Write the synthetic class for ``a`` into ``base`` (and the bulk of the mistake corpus into
    ``bulk``); returns student_id -> what we expect. ``small``: only the perfect and untouched
    submissions and the first file of the mistake corpus, all in ``base`` (``"mistake-only"``:
    only that mistake)."""
    expect = {}
    if small != "mistake-only":
        _write(base / "perfect" / a / f"{a}.ipynb", submission(a))
        expect["perfect"] = "full"
        _write(base / "untouched" / a / f"{a}.ipynb", submission(a, {g: "stub" for g in _answer_ids(a)}))
        expect["untouched"] = "zero"
    if small:  # a kernel (and for --full a whole notebook run) per submission: one mistake is enough here
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
        # The first mistake of each function is graded live with feedback (checked for hidden
        # lines); the rest of the corpus goes to ``bulk``, checked against the record.
        where = base if gid not in seen else bulk
        seen.add(gid)
        _write(where / sid / a / f"{a}.ipynb", submission(a, {gid: path.read_text()}))
        expect[sid] = ("mistake", gid)
    for gid, name, path, kept, _, _ in variants(a) if bulk is not None else []:
        sid = f"variant-{gid}-{name}"
        _write(bulk / sid / a / f"{a}.ipynb", submission(a, {gid: path.read_text()}))
        expect[sid] = ("keeps", gid, kept)
    if a == "01_sgd":
        (base / "corrupt" / a).mkdir(parents=True)
        (base / "corrupt" / a / f"{a}.ipynb").write_bytes(b'{"cells": [ this is not json')
        expect["corrupt"] = CORRUPT
        _write(base / "misnamed" / a / "my_homework.ipynb", submission(a))
        expect["misnamed"] = MISSING
        (base / "lost" / "99_nothing").mkdir(parents=True)
        expect["lost"] = UNKNOWN
    return expect


#: The grading runs of this module, each over every assignment's classes at once: the folder it
#: grades (written by :func:`build_all`) and its options.
RUNS = {
    "class": ["--jobs", "1"],  # with feedback; one worker (the record was made with two)
    # stock nbgrader's Execute (a Jupyter kernel per submission) on the same slice the warm worker runs
    "anchor": ["--slice", "--executor", "nbgrader", "--no-feedback"],
    # stock nbgrader executing every cell, on 01's small class
    "anchor-full": ["--full", "--executor", "nbgrader", "--no-feedback"],
}
#: The assignment whose small class is also graded the stock way with every cell executed.
FULL_ANCHOR = "01_sgd"
_CACHE: dict = {}


def _shared(tmp_path_factory) -> Path:
    """A folder common to all xdist workers of this session (and only of this session)."""
    shared = tmp_path_factory.getbasetemp()
    return shared.parent if os.environ.get("PYTEST_XDIST_WORKER") else shared


def build_all(base: Path) -> dict:
    """Write every assignment's classes under ``base`` (``class``, ``bulk``, ``anchor``,
    ``anchor-full``); returns assignment -> student_id -> what we expect."""
    expect = {}
    for a in GRADED_ASSIGNMENTS:
        expect[a] = build_class(a, base / "class", base / "bulk")
        build_class(a, base / "anchor", small="mistake-only")
    build_class(FULL_ANCHOR, base / "anchor-full", small=True)
    return expect


#: What a stock Jupyter kernel prints when the TCP port jupyter_client picked for it was taken by another
#: process before it could bind it (a known race of port selection, seen once in a clean-clone run while
#: the suite's other worker started kernels too). It says nothing about grading: the run that met it is
#: graded again, once. (The warm workers use no ports; the parked commit 1f447ad moves validate's kernels
#: to IPC, and stock nbgrader's could follow.)
PORT_RACE = "zmq.error.ZMQError: Address already in use"


def graded(run: str, tmp_path_factory) -> dict:
    """The result of grading run ``run`` (see :data:`RUNS`), graded once per test session by
    whichever xdist worker asks first (the others wait on a file lock and read it from disk):
    ``{"expect", "returncode", "stdout", "stderr", "seconds", "rows", "out", "subs"}``."""
    import json

    from filelock import FileLock

    if run not in _CACHE:
        shared = _shared(tmp_path_factory)
        base = shared / "grading-classes"
        with FileLock(str(shared / "grading-classes.lock")):
            if not (base / "expect.json").exists():
                expect = build_all(base)
                (base / "expect.json").write_text(json.dumps(expect))
        subs, out, done = base / run, base / f"out-{run}", base / f"result-{run}.json"
        with FileLock(str(shared / f"grading-{run}.lock")):
            if not done.exists():
                t0 = time.perf_counter()
                r = run_cli("grade", str(subs), "--out", str(out), *RUNS[run])
                if PORT_RACE in r.stdout + r.stderr:  # a kernel lost its TCP port to another process: run again
                    shutil.rmtree(out, ignore_errors=True)
                    t0 = time.perf_counter()
                    r = run_cli("grade", str(subs), "--out", str(out), *RUNS[run])
                done.write_text(json.dumps({"returncode": r.returncode, "stdout": r.stdout[-30000:],
                                            "stderr": r.stderr[-20000:], "seconds": time.perf_counter() - t0}))
        result = json.loads(done.read_text())
        expect = json.loads((base / "expect.json").read_text())
        result["expect"] = {a: {k: tuple(v) if isinstance(v, list) else v for k, v in e.items()}
                            for a, e in expect.items()}
        result["rows"] = read_table(out / "grades.csv") if (out / "grades.csv").exists() else []
        result["out"], result["subs"] = out, subs
        _CACHE[run] = result
    return _CACHE[run]


#: The status of a bulk submission whose recorded outcome is not current (see :func:`recorded_bulk`).
NOT_RECORDED = "no current record"


def recorded_bulk(tmp_path_factory) -> dict:
    """The bulk of the mistake corpus as ``benchmarks/slice_equivalence.py --record`` graded it: a
    result like :func:`graded`'s whose rows hold each submission's recorded slice outcome (status,
    score, failed tests), for every submission under ``bulk``. A row's outcome is the record's only
    where everything that decides it is today's: the submission's digest (its cells and its
    assignment's tests), and the assignment's grading environment (``autograder/``,
    ``course_utils/``, package versions, the cell time limit); otherwise its status is
    :data:`NOT_RECORDED`, with the command that records it in ``reason``.
    ``test_slice_scores_equal_the_recorded_full_execution`` checks the same rows against the
    record's full execution."""
    from autograder.config import CELL_TIMEOUT

    from . import slice_record

    if "bulk" not in _CACHE:
        graded("class", tmp_path_factory)  # writes the classes, bulk included
        base = _shared(tmp_path_factory) / "grading-classes"
        rec, env_now = slice_record.load(), slice_record.environment({"timeout": CELL_TIMEOUT})
        rows = []
        for folder in sorted((base / "bulk").iterdir()):
            for a_dir in folder.iterdir():
                a = a_dir.name
                entry = rec["submissions"].get(a, {}).get(folder.name)
                current = (rec["environment"].get(a) == env_now and entry is not None
                           and entry["digest"] == slice_record.student_digest(folder, a))
                status, score, failed = entry["slice"] if current else (NOT_RECORDED, "", "")
                rows.append({"student_id": folder.name, "assignment": a, "notebook": a, "status": status,
                             "score": score, "max_score": str(_max_score(a)), "failed_tests": failed,
                             "reason": "" if current else f"record it: {slice_record.COMMAND} {a}"})
        _CACHE["bulk"] = {"rows": rows, "subs": base / "bulk", "expect": graded("class", tmp_path_factory)["expect"]}
    return _CACHE["bulk"]


def _function_points(a: str, gid: str) -> float:
    """The points of graded function ``gid``'s test cells (``test_<gid>_visible`` and ``_hidden``)."""
    return sum(nbgrader_meta(c)["points"] for c in grade_cells(nbformat.read(solution_notebook(a), 4))
               if re.fullmatch(rf"test_{re.escape(gid)}_(visible|hidden)", nbgrader_meta(c)["grade_id"]))


def _max_score(a: str) -> float:
    points = sum(nbgrader_meta(c)["points"] for c in grade_cells(nbformat.read(solution_notebook(a), 4)))
    return int(points) if float(points).is_integer() else points


def rows_of(a: str, result: dict) -> list[dict]:
    """The rows of assignment ``a`` (for 01, also the unknown-assignment row its class holds)."""
    known = set(GRADED_ASSIGNMENTS) | {"00_setup"}
    return [r for r in result["rows"] if r["assignment"] == a or (a == "01_sgd" and r["assignment"] not in known)]


def class_rows(a: str, tmp_path_factory) -> tuple[dict, list[dict]]:
    """(student_id -> what we expect, every row of ``a``'s class: the live class run and the
    recorded bulk)."""
    main, bulk = graded("class", tmp_path_factory), recorded_bulk(tmp_path_factory)
    assert main["rows"], f"no grades.csv:\n{main['stdout'][-3000:]}\n{main['stderr'][-3000:]}"
    return main["expect"][a], rows_of(a, main) + rows_of(a, bulk)


def _params():
    return [pytest.param(a) for a in GRADED_ASSIGNMENTS]


pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading")]


def test_the_runs_exit_as_they_should(tmp_path_factory):
    """The class run holds could-not-grade rows (corrupt, missing, unknown): exit 1; the others 0."""
    for run, code in (("class", 1), ("anchor", 0), ("anchor-full", 0)):
        r = graded(run, tmp_path_factory)
        assert r["returncode"] == code, f"{run}: exit {r['returncode']}\n{r['stdout'][-3000:]}\n{r['stderr'][-3000:]}"


@pytest.mark.parametrize("a", _params())
def test_every_submission_gets_a_row(a, tmp_path_factory):
    expect, rows = class_rows(a, tmp_path_factory)
    assert REQUIRED_COLUMNS <= set(rows[0])
    ids = [row["student_id"] for row in rows]
    assert sorted(ids) == sorted(expect), "one row per submission, none missing, none twice"


def score_problems(a: str, expect: dict, by_id: dict) -> list[str]:
    """Each submission whose grades.csv row (``by_id[sid]``) is not what ``expect[sid]`` says it
    deserves (see :func:`build_class`), as one line; also used by ``benchmarks/check_corpus.py``."""
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
        elif isinstance(want, tuple) and want[0] == "keeps":  # correct but different: keeps what the policy says
            gid, kept = want[1], want[2]
            others = top - _function_points(a, gid)
            if abs((score - others) - kept) > 1e-6:
                problems.append(f"{sid}: its tests of {gid} earned {score - others:g}, the policy says {kept:g} "
                                f"(failed: {row['failed_tests'] or 'none'}; aspects: {row.get('failed_aspects', '?')})")
    return problems


@pytest.mark.parametrize("a", _params())
def test_scores_match_what_each_submission_deserves(a, tmp_path_factory):
    expect, rows = class_rows(a, tmp_path_factory)
    problems = score_problems(a, expect, {row["student_id"]: row for row in rows})
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("a", _params())
def test_feedback_exists_and_shows_no_hidden_test(a, tmp_path_factory):
    run = graded("class", tmp_path_factory)
    hidden = set()
    solution = nbformat.read(solution_notebook(a), 4)
    for cell in solution.cells:
        hidden |= {ln.strip() for ln in region_lines(cell.source, HIDDEN_BEGIN, HIDDEN_END)
                   if len(ln.strip()) >= 12 and not ln.strip().startswith("#")}
    public = public_lines(solution)
    # a line the notebook also shows openly is no secret, nor is one that a public line contains
    # (the visible test's `with np.errstate(...):  # a comment` holds the hidden test's bare line)
    hidden = {ln for ln in hidden - public if not any(ln in p for p in public)}
    assert hidden, "the assignment should have hidden tests"
    files = sorted((run["out"] / "feedback").glob(f"*/{a}/*.html"))
    graded_ids = {row["student_id"] for row in rows_of(a, run) if row["status"] == GRADED}
    assert {f.parts[-3] for f in files} == graded_ids, "one feedback file per graded submission"
    for f in files:
        text = html.unescape(re.sub(r"<[^>]+>", "", f.read_text(encoding="utf-8")))
        # a line the student handed in is theirs to see: a mistake file is the reference answer with
        # one change, and a hidden oracle may share a line with it (`for p in layer.parameters():`)
        handed_in = nbformat.read(run["subs"] / f.parts[-3] / a / f"{a}.ipynb", 4)
        own = {ln.strip() for cell in handed_in.cells for ln in cell.source.splitlines()}
        leaked = [ln for ln in hidden if ln in text and ln not in own]
        assert leaked == [], f"{f} shows hidden test lines: {leaked[:3]}"
        assert "BEGIN HIDDEN TESTS" not in text


def score_from_outputs(nb) -> tuple[float, list[str]]:
    """The score of an autograded notebook computed from its test cells' outputs by nbgrader's
    documented rule (re-implemented here as the oracle, not imported): the first output that is an
    error or stderr scores 0, the first ``execute_result`` scores its number, no such output scores
    the cell's points. Returns (total, the test cells that lost points)."""
    total, failed = 0.0, []
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        points = got = float(meta["points"])
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error" or (o.get("output_type") == "stream" and o.get("name") == "stderr"):
                got = 0.0
                break
            if o.get("output_type") == "execute_result":
                got = float(o["data"]["text/plain"])
                break
        total += got
        if got < points:
            failed.append(meta["grade_id"])
    return total, sorted(failed)


@pytest.mark.parametrize("a", _params())
def test_gradebook_is_nbgraders_own(a, tmp_path_factory):
    """The table's score and failed tests equal both what nbgrader saved in its gradebook and what
    the autograded notebook's outputs give by nbgrader's scoring rule (computed here, not read)."""
    from nbgrader.api import Gradebook

    checked = 0
    for run in (graded("class", tmp_path_factory),):
        course = run["out"] / "course"
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            for row in rows_of(a, run):
                if row["status"] != GRADED:
                    continue
                sub = gb.find_submission(a, row["student_id"])
                nb = nbformat.read(course / "autograded" / row["student_id"] / a / f"{row['notebook']}.ipynb", 4)
                from_outputs, failed = score_from_outputs(nb)
                assert float(row["score"]) == pytest.approx(sub.score) == pytest.approx(from_outputs), row
                assert (row["failed_tests"].split(";") if row["failed_tests"] else []) == failed, row
                checked += 1
    assert checked >= 3


@pytest.mark.parametrize("a", _params())
def test_stock_nbgrader_execution_gives_the_same_results(a, tmp_path_factory):
    """The warm sandboxed workers grade exactly as stock nbgrader's Execute (a Jupyter kernel per
    submission) does, on the same slice; for ``FULL_ANCHOR`` also with every cell executed."""
    expect, rows = class_rows(a, tmp_path_factory)
    warm = {row["student_id"]: row for row in rows}
    runs = ["anchor"] + (["anchor-full"] if a == FULL_ANCHOR else [])
    for run in runs:
        stock = rows_of(a, graded(run, tmp_path_factory))
        assert len(stock) >= 1, f"{run}: {len(stock)} rows"
        for row in stock:
            twin = warm[row["student_id"]]
            got = (row["status"], row["score"], row["failed_tests"])
            want = (twin["status"], twin["score"], twin["failed_tests"])
            assert got == want, f"{row['student_id']}: stock nbgrader ({run}) gives {got}, the warm workers {want}"


@pytest.mark.parametrize("a", [p for p in _params() if p.values[0] in OWN_HELPER_ASSIGNMENTS])
def test_a_name_error_in_the_slice_is_graded_again_with_every_cell(a, tmp_path_factory):
    from autograder.grade import FULL_RERUN

    _, rows = class_rows(a, tmp_path_factory)
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
    execution did when ``benchmarks/slice_equivalence.py --record`` ran it (``tests/slice_record.py``),
    and every recorded submission was graded."""
    from autograder.config import CELL_TIMEOUT

    from . import slice_record

    main, bulk = graded("class", tmp_path_factory), recorded_bulk(tmp_path_factory)
    rows = rows_of(a, main) + rows_of(a, bulk)

    def folder(sid):
        for run in (main, bulk):
            if (run["subs"] / sid).is_dir():
                return run["subs"] / sid
        raise AssertionError(f"no folder for {sid}")

    problems = slice_record.compare(a, rows, folder, options={"timeout": CELL_TIMEOUT})
    assert problems == [], "\n".join(problems)
