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
timed out              graded, but a cell ran past the time limit (that cell lost its points)
crashed                graded, but the process died in a cell (``os._exit``, memory limit): that
                       cell lost its points, the rest was graded in a new process
tampered               graded with the test helpers put back, but the submission changed what tests
                       rely on (patched ``numpy.testing``, rebound ``check_close``...): review it
=====================  =====================================================================

Deleted test cells and answer cells turned into markdown are restored before grading
(:mod:`autograder.restore`); ``reason`` lists them.

Sliced grading (the default) executes only the cells that can change a score
(:mod:`autograder.slicing`). A submission in which a test cell then raises ``NameError`` may rely on
a cell the slice skipped (a student's helper cell that also runs code, a name an experiment cell
made): it is graded again with every cell executed, as stock nbgrader would, and ``reason`` starts
with ``graded with every cell executed`` (not when the slice already timed out, crashed or tampered:
then every experiment cell could cost the time limit). ``benchmarks/slice_equivalence.py`` checks that the two
ways give the same scores on the whole test corpus; the suite compares against its record.
"""

from __future__ import annotations

import csv
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .config import CELL_TIMEOUT, limit_kernel_threads, make_api
from . import reports
from .paths import assignments
from .slicing import slice_notebook

GRADED = "graded"
MISSING = "missing notebook"
CORRUPT = "corrupt notebook"
UNKNOWN = "unknown assignment"
FAILED = "could not grade"
TIMED_OUT = "timed out"
CRASHED = "crashed"
TAMPERED = "tampered"
#: The start of ``reason`` for a sliced submission that was graded again with every cell executed.
FULL_RERUN = "graded with every cell executed"

COLUMNS = ["student_id", "assignment", "notebook", "score", "max_score", "status", "reason", "failed_tests",
           "failed_aspects", "seconds"]


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
    failed_aspects: list = field(default_factory=list)
    seconds: float = 0.0
    note: str = ""  # said in ``reason`` whatever the status (e.g. a re-grade with every cell)

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
            "failed_aspects": ";".join(a.replace(";", ",") for a in self.failed_aspects),
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
    path = Path(api.coursedir.root) / "autograded" / sub.student_id / sub.assignment / f"{sub.notebook}.ipynb"
    try:
        sub.failed_aspects = reports.failed_aspects(nbformat.read(str(path), as_version=4))
    except Exception:  # noqa: BLE001 - the score stands; the aspects are an explanation
        sub.failed_aspects = []


def prepare_course(root: Path, course: Path, names: list[str], log=None) -> dict[str, float]:
    """A fresh nbgrader course directory holding the given assignments' sources and gradebook
    (copied from :mod:`autograder.coursecache` when their content was prepared before).
    Returns each assignment's maximum score."""
    from .coursecache import prepare

    t0 = time.perf_counter()
    hit = prepare(root, course, names, log)
    if log:
        log(f"course {'copied from the cache' if hit else 'built'} in {time.perf_counter() - t0:.1f} s")
    return _max_scores(course, names)


def expected_notebooks(root: Path) -> dict[str, list[str]]:
    """Assignment name -> the notebook names it contains (from ``solutions/``)."""
    out = {}
    for a in assignments(Path(root) / "solutions"):
        nbs = sorted(p.stem for p in (Path(root) / "solutions" / a).glob("*.ipynb"))
        out[a] = nbs or [a]
    return out


def hidden_paths(root: Path, submissions_dir: Path, out_dir: Path) -> list[str]:
    """What a submission must not see: the class's submissions, the grading output (gradebook,
    the instructor's source with hidden tests), and everything in the course repository but the
    Python environment and ``course_utils`` (solutions, tests, history, notebooks...)."""
    import sys

    import course_utils

    from .coursecache import cache_root

    needed = [Path(sys.prefix).resolve(), Path(course_utils.__file__).resolve().parent]
    candidates = [Path(out_dir), Path(submissions_dir), cache_root(root)] + sorted(Path(root).iterdir())
    out = []
    for p in candidates:
        p = p.resolve()
        if p.exists() and not any(n == p or p in n.parents for n in needed) and str(p) not in out:
            out.append(str(p))
    return out


