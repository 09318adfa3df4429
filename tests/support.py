"""Shared helpers for the test suite: paths, notebook execution, building synthetic submissions."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"
MISTAKES = Path(__file__).resolve().parent / "mistakes"
VARIANTS = Path(__file__).resolve().parent / "variants"

SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"

#: Lines that legitimately appear both inside a solution or hidden-test region and elsewhere (too
#: generic to count as a leak).
GENERIC_LINES = {"", "pass", "return next_w, config", "else:", "try:", "return out", "return config",
                 "with torch.no_grad():", "was_training = model.training", "model.train(was_training)",
                 "rng = np.random.default_rng(seed)", "gen = torch.Generator().manual_seed(seed)",
                 # loop headers and handlers that public code (course_utils, autograder) writes too
                 "for t in range(1, steps + 1):", "except Exception:  # noqa: BLE001"}

#: The solution notebook's wall-clock budget on 2 CPU cores (seconds).

#: Release notebooks that the browser suite runs cell by cell in JupyterLab (each exercises
#: something the others do not: 00 the environment check and the tour, 01 the sliders, the progress
#: bar and nbgrader's Validate button, 09 image grids and its sliders). Every other release notebook
#: is executed once, headless (``tests/test_notebooks.py``), and opened in the browser without
#: running to check its rendering. Without a browser the headless run covers all of them.
BROWSER_RUN = ("00_setup", "01_sgd", "09_augmentation")


def browser_available() -> bool:
    """True when the browser suite will run (Playwright and a chromium are here)."""
    import shutil

    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return Path(explicit).exists()
    return any(shutil.which(n) for n in ("chromium", "chromium-browser"))


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


def public_lines(nb) -> set[str]:
    """The stripped lines of a solution notebook outside every solution and hidden-test region: what
    the author shows anyway (a hidden cell may repeat one, e.g. ``with score.required(...)``), which
    therefore cannot leak."""
    out = set()
    for cell in nb.cells:
        secret = set(region_lines(cell.source, SOLUTION_BEGIN, SOLUTION_END)
                     + region_lines(cell.source, HIDDEN_BEGIN, HIDDEN_END))
        out |= {ln.strip() for ln in cell.source.splitlines() if ln not in secret}
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


class CorpusMissing(AssertionError):
    """The mistake corpus of an assignment is missing or incomplete: every test built on it would
    test less than it says."""


def answer_ids(a: str) -> list[str]:
    """The grade_ids of the answer cells (the graded functions) of assignment ``a``."""
    return [nbgrader_meta(c)["grade_id"] for c in answer_cells(nbformat.read(solution_notebook(a), as_version=4))]


def mistakes(a: str) -> list[tuple[str, str, Path]]:
    """(grade_id, mistake name, file) for every file of the assignment's mistake corpus.

    Raises :class:`CorpusMissing` when the corpus folder is absent, holds a folder that is not a
    graded function of ``a`` (a renamed function), or lacks mistake files for one of ``a``'s graded
    functions: a class built on a vanished corpus would otherwise shrink silently and every grading
    test stay green."""
    base = MISTAKES / a
    ids = answer_ids(a)
    if not ids:
        return []
    if not base.is_dir():
        raise CorpusMissing(f"{a} has graded functions {ids} but no mistake corpus at {base}")
    found = [(p.parent.name, p.stem, p) for p in sorted(base.glob("*/*.py"))]
    folders = sorted(d.name for d in base.iterdir() if d.is_dir() and not d.name.startswith((".", "__")))
    strays = sorted(set(folders) - set(ids))
    if strays:
        raise CorpusMissing(f"{base}: folders {strays} name no graded function of {a} (graded: {ids})")
    empty = [g for g in ids if not any(gid == g for gid, _, _ in found)]
    if empty:
        raise CorpusMissing(f"{a}: no mistake file for graded function(s) {empty} in {base}/<function>/*.py")
    return found


def variants(a: str) -> list[tuple[str, str, Path, float, float, str]]:
    """(grade_id, name, file, points kept, points of the function, why) for every file of the
    assignment's corpus of correct-but-different work, ``tests/variants/<a>/<function>/<name>.py``.

    Each file starts with ``# VARIANT: <what it does differently>`` and ``# KEEPS: <p> of <n>: <why>``:
    the points of the function's tests (visible and hidden together) it must keep, and why."""
    out = []
    ids = answer_ids(a) if (VARIANTS / a).is_dir() else []
    for path in sorted((VARIANTS / a).glob("*/*.py")):
        lines = path.read_text().splitlines()
        m = re.match(r"# KEEPS: ([0-9.]+) of ([0-9.]+): (.+)", lines[1] if len(lines) > 1 else "")
        if not (lines and lines[0].startswith("# VARIANT: ") and m):
            raise CorpusMissing(f"{path}: the first lines must be '# VARIANT: ...' and '# KEEPS: <p> of <n>: <why>'")
        if path.parent.name not in ids:
            raise CorpusMissing(f"{path}: {path.parent.name} is no graded function of {a} (graded: {ids})")
        out.append((path.parent.name, path.stem, path, float(m.group(1)), float(m.group(2)), m.group(3)))
    return out


def run_cli(*args, timeout: int = 1500, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=timeout)


MEASUREMENTS = ROOT / ".pytest_cache" / "measurements.json"


def record_measurement(name: str, text: str) -> None:
    """Keep a number the suite measured; the terminal summary prints them (root ``conftest.py``)."""
    import json

    MEASUREMENTS.parent.mkdir(exist_ok=True)
    try:
        data = json.loads(MEASUREMENTS.read_text()) if MEASUREMENTS.exists() else {}
    except ValueError:
        data = {}
    data[name] = text
    tmp = MEASUREMENTS.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    tmp.replace(MEASUREMENTS)
