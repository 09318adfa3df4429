"""Quick sliced check of one assignment's corpus, judged by the rules of tests/test_grading.py (no record).

Run from the repository root:
    .venv/bin/python benchmarks/check_corpus.py 09_augmentation [--only GLOB] [--jobs 1] [--work DIR]
Builds the perfect, untouched, noisy and half-done submissions and every mistake and variant file,
grades them sliced (python -m autograder grade, no feedback), prints each submission's score, failed
tests and failed aspects, every problem by the suite's rules and every visible hint no file reaches.
About 1-2 s per submission: run it before recording (benchmarks/slice_equivalence.py --record).
"""
import argparse, csv, fnmatch, json, shutil, subprocess, sys, os
from pathlib import Path

root = Path.cwd()
sys.path.insert(0, str(root))
from tests import test_grading as tg  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("a")
ap.add_argument("--only", default="*")
ap.add_argument("--jobs", default="1")
ap.add_argument("--work", default=None)
args = ap.parse_args()
work = Path(args.work or f"/tmp/check-{args.a}")
shutil.rmtree(work, ignore_errors=True)
base = work / "subs"
expect = tg.build_class(args.a, base, base)
for d in list(base.iterdir()):
    if not fnmatch.fnmatch(d.name, args.only):
        shutil.rmtree(d)
        expect.pop(d.name, None)
out = work / "out"
env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
r = subprocess.run([sys.executable, "-m", "autograder", "grade", str(base), "--out", str(out),
                    "--jobs", args.jobs, "--no-feedback"], cwd=root, env=env, text=True, capture_output=True)
print(r.stdout[-3000:], r.stderr[-3000:])
rows = list(csv.DictReader(open(out / "grades.csv")))
by = {row["student_id"]: row for row in rows}
for sid in sorted(expect):
    row = by.get(sid, {})
    print(f"{sid:60s} {row.get('status', 'no row'):8s} {row.get('score', ''):>6s}/{row.get('max_score', ''):<5s} "
          f"failed={row.get('failed_tests', '')} aspects={row.get('failed_aspects', '')}")
missing = sorted(set(expect) - set(by))
problems = [f"{sid}: no row" for sid in missing]
problems += tg.score_problems(args.a, {k: v for k, v in expect.items() if k in by}, by)

# hints: which named mistakes (suspects) of the visible tests some mistake/variant reached
import nbformat
from tests import slice_record
reached = set()
for nbp in (out / "course" / "autograded").glob(f"*/{args.a}/*.ipynb"):
    if nbp.parts[-3].startswith(("mistake-", "variant-")):
        reached |= set(slice_record.fired_hints(args.a, nbformat.read(nbp, as_version=4)))
unreached = [f"{gid}: {h!r}" for gid, hs in slice_record.visible_hints(args.a).items()
             for i, h in enumerate(hs) if f"{gid}:{i}" not in reached]
print(f"\nhints reached: {len(reached)}; NOT reached by the graded mistakes/variants ({len(unreached)}):", *unreached, sep="\n  ")
if args.only == "*":
    problems += [f"hint never reached: {u}" for u in unreached]
print("\nPROBLEMS:" if problems else "\nno problems", *problems, sep="\n")
sys.exit(1 if problems else 0)
