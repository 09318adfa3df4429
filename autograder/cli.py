"""Command line: ``python -m autograder {release,validate,grade,publish,proofread}``."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
from pathlib import Path

from .paths import repo_root


def _release(args) -> int:
    from .release import release

    names = release(args.root, out_dir=args.out, only=args.assignment or None)
    print(f"released {len(names)} assignment(s): {', '.join(names)}")
    return 0


def _validate(args) -> int:
    from .validate import validate_notebook

    paths = []
    for p in args.paths:
        p = Path(p)
        paths.extend(sorted(p.rglob("*.ipynb")) if p.is_dir() else [p])
    paths = [p for p in paths if ".ipynb_checkpoints" not in p.parts]
    if not paths:
        print("no notebooks to validate")
        return 2
    bad = 0
    for p in paths:
        result = validate_notebook(p, cell_timeout=args.timeout)
        print(result.report(), flush=True)
        bad += not result.ok
    print(f"{len(paths) - bad} passed, {bad} failed")
    return 1 if bad else 0


def _grade(args) -> int:
    from .grade import GRADED, grade

    submissions = Path(args.submissions)
    if submissions.suffix == ".zip":
        from .grade import expected_notebooks
        from .intake import unpack

        if not args.assignment:
            print("a zip of uploads needs --assignment NAME (the assignment they were uploaded for)")
            return 2
        notebooks = expected_notebooks(args.root).get(args.assignment)
        if not notebooks:
            print(f"unknown assignment {args.assignment!r}")
            return 2
        extracted = Path(args.out) / "intake"
        shutil.rmtree(extracted, ignore_errors=True)
        for note in unpack(submissions, args.assignment, notebooks[0], extracted, args.zip_pattern):
            print(f"intake: {note}")
        submissions = extracted
    def interrupted(signum, frame):
        """Ctrl-C or SIGTERM: stop every worker now (each kills what its submission started) and
        exit. Not an exception: nbgrader would catch it as one submission's error and go on."""
        from .forkserver import WarmKernel

        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        WarmKernel.close_all()
        print(f"grading interrupted ({signal.Signals(signum).name}): the workers and every process of the "
              "submissions were stopped; no table was written", file=sys.stderr, flush=True)
        os._exit(130)

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    subs = grade(args.root, submissions, Path(args.out), cell_timeout=args.timeout,
                 feedback=not args.no_feedback, sliced=args.slice, jobs=args.jobs, executor=args.executor,
                 scheduler=args.scheduler, students=args.student or None)
    graded = sum(s.status == GRADED for s in subs)
    print(f"{len(subs)} submission(s): {graded} graded, {len(subs) - graded} not graded. "
          f"Table: {Path(args.out) / 'grades.csv'}")
    return 0 if graded == len(subs) else 1


def _publish(args) -> int:
    from .publish import publish

    publish(args.root, Path(args.dest))
    return 0


def _proofread(args) -> int:
    from .proofread import proofread

    return proofread(args.root, args.assignment or None, timeout=args.timeout)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    p.add_argument("--root", type=Path, default=None, help="course repository (default: found from the current directory)")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("release", help="regenerate notebooks/ from solutions/ (nbgrader generate_assignment)")
    r.add_argument("assignment", nargs="*", help="only these assignments (default: all)")
    r.add_argument("--out", type=Path, default=None, help="write the release here instead of notebooks/")
    r.set_defaults(func=_release)

    v = sub.add_parser("validate", help="run notebooks with nbgrader's Validator; exit 1 if a test fails")
    v.add_argument("paths", nargs="+", help="notebooks or folders of notebooks")
    v.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    v.set_defaults(func=_validate)

    g = sub.add_parser("grade", help="autograde SUBMISSIONS/<student>/<assignment>/<notebook>.ipynb")
    g.add_argument("submissions", help="a folder SUBMISSIONS/<student>/<assignment>/<notebook>.ipynb, or an "
                                       "LMS zip of one assignment's uploads (with --assignment)")
    g.add_argument("--out", required=True, help="output folder: grades.csv, feedback/, course/")
    g.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    g.add_argument("--no-feedback", action="store_true", help="skip the feedback HTML")
    mode = g.add_mutually_exclusive_group()
    mode.add_argument("--slice", dest="slice", action="store_true", default=True,
                      help="execute only setup, answer and test cells (the default: same scores, much faster; "
                           "no experiment output in the feedback)")
    mode.add_argument("--full", dest="slice", action="store_false",
                      help="execute every cell (the feedback then shows every experiment's output)")
    g.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                   help="grading workers side by side (default: one per CPU core)")
    g.add_argument("--executor", choices=["warm", "nbgrader"], default="warm",
                   help="warm: a sandboxed fork of a warm process per submission (default); nbgrader: stock "
                        "nbgrader, a new Jupyter kernel per submission, sequential and unconfined")
    g.add_argument("--student", action="append", metavar="ID",
                   help="re-grade only this student (repeatable), keeping the other rows of an earlier run in --out")
    g.add_argument("--assignment", help="with a zip: the assignment its uploads are for")
    from .intake import DEFAULT_PATTERN

    g.add_argument("--zip-pattern", default=DEFAULT_PATTERN,
                   help="regular expression with (?P<student_id>...) and (?P<file_id>...) for the file names in "
                        "the zip, as nbgrader zip_collect's FileNameCollectorPlugin (default: Canvas's convention)")
    g.add_argument("--scheduler", default=None,
                   help="run the grading work on Dask distributed: 'local' starts a local cluster of --jobs "
                        "workers, an address (tcp://host:8786) uses an existing cluster")
    g.set_defaults(func=_grade)

    pub = sub.add_parser("publish", help="write a student-only tree (no solutions, no hidden tests)")
    pub.add_argument("dest")
    pub.set_defaults(func=_publish)

    pr = sub.add_parser("proofread", help="run the solution notebooks; exit 1 where a number the text marks "
                                          "disagrees with what the run measured")
    pr.add_argument("assignment", nargs="*", help="assignment names (default: all)")
    pr.add_argument("--timeout", type=int, default=600, help="per-cell time limit in seconds (default 600)")
    pr.set_defaults(func=_proofread)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    args.root = (args.root or repo_root()).resolve()
    logging.getLogger("traitlets").setLevel(logging.WARNING)
    return args.func(args)
