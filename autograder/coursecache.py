"""Prepared nbgrader courses, built once per content and copied into each grading run.

Every ``grade`` call needs an nbgrader course directory: the instructor's ``source/`` (solutions
and hidden tests), the generated ``release/`` and a gradebook that knows every graded cell. Making
it (jupytext build, ``generate_assignment`` per assignment, the gradebook's migrations) costs
seconds per assignment, the same seconds on every call. So the prepared course is kept under
``<repository>/.cache/grading/<key>/``, where ``key`` digests everything that decides it: the
assignments' files in ``solutions/``, the modules that build and configure the course
(:mod:`autograder.config`, :mod:`autograder.release`, :mod:`autograder.authoring`) and the
nbgrader version. A later call with the same key copies the folder (milliseconds); any change to a
solution, a hidden test or the configuration gives a new key, hence a fresh build. Stale entries
are pruned (the newest :data:`KEEP` stay).

The cache lives inside the repository, which the grading sandbox hides from submissions (every
top-level entry but the Python environment and ``course_utils``), and ``grade`` names it in the
hidden paths explicitly as well: it holds hidden tests.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

#: Prepared courses kept; older ones are removed when a new one is stored.
KEEP = 8

#: The modules whose code decides what a prepared course contains.
BUILDERS = ("config.py", "release.py", "authoring.py", "coursecache.py")


def cache_root(root: Path) -> Path:
    """Where prepared courses are kept for the repository ``root``."""
    return Path(root) / ".cache" / "grading"


def content_key(root: Path, names: list[str]) -> str:
    """Digest of what decides the prepared course of ``names``: their solution files, the course
    builder's modules and nbgrader's version."""
    from importlib.metadata import version

    from .release import source_files

    h = hashlib.sha256(f"nbgrader {version('nbgrader')}\n".encode())
    here = Path(__file__).resolve().parent
    for module in BUILDERS:
        h.update(module.encode() + b"\0" + (here / module).read_bytes())
    solutions = Path(root) / "solutions"
    for a in sorted(names):
        h.update(b"assignment\0" + a.encode() + b"\0")
        for f in source_files(solutions / a):
            # a notebook with a jupytext twin is built from the twin: digest both (either may exist)
            for p in (f, f.with_suffix(".py")) if f.suffix == ".ipynb" else (f,):
                if p.is_file():
                    h.update(str(p.relative_to(solutions)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:24]


def _build(root: Path, dest: Path, names: list[str]) -> None:
    from .release import generate, stage_source

    stage_source(Path(root) / "solutions", dest, names)
    generate(dest, names)


def prepare(root: Path, course: Path, names: list[str], log=None) -> bool:
    """Make ``course`` a fresh nbgrader course directory for ``names``: a copy of the prepared
    course when one with the same content key exists, else a new build (stored for next time
    when the repository is writable). Returns True on a cache hit."""
    course = Path(course)
    if course.exists():
        shutil.rmtree(course)
    store = cache_root(root)
    key = content_key(root, names)
    ready = store / key
    if (ready / "gradebook.db").is_file():
        shutil.copytree(ready, course)
        os.utime(ready)  # recently used: pruned last
        return True
    course.mkdir(parents=True)
    _build(root, course, names)
    try:
        store.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=store))
        shutil.copytree(course, tmp, dirs_exist_ok=True)
        try:
            os.rename(tmp, ready)  # atomic: a concurrent grade call storing the same key loses nothing
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
        _prune(store)
    except OSError as exc:  # a read-only checkout grades as before, building each time
        if log:
            log(f"note: the prepared course could not be cached in {store} ({exc}); building it each time")
    return False


def _prune(store: Path) -> None:
    entries = sorted((p for p in store.iterdir() if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
    for tmp in store.glob(".*"):  # left by an interrupted build more than an hour ago
        if tmp.is_dir() and time.time() - tmp.stat().st_mtime > 3600:
            shutil.rmtree(tmp, ignore_errors=True)
