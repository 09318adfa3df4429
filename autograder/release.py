"""``release``: regenerate the student notebooks (``notebooks/``) from ``solutions/`` with nbgrader.

nbgrader's ``generate_assignment`` runs in a throw-away course directory, so the repository never
holds a gradebook, and the result is written in canonical JSON with outputs stripped.
"""

from __future__ import annotations

import fnmatch
import shutil
import tempfile
from pathlib import Path

import nbformat

from . import authoring
from .config import make_api
from .paths import assignments

#: Never copied from a solution folder to a course directory or a release.
IGNORE = [".ipynb_checkpoints", "__pycache__", "*.pyc", "feedback", ".DS_Store"]


def is_notebook_source(path: Path) -> bool:
    """True for a jupytext py:percent twin of a notebook (it holds the solutions in plain text)."""
    path = Path(path)
    if path.suffix != ".py":
        return False
    if path.with_suffix(".ipynb").exists():
        return True
    with open(path, encoding="utf-8", errors="replace") as f:
        head = f.read(200)
    return "jupytext" in head or "# %%" in head


def source_files(assignment_dir: Path) -> list[Path]:
    """Files of a solution folder that belong in nbgrader's ``source/``: notebooks and data. A
    jupytext twin ``X.py`` is listed as the notebook ``X.ipynb`` it builds, never as itself."""
    out = set()
    for p in sorted(Path(assignment_dir).rglob("*")):
        rel = p.relative_to(assignment_dir)
        if p.is_dir() or any(fnmatch.fnmatch(part, pat) for part in rel.parts for pat in IGNORE):
            continue
        out.add(p.with_suffix(".ipynb") if is_notebook_source(p) else p)
    return sorted(out)


def stage_source(solutions_dir: Path, course_root: Path, names: list[str]) -> None:
    """Copy the assignments' source files into ``course_root/source``. A notebook with a jupytext
    twin is built afresh from the twin (the text is the source of truth)."""
    for a in names:
        src = Path(solutions_dir) / a
        for f in source_files(src):
            dest = Path(course_root) / "source" / a / f.relative_to(src)
            dest.parent.mkdir(parents=True, exist_ok=True)
            twin = f.with_suffix(".py")
            if f.suffix == ".ipynb" and twin.exists():
                dest.write_text(authoring.dumps(authoring.build_notebook(twin)), encoding="utf-8")
            else:
                shutil.copy2(f, dest)


def generate(course_root: Path, names: list[str]) -> None:
    """Run nbgrader generate_assignment for each assignment (this also fills the gradebook)."""
    api = make_api(course_root)
    for a in names:
        result = api.generate_assignment(a, force=True, create=True)
        if not result.get("success"):
            raise RuntimeError(f"nbgrader generate_assignment {a} failed:\n{result.get('log', '')}\n{result.get('error', '')}")


def _clean_release_notebook(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return authoring.dumps(nb)


def release(root: Path, out_dir: Path | None = None, only: list[str] | None = None, log=print) -> list[str]:
    """Rebuild solution notebooks from their sources, then the student release into ``out_dir``
    (default ``root/notebooks``). Returns the assignment names released."""
    root = Path(root)
    solutions_dir = root / "solutions"
    out_dir = Path(out_dir).resolve() if out_dir else root / "notebooks"
    names = assignments(solutions_dir)
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise SystemExit(f"unknown assignment(s): {', '.join(unknown)}; known: {', '.join(names)}")
        names = [a for a in names if a in only]
    if out_dir == root / "notebooks":  # the real release also refreshes the solution notebooks
        for p in authoring.build_solutions(solutions_dir, names):
            log(f"rebuilt {p.relative_to(root)}")
    with tempfile.TemporaryDirectory(prefix="tnn2-release-") as tmp:
        course = Path(tmp)
        stage_source(solutions_dir, course, names)
        generate(course, names)
        for a in names:
            rel_dir = course / "release" / a
            dest_dir = out_dir / a
            wanted = set()
            for f in sorted(rel_dir.rglob("*")):
                if f.is_dir():
                    continue
                rel = f.relative_to(rel_dir)
                wanted.add(rel)
                if f.suffix == ".ipynb":
                    changed = authoring.write_if_changed(dest_dir / rel, _clean_release_notebook(f))
                else:
                    changed = authoring.copy_if_changed(f, dest_dir / rel)
                if changed:
                    log(f"released {(dest_dir / rel)}")
            for f in sorted(dest_dir.rglob("*")):  # files whose source is gone
                if f.is_file() and f.relative_to(dest_dir) not in wanted:
                    f.unlink()
                    log(f"removed stale {f}")
    if not only:
        for d in sorted(out_dir.glob("[0-9][0-9]_*")):
            if d.is_dir() and d.name not in names:
                shutil.rmtree(d)
                log(f"removed stale release {d}")
    return names
