"""Does ``grade --slice`` give exactly the scores of full execution on the whole test corpus?

Builds every submission the suite grades: for each assignment the classes of
``tests/test_grading.py`` (reference solution, untouched release, stderr-noisy solution, a solution
leaning on a student's own helper cell that the slice skips (01-03), the half-done notebook, every file of
the mistake corpus, and for 01 the corrupt, misnamed and lost folders), plus the hostile corpus of
``tests/hostile.py`` (but its endless loops, ``NEVER_FULL``, which under full execution would cost the
time limit in every experiment cell). Grades them twice, ``--full`` and ``--slice`` (warm workers, ``--jobs N``,
no feedback), and compares every row's status, score and failed tests.

``--record`` writes what full execution gave, with a digest of each submission, into
``tests/records/slice_equivalence.json``; the suite compares the slice it grades on every run
against that record (``tests/slice_record.py``). Full execution runs every experiment of every
submission: the whole corpus takes about an hour on 2 cores, one assignment 2-10 minutes.

    .venv/bin/python benchmarks/slice_equivalence.py [--record] [--jobs N] [--hostile] [ASSIGNMENT ...]
    .venv/bin/python benchmarks/slice_equivalence.py --record --students 'mistake-adam-*' 03_adaptive

No assignment named: every assignment and the hostile corpus.
"""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HOSTILE = "hostile"


def build(names: list[str], hostile: bool, work: Path, pattern: str) -> None:
    """Write the corpus into ``work/submissions/<group>-<student>/``."""
    from tests.hostile import CASES, NEVER_FULL, write
    from tests.test_grading import build_class

    subs = work / "submissions"
    for a in names:
        tmp = work / f"tmp-{a}"
        build_class(a, tmp, tmp)
        for student in tmp.iterdir():
            if fnmatch.fnmatch(student.name, pattern):
                shutil.copytree(student, subs / f"{a}-{student.name}")
        shutil.rmtree(tmp)
    if hostile:
        ctx = hostile_context(work)
        for name, (_, make) in CASES.items():
            if name not in NEVER_FULL and fnmatch.fnmatch(name, pattern):
                write(make, ctx, subs / f"{HOSTILE}-{name}" / "01_sgd" / "01_sgd.ipynb")


def hostile_context(work: Path) -> dict:
    return {"root": ROOT, "out": work / "out-full",
            "bystander": work / "submissions" / "01_sgd-perfect" / "01_sgd" / "01_sgd.ipynb"}


def placeholders(ctx: dict) -> dict[str, str]:
    """The run's own paths, as the record writes them (see ``tests.slice_record.student_digest``)."""
    return {str(v): f"<{k}>" for k, v in ctx.items()}


def split(folder: str, groups: list[str]) -> tuple[str, str]:
    for g in sorted(groups, key=len, reverse=True):
        if folder.startswith(g + "-"):
            return g, folder[len(g) + 1:]
    raise ValueError(f"{folder}: not <group>-<student>")


def grade(work: Path, mode: str, jobs: int) -> tuple[dict, float | None]:
    """Grade the corpus in ``mode``; (student folder -> outcome, seconds). An existing table in
    ``work`` is read instead (seconds None)."""
    from autograder.grade import read_table

    out = work / f"out{mode.replace('--', '-')}"
    seconds = None
    if not (out / "grades.csv").exists():
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "autograder", "grade", str(work / "submissions"), "--out", str(out),
                        mode, "--jobs", str(jobs), "--no-feedback", "--timeout", "60"], cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        seconds = round(time.perf_counter() - t0)
    from tests.slice_record import outcome

    return {r["student_id"]: outcome(r) for r in read_table(out / "grades.csv")}, seconds


def record(work: Path, groups: list[str], full: dict, sliced: dict, run: dict, whole: bool) -> None:
    from tests import slice_record

    rec = slice_record.load()
    ctx = placeholders(hostile_context(work))
    for folder in sorted((work / "submissions").iterdir()):
        group, sid = split(folder.name, groups)
        a = "01_sgd" if group == HOSTILE else group
        entries = rec["submissions"].setdefault(group, {})
        entries[sid] = {"digest": slice_record.student_digest(folder, a, ctx if group == HOSTILE else None),
                        "full": full.get(folder.name), "slice": sliced.get(folder.name)}
    if whole:  # drop what is no longer in the corpus of the groups recorded here
        present = {split(f.name, groups) for f in (work / "submissions").iterdir()}
        for group in groups:
            for sid in list(rec["submissions"].get(group, {})):
                if (group, sid) not in present:
                    del rec["submissions"][group][sid]
    rec["runs"].append(run)
    rec["submissions"] = {g: dict(sorted(v.items())) for g, v in sorted(rec["submissions"].items())}
    slice_record.RECORD.parent.mkdir(parents=True, exist_ok=True)
    slice_record.RECORD.write_text(_format(rec))
    print(f"recorded in {slice_record.RECORD.relative_to(ROOT)}")


def _format(rec: dict) -> str:
    """JSON with one line per run and per submission (readable diffs when a record changes)."""
    runs = ",\n".join("  " + json.dumps(r) for r in rec["runs"])
    groups = []
    for g, entries in rec["submissions"].items():
        body = ",\n".join(f"   {json.dumps(sid)}: {json.dumps(e)}" for sid, e in entries.items())
        groups.append(f"  {json.dumps(g)}: {{\n{body}\n  }}")
    return '{\n "runs": [\n' + runs + '\n ],\n "submissions": {\n' + ",\n".join(groups) + "\n }\n}\n"


def main(argv=None) -> int:
    from tests.test_grading import GRADED_ASSIGNMENTS

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("assignments", nargs="*", default=None)
    p.add_argument("--hostile", action="store_true", help="the hostile corpus too (the default with no assignment)")
    p.add_argument("--students", default="*", help="only the students whose id matches this glob")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--record", action="store_true", help="write the results into tests/records/")
    p.add_argument("--reuse", action="store_true", help="compare (and record) an earlier run in --work")
    p.add_argument("--work", type=Path, default=ROOT / "build" / "slice-equivalence")
    args = p.parse_args(argv)
    names = args.assignments or GRADED_ASSIGNMENTS
    hostile = args.hostile or not args.assignments
    groups = names + ([HOSTILE] if hostile else [])
    if not args.reuse:
        if args.work.exists():
            shutil.rmtree(args.work)
        build(names, hostile, args.work, args.students)
    full, full_s = grade(args.work, "--full", args.jobs)
    print(f"--full: {len(full)} rows in {full_s} s", flush=True)
    sliced, slice_s = grade(args.work, "--slice", args.jobs)
    print(f"--slice: {len(sliced)} rows in {slice_s} s", flush=True)
    differ = sorted(k for k in full.keys() | sliced.keys() if full.get(k) != sliced.get(k))
    for k in differ:
        print(f"DIFFERENT {k}: full {full.get(k)} slice {sliced.get(k)}")
    print(f"{len(full)} submissions; {len(differ)} differ")
    if args.record:
        run = {"date": datetime.date.today().isoformat(), "groups": groups, "students": args.students,
               "jobs": args.jobs, "cores": os.cpu_count(), "submissions": len(full), "differ": len(differ),
               "full_seconds": full_s, "slice_seconds": slice_s}
        record(args.work, groups, full, sliced, run, whole=args.students == "*")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
