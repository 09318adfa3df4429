"""LMS-style intake: turn one zip of a class's uploads into ``<student>/<assignment>/<notebook>.ipynb``.

Learning-management systems export an assignment's uploads as one zip whose file names carry the
student (Canvas: ``doejane_12345_678901_01_sgd.ipynb``, ``doejane_LATE_12345_678901_...``).
Names are parsed with nbgrader's own ``FileNameCollectorPlugin`` (the convention of
``nbgrader zip_collect``): a regular expression with the named groups ``student_id`` and
``file_id``, and optionally ``timestamp``. Every ``.ipynb`` that matches becomes that student's
notebook for the assignment, whatever the student called it; when a student uploaded several,
the one with the latest ``timestamp`` (else the last in the zip) wins and the others are
reported. Members are never extracted by their own path (no zip-slip), and members over
:data:`MAX_MEMBER_BYTES` are refused.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

#: Canvas's download convention; pass your LMS's with ``--zip-pattern``.
DEFAULT_PATTERN = r"(?P<student_id>[^_/]+)_(?:LATE_|late_)?\d+_\d+_(?P<file_id>.+\.ipynb)$"

MAX_MEMBER_BYTES = 200 * 2**20


def safe_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text).strip("._") or "unknown"


def unpack(zip_path: Path, assignment: str, notebook: str, dest: Path, pattern: str = DEFAULT_PATTERN) -> list[str]:
    """Write each student's notebook under ``dest``; return notes on what was skipped or replaced."""
    from nbgrader.plugins.zipcollect import FileNameCollectorPlugin

    plugin = FileNameCollectorPlugin(named_regexp=pattern)
    notes, chosen = [], {}
    with zipfile.ZipFile(zip_path) as z:
        for order, info in enumerate(z.infolist()):
            if info.is_dir():
                continue
            name = PurePosixPath(info.filename).name
            found = plugin.collect(name)
            if not found:
                notes.append(f"skipped {info.filename}: not a notebook named by the pattern")
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                notes.append(f"skipped {info.filename}: {info.file_size} bytes is over the limit")
                continue
            sid = safe_id(found["student_id"])
            rank = (found.get("timestamp") or "", order)
            if sid in chosen:
                older, newer = sorted([chosen[sid], (rank, info)], key=lambda x: x[0])
                notes.append(f"{sid}: several uploads; using {newer[1].filename}, not {older[1].filename}")
                chosen[sid] = newer
            else:
                chosen[sid] = (rank, info)
        for sid, (_, info) in sorted(chosen.items()):
            target = Path(dest) / sid / assignment / f"{notebook}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(info))
    return notes
