"""nbgrader preprocessors of our own."""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor


class StderrAsStdout(NbGraderPreprocessor):
    """Relabel stderr stream outputs as stdout, prefixed so they stay recognisable.

    Stock nbgrader gives a test cell zero points when it wrote *anything* to stderr, so a correct
    solution that emits a harmless warning (``warnings.warn``, a tqdm bar) loses its points. After
    this preprocessor only real errors (``error`` outputs: failed assertions, exceptions, timeouts)
    cost points. Runs after ``Execute`` and before ``SaveAutoGrades``.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream" and out.get("name") == "stderr":
                    out["name"] = "stdout"
                    out["text"] = "".join("[stderr] " + line for line in out["text"].splitlines(True))
        return cell, resources


class PoolExecute(NbGraderPreprocessor):
    """nbgrader's ``Execute`` step, done by the warm execution pool (see :mod:`autograder.engine`)."""

    def preprocess(self, nb, resources):
        from . import engine

        if engine.ACTIVE is None:
            raise RuntimeError("PoolExecute needs an active grading engine (autograder.grade sets one)")
        return engine.ACTIVE.execute(nb, resources)
