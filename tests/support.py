"""Shared helpers for the test suite: paths, notebook execution, building synthetic submissions."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"
MISTAKES = Path(__file__).resolve().parent / "mistakes"

SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"

#: Lines that legitimately appear both inside a solution or hidden-test region and elsewhere (too
#: generic to count as a leak).
GENERIC_LINES = {"", "pass", "return next_w, config", "else:", "try:", "return out", "return config",
                 "with torch.no_grad():", "was_training = model.training", "model.train(was_training)"}

#: The solution notebook's wall-clock budget on 2 CPU cores (seconds).
NOTEBOOK_BUDGET_S = 60.0


def assignment_names() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from autograder.paths import assignments

    return assignments(SOLUTIONS)


def solution_notebook(a: str) -> Path:
    return SOLUTIONS / a / f"{a}.ipynb"


def release_notebook(a: str) -> Path:
    return NOTEBOOKS / a / f"{a}.ipynb"


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_cells(nb) -> list:
    return [c for c in nb.cells if nbgrader_meta(c).get("grade")]


def answer_cells(nb) -> list:
    return [c for c in nb.cells if nbgrader_meta(c).get("solution") and c.cell_type == "code"]


def region_lines(source: str, begin: str, end: str) -> list[str]:
    """Lines strictly between ``begin`` and ``end`` markers (all regions of a cell)."""
    out, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            out.append(line)
    return out


def strip_markers(source: str) -> str:
    """The solution code as a student who solved it would have it: marker lines removed."""
    return "\n".join(ln for ln in source.splitlines() if SOLUTION_BEGIN not in ln and SOLUTION_END not in ln)


def execute(nb, timeout: int = 300, cwd: Path | None = None, allow_errors: bool = True):
    """Execute a notebook in a fresh kernel (outputs kept). Returns (executed nb, seconds)."""
    from nbclient import NotebookClient

    nb = copy.deepcopy(nb)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(cwd or ROOT)}})
    t0 = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - t0


def cell_error(cell) -> dict | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out
    return None


def submission(a: str, answers: dict | None = None) -> nbformat.NotebookNode:
    """The release notebook of ``a`` with answer cells filled in.

    ``answers`` maps an answer cell's grade_id to ``"solution"`` (the reference solution), ``"stub"``
    (left untouched) or a source string. Cells not named get the reference solution.
    """
    answers = answers or {}
    release = nbformat.read(release_notebook(a), as_version=4)
    solution = nbformat.read(solution_notebook(a), as_version=4)
    solved = {nbgrader_meta(c)["grade_id"]: strip_markers(c.source) for c in answer_cells(solution)}
    for cell in answer_cells(release):
        gid = nbgrader_meta(cell)["grade_id"]
        choice = answers.get(gid, "solution")
        if choice == "solution":
            cell.source = solved[gid]
        elif choice != "stub":
            cell.source = choice
    return release


def mistakes(a: str) -> list[tuple[str, str, Path]]:
    """(grade_id, mistake name, file) for every file of the assignment's mistake corpus."""
    base = MISTAKES / a
    return [(p.parent.name, p.stem, p) for p in sorted(base.glob("*/*.py"))]


def run_cli(*args, timeout: int = 1500, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=timeout)
