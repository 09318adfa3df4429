"""Does ``grade --slice`` give exactly the scores of full execution on the whole test corpus?

Builds every submission the suite grades: for each assignment the classes of
``tests/test_grading.py`` (reference solution, untouched release, stderr-noisy solution, a solution
leaning on a student's own helper cell that the slice skips (01-03), the half-done notebook, every file of
the mistake corpus, and for 01 the corrupt, misnamed and lost folders), plus the hostile corpus of
``tests/hostile.py`` (but its endless loops, ``NEVER_FULL``, which under full execution would cost the
time limit in every experiment cell). Grades them twice, ``--full`` and ``--slice`` (warm workers, ``--jobs N``,
no feedback), and compares every row's status, score and failed tests.

Each group is graded with the options the suite grades it with (the classes with the default
per-cell time limit, the hostile corpus with ``tests/test_grading_hardening.py``'s), since the
record is only evidence for those options.

``--record`` writes what full execution gave, with a digest of each submission and of the grading
environment (``tests/slice_record.py``), into ``tests/records/slice_equivalence.json``, and which
named mistakes of the visible tests (their suspects) the sliced run reported for each submission; the suite
compares the slice it grades on every run against that record. It refuses to record when any
submission differs, or when ``--reuse`` finds that a submission, ``autograder/``,
``course_utils/``, a package or an option changed since the reused run was graded (the digests are
taken before grading and checked again before writing). Full execution runs every experiment of
every submission: the whole corpus takes about an hour on 2 cores, one assignment 2-10 minutes.

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
    """Write the corpus into ``work/<batch>/<group>-<student>/`` (batches: :func:`batches`)."""
    from tests.hostile import CASES, NEVER_FULL, write
    from tests.test_grading import build_class

    subs = work / "classes"
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
                write(make, ctx, work / HOSTILE / f"{HOSTILE}-{name}" / "01_sgd" / "01_sgd.ipynb")


def batches(work: Path) -> dict[str, dict]:
    """The folders graded separately, each with the options the suite grades it with."""
    from autograder.config import CELL_TIMEOUT
    from tests.test_grading_hardening import TIMEOUT

    found = {"classes": {"timeout": CELL_TIMEOUT}, HOSTILE: {"timeout": int(TIMEOUT)}}
    return {b: opts for b, opts in found.items() if (work / b).is_dir()}


def hostile_context(work: Path) -> dict:
    return {"root": ROOT, "out": work / f"out-{HOSTILE}-full",
            "bystander": work / "classes" / "01_sgd-perfect" / "01_sgd" / "01_sgd.ipynb"}


def placeholders(ctx: dict) -> dict[str, str]:
    """The run's own paths, as the record writes them (see ``tests.slice_record.student_digest``)."""
    return {str(v): f"<{k}>" for k, v in ctx.items()}


def split(folder: str, groups: list[str]) -> tuple[str, str]:
    for g in sorted(groups, key=len, reverse=True):
        if folder.startswith(g + "-"):
            return g, folder[len(g) + 1:]
    raise ValueError(f"{folder}: not <group>-<student>")


def digests(work: Path, groups: list[str]) -> dict:
    """What the record will say each graded thing was: per folder its digest, per group its
    grading environment."""
    from tests import slice_record

    ctx = placeholders(hostile_context(work))
    out = {"submissions": {}, "environment": {}}
    for batch, opts in batches(work).items():
        for folder in sorted((work / batch).iterdir()):
            group, _ = split(folder.name, groups)
            a = "01_sgd" if group == HOSTILE else group
            out["submissions"][folder.name] = slice_record.student_digest(folder, a, ctx if group == HOSTILE else None)
            out["environment"][group] = slice_record.environment(opts)
    return out


def grade(work: Path, mode: str, jobs: int, groups: list[str]) -> tuple[dict, float | None]:
    """Grade every batch of the corpus in ``mode``; (student folder -> outcome, seconds). An
    existing table in ``work`` is read instead (seconds None). The digests of what is graded are
    written beside the table before grading starts."""
    from autograder.grade import read_table
    from tests.slice_record import outcome

    results, seconds = {}, None
    for batch, opts in batches(work).items():
        out = work / f"out-{batch}{mode.replace('--', '-')}"
        if not (out / "grades.csv").exists():
            out.mkdir(parents=True, exist_ok=True)
            (out / "digests.json").write_text(json.dumps(digests(work, groups), sort_keys=True))
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "autograder", "grade", str(work / batch), "--out", str(out),
                            mode, "--jobs", str(jobs), "--no-feedback", "--timeout", str(opts["timeout"])],
                           cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            seconds = (seconds or 0) + round(time.perf_counter() - t0)
        results.update({r["student_id"]: outcome(r) for r in read_table(out / "grades.csv")})
    return results, seconds


