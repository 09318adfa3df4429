"""Does ``grade --slice`` give exactly the scores of full execution on the whole test corpus?

The suite checks it on a sample of every class (``tests/test_grading.py``); this script checks
every submission the suite grades: for each assignment the reference solution, the untouched
release, the stderr-noisy solution, the half-done notebook and every file of the mistake corpus,
plus the hostile corpus of ``tests/hostile.py`` (but its infinite loop, which under full execution
would cost the time limit in every experiment cell). Each class is graded twice, ``--full`` and
``--slice`` (warm workers, ``--jobs N``, no feedback), and every row's status, score and failed
tests must be equal. Full execution runs every experiment of every submission, so this takes
about 300 notebook runs (roughly 40 minutes on 2 cores): it is a check to run before a release,
not part of ``make test``.

    .venv/bin/python benchmarks/slice_equivalence.py [--jobs N] [ASSIGNMENT ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    from autograder.grade import read_table
    from tests.hostile import CASES, write
    from tests.test_grading import GRADED_ASSIGNMENTS, build_class

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("assignments", nargs="*", default=None)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--work", type=Path, default=ROOT / "build" / "slice-equivalence")
    args = p.parse_args(argv)
    names = args.assignments or GRADED_ASSIGNMENTS
    if args.work.exists():
        shutil.rmtree(args.work)
    subs = args.work / "submissions"
    for a in names:
        tmp = args.work / f"tmp-{a}"
        build_class(a, tmp, tmp)
        for student in tmp.iterdir():
            for a_dir in student.iterdir():
                shutil.copytree(a_dir, subs / f"{a}-{student.name}" / a_dir.name)
    if "01_sgd" in names:
        ctx = {"root": ROOT, "out": args.work / "out-full", "bystander": subs / "01_sgd-perfect" / "01_sgd" / "01_sgd.ipynb"}
        for name, (_, make) in CASES.items():
            if name == "infinite-loop":  # every experiment cell would wait for the time limit
                continue
            write(make, ctx, subs / f"hostile-{name}" / "01_sgd" / "01_sgd.ipynb")
    tables = {}
    for mode in ("--full", "--slice"):
        out = args.work / f"out{mode.replace('--', '-')}"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out), mode,
                        "--jobs", str(args.jobs), "--no-feedback", "--timeout", "60"], cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        rows = read_table(out / "grades.csv")
        tables[mode] = {(r["student_id"], r["assignment"]): (r["status"], r["score"], r["failed_tests"]) for r in rows}
        print(f"{mode}: {len(rows)} rows in {time.perf_counter() - t0:.0f} s", flush=True)
    full, sliced = tables["--full"], tables["--slice"]
    differ = sorted(k for k in full.keys() | sliced.keys() if full.get(k) != sliced.get(k))
    for k in differ:
        print(f"DIFFERENT {k}: full {full.get(k)} slice {sliced.get(k)}")
    print(f"{len(full)} submissions; {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
