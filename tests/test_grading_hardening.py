"""Grading a class with hostile submissions in it: each gets its row, status and deserved score,
nobody else loses anything, and the result is the same with 1 worker, 2 workers and on a Dask
cluster (a real scheduler and workers started here on loopback).

The hostile corpus is ``tests/hostile.py``. Beside it, the class holds honest submissions: the
reference solution, the untouched release, and a bystander (a correct answer whose file other
submissions try to read).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder import sandbox
from autograder.grade import read_table

from .hostile import CASES, NEVER_FULL, RIGHT, TOP, A, write
from .support import ROOT, run_cli, submission

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hardening")]

SANDBOX_MISSING = sandbox.probe().missing()
HONEST = {"perfect": TOP, "untouched": 0.0, "bystander": TOP}
TIMEOUT = "6"
_RUNS: dict = {}


def _build(base: Path) -> dict:
    subs, out = base / "submissions", base / "out-jobs1"
    ctx = {"root": ROOT, "out": out, "bystander": subs / "bystander" / A / f"{A}.ipynb"}
    nbformat.write(submission(A), _mk(subs / "perfect" / A / f"{A}.ipynb"))
    nbformat.write(submission(A, {"sgd": "stub"}), _mk(subs / "untouched" / A / f"{A}.ipynb"))
    nbformat.write(submission(A, {"sgd": RIGHT}), _mk(ctx["bystander"]))
    for name, (_, make) in CASES.items():
        write(make, ctx, subs / name / A / f"{A}.ipynb")
    return {"subs": subs, "ctx": ctx}


def _mk(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    return str(path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dask_cluster(tmp: Path):
    """A real Dask scheduler and two workers, each its own process, on 127.0.0.1."""
    port = _free_port()
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    procs = [subprocess.Popen([str(bindir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    address = f"tcp://127.0.0.1:{port}"
    for _ in range(2):
        procs.append(subprocess.Popen([str(bindir / "dask"), "worker", address, "--nthreads", "1",
                                       "--no-dashboard", "--local-directory", str(tmp / "dask-worker")],
                                      env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    from dask.distributed import Client

    deadline = time.monotonic() + 120
    while True:
        try:
            with Client(address, timeout=5) as c:
                if len(c.scheduler_info()["workers"]) == 2:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            for p in procs:
                p.kill()
            raise RuntimeError("the Dask cluster did not come up")
        time.sleep(1)
    return address, procs


def graded(tmp_path_factory, how: str):
    if how not in _RUNS:
        base = tmp_path_factory.getbasetemp() / "hardening"
        if "built" not in _RUNS:
            _RUNS["built"] = _build(base)
        subs = _RUNS["built"]["subs"]
        out = base / f"out-{how}"
        args = ["grade", str(subs), "--out", str(out), "--timeout", TIMEOUT]
        procs = []
        if how == "jobs1":
            args += ["--jobs", "1"]
        elif how == "jobs2":
            args += ["--jobs", "2"]  # with feedback: two helper processes make the reports
        elif how == "dask":
            address, procs = _dask_cluster(base)
            args += ["--scheduler", address, "--no-feedback"]
        try:
            t0 = time.perf_counter()
            r = run_cli(*args)
            seconds = time.perf_counter() - t0
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=30)
        rows = read_table(out / "grades.csv") if (out / "grades.csv").exists() else []
        _RUNS[how] = {"r": r, "rows": {row["student_id"]: row for row in rows}, "out": out, "seconds": seconds}
    return _RUNS[how]


def _check_row(row, status, score):
    got = (row["status"], float(row["score"]) if row["score"] else None)
    return got == (status, score), got


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_hostile_submission_gets_its_status_and_score(name, tmp_path_factory):
    case, _ = CASES[name]
    if case.needs_sandbox and SANDBOX_MISSING:
        pytest.skip("the sandbox is incomplete here: " + "; ".join(SANDBOX_MISSING))
    run = graded(tmp_path_factory, "jobs1")
    assert name in run["rows"], f"no row for {name}:\n{run['r'].stdout[-3000:]}\n{run['r'].stderr[-3000:]}"
    row = run["rows"][name]
    ok, got = _check_row(row, case.status, case.score)
    assert ok, f"{name} ({case.what}): expected {case.status} {case.score}, got {got}; reason: {row['reason']}"


def test_honest_submissions_lose_nothing(tmp_path_factory):
    run = graded(tmp_path_factory, "jobs1")
    for sid, score in HONEST.items():
        ok, got = _check_row(run["rows"][sid], "graded", score)
        assert ok, f"{sid}: expected graded {score}, got {got}: {run['rows'][sid]['reason']}"
    assert len(run["rows"]) == len(CASES) + len(HONEST)


def test_the_gradebook_and_table_are_not_forged(tmp_path_factory):
    from nbgrader.api import Gradebook

    run = graded(tmp_path_factory, "jobs1")
    table = (run["out"] / "grades.csv").read_text()
    assert table.startswith("student_id,") and table != "forged", "grades.csv was overwritten"
    with Gradebook(f"sqlite:///{run['out'] / 'course' / 'gradebook.db'}") as gb:
        assert gb.find_submission(A, "perfect").score == TOP


def test_suspicious_submissions_say_why(tmp_path_factory):
    run = graded(tmp_path_factory, "jobs1")
    for name, (case, _) in CASES.items():
        if case.status in ("tampered", "timed out", "crashed"):
            assert run["rows"][name]["reason"], f"{name}: status {case.status} with no reason"
    assert "restored cells" in run["rows"]["deleted-tests"]["reason"]
    from autograder.grade import FULL_RERUN

    assert not run["rows"]["loop-then-name-error"]["reason"].startswith(FULL_RERUN), (
        "a submission that timed out in the slice must not be graded again with every cell")


@pytest.mark.parametrize("how", ["jobs2", "dask"])
def test_parallel_and_distributed_grading_give_the_same_results(how, tmp_path_factory):
    one = graded(tmp_path_factory, "jobs1")
    other = graded(tmp_path_factory, how)
    assert other["r"].returncode == one["r"].returncode, other["r"].stdout[-3000:] + other["r"].stderr[-3000:]
    def key(rows):
        return {sid: (row["status"], row["score"], row["failed_tests"]) for sid, row in rows.items()}
    assert key(other["rows"]) == key(one["rows"])


def test_hostile_slices_score_as_the_recorded_full_execution(tmp_path_factory):
    """Each hostile submission scores in the slice as full execution did when
    ``benchmarks/slice_equivalence.py --record`` ran it (but the loops of ``NEVER_FULL``)."""
    from . import slice_record

    run = graded(tmp_path_factory, "jobs1")
    ctx, subs = _RUNS["built"]["ctx"], _RUNS["built"]["subs"]
    replace = {str(v): f"<{k}>" for k, v in ctx.items()}
    rows = list(run["rows"].values())
    skip = set(HONEST) | NEVER_FULL
    problems = slice_record.compare(A, rows, lambda sid: subs / sid, replace, skip=skip, group="hostile")
    assert problems == [], "\n".join(problems)


def test_feedback_made_by_helper_processes_is_complete(tmp_path_factory):
    """With 2 jobs the feedback HTML is made by 2 helper processes: one report per graded row,
    the same set as the sequential run's, each showing that submission's score."""
    import html
    import re

    one, two = graded(tmp_path_factory, "jobs1"), graded(tmp_path_factory, "jobs2")

    def reports(run):
        return {p.relative_to(run["out"] / "feedback") for p in (run["out"] / "feedback").rglob("*.html")}

    scored = {sid for sid, row in two["rows"].items() if row["score"] != ""}
    assert {p.parts[0] for p in reports(two)} == scored
    assert reports(two) == reports(one)
    for rel in sorted(reports(two)):
        text = html.unescape(re.sub(r"<[^>]+>", " ", (two["out"] / "feedback" / rel).read_text(encoding="utf-8")))
        first = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", text)  # the notebook's total comes first
        assert first, f"{rel}: no score in the report"
        assert (float(first[1]), float(first[2])) == (float(two["rows"][rel.parts[0]]["score"]), TOP), rel