def _outcome(s: Submission, result: dict | None, restored: list[str]) -> None:
    """Status and reason from what the pool saw (timeouts, crashes, tampering, restored cells)."""
    notes = []
    if restored:
        notes.append("restored cells: " + ", ".join(restored))
    if result:
        events = result.get("events", [])
        if result.get("tampered"):
            s.status = TAMPERED
            notes.append("changed what tests rely on (put back before each test): "
                         + ", ".join(result["tampered"][:8]))
        elif any("CellTimeoutError" in e for e in events):
            s.status = TIMED_OUT
        elif any(k in e for e in events for k in ("KernelDied", "MemoryBoundExceeded", "NotRun", "gave up")):
            s.status = CRASHED
        notes += events[:5]
    if notes:
        s.reason = "; ".join(([s.reason] if s.reason else []) + notes)[:1000]


def grade(root: Path, submissions_dir: Path, out_dir: Path, cell_timeout: int = CELL_TIMEOUT,
          feedback: bool = True, sliced: bool = True, jobs: int = 1, executor: str = "warm",
          scheduler: str | None = None, limits=None, students: list[str] | None = None,
          log=print) -> list[Submission]:
    """Grade every submission in ``submissions_dir``; write ``out_dir/grades.csv`` and feedback.

    ``sliced``: execute only the cells that can change a score (setup, answer, test and
    definition-only cells; see :mod:`autograder.slicing`) instead of the whole notebook. Scores are
    the same; the feedback then shows no experiment output.
    ``executor``: ``"warm"`` (default) runs each submission in a confined child of a warm fork
    server (:mod:`autograder.forkserver`), ``jobs`` of them side by side, on this machine or on
    Dask (``scheduler``: ``"local"`` for a local Dask cluster, or a scheduler address);
    ``"nbgrader"`` uses stock nbgrader's kernel-per-submission execution, one at a time, unconfined.
    ``students``: re-grade only these students, in the course directory of the earlier run in
    ``out_dir`` (same sources, same gradebook), keeping every other row of ``grades.csv``.
    """
    from . import engine

    root, submissions_dir, out_dir = Path(root), Path(submissions_dir), Path(out_dir)
    limit_kernel_threads()
    expected = expected_notebooks(root)
    subs = discover(submissions_dir, expected)
    course = out_dir / "course"
    kept: list[dict] = []
    if students:  # re-grade these students only, in the existing course, keeping everyone else's rows
        wanted = set(students)
        unknown = wanted - {s.student_id for s in subs}
        if unknown:
            raise SystemExit(f"no submissions for: {', '.join(sorted(unknown))}")
        subs = [s for s in subs if s.student_id in wanted]
        if (out_dir / "grades.csv").exists():
            kept = [r for r in read_table(out_dir / "grades.csv") if r["student_id"] not in wanted]
    names = sorted({s.assignment for s in subs if s.assignment in expected})
    starting = None
    n_pending = sum(s.status == "pending" for s in subs)
    if executor == "warm" and n_pending:
        # no more warm workers than submissions: each costs a few seconds of imports to start
        jobs = min(jobs, n_pending) if scheduler is None else jobs
        starting = _start_pool_in_background(root, submissions_dir, out_dir, jobs, scheduler, log,
                                             lean=n_pending <= LEAN_CLASS)
    if students and (course / "gradebook.db").exists() and _has_assignments(course, names):
        max_scores = _max_scores(course, names)
        for s in subs:
            shutil.rmtree(course / "submitted" / s.student_id, ignore_errors=True)
    else:
        max_scores = prepare_course(root, course, names, log) if names else {}
    api = make_api(course, cell_timeout, executor)

    restored: dict = {}
    for s in subs:
        if s.assignment in max_scores:
            s.max_score = max_scores[s.assignment]
        if s.status != "pending":
            log(f"{s.student_id}/{s.assignment}: {s.status} ({s.reason})")
            continue
        restored[id(s)] = _write_submitted(course, s, sliced)

    pending = [s for s in subs if s.status == "pending"]
    pool = None
    if starting is not None:
        # nbgrader's first pass over every submission runs while the workers are still starting:
        # its jobs wait in the queue and go out the moment the workers are up
        pool = _PoolWhenReady(starting)
        base_job = {"timeout": cell_timeout, "hide": hidden_paths(root, submissions_dir, out_dir),
                    "cache_dir": str(_cache_dir()), "limits": dict(vars(limits)) if limits else {}}
        engine.ACTIVE = engine.Engine(pool, base_job)
    try:
        _autograde(api, pending, pool, restored, log, warm_up=feedback)
        # A test that met NameError in the slice may depend on a cell the slice skipped (a
        # student's helper cell that also runs code, a name made in an experiment cell): full
        # execution would have defined it. Re-grade those submissions with every cell executed;
        # not one that timed out, crashed or tampered (every experiment would cost the time limit).
        again = [s for s in pending if sliced and s.status == GRADED and _name_errors(course, s)]
        for s in again:
            first = _name_errors(course, s)[0]
            restored[id(s)] = _write_submitted(course, s, sliced=False)
            s.status, s.reason, s.score, s.failed_tests = "pending", "", None, []
            s.note = f"{FULL_RERUN}: in the sliced run {first}"
        if again:
            log(f"{len(again)} submission(s) met NameError in a test: re-grading them with every cell executed")
            if engine.ACTIVE is not None:
                engine.ACTIVE.mode = "capture"
            _autograde(api, again, pool, restored, log)
        if feedback:
            todo = [s for s in pending if s.score is not None]
            t0 = time.perf_counter()
            _feedback_all(api, course, out_dir, todo, jobs, cell_timeout, executor)
            log(f"feedback: {len(todo)} report(s) in {time.perf_counter() - t0:.1f} s")
    except BaseException:
        if pool is not None:  # failed (or interrupted, called as a function): stop the workers mid-job
            pool.close(interrupted=True)
            engine.ACTIVE = None
            pool = None
        raise
    finally:
        if pool is not None:
            pool.close()
            engine.ACTIVE = None

    write_table(out_dir / "grades.csv", subs, kept)
    from .summary import write_summaries

    for path in write_summaries(out_dir, kept + [s.row() for s in subs], course):
        if path.suffix == ".md":
            log(f"summary: {path}")
    return subs


