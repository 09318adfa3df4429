"""The recorded proof that ``grade --slice`` scores like full execution, on the whole corpus.

Full execution runs every experiment of every submission: about 420 notebook runs, over an hour of
CPU, too much for every ``make test``. So ``benchmarks/slice_equivalence.py --record`` grades the
whole corpus both ways (``--full`` and ``--slice``, warm workers) and writes what full execution
gave for each submission into ``tests/records/slice_equivalence.json``, with a digest of what
decides the result: the submission's code cells (sources and nbgrader metadata, every file in the
student's folder) and the assignment's test cells in ``solutions/`` (the hidden tests).

The suite then checks, on every run and at no extra cost, that the slice it grades anyway (every
class in ``tests/test_grading.py``, the hostile corpus in ``tests/test_grading_hardening.py``)
gives for each submission exactly the status, score and failed tests that full execution gave,
and that the record is not stale: a submission whose digest changed (a new mistake file, an edited
notebook or test) fails with the command that records it again. The stock-nbgrader anchor in
``tests/test_grading.py`` checks a sample of the recorded full results live.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat

from .support import ROOT, grade_cells, nbgrader_meta, solution_notebook

RECORD = ROOT / "tests" / "records" / "slice_equivalence.json"
COMMAND = ".venv/bin/python benchmarks/slice_equivalence.py --record"


def tests_digest(a: str) -> str:
    """Digest of the assignment's test cells as nbgrader grades them (visible and hidden)."""
    nb = nbformat.read(solution_notebook(a), as_version=4)
    cells = [[c.source, nbgrader_meta(c)] for c in grade_cells(nb)]
    return hashlib.sha256(json.dumps(cells, sort_keys=True).encode()).hexdigest()


def _file_payload(path: Path, replace: dict[str, str]) -> bytes:
    data = path.read_bytes()
    if path.suffix != ".ipynb":
        return data
    try:
        text = data.decode("utf-8")
        for old, new in sorted(replace.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(old, new)
        nb = nbformat.reads(text, as_version=4)
        code = [[c.source, nbgrader_meta(c)] for c in nb.cells if c.cell_type == "code"]
        return json.dumps(code, sort_keys=True).encode()
    except Exception:  # not a notebook we can read (the corrupt cases): the bytes decide
        return data


def student_digest(student_dir: Path, a: str, replace: dict[str, str] | None = None) -> str:
    """Digest of one student's folder for assignment ``a``: every file's code cells (or bytes),
    with the paths in ``replace`` (``{"/tmp/run-3/out": "<out>"}``) written as placeholders, since
    hostile submissions name the folders of the run they attack."""
    h = hashlib.sha256(tests_digest(a).encode())
    for path in sorted(p for p in Path(student_dir).rglob("*") if p.is_file()):
        h.update(str(path.relative_to(student_dir)).encode() + b"\0")
        h.update(hashlib.sha256(_file_payload(path, replace or {})).digest())
    return h.hexdigest()


def load() -> dict:
    return json.loads(RECORD.read_text()) if RECORD.exists() else {"runs": [], "submissions": {}}


def outcome(row: dict) -> list[str]:
    """What must be equal between the two ways of grading: status, score, failed tests."""
    return [row["status"], row["score"], row["failed_tests"]]


def compare(a: str, rows: list[dict], student_dir, replace: dict[str, str] | None = None,
            skip: set[str] = frozenset(), group: str | None = None) -> list[str]:
    """Problems between the live (sliced) ``rows`` of assignment ``a`` and the recorded full
    execution: missing or stale records, and different outcomes. ``student_dir(sid)`` is the
    folder a row's submission came from; ``group``: the record's group (default ``a``; the hostile
    corpus is ``"hostile"``)."""
    group = group or a
    recorded = load()["submissions"].get(group, {})
    problems, stale = [], []
    for row in rows:
        sid = row["student_id"]
        if sid in skip:
            continue
        entry = recorded.get(sid)
        if entry is None or entry["digest"] != student_digest(student_dir(sid), a, replace):
            stale.append(sid)
            continue
        if outcome(row) != entry["full"]:
            problems.append(f"{a}/{sid}: the slice gives {outcome(row)}, full execution gave {entry['full']}")
    if stale:
        problems.append(f"{a}: no recorded full execution of the current version of {len(stale)} "
                        f"submission(s) ({', '.join(stale[:6])}{', ...' if len(stale) > 6 else ''}); "
                        f"record it: {COMMAND} {a if group == a else '--hostile'}")
    return problems
