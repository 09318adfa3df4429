"""A submission's processes as a whole (:mod:`autograder.containment`): nothing it starts outlives
it, an interrupted or killed grader leaves nothing running, and its memory, processes and CPU are
bounded together, not per process.

Each test starts real processes (daemons that ``setsid()`` after a double fork, busy loops,
gigabytes of memory) inside a real fork server and looks at the machine afterwards: the processes
of the worker's sandbox uid, or the pids the submission reported.
"""

import glob
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from autograder import containment, sandbox
from autograder.forkserver import WarmKernel
from tests.hostile import EIGHT_GIGABYTES

ROOT = Path(__file__).resolve().parents[2]
IS_ROOT = os.geteuid() == 0
CGROUPS = containment.Containment(None, name=f"tnn2-test-probe-{os.getpid()}")
HAS_CGROUPS = CGROUPS.cgroups is not None
if HAS_CGROUPS:
    CGROUPS.cgroups.remove()
needs_root = pytest.mark.skipif(not IS_ROOT, reason="processes of a sandbox uid exist only under a root grader")

SETUP = {"source": "import os, time\n", "kind": "shell", "name": "setup", "setup": True}

#: Four setsid() daemons after a double fork, busy-looping, and a child that sleeps: none of them
#: may outlive the submission.
DAEMONS = {"source": textwrap.dedent("""
    for _ in range(4):
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                while True:
                    pass
            os._exit(0)
    if os.fork() == 0:
        time.sleep(300)
    time.sleep(1.5)
    print("left them running")
"""), "kind": "shell", "name": "daemons"}

#: Eight processes of 1 GB each: 8 GB, twice the bound for one submission (the hostile case's cell).
EIGHT_GB = {"source": EIGHT_GIGABYTES, "kind": "shell", "name": "eight_gb"}
AFTER = {"source": "print('next cell')\n", "kind": "shell", "name": "after"}


def _started(uids: list[int], n: int = 6, patience: float = 120.0) -> bool:
    """Whether at least ``n`` processes run as ``uids`` for a whole second within ``patience``: the
    daemons have started. (The intermediate parent of each double fork exits at once; counted on its
    own, a loaded machine once showed six processes, and five a moment later.)"""
    deadline, steady = time.monotonic() + patience, 0
    while steady < 10 and time.monotonic() < deadline:
        steady = steady + 1 if sum(len(containment.uid_processes(u)) for u in uids) >= n else 0
        time.sleep(0.1)
    return steady >= 10


