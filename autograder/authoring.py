"""From the reviewed text source (jupytext ``py:percent``) to the nbgrader source notebook.

``solutions/NN_name/NN_name.py`` is the source of truth; ``solutions/NN_name/NN_name.ipynb`` is
built from it deterministically (stable cell ids, no outputs, no jupytext bookkeeping), so that
rebuilding an unchanged source changes no byte and a test can detect drift.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jupytext
import nbformat

_JUPYTEXT_CELL_KEYS = ("lines_to_next_cell", "lines_to_end_of_cell_marker", "cell_marker")


def _cell_id(cell, index: int, used: set) -> str:
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    base = re.sub(r"[^A-Za-z0-9_-]", "-", grade_id) if grade_id else f"cell-{index:03d}"
    cid, n = base, 1
    while cid in used:
        n += 1
        cid = f"{base}-{n}"
    used.add(cid)
    return cid


def build_notebook(py_path: Path) -> nbformat.NotebookNode:
    """Read a py:percent source and return a clean nbformat 4.5 notebook."""
    nb = jupytext.read(str(py_path), fmt="py:percent")
    nb.nbformat, nb.nbformat_minor = 4, 5
    used: set = set()
    for i, cell in enumerate(nb.cells):
        for key in _JUPYTEXT_CELL_KEYS:
            cell.metadata.pop(key, None)
        cell["id"] = _cell_id(cell, i, used)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.setdefault("kernelspec", {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"})
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    return nb


def dumps(nb) -> str:
    """Canonical JSON text of a notebook (sorted keys, one-space indent, final newline)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` unless it is already there. Returns True when the file changed."""
    path = Path(path)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def copy_if_changed(src: Path, dest: Path) -> bool:
    """Copy a (possibly binary) file unless ``dest`` already holds the same bytes."""
    src, dest = Path(src), Path(dest)
    data = src.read_bytes()
    if dest.exists() and dest.read_bytes() == data:
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)
    return True


def build_solutions(solutions_dir: Path, names: list[str]) -> list[Path]:
    """(Re)build ``solutions/<a>/<a>.ipynb`` from ``<a>.py`` for every assignment that has one."""
    changed = []
    for a in names:
        py = Path(solutions_dir) / a / f"{a}.py"
        if py.exists():
            out = py.with_suffix(".ipynb")
            if write_if_changed(out, dumps(build_notebook(py))):
                changed.append(out)
    return changed
