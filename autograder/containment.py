"""One submission's processes as a whole: bounded while it runs, and ended when it is done.

The sandbox (:mod:`autograder.sandbox`) limits each *process*; a submission that forks, calls
``setsid()`` and leaves busy or memory-hungry processes behind escapes per-process limits and the
``killpg`` of its session. A :class:`Containment` belongs to one fork server and handles the tree
of every child it forks for a submission:

- **Bounded as a whole.** Where the machine has cgroups the grader may create (root, with the
  v1 ``memory``, ``pids`` and ``cpu`` controllers mounted, as on the course's machines, or a
  delegated cgroup v2 subtree), each child joins the fork server's own group before it drops
  root, so every process it starts is counted together: memory (``Limits.tree_memory``, swap
  included where accounted), processes and threads (``Limits.processes``) and CPU
  (``Limits.cpus`` cores' worth of time per second). The fork server stops the submission as
  soon as the memory its processes cannot give back (anonymous pages and tmpfs) is within
  :data:`OOM_MARGIN` of the bound, or when the kernel kills one of them for it, and reports
  ``MemoryBoundExceeded`` for the cell that was running. Where it has none, a watchdog in the fork
  server sums the proportional set size (PSS: shared pages split between their users) of the
  tree four times a second and stops the submission past the same bound; each process is also
  capped by its address-space limit and the uid by its process limit, so one poll interval's
  allocation is the most the bound can be overrun by. CPU is then not bounded during the run.
- **Nothing survives.** The fork server is a *child subreaper*, so a process that double-forks
  is re-parented to it, not to init. After each child (finished, timed out, crashed), the fork
  server kills, in order: everything in the cgroup (frozen first, so that nothing forks while it
  is being killed), every process of the sandbox uid (as root: one ``kill(-1, SIGKILL)`` made
  *as that uid*, which the kernel applies to all its processes at once; ``setsid()`` cannot
  escape it), and every remaining descendant of the fork server. The fork server does the same
  when it is told to stop (``SIGTERM``, the end of its job stream) or sees its grader die (its
  parent changes), and the grader kills the uid of a fork server that died. A fork server killed
  outright cannot remove its own cgroup; each group is named after the process that made it, and
  the next fork server to start removes the groups of dead ones (:func:`sweep`).

:func:`probe` says which of these a machine gives; ``grade`` prints it before grading.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import signal
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def become_subreaper() -> bool:
    """Make orphaned descendants of this process its children (Linux >= 3.4)."""
    return _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of ``pid``, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = data[data.rfind(")") + 2:].split()  # the command name may hold spaces and parentheses
    return fields[0], int(fields[1])


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def descendants(root: int | None = None) -> list[int]:
    """Live (not zombie) processes below ``root`` (default: this process)."""
    root = os.getpid() if root is None else root
    children: dict[int, list[int]] = {}
    for pid in _pids():
        st = _stat(pid)
        if st is not None and st[0] not in ("Z", "X"):
            children.setdefault(st[1], []).append(pid)
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def uid_processes(uid: int) -> list[int]:
    """Live processes any of whose uids (real, effective, saved, filesystem) is ``uid``."""
    out = []
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/status") as f:
                status = f.read()
        except OSError:
            continue
        state = uid_line = ""
        for line in status.splitlines():
            if line.startswith("State:"):
                state = line.split()[1]
            elif line.startswith("Uid:"):
                uid_line = line
                break
        if state not in ("Z", "X") and str(uid) in uid_line.split()[1:]:
            out.append(pid)
    return out


def reap() -> None:
    """Collect every exited child (orphans re-parented to this subreaper included)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_uid(uid: int, patience: float = 5.0) -> int:
    """As root: kill every process of ``uid`` (never root's). A helper process takes that uid and
    sends ``kill(-1, SIGKILL)``: the kernel signals every process the sender may signal, that is
    all processes of the uid, under one lock, so none can fork away while it happens. Returns how
    many processes were found the first time."""
    if os.geteuid() != 0 or uid == 0:
        return 0
    found = None
    deadline = time.monotonic() + patience
    while True:
        left = uid_processes(uid)
        found = len(left) if found is None else found
        if not left or time.monotonic() > deadline:
            return found
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the helper
            try:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        reap()
        time.sleep(0.005)


