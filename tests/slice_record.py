"""The recorded proof that ``grade --slice`` scores like full execution, on the whole corpus.

Full execution runs every experiment of every submission: about 420 notebook runs, over an hour of
CPU, too much for every ``make test``. So ``benchmarks/slice_equivalence.py --record`` grades the
whole corpus both ways (``--full`` and ``--slice``, warm workers) and writes what full execution
gave for each submission into ``tests/records/slice_equivalence.json``, with digests of everything
that decides the result:

- per submission: every file in the student's folder, a notebook by all its cells (code *and*
  markdown: an answer cell turned into markdown is restored and run), with their nbgrader
  metadata; and the assignment's test cells in ``solutions/`` (visible and hidden);
- per group (an assignment, or the hostile corpus), the grading environment: every file of
  ``autograder/`` and ``course_utils/``, the versions of the packages that execute and grade a
  notebook, and the grading options that can change an outcome (the per-cell time limit).

The suite then checks, on every run and at no extra cost, that the slice it grades anyway (every
class in ``tests/test_grading.py``, the hostile corpus in ``tests/test_grading_hardening.py``)
gives for each submission exactly the status, score and failed tests that full execution gave,
and that the record is complete and current: a submission whose digest changed, a recorded
submission the suite no longer grades, or a group recorded with another ``autograder/``,
``course_utils/``, package version or option fails, naming what differs and the command that
records it again. The stock-nbgrader anchor in ``tests/test_grading.py`` checks the engine
against stock nbgrader live.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
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


#: Packages whose version can change how a notebook executes or is graded.
PACKAGES = ("torch", "numpy", "scipy", "matplotlib", "scikit-learn", "mnist1d", "tqdm", "ipython", "ipykernel",
            "nbgrader", "nbconvert", "nbformat", "nbclient", "jupytext", "ipywidgets", "traitlets", "sqlalchemy")


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc":
            h.update(str(p.relative_to(folder)).encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def environment(options: dict) -> dict[str, str]:
    """What decides a grading outcome besides the submission and the tests: the grader's and the
    helper package's code, package versions, and the grading ``options`` (``{"timeout": 120}``)."""
    from importlib import metadata

    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"autograder": _tree_digest(ROOT / "autograder"), "course_utils": _tree_digest(ROOT / "course_utils"),
            "packages": hashlib.sha256(json.dumps(versions, sort_keys=True).encode()).hexdigest(),
            "options": json.dumps(options, sort_keys=True)}