def changed_since_graded(work: Path, groups: list[str]) -> list[str]:
    """What differs between the digests taken when the full run was graded and now."""
    now = digests(work, groups)
    problems = []
    for batch in batches(work):
        then = json.loads((work / f"out-{batch}-full" / "digests.json").read_text())
        # each batch's run answers for its own folders and groups only (the digests written beside
        # it name every batch's)
        folders = {f.name for f in (work / batch).iterdir()}
        own = {"submissions": folders, "environment": {split(f, groups)[0] for f in folders}}
        for kind in ("submissions", "environment"):
            for k in sorted(set(then[kind]) | set(now[kind])):
                if k in own[kind] and k in now[kind] and then[kind].get(k) != now[kind].get(k):
                    problems.append(f"{kind} {k}")
    return sorted(set(problems))


def hints_reported(work: Path, folder: str, a: str) -> list[str]:
    """The named mistakes of ``a``'s visible tests (``tests.slice_record.visible_hints``) that the
    sliced grading of student folder ``folder`` reported, read from its autograded notebook."""
    import nbformat

    from tests import slice_record

    found = sorted(work.glob(f"out-*-slice/course/autograded/{folder}/{a}/*.ipynb"))
    return slice_record.fired_hints(a, nbformat.read(found[0], as_version=4)) if found else []


def record(work: Path, groups: list[str], full: dict, sliced: dict, run: dict, whole: bool) -> None:
    from tests import slice_record

    rec = slice_record.load()
    now = digests(work, groups)
    folders = [f for batch in batches(work) for f in sorted((work / batch).iterdir())]
    for folder in folders:
        group, sid = split(folder.name, groups)
        entries = rec["submissions"].setdefault(group, {})
        entries[sid] = {"digest": now["submissions"][folder.name],
                        "full": full.get(folder.name), "slice": sliced.get(folder.name)}
        if group != HOSTILE:
            entries[sid]["hints"] = hints_reported(work, folder.name, group)
    for group, env in now["environment"].items():
        old = rec["environment"].get(group)
        if old is not None and old != env and not whole:
            raise SystemExit(f"{group}: the grading environment changed since it was recorded; record the whole "
                             f"group (no --students), so that no entry keeps results of another grader")
        rec["environment"][group] = env
    if whole:  # drop what is no longer in the corpus of the groups recorded here
        present = {split(f.name, groups) for f in folders}
        for group in groups:
            for sid in list(rec["submissions"].get(group, {})):
                if (group, sid) not in present:
                    del rec["submissions"][group][sid]
    rec["runs"].append(run)
    rec["submissions"] = {g: dict(sorted(v.items())) for g, v in sorted(rec["submissions"].items())}
    rec["environment"] = dict(sorted(rec["environment"].items()))
    slice_record.RECORD.parent.mkdir(parents=True, exist_ok=True)
    slice_record.RECORD.write_text(_format(rec))
    print(f"recorded in {slice_record.RECORD.relative_to(ROOT)}")


def _format(rec: dict) -> str:
    """JSON with one line per run and per submission (readable diffs when a record changes)."""
    runs = ",\n".join("  " + json.dumps(r) for r in rec["runs"])
    envs = ",\n".join(f"  {json.dumps(g)}: {json.dumps(e, sort_keys=True)}" for g, e in rec["environment"].items())
    groups = []
    for g, entries in rec["submissions"].items():
        body = ",\n".join(f"   {json.dumps(sid)}: {json.dumps(e)}" for sid, e in entries.items())
        groups.append(f"  {json.dumps(g)}: {{\n{body}\n  }}")
    return ('{\n "runs": [\n' + runs + '\n ],\n "environment": {\n' + envs + '\n },\n "submissions": {\n'
            + ",\n".join(groups) + "\n }\n}\n")


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
    full, full_s = grade(args.work, "--full", args.jobs, groups)
    print(f"--full: {len(full)} rows in {full_s} s", flush=True)
    sliced, slice_s = grade(args.work, "--slice", args.jobs, groups)
    print(f"--slice: {len(sliced)} rows in {slice_s} s", flush=True)
    differ = sorted(k for k in full.keys() | sliced.keys() if full.get(k) != sliced.get(k))
    for k in differ:
        print(f"DIFFERENT {k}: full {full.get(k)} slice {sliced.get(k)}")
    print(f"{len(full)} submissions; {len(differ)} differ")
    if args.record and differ:
        print("not recorded: the record holds only runs in which slice and full execution agree")
        return 1
    if args.record:
        changed = changed_since_graded(args.work, groups)
        if changed:
            print(f"not recorded: changed since the reused run was graded: {', '.join(changed[:10])}")
            return 1
        run = {"date": datetime.date.today().isoformat(), "groups": groups, "students": args.students,
               "jobs": args.jobs, "cores": os.cpu_count(), "submissions": len(full), "differ": len(differ),
               "full_seconds": full_s, "slice_seconds": slice_s}
        record(args.work, groups, full, sliced, run, whole=args.students == "*")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