def kill_descendants(patience: float = 5.0) -> int:
    """Kill every process below this one, stopping each first so that it cannot fork meanwhile."""
    found = None
    deadline = time.monotonic() + patience
    while True:
        left = descendants()
        found = len(left) if found is None else found
        if not left or time.monotonic() > deadline:
            return found
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in left:
                try:
                    os.kill(pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
        reap()
        time.sleep(0.005)


def tree_pss(root: int | None = None) -> int:
    """Proportional set size of everything below ``root``, in bytes (the watchdog's measure)."""
    total = 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    return total


def _write(path: Path, value) -> None:
    with open(path, "w") as f:
        f.write(str(value))


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _events(text: str, key: str) -> int:
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == key:
            return int(parts[1])
    return 0


def _v1_mounts() -> dict[str, Path]:
    """cgroup v1 controller -> mount point, from /proc/self/mountinfo."""
    out = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fstype, _, options = right.split()[:3]
            if fstype == "cgroup":
                for opt in options.split(","):
                    if opt in ("memory", "pids", "cpu", "freezer"):
                        out.setdefault(opt, Path(left.split()[4]))
    return out


def _own_paths() -> dict[str, str]:
    """controller -> this process's cgroup path ("" for the v2 hierarchy)."""
    out = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for c in controllers.split(",") if controllers else [""]:
                out[c] = path
    return out


def own_parents() -> list[Path]:
    """The folders this process's sandbox cgroups are made in (one per controller)."""
    own = _own_paths()
    mounts = _v1_mounts()
    if "memory" in mounts and "pids" in mounts:
        return [mounts[c] / own.get(c, "/").lstrip("/") for c in ("memory", "pids", "cpu", "freezer") if c in mounts]
    return [Path("/sys/fs/cgroup") / own.get("", "/").lstrip("/")]


def sweep_own() -> int:
    """:func:`sweep` where this process's fork servers make their groups (never raises)."""
    try:
        return sweep(own_parents())
    except OSError:
        return 0


class Cgroups:
    """The cgroup(s) of one fork server's submissions (``name``). Raises OSError where the machine
    does not let this process create them."""

    def __init__(self, name: str):
        self.groups: dict[str, Path] = {}
        self.swept = 0  #: groups of dead graders removed on the way (:func:`sweep`)
        own = _own_paths()
        unified = Path("/sys/fs/cgroup")
        mounts = _v1_mounts()
        if "memory" in mounts and "pids" in mounts:
            self.version = "v1"
            for c in ("memory", "pids", "cpu", "freezer"):
                if c in mounts:
                    group = mounts[c] / own.get(c, "/").lstrip("/") / name
                    self.swept += sweep([group.parent])
                    group.mkdir(parents=True, exist_ok=True)
                    self.groups[c] = group
        elif (unified / "cgroup.controllers").exists():
            self.version = "v2"
            parent = unified / own.get("", "/").lstrip("/")
            enabled = set(_read(parent / "cgroup.subtree_control").split())
            wanted = {"memory", "pids", "cpu"}
            if not wanted <= enabled:
                _write(parent / "cgroup.subtree_control", " ".join("+" + c for c in sorted(wanted - enabled)))
            group = parent / name
            self.swept += sweep([parent])
            group.mkdir(exist_ok=True)
            self.groups = {c: group for c in ("memory", "pids", "cpu", "freezer")}
        else:
            raise OSError("no cgroup memory and pids controllers mounted")
        self.kill_all()
        self._oom_seen = self.oom_kills()

    def apply(self, tree_memory: int, processes: int, cpus: float) -> None:
        """Set the bounds (before each child: a job may carry its own limits)."""
        if self.version == "v1":
            mem = self.groups["memory"]
            swap = mem / "memory.memsw.limit_in_bytes"
            current = int(_read(mem / "memory.limit_in_bytes") or 0)
            order = ["memory.memsw.limit_in_bytes", "memory.limit_in_bytes"] if tree_memory > current else \
                ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"]  # memsw >= limit at every step
            for f in order:
                if f == "memory.limit_in_bytes" or swap.exists():
                    _write(mem / f, tree_memory)
            _write(self.groups["pids"] / "pids.max", processes)
            if "cpu" in self.groups:
                _write(self.groups["cpu"] / "cpu.cfs_period_us", 100000)
                _write(self.groups["cpu"] / "cpu.cfs_quota_us", max(1000, int(cpus * 100000)))
        else:
            g = self.groups["memory"]
            _write(g / "memory.max", tree_memory)
            if (g / "memory.swap.max").exists():
                _write(g / "memory.swap.max", 0)
            _write(g / "pids.max", processes)
            _write(g / "cpu.max", f"{max(1000, int(cpus * 100000))} 100000")

    def join(self) -> None:
        """Move the calling process into the group(s) (in the child, while it is still root)."""
        for group in dict.fromkeys(self.groups.values()):
            _write(group / "cgroup.procs", os.getpid())

    def members(self) -> list[int]:
        out: set[int] = set()
        for group in dict.fromkeys(self.groups.values()):
            out |= {int(p) for p in _read(group / "cgroup.procs").split()}
        return sorted(out)

    def _freeze(self, frozen: bool) -> None:
        if self.version == "v1" and "freezer" in self.groups:
            _write(self.groups["freezer"] / "freezer.state", "FROZEN" if frozen else "THAWED")
        elif self.version == "v2" and (self.groups["memory"] / "cgroup.freeze").exists():
            _write(self.groups["memory"] / "cgroup.freeze", int(frozen))

    def kill_all(self, patience: float = 5.0) -> int:
        """Kill every process in the group(s); returns how many there were."""
        kill_file = self.groups["memory"] / "cgroup.kill"
        found = None
        deadline = time.monotonic() + patience
        while True:
            members = self.members()
            found = len(members) if found is None else found
            if not members or time.monotonic() > deadline:
                return found
            if self.version == "v2" and kill_file.exists():
                _write(kill_file, 1)
            else:
                try:
                    self._freeze(True)
                except OSError:
                    pass
                for pid in members:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
                try:
                    self._freeze(False)  # a frozen process dies of SIGKILL only once thawed
                except OSError:
                    pass
            reap()
            time.sleep(0.005)

    def oom_kills(self) -> int:
        """Processes the kernel killed so far for going past the group's memory bound."""
        if self.version == "v1":
            text = _read(self.groups["memory"] / "memory.oom_control")
            if "oom_kill " in text:
                return _events(text, "oom_kill")
            return int(_read(self.groups["memory"] / "memory.failcnt") or 0)  # older kernels
        return _events(_read(self.groups["memory"] / "memory.events"), "oom_kill")

    def resident(self) -> int:
        """Memory the group's processes hold that the kernel cannot give back without swap:
        anonymous pages and tmpfs (``/tmp`` is one), in bytes."""
        stat = _read(self.groups["memory"] / "memory.stat")
        if self.version == "v1":
            return _events(stat, "total_rss") + _events(stat, "total_shmem")
        return _events(stat, "anon") + _events(stat, "shmem")

    def new_oom_kills(self) -> int:
        now = self.oom_kills()
        new, self._oom_seen = now - self._oom_seen, now
        return new

    def remove(self) -> None:
        self.kill_all()
        for group in dict.fromkeys(self.groups.values()):
            try:
                group.rmdir()
            except OSError:
                pass


def group_name(uid: int | None, server: int | None = None) -> str:
    """The cgroup of the fork server ``server`` (default: this process) whose children run as ``uid``.
    The name ends with the server's pid, so that :func:`sweep` can tell a dead server's group."""
    server = os.getpid() if server is None else server
    return f"{GROUP_PREFIX}{uid if uid is not None else 'root'}-{server}"


#: Every cgroup a grader creates is named with this prefix, and ends with its creator's pid.
GROUP_PREFIX = "tnn2-sandbox-"
_OWNED = re.compile(r"^tnn2-(?:sandbox|probe|test-probe)-(?:.*-)?(\d+)$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return (_stat(pid) or ("Z", 0))[0] != "Z"


def sweep(parents) -> int:
    """Remove the cgroups under ``parents`` that a grader's process made and left behind when it
    died (a fork server killed with SIGKILL cannot remove its own): each is named after its
    creator's pid (:func:`group_name`), and is removed when that process is gone, after killing
    anything still in it. Groups of live processes are left alone. Returns how many were removed."""
    removed = 0
    for parent in dict.fromkeys(parents):
        try:
            entries = list(Path(parent).iterdir())
        except OSError:
            continue
        for group in entries:
            m = _OWNED.match(group.name)
            if not m or not group.is_dir() or _alive(int(m.group(1))):
                continue
            for _ in range(3):
                pids = [int(p) for p in _read(group / "cgroup.procs").split()]
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
                time.sleep(0.05)
            try:
                group.rmdir()
                removed += 1
            except OSError:
                pass
    return removed


class Containment:
    """What one fork server uses to bound and end its children's process trees.
    ``uid``: the sandbox uid its children run as (None when the grader is not root)."""

    def __init__(self, uid: int | None, name: str | None = None):
        self.uid = uid if os.geteuid() == 0 else None
        self.subreaper = become_subreaper()
        self.cgroups: Cgroups | None = None
        self.cgroup_error = ""
        try:
            if os.environ.get("TNN2_CGROUPS") == "off":  # the grader's choice (tests of the fallback)
                raise OSError("turned off by TNN2_CGROUPS=off")
            self.cgroups = Cgroups(name or group_name(self.uid))
        except (OSError, ValueError) as exc:
            self.cgroup_error = str(exc)
        self.parent = os.getppid()

    # -- in the fork server, around each child --------------------------------------------------

    def before_child(self, limits) -> None:
        if self.cgroups is not None:
            self.cgroups.apply(limits.tree_memory, limits.processes, limits.cpus)
            self.cgroups.new_oom_kills()  # forget what an earlier child did

    def join(self) -> None:
        """In the child, as root, before anything else."""
        if self.cgroups is not None:
            self.cgroups.join()

    def over_memory(self, limits) -> bool:
        """Did the submission's tree go past its memory bound (kernel kill, or the watchdog)?"""
        if self.cgroups is not None:
            # the kernel's kill comes only after seconds of reclaim at the limit: stop the submission
            # as soon as what it cannot give back is at the bound
            return (self.cgroups.new_oom_kills() > 0
                    or self.cgroups.resident() >= limits.tree_memory - OOM_MARGIN)
        return tree_pss() > limits.tree_memory

    def end_child(self) -> int:
        """Kill everything the child started; returns how many processes were left."""
        found = 0
        if self.cgroups is not None:
            found = self.cgroups.kill_all()
        if self.uid is not None:
            found = max(found, kill_uid(self.uid))
        found = max(found, kill_descendants())
        reap()
        return found

    def parent_gone(self) -> bool:
        return os.getppid() != self.parent

    def close(self) -> None:
        self.end_child()
        if self.cgroups is not None:
            self.cgroups.remove()

    def describe(self, limits) -> str:
        gb = limits.tree_memory / 2**30
        if self.cgroups is not None:
            bound = (f"cgroup {self.cgroups.version}: {gb:g} GB of memory, {limits.processes} processes and threads, "
                     f"{limits.cpus:g} CPU per submission")
        else:
            bound = (f"no cgroups ({self.cgroup_error}): a watchdog stops a submission past {gb:g} GB "
                     f"(PSS of its processes, polled every {WATCHDOG_S:g} s); {limits.processes} processes per uid; "
                     "CPU not bounded while it runs")
        end = ("killed by uid, cgroup and process tree after each submission" if self.uid is not None
               else "killed by process tree after each submission")
        return f"{bound}; {end}" + ("" if self.subreaper else " (no subreaper: a double fork escapes)")


#: Within this much of the bound, a submission's unreclaimable memory counts as past it.
OOM_MARGIN = 64 * 2**20

#: How often the fork server checks its grader and, without cgroups, the tree's memory.
WATCHDOG_S = 0.25


def probe(limits) -> str:
    """Which whole-submission bounds this machine gives, in words (``grade`` prints it). Forks a
    helper, since becoming a subreaper lasts for the life of a process."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the helper
        os.close(r)
        try:
            c = Containment(None, name=f"tnn2-probe-{os.getpid()}")
            if c.cgroups is not None:
                c.cgroups.apply(limits.tree_memory, limits.processes, limits.cpus)
            c.uid = 0 if os.geteuid() == 0 else None  # describe what a root grader does
            text = c.describe(limits)
            if c.cgroups is not None:
                c.cgroups.remove()
        except BaseException as exc:  # noqa: BLE001
            text = f"could not probe the whole-submission bounds: {exc!r}"
        os.write(w, text.encode())
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return data.decode()
