"""``grade``: autograde a folder of submissions with nbgrader and write a grade table and feedback.

Input layout: ``SUBMISSIONS/<student_id>/<assignment>/<notebook>.ipynb``. Output::

    OUT/grades.csv                      one row for every submission found
    OUT/feedback/<student>/<assignment>/<notebook>.html
    OUT/course/                         the nbgrader course directory, with its gradebook.db

``status`` in the table tells a real score from a submission that could not be graded:

=====================  =====================================================================
graded                 nbgrader graded it; ``score`` is the score (possibly 0)
missing notebook       the assignment folder lacks the expected notebook (``reason`` lists what is there)
corrupt notebook       the file is not a readable notebook (``reason`` says why); score left empty
unknown assignment     the folder name is not an assignment of this course
could not grade        nbgrader failed on it (dead kernel, ...); ``reason`` has the last error line
=====================  =====================================================================
"""

from __future__ import annotations

import csv
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .config import CELL_TIMEOUT, limit_kernel_threads, make_api
from .paths import assignments
from .release import generate, stage_source
from .slicing import slice_notebook

GRADED = "graded"
MISSING = "missing notebook"
CORRUPT = "corrupt notebook"
UNKNOWN = "unknown assignment"
FAILED = "could not grade"

COLUMNS = ["student_id", "assignment", "notebook", "score", "max_score", "status", "reason", "failed_tests", "seconds"]


@dataclass
class Submission:
    student_id: str
    assignment: str
    notebook: str
    path: Path | None = None
    status: str = "pending"
    reason: str = ""
    score: float | None = None
    max_score: float | None = None
    failed_tests: list = field(default_factory=list)
    seconds: float = 0.0

    def row(self) -> dict:
        return {
            "student_id": self.student_id,
            "assignment": self.assignment,
            "notebook": self.notebook,
            "score": "" if self.score is None else f"{self.score:g}",
            "max_score": "" if self.max_score is None else f"{self.max_score:g}",
            "status": self.status,
            "reason": self.reason,
            "failed_tests": ";".join(self.failed_tests),
            "seconds": f"{self.seconds:.1f}",
        }


def check_notebook(path: Path) -> str | None:
    """None if ``path`` is a readable, valid notebook; otherwise the reason it is not."""
    try:
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
    except UnicodeDecodeError as exc:
        return f"not UTF-8 text ({exc.reason} at byte {exc.start})"
    except Exception as exc:  # JSON errors, schema errors, ...
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"{type(exc).__name__}: {first}"[:300]
    return None


def discover(submissions_dir: Path, expected: dict[str, list[str]]) -> list[Submission]:
    """Every ``<student>/<assignment>/`` folder in ``submissions_dir``, one Submission per expected notebook."""
    subs = []
    for student_dir in sorted(p for p in Path(submissions_dir).iterdir() if p.is_dir()):
        for a_dir in sorted(p for p in student_dir.iterdir() if p.is_dir()):
            sid, a = student_dir.name, a_dir.name
            if a not in expected:
                subs.append(Submission(sid, a, "", status=UNKNOWN,
                                       reason=f"not one of: {', '.join(sorted(expected))}"))
                continue
            for nb_name in expected[a]:
                s = Submission(sid, a, nb_name)
                path = a_dir / f"{nb_name}.ipynb"
                if not path.is_file():
                    found = sorted(p.name for p in a_dir.glob("*.ipynb"))
                    s.status, s.reason = MISSING, f"expected {nb_name}.ipynb; found {found or 'no notebook'}"
                else:
                    s.path = path
                    bad = check_notebook(path)
                    if bad:
                        s.status, s.reason = CORRUPT, bad
                subs.append(s)
    return subs


def _last_error_line(result: dict) -> str:
    text = (result.get("error") or "") + "\n" + (result.get("log") or "")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "Error" in ln or "error" in ln]
    return (errors[-1] if errors else (lines[-1] if lines else "unknown error"))[:300]


