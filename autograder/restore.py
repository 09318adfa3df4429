"""Put back what a student removed or retyped: deleted test cells, answer cells made markdown.

nbgrader restores the *source* of locked cells from the gradebook, but a locked cell the student
deleted stays deleted (its test simply never runs, and its points are lost silently, or worse,
nothing notices), and an answer cell turned into markdown is not executed. Before grading, each
submission is compared with the release notebook by ``grade_id``:

- every locked or graded cell of the release that is missing is inserted again, after the
  nearest release cell before it that the submission still has;
- a cell whose ``grade_id`` names an answer or test cell but whose type changed is turned back
  into a code cell (its source kept; nbgrader then restores locked sources).
"""

from __future__ import annotations

import copy


def _meta(cell) -> dict:
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def restore_cells(nb, release) -> tuple[object, list[str]]:
    """Return (a repaired copy of ``nb``, what was restored)."""
    out = copy.deepcopy(nb)
    restored = []
    release_ids = [(_meta(c).get("grade_id"), c) for c in release.cells]
    release_types = {gid: c.cell_type for gid, c in release_ids if gid}
    for cell in out.cells:
        gid = _meta(cell).get("grade_id")
        if gid in release_types and cell.cell_type != release_types[gid]:
            restored.append(f"{gid} (was {cell.cell_type})")
            cell.cell_type = release_types[gid]
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            else:
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
    present = {_meta(c).get("grade_id") for c in out.cells}
    for pos, (gid, cell) in enumerate(release_ids):
        meta = _meta(cell)
        if not gid or gid in present or not (meta.get("locked") or meta.get("grade")):
            continue
        anchor = None  # the closest earlier release cell that the submission has
        for prev_gid, _ in reversed(release_ids[:pos]):
            if prev_gid and prev_gid in present:
                anchor = prev_gid
                break
        index = 0
        if anchor is not None:
            index = next(i for i, c in enumerate(out.cells) if _meta(c).get("grade_id") == anchor) + 1
        out.cells.insert(index, copy.deepcopy(cell))
        present.add(gid)
        restored.append(gid)
    return out, restored
