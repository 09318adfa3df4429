"""Where things live in the course repository, and which assignments it has."""

from __future__ import annotations

import os
from pathlib import Path

ASSIGNMENT_GLOB = "[0-9][0-9]_*"


def repo_root() -> Path:
    """The course repository: ``$TNN2_ROOT`` if set, else the directory holding ``solutions/``
    above the current directory, else the parent of this package."""
    env = os.environ.get("TNN2_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for d in (here, *here.parents):
        if (d / "solutions").is_dir() and (d / "course_utils").is_dir():
            return d
    return Path(__file__).resolve().parent.parent


def assignments(solutions_dir: Path) -> list[str]:
    """Assignment names (``01_sgd``, ...) in teaching order: folders holding a same-named notebook
    or jupytext source."""
    out = []
    for d in sorted(Path(solutions_dir).glob(ASSIGNMENT_GLOB)):
        if d.is_dir() and ((d / f"{d.name}.py").exists() or (d / f"{d.name}.ipynb").exists()):
            out.append(d.name)
    return out
