"""Confine the process that runs one student's code: Linux namespaces, private mounts, rlimits.

Called in a freshly forked child of the fork server (:mod:`autograder.forkserver`), before any
student code runs. What it does, in order, each step only where the machine allows it:

1. ``unshare`` a new mount and network namespace (as root directly; otherwise inside a new user
   namespace that maps the caller's uid). The network namespace has no interface but a down
   loopback: no connection can leave, not even to 127.0.0.1.
2. Mount propagation made private, then a fresh, empty ``tmpfs`` over every hidden path (the
   course directory with the gradebook and the instructor's ``source/``, the submissions of the
   whole class, the repository's ``solutions/``, ``tests/`` and ``.git``), and over ``/tmp`` and
   ``/dev/shm`` so nothing is shared with other submissions. The data cache is bind-mounted
   read-only at ``/tmp/tnn2-cache``.
3. As root: drop to an unprivileged uid of its own (:func:`sandbox_uid`) (after the mounts, so the student cannot undo them, and so that
   ``RLIMIT_NPROC`` applies: the kernel never enforces it for uid 0).
4. Resource limits per process: address space (a margin above what the warm process already
   maps), number of processes, size of files written, open files; and its own session. The
   submission's processes as a whole (memory, processes, CPU, and their end when it is done)
   are :mod:`autograder.containment`'s job.

:func:`probe` says which protections a machine gives, and :func:`describe_missing` what is lost
where it gives less; ``grade`` prints that before grading.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import sys
from dataclasses import dataclass, field
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

NOBODY = 65534


def sandbox_uid() -> int:
    """The unprivileged uid a root grader drops to: its own per fork server
    (``TNN2_SANDBOX_UID``), so that one submission's processes never count against the
    process limit of a submission graded beside it; ``nobody`` otherwise."""
    return int(os.environ.get("TNN2_SANDBOX_UID", NOBODY))

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


@dataclass
class Limits:
    """What one submission may use. Sizes in bytes."""

    memory: int = 3 * 2**30  #: address space above what the warm process maps at fork time, per process
    processes: int = 64  #: processes (and threads) of the sandbox user (RLIMIT_NPROC) and of the submission's cgroup
    tree_memory: int = 4 * 2**30  #: all processes of one submission together (:mod:`autograder.containment`)
    cpus: float = 1.0  #: CPU time per second of all its processes together, where cgroups allow
    file_size: int = 64 * 2**20  #: largest file a submission may write
    open_files: int = 256


@dataclass
class Report:
    """Which protections were put in place for one child (sent back with its results)."""

    namespaces: bool = False
    network: bool = False
    hidden: list = field(default_factory=list)
    unprivileged: bool = False
    limits: bool = False
    errors: list = field(default_factory=list)

    def missing(self) -> list[str]:
        out = []
        if not self.namespaces:
            out.append("no mount namespace: the submission can read every file the grader can, solutions and "
                       "gradebook included")
        if not self.network:
            out.append("no network namespace: the submission can open network connections")
        if not self.unprivileged:
            out.append("runs as root: a submission could undo the hidden mounts and fork without limit")
        if not self.limits:
            out.append("no resource limits")
        return out


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None,
                       ctypes.c_ulong(flags), data.encode() if data else None), f"mount {target}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _vm_size() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _needed_paths() -> list[str]:
    """What the child must still read: the Python environment and the course's helper package."""
    out = {str(Path(p).resolve()) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    mod = sys.modules.get("course_utils")
    if mod is not None and getattr(mod, "__file__", None):
        out.add(str(Path(mod.__file__).resolve().parent))
    return sorted(out)


def _under(path: str, roots) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def _private_ancestor(path: Path) -> Path | None:
    """The highest ancestor of ``path`` that other users cannot enter (``/root`` is mode 700)."""
    for parent in reversed(path.parents):
        if parent != Path("/") and parent.is_dir() and not parent.stat().st_mode & 0o001:
            return parent
    return None


def _expose_python(rep: Report) -> None:
    """As root, Python itself may live in a private home (pyenv in ``/root``). Replace each such
    home by an empty tmpfs holding only the interpreter's prefix, read-only, so that the
    unprivileged child can still import the standard library and sees nothing else there."""
    needed = {Path(p).resolve() for p in {sys.base_prefix, sys.exec_prefix, sys.prefix}}
    homes: dict[Path, list[Path]] = {}
    for path in needed:
        home = _private_ancestor(path)
        if home is not None:
            homes.setdefault(home, []).append(path)
    for k, (home, paths) in enumerate(homes.items()):
        stash = []
        for j, path in enumerate(paths):
            keep = f"/tmp/.expose-{k}-{j}"
            os.makedirs(keep)
            _mount(str(path), keep, None, MS_BIND | MS_REC)
            stash.append((keep, path))
        _mount("tmpfs", str(home), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
        for keep, path in stash:
            os.makedirs(path, mode=0o755, exist_ok=True)
            _mount(keep, str(path), None, MS_BIND | MS_REC)
            _mount("none", str(path), None, MS_REMOUNT | MS_BIND | MS_RDONLY)
            _check(_libc.umount2(keep.encode(), 2), f"umount {keep}")
            os.rmdir(keep)
        rep.hidden.append(f"{home} (but the Python prefix)")


def enter(hide: list[str], cache_dir: str | None, limits: Limits, workdir: str = "/tmp/work") -> Report:
    """Confine the calling process (a fresh fork; never call it in the grader itself)."""
    rep = Report()
    os.setsid()
    is_root = os.geteuid() == 0
    uid, gid = os.getuid(), os.getgid()
    try:
        if is_root:
            _unshare(CLONE_NEWNS | CLONE_NEWNET)
        else:
            _unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET)
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        rep.namespaces = rep.network = True
    except OSError as exc:
        rep.errors.append(f"namespaces unavailable ({exc})")
    if rep.namespaces:
        try:
            _mount("none", "/", None, MS_REC | MS_PRIVATE)
            for path in hide:
                p = Path(path)
                if p.is_dir():
                    _mount("tmpfs", str(p), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
                    rep.hidden.append(str(p))
                elif p.exists():
                    _mount("/dev/null", str(p), None, MS_BIND)
                    rep.hidden.append(str(p))
            # What must stay visible under the fresh /tmp (a checkout and its venv may live there,
            # as in CI), and the data cache: held open by descriptor, bound back after the cover.
            rebind = [(p, p) for p in _needed_paths() if _under(p, ("/tmp", "/dev/shm"))]
            if cache_dir and Path(cache_dir).is_dir():
                rebind.append((str(Path(cache_dir).resolve()), "/tmp/tnn2-cache"))
            held = [(os.open(src, os.O_PATH | os.O_DIRECTORY), dest) for src, dest in rebind]
            for scratch in ("/tmp", "/dev/shm"):
                if Path(scratch).is_dir():
                    _mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, "size=512m,mode=1777")
            for fd, dest in held:
                os.makedirs(dest, mode=0o755, exist_ok=True)
                _mount(f"/proc/self/fd/{fd}", dest, None, MS_BIND | MS_REC)
                _mount("none", dest, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
                os.close(fd)
            if is_root:
                _expose_python(rep)
        except OSError as exc:
            rep.errors.append(str(exc))
    os.makedirs(workdir, exist_ok=True)
    os.makedirs("/tmp/home", exist_ok=True)
    if is_root:
        try:
            uid = sandbox_uid()
            os.chown(workdir, uid, uid)
            os.chown("/tmp/home", uid, uid)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            rep.unprivileged = True
        except OSError as exc:
            rep.errors.append(f"could not drop root ({exc})")
    else:
        rep.unprivileged = True
    os.environ.update({"HOME": "/tmp/home", "TMPDIR": "/tmp", "MPLCONFIGDIR": "/tmp/home",
                       "TNN2_CACHE": "/tmp/tnn2-cache" if Path("/tmp/tnn2-cache").is_dir() else "/tmp/home/cache"})
    os.chdir(workdir)
    try:
        address_space = _vm_size() + limits.memory
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_size, limits.file_size))
        resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        rep.limits = True
    except (OSError, ValueError) as exc:
        rep.errors.append(f"rlimits: {exc}")
    return rep


def probe(hide: list[str] | None = None) -> Report:
    """Fork a child, confine it, and report what worked (without running anything in it)."""
    import json

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(r)
        try:
            rep = enter(hide or [], None, Limits())
            payload = json.dumps(rep.__dict__)
        except BaseException as exc:  # noqa: BLE001
            payload = json.dumps(Report(errors=[repr(exc)]).__dict__)
        os.write(w, payload.encode())
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return Report(**json.loads(data.decode() or "{}"))


def describe_missing(rep: Report) -> str:
    missing = rep.missing()
    if not missing:
        return "sandbox: mount and network namespaces, hidden course files, unprivileged user, resource limits"
    return "sandbox incomplete on this machine: " + "; ".join(missing) + (
        f" ({'; '.join(rep.errors)})" if rep.errors else "")