def _write_submitted(course: Path, s: Submission, sliced: bool) -> list[str]:
    """Put the student's notebook where nbgrader autogrades it: deleted cells restored from the
    release (:mod:`autograder.restore`), then sliced unless ``sliced`` is False. Returns the
    restored cells."""
    from .restore import restore_cells

    nb = nbformat.read(str(s.path), as_version=4)
    release = nbformat.read(str(course / "release" / s.assignment / f"{s.notebook}.ipynb"), as_version=4)
    nb, restored = restore_cells(nb, release)
    if sliced:
        nb, _ = slice_notebook(nb)
    dest = course / "submitted" / s.student_id / s.assignment / f"{s.notebook}.ipynb"
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(dest))
    return restored


def _autograde(api, batch: list[Submission], pool, restored: dict, log=print, warm_up: bool = False) -> None:
    """nbgrader autograde of ``batch``: status, score, failed tests and reason of each (logged).
    ``warm_up``: while the workers are still starting, import what feedback and summaries need."""
    from . import engine

    if pool is not None:  # pass 1: nbgrader sanitizes, the pool starts executing
        for s in batch:
            api.autograde(s.assignment, s.student_id, force=True, create=True)
        engine.ACTIVE.mode = "replay"
        if warm_up and not pool.ready():
            _warm_up_reports()
    for s in batch:
        t0 = time.perf_counter()
        result = api.autograde(s.assignment, s.student_id, force=True, create=True)
        s.seconds = time.perf_counter() - t0
        pool_result = engine.ACTIVE.results.get((s.student_id, s.assignment, s.notebook)) if pool else None
        if pool_result:  # the time it ran in its worker, not the time this loop waited for it
            s.seconds = pool_result.get("seconds", 0.0)
        if not result.get("success"):
            s.status, s.reason = FAILED, _last_error_line(result)
        else:
            try:
                _read_scores(api, s)
                s.status = GRADED
            except Exception as exc:  # graded but missing from the gradebook: say so
                s.status, s.reason = FAILED, f"no gradebook entry after autograde: {exc}"
        if s.status == GRADED:
            _outcome(s, pool_result, restored.get(id(s), []))
        if s.note:
            s.reason = "; ".join(r for r in (s.note, s.reason) if r)[:1000]
        log(f"{s.student_id}/{s.assignment}: {s.status} "
            f"{'' if s.score is None else f'{s.score:g}/{s.max_score:g}'} "
            f"({s.seconds:.1f} s){' ' + s.reason if s.reason else ''}")