def _read_scores(api, sub: Submission) -> None:
    gb = api.gradebook
    try:
        nb = gb.find_submission_notebook(sub.notebook, sub.assignment, sub.student_id)
        sub.score = float(nb.score)
        sub.max_score = float(nb.max_score)
        sub.failed_tests = sorted(g.name for g in nb.grades if g.score is not None and g.score < g.max_score)
    finally:
        gb.close()


def prepare_course(root: Path, course: Path, names: list[str]) -> dict[str, float]:
    """A fresh nbgrader course directory holding the given assignments' sources and gradebook.
    Returns each assignment's maximum score."""
    if course.exists():
        shutil.rmtree(course)
    course.mkdir(parents=True)
    stage_source(Path(root) / "solutions", course, names)
    generate(course, names)
    api = make_api(course)
    gb = api.gradebook
    try:
        return {a: float(gb.find_assignment(a).max_score) for a in names}
    finally:
        gb.close()


def expected_notebooks(root: Path) -> dict[str, list[str]]:
    """Assignment name -> the notebook names it contains (from ``solutions/``)."""
    out = {}
    for a in assignments(Path(root) / "solutions"):
        nbs = sorted(p.stem for p in (Path(root) / "solutions" / a).glob("*.ipynb"))
        out[a] = nbs or [a]
    return out


def grade(root: Path, submissions_dir: Path, out_dir: Path, cell_timeout: int = CELL_TIMEOUT,
          feedback: bool = True, sliced: bool = False, log=print) -> list[Submission]:
    """Grade every submission in ``submissions_dir``; write ``out_dir/grades.csv`` and feedback.

    ``sliced``: execute only the cells that can change a score (setup, answer, test and
    definition-only cells; see :mod:`autograder.slicing`) instead of the whole notebook. Scores are
    the same; the feedback then shows no experiment output.
    """
    root, submissions_dir, out_dir = Path(root), Path(submissions_dir), Path(out_dir)
    limit_kernel_threads()
    expected = expected_notebooks(root)
    subs = discover(submissions_dir, expected)
    names = sorted({s.assignment for s in subs if s.assignment in expected})
    course = out_dir / "course"
    max_scores = prepare_course(root, course, names) if names else {}
    api = make_api(course, cell_timeout)

    for s in subs:
        if s.assignment in max_scores:
            s.max_score = max_scores[s.assignment]
        if s.status != "pending":
            log(f"{s.student_id}/{s.assignment}: {s.status} ({s.reason})")
            continue
        dest = course / "submitted" / s.student_id / s.assignment / f"{s.notebook}.ipynb"
        dest.parent.mkdir(parents=True, exist_ok=True)
        if sliced:
            nb, _ = slice_notebook(nbformat.read(str(s.path), as_version=4))
            nbformat.write(nb, str(dest))
        else:
            shutil.copyfile(s.path, dest)

    for s in subs:
        if s.status != "pending":
            continue
        t0 = time.perf_counter()
        result = api.autograde(s.assignment, s.student_id, force=True, create=True)
        s.seconds = time.perf_counter() - t0
        if not result.get("success"):
            s.status, s.reason = FAILED, _last_error_line(result)
        else:
            try:
                _read_scores(api, s)
                s.status = GRADED
            except Exception as exc:  # graded but missing from the gradebook: say so
                s.status, s.reason = FAILED, f"no gradebook entry after autograde: {exc}"
        if feedback and s.status == GRADED:
            fb = api.generate_feedback(s.assignment, s.student_id, force=True)
            src = course / "feedback" / s.student_id / s.assignment / f"{s.notebook}.html"
            if fb.get("success") and src.exists():
                dest = out_dir / "feedback" / s.student_id / s.assignment / src.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest)
            else:
                s.reason = (s.reason + "; " if s.reason else "") + "feedback could not be generated"
        log(f"{s.student_id}/{s.assignment}: {s.status} {'' if s.score is None else f'{s.score:g}/{s.max_score:g}'} "
            f"({s.seconds:.1f} s){' ' + s.reason if s.reason else ''}")

    write_table(out_dir / "grades.csv", subs)
    return subs


def write_table(path: Path, subs: list[Submission]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for s in sorted(subs, key=lambda s: (s.student_id, s.assignment, s.notebook)):
            w.writerow(s.row())


def read_table(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
