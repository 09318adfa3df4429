"""A warm grading process that forks a confined child per submission.

Starting a Jupyter kernel and importing torch costs about 4 s per submission, more than running a
sliced notebook's tests. The fork server pays it once: it imports what notebooks import
(:data:`WARM_IMPORTS`), builds an IPython shell, snapshots the tamper guard, then waits for jobs
on stdin. For each job it forks a child, which confines itself (:mod:`autograder.sandbox`) and
runs the cells (:mod:`autograder.executor`), reporting each finished cell on a pipe. The server
enforces the time limit per cell and survives anything the child does:

- a cell that runs past the limit (an infinite loop, one that swallows ``KeyboardInterrupt``):
  the child's whole process group is killed, the cell gets a ``CellTimeoutError``;
- a child that dies (``os._exit``, a segfault, the memory limit): the cell gets a ``KernelDied``
  error naming the exit status or signal;

- a submission whose processes together pass the memory bound (:mod:`autograder.containment`):
  the cell gets a ``MemoryBoundExceeded`` error;

and in each case a new child replays the setup and answer cells before it (not the culprit) and
goes on with the next cell, so a crash costs the cell that crashed, not the submission. After
:data:`MAX_RESTARTS` the remaining cells are marked as not run. After every child, whatever it
started (daemons that left its session included) is killed before anything else runs; the
server does the same before it exits, at the end of its job stream, on ``SIGTERM``, or when it
sees its grader die.

Protocol (one JSON document per line): the client sends ``{"cells": [{"source", "kind",
"name"}], "timeout": s, "hide": [paths], "cache_dir": path, "limits": {...}}``; the server answers
``{"outputs": [[...] per cell], "tampered": [...], "events": [...], "sandbox": {...}}``.
Run it as ``python -m autograder.forkserver``; :class:`WarmKernel` is the client.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

#: Imported once by the server, shared by every child (copy-on-write).
WARM_IMPORTS = [
    "numpy", "numpy.testing", "scipy", "scipy.linalg", "torch", "torch.nn", "torch.nn.functional", "torch.optim",
    "torch.optim.lr_scheduler", "torch.testing", "matplotlib", "matplotlib.pyplot", "matplotlib_inline",
    "sklearn.datasets", "tqdm", "tqdm.auto", "IPython", "course_utils", "course_utils.aspects", "course_utils.checks",
    "course_utils.data", "course_utils.device", "course_utils.exercise", "course_utils.gradcheck",
    "course_utils.landscapes", "course_utils.models", "course_utils.notebook_import", "course_utils.optim",
    "course_utils.plotting", "course_utils.training", "course_utils.pretraining", "course_utils.interactive",
]

#: Left out of a lean server (``TNN2_WARM=lean``), which grades a handful of submissions: these
#: imports (about 0.8 s) would cost more at start-up than they save; a child that needs them
#: imports them itself.
HEAVY_IMPORTS = ("scipy", "sklearn")

#: Children started again after a crash or timeout before the rest of a notebook is given up.
MAX_RESTARTS = 4


def _child(job: dict, cells: list, start: int, skip: set, runner, guard, wfd: int, containment=None) -> None:
    """In the forked child: confine, replay what comes before ``start``, run the rest."""
    from . import sandbox

    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the server's clean-up handler is not the child's
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if containment is not None:
        containment.join()  # while still root: every process the submission starts is counted with it
    limits = sandbox.Limits(**job.get("limits", {}))
    report = sandbox.enter(job.get("hide", []), job.get("cache_dir"), limits)
    out = os.fdopen(wfd, "w", buffering=1)

    def send(doc):
        out.write(json.dumps(doc) + "\n")
        out.flush()

    send({"sandbox": report.__dict__})
    ns = runner.shell.user_ns
    setup_seen = False
    # The suite's proof that each protection guards something: with ``unprotected`` (set by the
    # grader's caller, never by a submission, which cannot reach the job stream) test cells run
    # through IPython like any cell and nothing is restored, so an attack that the protections stop
    # can be seen to work without them (tests/unit/test_forkserver.py).
    unprotected = bool(job.get("unprotected"))
    for i, cell in enumerate(cells):
        if i in skip:
            continue
        replay = i < start
        if replay and cell["kind"] == "test":
            continue
        if unprotected:
            outputs, tampered = runner.run_shell_cell(cell["source"]), []
        elif cell["kind"] == "test":
            tampered = guard.restore(ns)
            outputs = runner.run_test_cell(cell["source"], cell.get("name", f"cell {i}"))
            after = guard.restore(ns)
            if after:  # changed while the test itself ran (a thread, a function with side effects)
                outputs.append({"output_type": "error", "ename": "TamperingDetected",
                                "evalue": "the test's environment changed while it ran: " + ", ".join(after[:5]),
                                "traceback": ["TamperingDetected"]})
            tampered += after
        else:
            before = set(ns)
            outputs = runner.run_shell_cell(cell["source"])
            tampered = guard.restore(ns)  # at once, so that the grader's own code runs on real builtins
            if cell.get("setup") and not setup_seen:
                guard.remember_names(ns, set(ns) - before)
        if cell.get("setup"):
            setup_seen = True
        if not replay:
            send({"index": i, "outputs": outputs, "tampered": tampered})
    send({"done": True})
    out.close()


def _only_keep(fd: int) -> None:
    """Close every inherited descriptor but stdio and ``fd`` (the server's own channel to the
    grader, the job stream, other children's pipes), and read nothing: stdin is /dev/null."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    top = os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 4096
    os.closerange(3, fd)
    os.closerange(fd + 1, min(top, 65536))


def _kill(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


def _describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        hint = " (the memory limit or an out-of-memory kill)" if sig == signal.SIGKILL else ""
        return f"killed by {name}{hint}"
    return f"exited with status {os.WEXITSTATUS(status)}"


def _grader_gone(containment) -> bool:
    """The grader died (this server was re-parented) or closed the job stream mid-job (no job is
    ever sent while one runs, so a readable stdin with nothing in it is its end)."""
    if containment is not None and containment.parent_gone():
        return True
    import fcntl
    import termios

    ready, _, _ = select.select([0], [], [], 0)
    if not ready:
        return False
    waiting = bytearray(4)
    try:
        fcntl.ioctl(0, termios.FIONREAD, waiting)
    except OSError:
        return False
    return int.from_bytes(waiting, sys.byteorder) == 0


def _stop(containment) -> None:
    """Kill everything the submissions started, remove the cgroups, and exit at once."""
    if containment is not None:
        containment.close()
    os._exit(0)


def run_job(job: dict, runner, guard, containment=None) -> dict:
    """Run one notebook's cells in forked children; always returns one outputs list per cell.
    ``containment`` (:class:`autograder.containment.Containment`) bounds each child's process tree
    and kills what it leaves behind."""
    from . import sandbox
    from .containment import WATCHDOG_S

    limits = sandbox.Limits(**job.get("limits", {}))
    t_start = time.monotonic()
    cells = job["cells"]
    timeout = float(job.get("timeout", 120))
    n = len(cells)
    outputs: list = [None] * n
    tampered: list = []
    events: list = []
    sandbox_report: dict = {}
    skip: set = set()
    start, restarts = 0, 0
    while start < n:
        if containment is not None:
            containment.before_child(limits)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.close(r)
            _only_keep(w)
            code = 0
            try:
                _child(job, cells, start, skip, runner, guard, w, containment)
            except BaseException:  # noqa: BLE001
                code = 70
            finally:
                os._exit(code)
        os.close(w)
        reader = os.fdopen(r, "r")
        current, done, reason = start, False, None
        deadline = time.monotonic() + timeout + 10  # the confinement and replay get a little extra
        buf = ""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                reason = ("CellTimeoutError", f"this cell ran for more than {timeout:g} s and was stopped")
                break
            ready, _, _ = select.select([reader], [], [], min(left, WATCHDOG_S))
            if containment is not None:
                if _grader_gone(containment):
                    _stop(containment)
                if containment.over_memory(limits):
                    reason = ("MemoryBoundExceeded", _memory_reason(limits))
                    break
            if not ready:
                continue
            chunk = os.read(r, 1 << 20)
            if not chunk:
                break
            buf += chunk.decode("utf-8", "replace")
            while "\n" in buf:
                line, buf = buf.split("\n", 1)
                try:
                    doc = json.loads(line)
                except ValueError:
                    continue
                if "sandbox" in doc:
                    sandbox_report = doc["sandbox"]
                elif doc.get("done"):
                    done = True
                elif "index" in doc and (doc["index"] != current or current >= n):
                    # the real child reports each cell once, in order: anything else was written by
                    # the submission into the grader's channel
                    forged = "a forged result on the grader's channel"
                    if forged not in tampered:
                        tampered.append(forged)
                elif "index" in doc:
                    outputs[current] = doc.get("outputs", [])
                    tampered += [t for t in doc.get("tampered", []) if t not in tampered]
                    current += 1
                    while current < n and current in skip:
                        current += 1
                    deadline = time.monotonic() + timeout
            if done:
                break
        _kill(pid)
        _, status = os.waitpid(pid, 0)
        reader.close()
        if containment is not None:
            if not done and reason is None and containment.over_memory(limits):
                reason = ("MemoryBoundExceeded", _memory_reason(limits))
            left = containment.end_child()
            if left:
                events.append(f"{left} process(es) the submission left running were killed")
        if done:
            break
        if current >= n:
            break
        if reason is None:
            reason = ("KernelDied", f"the process running this cell {_describe_status(status)}")
        outputs[current] = [{"output_type": "error", "ename": reason[0], "evalue": reason[1],
                             "traceback": [f"{reason[0]}: {reason[1]}"]}]
        events.append(f"cell {current}: {reason[0]}: {reason[1]}")
        skip.add(current)
        start = current + 1
        restarts += 1
        if restarts > MAX_RESTARTS:
            for j in range(start, n):
                outputs[j] = [{"output_type": "error", "ename": "NotRun",
                               "evalue": "not run: the submission crashed or timed out too many times",
                               "traceback": ["NotRun"]}]
            events.append(f"gave up after {restarts} crashes or timeouts")
            break
    for j in range(n):
        if outputs[j] is None:
            outputs[j] = []
    if any("forged" in t for t in tampered):  # no result of this run can be trusted: no test passes
        for j, cell in enumerate(cells):
            if cell["kind"] == "test":
                outputs[j] = [{"output_type": "error", "ename": "TamperingDetected",
                               "evalue": "the submission wrote into the grader's result channel",
                               "traceback": ["TamperingDetected"]}]
    return {"outputs": outputs, "tampered": tampered, "events": events, "sandbox": sandbox_report,
            "seconds": time.monotonic() - t_start}


def _memory_reason(limits) -> str:
    return (f"the submission's processes together used more than {limits.tree_memory / 2**30:g} GB of memory "
            "(the bound for one submission) and were stopped")


def serve() -> None:
    """Read jobs from stdin, answer on stdout, until stdin closes; then, or on SIGTERM, or when the
    grader dies, kill what any submission left and exit."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints of imported modules go to stderr, never into the protocol
    from .executor import Guard, Runner, warm_up

    lean = os.environ.get("TNN2_WARM") == "lean"
    failed = warm_up([m for m in WARM_IMPORTS if not (lean and m.split(".")[0] in HEAVY_IMPORTS)])
    from .containment import Containment
    from .sandbox import sandbox_uid

    containment = Containment(sandbox_uid() if os.geteuid() == 0 else None)
    signal.signal(signal.SIGTERM, lambda *_: _stop(containment))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C reaches the whole process group: the grader decides
    runner = Runner()
    guard = Guard(runner.shell)
    channel.write(json.dumps({"ready": True, "warm_import_failures": failed, "pid": os.getpid(),
                              "uid": containment.uid}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            job = json.loads(line)
            result = run_job(job, runner, guard, containment)
        except Exception as exc:  # noqa: BLE001 - a malformed job must not kill the server
            result = {"error": f"{type(exc).__name__}: {exc}"}
        channel.write(json.dumps(result) + "\n")
    channel.flush()
    _stop(containment)  # no interpreter teardown (torch and friends: about a second)


#: The uids a root grader's fork servers run submissions as, one per live fork server.
SANDBOX_UIDS = range(61000, 65000)
#: Where a root grader claims them: one lock file per uid, held by the fork server (and its client)
#: for as long as either lives, so that no two fork servers on the machine share a uid, whichever
#: grader started them. Root's own folder: a user cannot plant or hold a lock there.
UID_LOCKS = Path(os.environ.get("TNN2_UID_LOCKS", "/var/lib/tnn2/sandbox-uids"))


def claim_sandbox_uid(hint: int = 0):
    """A sandbox uid no other live fork server on this machine holds, and the open lock file that
    holds it (close it, and every copy a child inherited, to release it). Without root there is
    nothing to claim: (a uid from ``hint``, None)."""
    n = len(SANDBOX_UIDS)
    if os.geteuid() != 0:
        return SANDBOX_UIDS[hint % n], None
    UID_LOCKS.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = UID_LOCKS.stat()
    if st.st_uid != 0 or st.st_mode & 0o022:
        raise RuntimeError(f"{UID_LOCKS} must be root's own folder (not group- or world-writable)")
    for i in range(n):
        uid = SANDBOX_UIDS[(hint + i) % n]
        f = open(UID_LOCKS / str(uid), "a")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return uid, f
        except BlockingIOError:
            f.close()
    raise RuntimeError(f"all {n} sandbox uids are held by running fork servers")


class WarmKernel:
    """Client of one fork server process (start-up ~3 s, then a fork per notebook)."""

    _count = 0
    _live: set = set()  #: servers not closed yet (:meth:`close_all`)

    def __init__(self, python: str | None = None, env: dict | None = None):
        self._lock = threading.Lock()
        WarmKernel._count += 1
        self._uid_lock = None
        if "TNN2_SANDBOX_UID" not in (env or {}):
            uid, self._uid_lock = claim_sandbox_uid(os.getpid() * 8 + WarmKernel._count)
            env = {"TNN2_SANDBOX_UID": str(uid), **(env or {})}
        self.uid = int(env["TNN2_SANDBOX_UID"])
        self.proc = subprocess.Popen(
            [python or sys.executable, "-m", "autograder.forkserver"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, **env}, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
            pass_fds=(self._uid_lock.fileno(),) if self._uid_lock else ())  # the server holds the uid too
        hello = self.proc.stdout.readline()
        if not hello:
            raise RuntimeError("the grading fork server did not start")
        self.info = json.loads(hello)
        self.pid = self.proc.pid  #: the fork server's pid (its cgroup's name ends with it)
        WarmKernel._live.add(self)

    def run(self, job: dict) -> dict:
        with self._lock:
            self.proc.stdin.write(json.dumps(job) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the grading fork server stopped")
        return json.loads(line)

    def close(self) -> None:
        """Stop the server: at the end of its job stream (noticed within a moment even mid-job) it
        kills what submissions left and exits without interpreter teardown. One that does not is
        sent SIGTERM, then SIGKILL; and as root, whatever still runs as its sandbox uid is killed
        from here."""
        from .containment import kill_uid, sweep_own

        WarmKernel._live.discard(self)
        try:
            self.proc.stdin.close()
        except Exception:  # noqa: BLE001 - a broken pipe: the server is gone already
            pass
        for sig, patience in ((None, 5.0), (signal.SIGTERM, 5.0), (signal.SIGKILL, None)):
            if sig is not None:
                self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=patience)
                break
            except subprocess.TimeoutExpired:
                continue
        kill_uid(self.uid)
        sweep_own()  # the server's cgroup, if it could not remove it itself (killed outright)
        if self._uid_lock is not None:  # the uid is free once the server is gone and nothing runs as it
            self._uid_lock.close()
            self._uid_lock = None

    @classmethod
    def close_all(cls) -> None:
        """Stop every server of this process (mid-job too): what ``grade`` does when interrupted."""
        for kernel in list(cls._live):
            kernel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


if __name__ == "__main__":
    serve()