def _gone(uid: int, patience: float = 5.0) -> list[int]:
    deadline = time.monotonic() + patience
    while (left := containment.uid_processes(uid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.fixture(scope="module")
def kernel():
    k = WarmKernel(env={"TNN2_WARM": "lean"})
    yield k
    k.close()


@needs_root
def test_nothing_a_submission_starts_survives_it(kernel):
    r = kernel.run({"cells": [SETUP, DAEMONS, AFTER], "timeout": 20})
    assert "left them running" in str(r["outputs"][1])
    assert containment.uid_processes(kernel.uid) == [], "processes of the submission outlived it"
    # the four setsid() daemons escape the cell's process group; the sleeper dies with the group
    # and is counted only when it has not exited yet when the sweep looks
    killed = [int(m.group(1)) for e in r["events"]
              if (m := re.search(r"(\d+) process\(es\) the submission left running were killed", e))]
    assert killed and killed[0] in (4, 5), r["events"]


@pytest.mark.skipif(not (IS_ROOT and HAS_CGROUPS), reason="no cgroups this grader may create")
def test_busy_daemons_share_one_cpu_while_the_submission_runs(kernel):
    """Four busy loops for 1.5 s: the group's CPU quota (one CPU) throttles them.

    The group is given the largest CPU weight first: on a busy machine (the suite's other worker)
    a group of default weight may get less than one CPU from the scheduler and never reach its
    quota, so without it whether the quota is seen at work would depend on the load."""
    stats = glob.glob(f"/sys/fs/cgroup/cpu/**/{containment.group_name(kernel.uid, kernel.pid)}/cpu.stat", recursive=True)
    assert stats, "the worker has no cpu cgroup"
    Path(stats[0]).with_name("cpu.shares").write_text("262144")
    before = dict(line.split() for line in Path(stats[0]).read_text().splitlines())
    r = kernel.run({"cells": [SETUP, DAEMONS], "timeout": 20})
    after = dict(line.split() for line in Path(stats[0]).read_text().splitlines())
    assert "left them running" in str(r["outputs"][1]), r["outputs"][1]
    assert int(after["nr_throttled"]) > int(before["nr_throttled"]), \
        f"four busy loops were never throttled: cpu.stat before {before}, after {after}; events {r['events']}"
    quota = Path(stats[0]).with_name("cpu.cfs_quota_us").read_text().strip()
    assert quota == str(int(sandbox.Limits().cpus * 100000))


@pytest.mark.parametrize("how", ["cgroups", "watchdog"])
def test_eight_processes_of_a_gigabyte_stop_at_the_bound(how):
    if how == "cgroups" and not (IS_ROOT and HAS_CGROUPS):
        pytest.skip("no cgroups this grader may create")
    env = {"TNN2_WARM": "lean", **({"TNN2_CGROUPS": "off"} if how == "watchdog" else {})}
    with WarmKernel(env=env) as k:
        peak_file = glob.glob(f"/sys/fs/cgroup/memory/**/{containment.group_name(k.uid, k.pid)}/memory.max_usage_in_bytes",
                              recursive=True)
        t0 = time.monotonic()
        r = k.run({"cells": [SETUP, EIGHT_GB, AFTER], "timeout": 30})
        seconds = time.monotonic() - t0
        # The bound, not the clock, stopped the cell: had the bound not fired within the cell's 30 s
        # limit, the error would be a CellTimeoutError. How long it takes is mostly the kernel
        # populating gigabytes of pages (6-7 s on an idle 2-core machine, 21 s once beside the
        # suite's other worker), so no tighter wall-clock bound is asserted here.
        assert [o.get("ename") for o in r["outputs"][1]] == ["MemoryBoundExceeded"], \
            (f"after {seconds:.1f} s", r["outputs"][1])
        assert "4 GB" in r["outputs"][1][0]["evalue"]
        assert "next cell" in str(r["outputs"][2]), "the cells after the culprit must still run"
        if how == "cgroups":
            assert peak_file, "the worker has no memory cgroup"
            peak = int(Path(peak_file[0]).read_text())
            assert peak <= sandbox.Limits().tree_memory, f"the submission's tree used {peak / 2**30:.2f} GB"
        if IS_ROOT:
            assert containment.uid_processes(k.uid) == []


def test_the_tree_sweep_alone_catches_double_forks(tmp_path):
    """Without root (no uid to kill by) and without cgroups, the subreaper's sweep is what ends a
    submission's daemons: run it in a process of its own and check every daemon's pid."""
    script = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from autograder import containment
        assert containment.become_subreaper()
        r, w = os.pipe()
        if os.fork() == 0:
            for _ in range(3):
                if os.fork() == 0:
                    os.setsid()
                    if os.fork() == 0:
                        os.write(w, f"{{os.getpid()}}\\n".encode())
                        while True:
                            time.sleep(1)
                    os._exit(0)
            os._exit(0)
        os.close(w)
        time.sleep(0.5)
        pids = os.read(r, 4096).decode().split()
        alive = [p for p in pids if os.path.exists(f"/proc/{{p}}")]
        assert len(alive) == 3, "the daemons must be running before the sweep (without it they would outlive the submission)"
        found = containment.kill_descendants()
        print(found, pids)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    found, pids = out.stdout.split(" ", 1)
    pids = [int(p) for p in pids.strip("[]\n").replace("'", "").split(", ")]
    assert int(found) == 3 and len(pids) == 3, out.stdout + out.stderr
    time.sleep(0.2)
    alive = [p for p in pids if Path(f"/proc/{p}").exists() and "Z" not in Path(f"/proc/{p}/stat").read_text().split()[2]]
    assert alive == [], f"daemons {alive} survived the sweep"


@needs_root
def test_a_server_stopped_mid_job_leaves_nothing():
    k = WarmKernel(env={"TNN2_WARM": "lean"})
    sleeper = {**DAEMONS, "source": DAEMONS["source"].replace("time.sleep(1.5)", "time.sleep(120)")}
    errors = []
    job = threading.Thread(target=lambda: _expect_stop(k, sleeper, errors))
    job.start()
    assert _started([k.uid]), "the submission's processes never started"
    t0 = time.monotonic()
    k.close()
    job.join(10)
    assert time.monotonic() - t0 < 6
    assert _gone(k.uid, 1.0) == []
    assert errors == ["stopped"]


@pytest.mark.skipif(not (IS_ROOT and HAS_CGROUPS), reason="no cgroups this grader may create")
def test_a_fork_server_killed_outright_leaves_no_cgroup():
    """A fork server killed with SIGKILL cannot remove its cgroup; closing its client (or the next
    server to start) removes the group of the dead server, and only that one."""
    k = WarmKernel(env={"TNN2_WARM": "lean"})
    other = WarmKernel(env={"TNN2_WARM": "lean"})
    try:
        groups = [p / containment.group_name(k.uid, k.pid) for p in containment.own_parents()]
        assert groups and all(g.is_dir() for g in groups), f"the fork server made no cgroup: {groups}"
        os.kill(k.pid, signal.SIGKILL)
        k.close()
        assert [g for g in groups if g.exists()] == [], "the dead server's cgroup was left behind"
        alive = [p / containment.group_name(other.uid, other.pid) for p in containment.own_parents()]
        assert all(g.is_dir() for g in alive), "a live server's cgroup was removed"
        assert other.run({"cells": [SETUP, AFTER], "timeout": 20})["outputs"][1], "the live server stopped working"
    finally:
        other.close()
    assert not [g for g in alive if g.exists()], "a server closed normally left its cgroup"


def _expect_stop(k, cell, errors):
    try:
        k.run({"cells": [SETUP, cell], "timeout": 120})
        errors.append("finished")
    except RuntimeError:
        errors.append("stopped")


@needs_root
def test_a_grader_killed_with_sigkill_leaves_nothing():
    """The fork server sees its grader die (it is re-parented) and ends the submission."""
    sleeper = {**DAEMONS, "source": DAEMONS["source"].replace("time.sleep(1.5)", "time.sleep(120)")}
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from autograder.forkserver import WarmKernel
        k = WarmKernel(env={{"TNN2_WARM": "lean"}})
        print(k.uid, flush=True)
        k.run({{"cells": [{SETUP!r}, {sleeper!r}], "timeout": 120}})
    """)
    grader = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    uid = int(grader.stdout.readline())
    assert _started([uid]), "the submission's processes never started"  # the kernel, its sleeper, four daemons
    grader.kill()
    grader.wait()
    assert _gone(uid, 3.0) == [], "the submission outlived its grader"


@needs_root
@pytest.mark.slow
def test_an_interrupted_grade_leaves_nothing(tmp_path):
    """``grade`` stopped by SIGTERM (as by a scheduler, or Ctrl-C) while a submission's daemons run."""
    from tests.support import submission

    import nbformat

    sleeper = DAEMONS["source"].replace("time.sleep(1.5)", "time.sleep(120)")
    for sid, answer in (("daemon", "import os, time\n" + sleeper), ("honest", None)):
        nb = submission("01_sgd") if answer is None else submission("01_sgd", {"sgd": _right_sgd() + answer})
        path = tmp_path / "subs" / sid / "01_sgd" / "01_sgd.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, str(path))
    grade = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(tmp_path / "subs"), "--out",
                              str(tmp_path / "out"), "--jobs", "2", "--no-feedback", "--timeout", "200"],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    uids: list[int] = []
    for line in grade.stdout:
        if "submissions run as uid" in line:
            uids = [int(u) for u in line.rsplit("uid", 1)[1].replace(",", " ").split()]
            break
    assert uids, "grade did not say which uids its workers use"
    assert _started(uids), "the daemons never started"  # the kernel, its sleeping child, the four daemons
    grade.send_signal(signal.SIGTERM)
    out, err = grade.communicate(timeout=30)
    assert grade.returncode == 130, out + err
    assert "grading interrupted" in err
    assert [p for u in uids for p in _gone(u, 3.0)] == [], "processes of a submission outlived grade"


def _right_sgd() -> str:
    from tests.hostile import RIGHT

    return RIGHT


@needs_root
def test_no_two_fork_servers_share_a_sandbox_uid(tmp_path, monkeypatch):
    """Two graders whose pids agree modulo 1000 once got the same uids, and each one's end-of-submission
    kill ended the other's submissions. A uid is now claimed by a lock that its fork server holds."""
    from autograder import forkserver

    monkeypatch.setattr(forkserver, "UID_LOCKS", tmp_path / "uids")
    first, held = forkserver.claim_sandbox_uid(hint=42)
    second, held2 = forkserver.claim_sandbox_uid(hint=42)  # the same hint, as two colliding pids gave
    assert first != second
    other = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from autograder import forkserver
        forkserver.UID_LOCKS = Path({str(tmp_path / 'uids')!r})
        print(forkserver.claim_sandbox_uid(hint=42)[0])""")], capture_output=True, text=True, check=True)
    assert int(other.stdout) not in (first, second), "another process claimed a uid this one holds"
    held.close()
    again, held3 = forkserver.claim_sandbox_uid(hint=42)
    assert again == first, "a released uid is free again"
    held2.close()
    held3.close()
    (tmp_path / "loose").mkdir(mode=0o777)
    (tmp_path / "loose").chmod(0o777)
    monkeypatch.setattr(forkserver, "UID_LOCKS", tmp_path / "loose")
    with pytest.raises(RuntimeError, match="root's own folder"):
        forkserver.claim_sandbox_uid()


@needs_root
def test_a_fork_server_holds_its_uid_while_it_lives():
    from autograder import forkserver

    with WarmKernel(env={"TNN2_WARM": "lean"}) as k:
        uid, lock = forkserver.claim_sandbox_uid(hint=k.uid - forkserver.SANDBOX_UIDS.start)
        lock.close()
        assert uid != k.uid, "a live fork server's uid was handed out again"
