"""The bridge between nbgrader's autograde pipeline and the warm execution pool.

nbgrader's ``Autograde`` converter sanitizes a submission (restores locked cells from the
gradebook, clears outputs), executes it, and saves the grades. We keep all of that and replace
only the ``Execute`` step with :class:`autograder.preprocessors.PoolExecute`, which calls the
active :class:`Engine`. Grading runs nbgrader twice per submission, both passes cheap (about
0.1 s), so that execution can run in parallel between them:

1. ``capture``: the sanitized notebook's code cells are sent to the pool (non-blocking); the test
   cells get a "not executed yet" error so that nothing is ever saved as a pass;
2. ``replay``: the pool's outputs are written into the cells (the cell sources are checked to be
   the ones sent; if not, the notebook is executed again), and nbgrader saves the grades.
"""

from __future__ import annotations

import nbformat

ACTIVE = None


def _nbgrader(cell) -> dict:
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def job_cells(nb) -> list[dict]:
    """The code cells of ``nb`` as fork-server cells: autograded tests run outside IPython."""
    cells, first = [], True
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = _nbgrader(cell)
        is_test = bool(meta.get("grade")) and not meta.get("solution")
        cells.append({"source": cell.source, "kind": "test" if is_test else "shell",
                      "name": meta.get("grade_id") or "cell", "setup": first})
        first = False
    return cells


class Engine:
    """Executes sanitized notebooks on ``pool``; ``base_job`` carries the timeout, sandbox paths, limits."""

    def __init__(self, pool, base_job: dict):
        self.pool, self.base_job = pool, base_job
        self.mode = "capture"
        self.pending: dict = {}
        self.results: dict = {}

    @staticmethod
    def key(resources) -> tuple:
        nbg = resources.get("nbgrader", {})
        return nbg.get("student"), nbg.get("assignment"), nbg.get("notebook")

    def submit(self, key, cells) -> None:
        self.pending[key] = (cells, self.pool.submit({**self.base_job, "cells": cells}))

    def execute(self, nb, resources):
        key = self.key(resources)
        cells = job_cells(nb)
        if self.mode == "capture":
            self.submit(key, cells)
            for cell in nb.cells:
                if cell.cell_type == "code" and _nbgrader(cell).get("grade"):
                    cell.outputs = [nbformat.from_dict({"output_type": "error", "ename": "NotExecuted",
                                                        "evalue": "not executed yet", "traceback": []})]
            return nb, resources
        sent, future = self.pending.get(key, (None, None))
        if future is None or [c["source"] for c in sent] != [c["source"] for c in cells]:
            self.submit(key, cells)
            sent, future = self.pending[key]
        result = future.result()
        self.results[key] = result
        if "error" in result:
            raise RuntimeError(f"the grading worker failed: {result['error']}")
        code_cells = [c for c in nb.cells if c.cell_type == "code"]
        for n, (cell, outputs) in enumerate(zip(code_cells, result["outputs"]), start=1):
            cell.outputs = [nbformat.from_dict(o) for o in outputs]
            cell.execution_count = n
        return nb, resources