def _name_errors(course: Path, s: Submission) -> list[str]:
    """``name: NameError: ...`` for each autograded test cell of ``s`` that raised NameError."""
    path = course / "autograded" / s.student_id / s.assignment / f"{s.notebook}.ipynb"
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:
        return []
    found = []
    for cell in nb.cells:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and out.get("ename") == "NameError":
                found.append(f"{meta.get('grade_id')}: NameError: {out.get('evalue', '')}"[:200])
                break
    return found


#: Below this many reports, feedback is made in this process (a helper process costs ~2 s to start).
PARALLEL_FEEDBACK_MIN = 6


def _feedback_all(api, course: Path, out_dir: Path, todo: list[Submission], jobs: int, cell_timeout: int,
                  executor: str) -> None:
    """nbgrader's feedback HTML for each of ``todo``, copied to ``out_dir/feedback``. With several
    jobs and enough reports, ``jobs`` helper processes share the work (each with its own nbgrader
    API on the same course directory; making a report only reads the gradebook)."""
    pairs = [(s.assignment, s.student_id, s.notebook) for s in todo]
    if jobs > 1 and len(pairs) >= PARALLEL_FEEDBACK_MIN:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        n = min(jobs, len(pairs) // (PARALLEL_FEEDBACK_MIN // 2))
        chunks = [pairs[i::n] for i in range(n)]
        with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn")) as ex:
            failed = set().union(*ex.map(_feedback_chunk, [course] * n, [out_dir] * n, chunks,
                                         [cell_timeout] * n, [executor] * n))
    else:
        failed = _feedback_chunk(course, out_dir, pairs, cell_timeout, executor, api)
    for s in todo:
        if (s.assignment, s.student_id, s.notebook) in failed:
            s.reason = (s.reason + "; " if s.reason else "") + "feedback could not be generated"


def _feedback_chunk(course: Path, out_dir: Path, pairs: list[tuple], cell_timeout: int, executor: str,
                    api=None) -> set[tuple]:
    """Make the reports of ``pairs`` ((assignment, student, notebook)); returns those that failed."""
    if api is None:  # in a helper process
        api = make_api(course, cell_timeout, executor)
    failed = set()
    for assignment, student, notebook in pairs:
        try:
            ok = api.generate_feedback(assignment, student, force=True).get("success")
        except Exception:
            ok = False
        src = course / "feedback" / student / assignment / f"{notebook}.html"
        if ok and src.exists():
            dest = out_dir / "feedback" / student / assignment / src.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            page = src.read_text(encoding="utf-8")
            try:
                graded = nbformat.read(str(course / "autograded" / student / assignment / f"{notebook}.ipynb"), 4)
                page = reports.finish_feedback(page, graded)
                src.write_text(page, encoding="utf-8")  # the copy nbgrader's exchange returns, too
            except Exception:  # noqa: BLE001 - nbgrader's page as it is
                pass
            dest.write_text(page, encoding="utf-8")
        else:
            failed.add((assignment, student, notebook))
    return failed


def _warm_up_reports() -> None:
    """Import what the feedback HTML and the summary plot need (about a second), while this
    process would otherwise only wait for the workers to start."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    from nbconvert.exporters import HTMLExporter  # noqa: F401


class _Deferred:
    """The future of a job submitted before the pool was up."""

    def __init__(self):
        self._inner, self._error = None, None
        self._sent = threading.Event()

    def result(self):
        self._sent.wait()
        if self._error is not None:
            raise self._error
        return self._inner.result()


class _PoolWhenReady:
    """A pool still starting (``starting``: a future of it) that takes jobs already: they wait
    and are submitted, in order, once it is up."""

    def __init__(self, starting):
        self._starting = starting
        self._lock = threading.Lock()
        self._queued: list = []
        starting.add_done_callback(self._flush)

    def ready(self) -> bool:
        return self._starting.done()

    def submit(self, job: dict):
        with self._lock:
            if self._starting.done():
                return self._starting.result().submit(job)
            deferred = _Deferred()
            self._queued.append((job, deferred))
            return deferred

    def _flush(self, starting) -> None:
        with self._lock:
            queued, self._queued = self._queued, []
            for job, deferred in queued:
                try:
                    deferred._inner = starting.result().submit(job)
                except BaseException as exc:  # noqa: BLE001 - the pool did not start: every job fails
                    deferred._error = exc
                deferred._sent.set()

    def close(self, interrupted: bool = False) -> None:
        try:
            pool = self._starting.result()
        except Exception:  # noqa: BLE001 - it never started: nothing to close
            return
        pool.close(interrupted)


#: Up to this many submissions, the workers start lean (:class:`autograder.pool.LocalPool`).
LEAN_CLASS = 4


def _start_pool_in_background(root, submissions_dir, out_dir, jobs, scheduler, log, lean=False):
    """Start the grading workers while nbgrader prepares the course (both take seconds)."""
    from concurrent.futures import ThreadPoolExecutor

    from . import sandbox
    from .pool import DaskPool, LocalPool

    from . import containment

    report = sandbox.probe(hidden_paths(root, submissions_dir, out_dir))
    log(sandbox.describe_missing(report))
    log("per submission: " + containment.probe(sandbox.Limits()))

    def start():
        t0 = time.perf_counter()
        pool = LocalPool(jobs, lean) if scheduler is None else DaskPool(None if scheduler == "local" else scheduler, jobs)
        log(f"{jobs} grading worker(s) ready in {time.perf_counter() - t0:.1f} s"
            + (f" on Dask at {pool.address}" if scheduler is not None else "")
            + (f"; submissions run as uid {', '.join(map(str, pool.uids))}" if getattr(pool, "uids", None) else ""))
        return pool

    ex = ThreadPoolExecutor(1)
    future = ex.submit(start)
    ex.shutdown(wait=False)
    return future


def _cache_dir() -> Path:
    from course_utils.data import default_cache_dir

    return default_cache_dir()


def write_table(path: Path, subs: list[Submission], kept: list[dict] | None = None) -> None:
    """``grades.csv``: the rows of ``subs`` and the ``kept`` rows of an earlier run, sorted."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [s.row() for s in subs] + [{k: r.get(k, "") for k in COLUMNS} for r in kept or []]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for row in sorted(rows, key=lambda r: (r["student_id"], r["assignment"], r["notebook"])):
            w.writerow(row)


def _max_scores(course: Path, names: list[str]) -> dict[str, float]:
    api = make_api(course)
    gb = api.gradebook
    try:
        return {a: float(gb.find_assignment(a).max_score) for a in names}
    finally:
        gb.close()


def _has_assignments(course: Path, names: list[str]) -> bool:
    try:
        _max_scores(course, names)
        return True
    except Exception:  # noqa: BLE001 - MissingEntry: the course predates this assignment
        return False


def read_table(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
