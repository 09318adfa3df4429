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
problems = []
for sid, want in sorted(expect.items()):
    row = by.get(sid)
    if row is None:
        problems.append(f"{sid}: no row"); continue
    print(f"{sid:60s} {row['status']:8s} {row['score']:>6s}/{row['max_score']:<5s} failed={row['failed_tests']} aspects={row.get('failed_aspects','')}")
    if row["status"] != "graded":
        problems.append(f"{sid}: not graded: {row['status']} {row['reason']}"); continue
    score, top = float(row["score"]), float(row["max_score"])
    if want == "full" and score != top:
        problems.append(f"{sid}: {score}/{top}, expected full marks")
    elif want == "zero" and score != 0:
        problems.append(f"{sid}: {score}/{top}, expected 0")
    elif isinstance(want, (tuple, list)) and want[0] == "partial" and score != want[1]:
        problems.append(f"{sid}: {score}/{top}, expected partial {want[1]}")
    elif isinstance(want, (tuple, list)) and want[0] == "mistake":
        gid = want[1]
        own = [t for t in row["failed_tests"].split(";") if t.startswith(f"test_{gid}_")]
        if score >= top or not own:
            problems.append(f"{sid}: {score}/{top}; must lose points in test_{gid}_*")
    elif isinstance(want, (tuple, list)) and want[0] == "keeps":
        gid, kept = want[1], want[2]
        others = top - tg._function_points(args.a, gid)
        if abs((score - others) - kept) > 1e-6:
            problems.append(f"{sid}: its tests of {gid} earned {score - others:g}, KEEPS says {kept:g}")
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
