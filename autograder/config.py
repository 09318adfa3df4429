"""The nbgrader configuration the course grades with, built in code (no nbgrader_config.py to drift)."""

from __future__ import annotations

from pathlib import Path

from traitlets.config import Config

STUB_MESSAGE = (
    "Not implemented yet: replace this line with your code, run the cell, then run the tests below it."
)
CODE_STUB = f'# YOUR CODE HERE\nraise NotImplementedError("{STUB_MESSAGE}")'

#: Seconds one cell may run while grading (an infinite loop costs this, per test cell that calls it).
CELL_TIMEOUT = 120

#: Kernel arguments while grading: ``xmode=Minimal`` keeps hidden test lines out of tracebacks.
KERNEL_ARGUMENTS = ["--InteractiveShell.xmode=Minimal"]


def limit_kernel_threads() -> None:
    """Grading kernels inherit this process's environment: give each one BLAS/OpenMP thread.

    Small models train many times faster on one thread than on two threads competing for the
    same cores (torch's spinning workers), and grading runs kernels side by side. An explicit
    ``OMP_NUM_THREADS`` set by the instructor wins.
    """
    import os

    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def nbgrader_config(course_root: Path, cell_timeout: int = CELL_TIMEOUT, executor: str = "nbgrader") -> Config:
    """Config for a working nbgrader course directory at ``course_root`` (its own gradebook).

    ``executor``: ``"nbgrader"`` executes submissions in a Jupyter kernel per submission (stock
    nbgrader's ``Execute``); ``"warm"`` hands execution to the warm, sandboxed pool of
    :mod:`autograder.engine` (the grader sets the pool up)."""
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        ClearHiddenTests,
        Execute,
        GetGrades,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor

    from .preprocessors import PoolExecute, StderrAsStdout

    course_root = Path(course_root).resolve()
    c = Config()
    c.CourseDirectory.root = str(course_root)
    c.CourseDirectory.db_url = f"sqlite:///{course_root / 'gradebook.db'}"
    c.CourseDirectory.course_id = "tnn2"
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    c.Execute.timeout = cell_timeout
    c.Execute.extra_arguments = list(KERNEL_ARGUMENTS)
    c.Autograde.autograde_preprocessors = [
        PoolExecute if executor == "warm" else Execute,
        StderrAsStdout,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, ClearHiddenTests]
    c.NbGraderAPI.timezone = "UTC"
    return c


def make_api(course_root: Path, cell_timeout: int = CELL_TIMEOUT, executor: str = "nbgrader"):
    """An ``nbgrader.apps.NbGraderAPI`` bound to ``course_root``, running in this process."""
    import os
    import sys

    from nbgrader.apps import NbGraderAPI

    # nbgrader runs `alembic` to create the gradebook: make this environment's bin/ findable even
    # when the virtual environment was not activated.
    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    from nbgrader.coursedir import CourseDirectory

    quiet_gradebook_warnings()
    cfg = nbgrader_config(course_root, cell_timeout, executor)
    coursedir = CourseDirectory(config=cfg)
    return NbGraderAPI(coursedir=coursedir, config=cfg)


def quiet_gradebook_warnings() -> None:
    """Hide the SQLAlchemy ``SAWarning`` "Object of type <SubmittedNotebook> not in session" that
    nbgrader 0.9.6's gradebook emits on every autograde (its autoflush of a half-built submission;
    the submission is saved correctly: the suite reads every score back from the gradebook). Other
    warnings stay visible."""
    import warnings

    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", message=r"Object of type <\w+> not in session", category=SAWarning)
