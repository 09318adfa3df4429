"""Grading a class with hostile submissions in it: each gets its row, status and deserved score,
nobody else loses anything, and a Dask cluster (a real scheduler and workers started here on
loopback) gives the same results as the local workers.

The hostile corpus is ``tests/hostile.py``. Beside it, the class holds honest submissions: the
reference solution, the untouched release, and a bystander (a correct answer whose file other
submissions try to read and overwrite). The whole class is graded once with two workers and
feedback (made by two helper processes); a subset of it (:data:`DASK_SUBSET`) on Dask. Each run has
its own copy of the class, whose attacks aim at that run's own output folder and bystander.
Whether one worker grades as two is checked on the live class of ``tests/test_grading.py`` (every
assignment, graded with one worker and compared with the record made with two).
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
#: Honest work graded beside the attacks; the neighbours are copies of a correct answer, graded
#: between the attacks (by name) and again in a class of honest work alone, to time the harm.
NEIGHBOURS = [f"honest-{k}" for k in range(1, 7)]
HONEST = {"perfect": TOP, "untouched": 0.0, "bystander": TOP, **{n: TOP for n in NEIGHBOURS}}
#: The most an honest submission may be slowed by hostile ones beside it (median grading time).
NEIGHBOUR_SLOWDOWN = 1.5
TIMEOUT = "6"
#: The cases also graded on Dask: honest work, one of each kind of attack (reading, writing,
#: tampering, forging, crashing, looping) and the restored-cell cases.
DASK_SUBSET = {"perfect", "untouched", "bystander", "read-other-student", "write-gradebook", "patch-numpy-testing",
               "forge-results", "os-exit", "infinite-loop", "deleted-tests", "answer-as-markdown"}
_RUNS: dict = {}


def _build(base: Path, how: str, only: set[str] | None = None) -> dict:
    """The class for run ``how``: its attacks aim at ``base/out-<how>`` and its own bystander."""
    subs, out = base / f"submissions-{how}", base / f"out-{how}"
    ctx = {"root": ROOT, "out": out, "bystander": subs / "bystander" / A / f"{A}.ipynb"}
    nbformat.write(submission(A), _mk(subs / "perfect" / A / f"{A}.ipynb"))
    nbformat.write(submission(A, {"sgd": "stub"}), _mk(subs / "untouched" / A / f"{A}.ipynb"))
    nbformat.write(submission(A, {"sgd": RIGHT}), _mk(ctx["bystander"]))
    for name in NEIGHBOURS if how != "dask" else []:
        nbformat.write(submission(A, {"sgd": RIGHT}), _mk(subs / name / A / f"{A}.ipynb"))
    for name, (_, make) in CASES.items():
        if only is None or name in only:
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


def graded(tmp_path_factory, how: str = "jobs2"):
    if how not in _RUNS:
        base = tmp_path_factory.getbasetemp() / "hardening"
        built = _build(base, how, DASK_SUBSET if how == "dask" else set() if how == "alone" else None)
        subs = built["subs"]
        out = base / f"out-{how}"
        args = ["grade", str(subs), "--out", str(out), "--timeout", TIMEOUT]
        procs = []
        if how == "jobs2":
            args += ["--jobs", "2"]  # with feedback: two helper processes make the reports
        elif how == "alone":  # the honest work of the class alone, timed as in the hostile run
            args += ["--jobs", "2", "--no-feedback"]
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
        _RUNS[how] = {"r": r, "rows": {row["student_id"]: row for row in rows}, "out": out, "seconds": seconds,
                      **built}
    return _RUNS[how]


def _check_row(row, status, score):
    """``status``: one status, or several joined by " or " (any of them)."""
    got = (row["status"], float(row["score"]) if row["score"] else None)
    return got[0] in status.split(" or ") and got[1] == score, got


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_hostile_submission_gets_its_status_and_score(name, tmp_path_factory):
    case, _ = CASES[name]
    if case.needs_sandbox and SANDBOX_MISSING:
        pytest.skip("the sandbox is incomplete here: " + "; ".join(SANDBOX_MISSING))
    run = graded(tmp_path_factory)
    assert name in run["rows"], f"no row for {name}:\n{run['r'].stdout[-3000:]}\n{run['r'].stderr[-3000:]}"
    row = run["rows"][name]
    ok, got = _check_row(row, case.status, case.score)
    assert ok, f"{name} ({case.what}): expected {case.status} {case.score}, got {got}; reason: {row['reason']}"


def test_honest_submissions_lose_nothing(tmp_path_factory):
    run = graded(tmp_path_factory)
    for sid, score in HONEST.items():
        ok, got = _check_row(run["rows"][sid], "graded", score)
        assert ok, f"{sid}: expected graded {score}, got {got}: {run['rows'][sid]['reason']}"
    assert len(run["rows"]) == len(CASES) + len(HONEST)


def test_the_gradebook_and_the_class_are_not_forged(tmp_path_factory):
    """``write-gradebook`` aims at files that exist while submissions run and that grading does not
    rewrite afterwards: the gradebook, the instructor's source notebook in the course directory and
    the bystander's copy there. Each must be intact (a write that landed would stay)."""
    from nbgrader.api import Gradebook

    run = graded(tmp_path_factory)
    course = run["out"] / "course"
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert gb.find_submission(A, "perfect").score == TOP
        assert gb.find_submission(A, "write-gradebook").score == 0
    source = (course / "source" / A / f"{A}.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" in source and source != "forged", "the course's source notebook was overwritten"
    def answer(path):
        nb = nbformat.read(path, 4)
        return [c.source for c in nb.cells if (c.get("metadata", {}).get("nbgrader") or {}).get("grade_id") == "sgd"]

    assert answer(course / "submitted" / "bystander" / A / f"{A}.ipynb") == answer(run["ctx"]["bystander"]) == [RIGHT], (
        "the bystander's submitted copy was changed")
    table = (run["out"] / "grades.csv").read_text()
    assert table.startswith("student_id,"), "grades.csv is not the grader's table"


def test_suspicious_submissions_say_why(tmp_path_factory):
    run = graded(tmp_path_factory)
    for name, (case, _) in CASES.items():
        if set(case.status.split(" or ")) & {"tampered", "timed out", "crashed"}:
            assert run["rows"][name]["reason"], f"{name}: status {case.status} with no reason"
    assert "restored cells" in run["rows"]["deleted-tests"]["reason"]
    from autograder.grade import FULL_RERUN

    assert not run["rows"]["loop-then-name-error"]["reason"].startswith(FULL_RERUN), (
        "a submission that timed out in the slice must not be graded again with every cell")


def test_dask_gives_the_same_results_as_local_workers(tmp_path_factory):
    local = graded(tmp_path_factory)
    dask = graded(tmp_path_factory, "dask")
    assert set(dask["rows"]) == DASK_SUBSET, dask["r"].stdout[-3000:] + dask["r"].stderr[-3000:]

    def key(rows):
        return {sid: (row["status"], row["score"], row["failed_tests"]) for sid, row in rows.items() if sid in DASK_SUBSET}

    assert key(dask["rows"]) == key(local["rows"])
    assert dask["r"].returncode == local["r"].returncode == 1, "both exit 1: some rows are tampered, crashed, timed out"


def test_nothing_any_submission_started_outlives_grading(tmp_path_factory):
    """Daemons (``busy-daemons``), sleepers (``fork-bomb``), hogs: after ``grade`` has exited, no
    process runs as any of its workers' sandbox uids."""
    from autograder.containment import uid_processes

    run = graded(tmp_path_factory)
    line = [ln for ln in run["r"].stdout.splitlines() if "submissions run as uid" in ln]
    if os.geteuid() != 0:
        pytest.skip("submissions run as the grader's own uid: nothing to count by")
    assert line, "grade did not say which uids its workers use"
    uids = [int(u) for u in line[0].rsplit("uid", 1)[1].replace(",", " ").split()]
    left = {uid: uid_processes(uid) for uid in uids}
    assert not any(left.values()), f"processes of submissions outlived grading: {left}"
    assert "process(es) the submission left running were killed" in run["rows"]["busy-daemons"]["reason"]


def test_honest_neighbours_of_hostile_submissions_are_not_slowed(tmp_path_factory):
    """The honest submissions, graded between busy daemons, forks and memory hogs, take at most
    ``NEIGHBOUR_SLOWDOWN`` times as long as in a class of honest work alone, graded with the same
    workers: compared by the fastest of them (seconds in grades.csv). A process left running or a
    neighbour without bounds slows every later one, so the fastest shows it, without the noise
    that the suite's other work puts into a median (which it also prints)."""
    import statistics

    from .support import record_measurement

    mixed = graded(tmp_path_factory)
    alone = graded(tmp_path_factory, "alone")
    assert set(alone["rows"]) == set(HONEST)
    for sid, score in HONEST.items():
        ok, got = _check_row(alone["rows"][sid], "graded", score)
        assert ok, f"{sid} alone: {got}"

    def seconds(run):
        return [float(run["rows"][sid]["seconds"]) for sid in HONEST]

    beside, by_itself = min(seconds(mixed)), min(seconds(alone))
    record_measurement("honest submission beside hostile ones (01_sgd, 2 workers)",
                       f"fastest {beside:.2f} s, alone {by_itself:.2f} s ({beside / by_itself:.2f}x); median "
                       f"{statistics.median(seconds(mixed)):.2f} s, alone {statistics.median(seconds(alone)):.2f} s")
    assert beside <= NEIGHBOUR_SLOWDOWN * by_itself + 0.1, (
        f"honest submissions took at least {beside:.2f} s beside hostile ones, {by_itself:.2f} s alone")


def test_hostile_slices_score_as_the_recorded_full_execution(tmp_path_factory):
    """Each hostile submission scores in the slice as full execution did when
    ``benchmarks/slice_equivalence.py --record`` ran it (but the loops of ``NEVER_FULL``), graded
    with the same options."""
    from . import slice_record

    run = graded(tmp_path_factory)
    replace = {str(v): f"<{k}>" for k, v in run["ctx"].items()}
    rows = list(run["rows"].values())
    skip = set(HONEST) | NEVER_FULL
    problems = slice_record.compare(A, rows, lambda sid: run["subs"] / sid, replace, skip=skip, group="hostile",
                                    options={"timeout": int(TIMEOUT)})
    assert problems == [], "\n".join(problems)


def test_feedback_made_by_helper_processes_is_complete(tmp_path_factory):
    """With 2 jobs the feedback HTML is made by 2 helper processes: one report per scored row, each
    showing that submission's score."""
    import html
    import re

    two = graded(tmp_path_factory)
    reports = {p.relative_to(two["out"] / "feedback") for p in (two["out"] / "feedback").rglob("*.html")}
    scored = {sid for sid, row in two["rows"].items() if row["score"] != ""}
    assert {p.parts[0] for p in reports} == scored
    assert len(reports) == len(scored), "one report per scored submission"
    assert "feedback: " in two["r"].stdout and "report(s)" in two["r"].stdout
    for rel in sorted(reports):
        text = html.unescape(re.sub(r"<[^>]+>", " ", (two["out"] / "feedback" / rel).read_text(encoding="utf-8")))
        first = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", text)  # the notebook's total comes first
        assert first, f"{rel}: no score in the report"
        assert (float(first[1]), float(first[2])) == (float(two["rows"][rel.parts[0]]["score"]), TOP), rel