def _file_payload(path: Path, replace: dict[str, str]) -> bytes:
    data = path.read_bytes()
    if path.suffix != ".ipynb":
        return data
    try:
        text = data.decode("utf-8")
        for old, new in sorted(replace.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(old, new)
        nb = nbformat.reads(text, as_version=4)
        # every cell, markdown too (an answer turned into markdown is restored and graded); outputs
        # are cleared by nbgrader before execution and decide nothing
        cells = [[c.cell_type, c.source, nbgrader_meta(c)] for c in nb.cells]
        return json.dumps(cells, sort_keys=True).encode()
    except Exception:  # not a notebook we can read (the corrupt cases): the bytes decide
        return data


def student_digest(student_dir: Path, a: str, replace: dict[str, str] | None = None) -> str:
    """Digest of one student's folder for assignment ``a`` (the folders of the course's other
    assignments left out): every file's cells (or bytes),
    with the paths in ``replace`` (``{"/tmp/run-3/out": "<out>"}``) written as placeholders, since
    hostile submissions name the folders of the run they attack."""
    from .support import assignment_names

    others = set(assignment_names()) - {a}  # a student's folder may hold other assignments too
    h = hashlib.sha256(tests_digest(a).encode())
    files = (p for p in Path(student_dir).rglob("*") if p.is_file())
    for path in sorted(p for p in files if p.relative_to(student_dir).parts[0] not in others):
        h.update(str(path.relative_to(student_dir)).encode() + b"\0")
        h.update(hashlib.sha256(_file_payload(path, replace or {})).digest())
    return h.hexdigest()


def load() -> dict:
    if not RECORD.exists():
        return {"runs": [], "environment": {}, "submissions": {}}
    rec = json.loads(RECORD.read_text())
    rec.setdefault("environment", {})
    return rec


def outcome(row: dict) -> list[str]:
    """What must be equal between the two ways of grading: status, score, failed tests."""
    return [row["status"], row["score"], row["failed_tests"]]


def compare(a: str, rows: list[dict], student_dir, replace: dict[str, str] | None = None,
            skip: set[str] = frozenset(), group: str | None = None, options: dict | None = None) -> list[str]:
    """Problems between the live (sliced) ``rows`` of assignment ``a`` and the recorded full
    execution: a record made in another grading environment, missing or stale records, recorded
    submissions that were not graded, and different outcomes. ``student_dir(sid)`` is the folder
    a row's submission came from; ``group``: the record's group (default ``a``; the hostile corpus
    is ``"hostile"``); ``options``: the grading options the rows were graded with."""
    group = group or a
    rec = load()
    recorded = rec["submissions"].get(group, {})
    again = f"{COMMAND} {a if group == a else '--hostile'}"
    if not recorded:
        return [f"{group}: nothing recorded; record it: {again}"]
    problems, stale = [], []
    env_then = rec["environment"].get(group, {})
    env_now = environment(options or {})
    changed = sorted(k for k in env_now if env_then.get(k) != env_now[k])
    if changed:
        detail = {k: (env_then.get(k), env_now[k]) for k in changed if k == "options"}
        problems.append(f"{group}: recorded with another {', '.join(changed)}"
                        f"{f' (then, now: {detail})' if detail else ''}: the recorded full execution proves "
                        f"nothing about this grader; record it again: {again}")
    graded = {row["student_id"] for row in rows}
    gone = sorted(set(recorded) - graded - set(skip))
    if gone:
        problems.append(f"{group}: {len(gone)} recorded submission(s) were not graded in this run "
                        f"({', '.join(gone[:6])}{', ...' if len(gone) > 6 else ''}): the corpus shrank; "
                        f"restore them, or record the smaller corpus on purpose: {again}")
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
                        f"record it: {again}")
    return problems


#: Shortest literal fragment of an f-string suspect that is searched for in a test's output.
_FRAGMENT = 12


def _suspect_keys(cell_source: str) -> list[str]:
    """The messages of the suspects (``check_close(..., suspects={message: value})``) a test cell
    names: each literal key, or the longest literal part of an f-string key. A ``suspects=NAME``
    is looked up among the dict literals the cell assigns to ``NAME``."""
    try:
        tree = ast.parse(cell_source)
    except SyntaxError:
        return []
    named = {t.id: node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
             and isinstance(node.value, ast.Dict) for t in node.targets if isinstance(t, ast.Name)}
    keys = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            value = kw.value
            if kw.arg != "suspects":
                continue
            if isinstance(value, ast.Name):
                value = named.get(value.id)
            if not isinstance(value, ast.Dict):
                continue
            for key in value.keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    keys.append(key.value)
                elif isinstance(key, ast.JoinedStr):
                    parts = [v.value for v in key.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
                    longest = max(parts, key=len, default="")
                    if len(longest) >= _FRAGMENT:
                        keys.append(longest)
    return list(dict.fromkeys(keys))


def visible_hints(a: str) -> dict[str, list[str]]:
    """Visible test cell id -> the named mistakes (suspect messages) it can report."""
    nb = nbformat.read(solution_notebook(a), as_version=4)
    out = {}
    for cell in grade_cells(nb):
        gid = nbgrader_meta(cell)["grade_id"]
        if gid.endswith("_visible"):
            out[gid] = _suspect_keys(cell.source)
    return out


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def fired_hints(a: str, nb) -> list[str]:
    """``"<visible cell id>:<index>"`` of each named mistake of :func:`visible_hints` that the
    graded notebook ``nb``'s visible test cells reported."""
    hints = visible_hints(a)
    fired = []
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id", "")
        if gid not in hints:
            continue
        shown = []
        for o in cell.get("outputs", []):
            shown.append(o.get("text", "") + o.get("evalue", ""))
            shown.extend(str(v) for v in o.get("data", {}).values())
        text = _normal(" ".join(shown))
        fired += [f"{gid}:{i}" for i, h in enumerate(hints[gid]) if _normal(h) in text]
    return fired
