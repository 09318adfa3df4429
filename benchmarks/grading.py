"""Grading throughput: stock ``nbgrader autograde`` against ``python -m autograder grade``.

A synthetic class across notebooks 01-03 (per assignment: the reference solution, the untouched
release, and every file of the mistake corpus, cycled until the class has the requested size) is
graded

1. by stock nbgrader: the ``nbgrader autograde <assignment>`` command, one per assignment, in a
   course directory with a plain ``nbgrader_config.py`` (every cell, a new Jupyter kernel per
   submission, one at a time): the anchor;
2. by ``grade --full --jobs 1`` and ``grade --full --jobs N`` (every cell, warm sandboxed workers);
3. by ``grade --slice --jobs 1`` and ``grade --slice --jobs N`` (the default).

For each it reports wall time, submissions per minute, CPU seconds per submission (this process
and all its children), speed-up over the anchor, and whether every score equals the anchor's.
"Bare execution" is the time nbclient takes to run the three solution notebooks once each in a
fresh kernel: grading overhead is measured against it. Feedback HTML is off in every mode (stock
autograde makes none).

    .venv/bin/python benchmarks/grading.py                      # 102 submissions, anchor on all
    .venv/bin/python benchmarks/grading.py --anchor 30          # anchor on a 30-submission subset
    .venv/bin/python benchmarks/grading.py --sizes 1,8,100 --anchor 16   # start-up and class sizes

``--sizes`` measures what an instructor waits for at each class size: for each size N, a class of N
submissions (round-robin over 01-03) graded by stock nbgrader and by the default ``grade`` (sliced,
``--jobs`` workers, feedback off), side by side in this run, each from the start of its command to
its exit (course preparation and worker start included). ``grade`` runs once before the table to
warm the prepared-course cache, as any earlier call would have. Stock nbgrader grades at most
``--anchor`` submissions of a class; above that its wall time is its measured per-submission rate
times N (stock nbgrader's time is linear in N: a new kernel per submission, nothing shared), and the
table says so.

``--anchor K`` grades only the first K submissions (round-robin over the three assignments) the
stock way, and the ``--full`` modes grade the same K (``--full-on-all``: the whole class), since
each of those executes every cell; their rates are measured on those K, the ``--slice`` modes' on
the whole class, and the score comparison covers the K. The table gives each row's count.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ASSIGNMENTS = ["01_sgd", "02_momentum", "03_adaptive"]
PY = sys.executable


def cpu_seconds() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def build_class(dest: Path, per_assignment: int) -> list[tuple[str, str]]:
    """Write the synthetic class; return [(student, assignment)] in round-robin order."""
    import nbformat

    from tests.support import answer_cells, mistakes, nbgrader_meta, solution_notebook, submission

    order = []
    for a in ASSIGNMENTS:
        ids = [nbgrader_meta(c)["grade_id"] for c in answer_cells(nbformat.read(solution_notebook(a), 4))]
        variants = [("perfect", submission(a)), ("untouched", submission(a, {g: "stub" for g in ids}))]
        variants += [(f"{gid}-{name}", submission(a, {gid: path.read_text()})) for gid, name, path in mistakes(a)]
        for i in range(per_assignment):
            label, nb = variants[i % len(variants)]
            sid = f"s{i:03d}-{label}"[:60]
            path = dest / sid / a / f"{a}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(path))
            order.append((sid, a))
    per = {a: [x for x in order if x[1] == a] for a in ASSIGNMENTS}
    return [per[a][i] for i in range(per_assignment) for a in ASSIGNMENTS]


def bare_execution_seconds() -> float:
    """Mean wall time to execute one solution notebook of 01-03 in a fresh kernel (nbclient)."""
    import nbformat
    from nbclient import NotebookClient

    times = []
    for a in ASSIGNMENTS:
        nb = nbformat.read(str(ROOT / "solutions" / a / f"{a}.ipynb"), 4)
        t0 = time.perf_counter()
        NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(ROOT)}}).execute()
        times.append(time.perf_counter() - t0)
    return sum(times) / len(times)


def stock_nbgrader(subs_dir: Path, work: Path, chosen: list[tuple[str, str]]) -> dict:
    """Grade ``chosen`` with the stock ``nbgrader autograde`` command; return scores and timings."""
    from autograder.config import CODE_STUB
    from autograder.grade import prepare_course

    course = work / "stock-course"
    prepare_course(ROOT, course, ASSIGNMENTS)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'tnn2'\n"
        f"c.ClearSolutions.code_stub = {{'python': {CODE_STUB!r}}}\n"
        "c.Execute.timeout = 120\n")
    for sid, a in chosen:
        dest = course / "submitted" / sid / a
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(subs_dir / sid / a / f"{a}.ipynb", dest / f"{a}.ipynb")
    env = {**os.environ, "PATH": f"{Path(PY).parent}{os.pathsep}{os.environ['PATH']}"}
    t0, c0 = time.perf_counter(), cpu_seconds()
    for a in [a for a in ASSIGNMENTS if any(x == a for _, x in chosen)]:
        subprocess.run([str(Path(PY).parent / "nbgrader"), "autograde", a, "--force"], cwd=course, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sid, a in chosen:
            try:
                scores[f"{sid}/{a}"] = float(gb.find_submission(a, sid).score)
            except Exception:  # noqa: BLE001 - not graded
                scores[f"{sid}/{a}"] = None
    return {"wall": wall, "cpu": cpu, "n": len(chosen), "scores": scores}


def ours(subs_dir: Path, out: Path, mode: str, jobs: int) -> dict:
    t0, c0 = time.perf_counter(), cpu_seconds()
    subprocess.run([PY, "-m", "autograder", "grade", str(subs_dir), "--out", str(out), mode, "--jobs", str(jobs),
                    "--no-feedback"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    with open(out / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    scores = {f"{r['student_id']}/{r['assignment']}": (float(r["score"]) if r["score"] else None) for r in rows}
    return {"wall": wall, "cpu": cpu, "n": len(rows), "scores": scores}


def by_size(args) -> int:
    """The ``--sizes`` table: stock nbgrader and ``grade`` side by side at each class size."""
    sizes = [int(n) for n in args.sizes.split(",")]
    if args.work.exists():
        shutil.rmtree(args.work)
    per = -(-max(sizes) // len(ASSIGNMENTS))
    everyone = build_class(args.work / "all", per)
    warm = args.work / "warm-up"
    sid, a = everyone[0]
    shutil.copytree(args.work / "all" / sid / a, warm / sid / a)
    ours(warm, args.work / "out-warm-up", "--slice", 1)  # fills the prepared-course cache
    lines = ["| class size | stock nbgrader (s) | `grade` (s) | speed-up | stock measured on | scores = stock |",
             "| --- | --- | --- | --- | --- | --- |"]
    results = {}
    for n in sizes:
        chosen = everyone[:n]
        subs = args.work / f"class-{n}"
        for sid, a in chosen:
            shutil.copytree(args.work / "all" / sid / a, subs / sid / a)
        stock_n = chosen[: args.anchor] if args.anchor else chosen
        stock = stock_nbgrader(subs, args.work / f"stock-{n}", stock_n)
        stock_wall = stock["wall"] * n / len(stock_n)
        r = ours(subs, args.work / f"out-{n}", "--slice", args.jobs)
        common = [k for k in stock["scores"] if k in r["scores"]]
        same = sum(stock["scores"][k] == r["scores"][k] for k in common)
        measured = f"all {n}" if len(stock_n) == n else f"{len(stock_n)} (x {n}/{len(stock_n)})"
        lines.append(f"| {n} | {stock_wall:.1f} | {r['wall']:.1f} | {stock_wall / r['wall']:.1f}x | {measured} | "
                     f"{same}/{len(common)} |")
        results[n] = {"stock": stock, "stock_wall": stock_wall, "grade": r}
        print(lines[-1], flush=True)
    table = "\n".join(lines)
    print(table)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"results": results, "table": table}, indent=1, default=str))
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--per-assignment", type=int, default=34, help="submissions per assignment (x3 in all)")
    p.add_argument("--anchor", type=int, default=None, help="grade only this many the stock way (default: all)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--full-on-all", action="store_true",
                   help="grade the whole class with --full too (default: the anchor's subset, as it runs every cell)")
    p.add_argument("--work", type=Path, default=ROOT / "build" / "benchmark-grading")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    p.add_argument("--sizes", default=None, help="comma-separated class sizes: the side-by-side table per size")
    args = p.parse_args(argv)
    if args.sizes:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        os.environ.setdefault("MKL_NUM_THREADS", "1")
        os.environ.setdefault("MPLBACKEND", "Agg")
        return by_size(args)

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    if args.work.exists():
        shutil.rmtree(args.work)
    subs = args.work / "submissions"
    order = build_class(subs, args.per_assignment)
    chosen = order[: args.anchor] if args.anchor else order
    print(f"class: {len(order)} submissions of {', '.join(ASSIGNMENTS)}; machine: {os.cpu_count()} cores", flush=True)

    bare = bare_execution_seconds()
    print(f"bare execution of one solution notebook (nbclient, fresh kernel): {bare:.1f} s", flush=True)
    results = {"stock nbgrader autograde": stock_nbgrader(subs, args.work, chosen)}
    print("stock done", flush=True)
    subset = args.work / "subset"  # the anchor's submissions, for the modes that execute every cell
    for sid, a in chosen:
        shutil.copytree(subs / sid / a, subset / sid / a)
    for mode in ("--full", "--slice"):
        for jobs in sorted({1, args.jobs}):
            name = f"grade {mode} --jobs {jobs}"
            folder = subset if mode == "--full" and not args.full_on_all else subs
            results[name] = ours(folder, args.work / f"out{mode}-{jobs}", mode, jobs)
            print(f"{name} done", flush=True)

    anchor = results["stock nbgrader autograde"]
    anchor_rate = anchor["n"] / anchor["wall"]
    lines = ["| how | submissions | wall (s) | submissions/min | CPU s/submission | x bare execution | speed-up | scores = stock |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, r in results.items():
        rate = r["n"] / r["wall"]
        common = [k for k in anchor["scores"] if k in r["scores"]]
        same = sum(anchor["scores"][k] == r["scores"][k] for k in common)
        lines.append(f"| {name} | {r['n']} | {r['wall']:.0f} | {60 * rate:.1f} | {r['cpu'] / r['n']:.2f} | "
                     f"{(r['wall'] / r['n']) / bare:.2f} | {rate / anchor_rate:.1f}x | {same}/{len(common)} |")
    table = "\n".join(lines)
    print(table)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"bare_s": bare, "results": results, "table": table}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
