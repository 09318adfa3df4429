"""The demo class's life cycle, as root: ``up`` (accounts, exchange, configuration, JupyterHub and
its proxy), ``down`` (all of it removed), and the instructor's steps around ``grade``.

``python -m classroom up`` is what ``make hub`` runs; ``python -m classroom down`` is ``make
hub-stop``. The instructor's nbgrader steps run as the instructor's account (``runuser``), with
the instructor's configuration, exactly as in a terminal of the instructor's own server:
``release`` (``nbgrader release_assignment``), ``collect`` (``nbgrader collect``, through
:class:`classroom.exchange.SafeCollect`), and ``return-feedback`` (``nbgrader release_feedback``).
``grade`` runs the course's grader (``python -m autograder grade``, sandboxed workers: this is why
it runs as root) on the collected submissions of one assignment, writes ``graded/<assignment>/``
into the instructor's course (``grades.csv``, nbgrader's gradebook, feedback) and puts each
student's feedback where ``release_feedback`` finds it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from . import accounts as acc
from . import layout

REPO = Path(__file__).resolve().parents[1]
PROXY = REPO / "classroom" / "node_modules" / ".bin" / "configurable-http-proxy"
CONFIG = REPO / "classroom" / "jupyterhub_config.py"


@dataclass
class Class:
    """One class on this machine: its state folder, account names and hub address."""

    state: Path
    names: acc.Names
    ip: str = "127.0.0.1"
    port: int = 8000

    @property
    def url(self) -> str:
        return f"http://{self.ip}:{self.port}"

    @property
    def settings_file(self) -> Path:
        return self.state / "hub.json"

    @property
    def accounts_file(self) -> Path:
        return self.state / "accounts.csv"

    def settings(self) -> dict:
        return json.loads(self.settings_file.read_text())

    def accounts(self) -> list[acc.Account]:
        return acc.read_accounts(self.accounts_file)

    @property
    def course(self) -> Path:
        return layout.instructor_course(self.names)


def free_ports(n: int = 3) -> int:
    """A port p such that p, p+1, ... p+n-1 are free now (a class uses three: the hub's public
    port, the hub's own and the proxy's API)."""
    import socket

    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + n >= 65535:
            continue
        socks = []
        try:
            for port in range(base, base + n):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError(f"no {n} consecutive free ports")


def scratch_class(prefix: str) -> Class:
    """A class of its own for a test or a benchmark: accounts named ``prefix...``, free ports, and
    a state folder under /tmp (not under a private folder such as pytest's, since the class's users
    must reach the exchange in it). Remove it with :func:`down`, then ``state.parent``."""
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix=f"{prefix}hub-", dir="/tmp"))
    os.chmod(scratch, 0o711)
    return Class(scratch / "class", acc.Names(prefix), port=free_ports())


def _venv_bin() -> Path:
    return Path(sys.executable).parent


def _alive(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def up(cls: Class, students: int = 5, timeout: float = 90.0) -> list[acc.Account]:
    """Stand the class up (again): returns the accounts, instructor first. Running it twice
    keeps the accounts, their homes and passwords, and restarts the hub."""
    if os.geteuid() != 0:
        raise PermissionError("the class needs root: it creates Unix accounts and runs JupyterHub's spawner")
    if not PROXY.exists():
        raise FileNotFoundError(f"{PROXY} is missing: run `make hub-deps` (npm ci in classroom/)")
    stop_hub(cls)
    layout.make_state(cls.state)
    known = {a.user: a.password for a in cls.accounts()} if cls.accounts_file.exists() else {}
    accounts = acc.create_class(cls.names, students, keep=known)
    acc.write_accounts(accounts, cls.accounts_file)
    layout.make_exchange(cls.state, cls.names)
    layout.write_role_configs(cls.state, cls.names)
    layout.make_instructor_course(REPO, cls.names)
    layout.close_repository(REPO, cls.state)
    python = layout.student_python(REPO, cls.state)
    settings = {
        "state": str(cls.state), "ip": cls.ip, "port": cls.port, "hub_port": cls.port + 1,
        "proxy_api_port": cls.port + 2, "proxy_command": str(PROXY), "python": str(python),
        "users": [a.user for a in accounts], "instructor": cls.names.instructor,
        "api_token": secrets.token_hex(32),
        # the role's configuration first (it wins), then the course environment's own (its server and
        # lab extensions: JupyterLab, nbgrader), which a server run by another Python would not see
        "config_path": {r: f"{layout.role_config_dir(cls.state, r)}:{sys.prefix}/etc/jupyter"
                        for r in ("instructor", "student")},
        "data_path": f"{sys.prefix}/share/jupyter",
    }
    fd = os.open(cls.settings_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(settings, fh, indent=2)
    log = open(cls.state / "jupyterhub.log", "ab")
    env = {**os.environ, "CLASSROOM_SETTINGS": str(cls.settings_file)}
    proc = subprocess.Popen([str(_venv_bin() / "jupyterhub"), "-f", str(CONFIG)], cwd=cls.state, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterHub exited ({proc.returncode}); see {cls.state / 'jupyterhub.log'}")
        try:
            with urllib.request.urlopen(f"{cls.url}/hub/api", timeout=2) as r:
                if r.status == 200:
                    return accounts
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise TimeoutError(f"JupyterHub did not answer at {cls.url} within {timeout:.0f} s; see jupyterhub.log")


def stop_hub(cls: Class, timeout: float = 20.0) -> None:
    """Stop JupyterHub (which stops the users' servers), then its proxy, if they run."""
    for pid_name in ("jupyterhub.pid", "proxy.pid"):
        pid = _alive(cls.state / pid_name)
        if pid is None:
            continue
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(cls.state / pid_name):
            time.sleep(0.2)
        if _alive(cls.state / pid_name):
            os.kill(pid, signal.SIGKILL)


def down(cls: Class) -> None:
    """Remove everything ``up`` made: the hub, every process and account of the class (homes
    included), the state folder with the exchange."""
    stop_hub(cls)
    acc.remove_class(cls.names)
    shutil.rmtree(cls.state, ignore_errors=True)


def as_account(cls: Class, user: str, role: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``python -m args...`` as ``user``, in their home, with ``role``'s configuration and the
    users' Python, as a terminal of their own server would."""
    import pwd

    home = pwd.getpwnam(user).pw_dir
    settings = cls.settings()
    python = settings["python"]
    env = ["env", f"HOME={home}", f"PATH={Path(python).parent}:/usr/bin:/bin",
           f"JUPYTER_CONFIG_PATH={settings['config_path'][role]}", f"JUPYTER_PATH={settings['data_path']}"]
    cwd = cls.course if role == "instructor" else home
    r = subprocess.run(["runuser", "-u", user, "--", *env, python, "-m", *args], cwd=cwd,
                       capture_output=True, text=True, timeout=600)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}")
    return r


def as_instructor(cls: Class, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``python -m args...`` as the instructor, in their course folder."""
    return as_account(cls, cls.names.instructor, "instructor", *args, check=check)


def release(cls: Class, assignment: str) -> None:
    as_instructor(cls, "nbgrader", "release_assignment", assignment, "--force")


def collect(cls: Class, assignment: str) -> subprocess.CompletedProcess:
    return as_instructor(cls, "nbgrader", "collect", assignment, "--update")


def grade(cls: Class, assignment: str, *options: str) -> Path:
    """Grade the collected submissions of ``assignment`` with the course's grader into
    ``<course>/graded/<assignment>/`` and put each student's feedback where ``release_feedback``
    looks for it (``feedback/<student>/<assignment>/`` with the submission's timestamp and secret).
    Returns the graded folder."""
    submitted = cls.course / "submitted"
    out = cls.course / "graded" / assignment
    with tempfile.TemporaryDirectory(prefix="classroom-grade-") as tmp:
        view = Path(tmp) / "submissions"
        for student_dir in sorted(submitted.iterdir()) if submitted.exists() else []:
            src = student_dir / assignment
            if src.is_dir():
                shutil.copytree(src, view / student_dir.name / assignment, symlinks=True)
        if not view.exists():
            raise FileNotFoundError(f"no collected submission of {assignment} in {submitted}")
        if out.exists():
            shutil.rmtree(out)
        r = subprocess.run([sys.executable, "-m", "autograder", "--root", str(REPO), "grade", str(view),
                            "--out", str(out), *options], capture_output=True, text=True, timeout=3600)
    if not (out / "grades.csv").exists():
        raise RuntimeError(f"grade wrote no table ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    for html in sorted((out / "feedback").glob(f"*/{assignment}/*.html")):
        student = html.parts[-3]
        dest = cls.course / "feedback" / student / assignment
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(html, dest / html.name)
        for extra in ("timestamp.txt", "submission_secret.txt"):
            if (submitted / student / assignment / extra).exists():
                shutil.copy(submitted / student / assignment / extra, dest / extra)
    for folder in (cls.course / "graded", cls.course / "feedback"):
        if folder.exists():
            layout.give_to(folder, cls.names.instructor)
    return out


def return_feedback(cls: Class, assignment: str) -> list[Path]:
    """``nbgrader release_feedback`` as the instructor, then (as root) each released file given to
    its student: owner the student, group ``graders``, mode 0640. nbgrader names each file by a
    hash of the submission's secret, so only its student can find it; here even a file name that
    leaked opens for nobody else. Returns the released files."""
    import grp
    import pwd

    from nbgrader.utils import notebook_hash

    as_instructor(cls, "nbgrader", "release_feedback", assignment)
    released = []
    graders = grp.getgrnam(cls.names.graders).gr_gid
    for html in sorted((cls.course / "feedback").glob(f"*/{assignment}/*.html")):
        student = html.parts[-3]
        secret_file = html.parent / "submission_secret.txt"
        if not secret_file.exists():
            continue
        target = layout.course_exchange(cls.state) / "feedback" / (
            notebook_hash(secret=secret_file.read_text(), notebook_id=html.stem) + ".html")
        if target.exists():
            os.chown(target, pwd.getpwnam(student).pw_uid, graders, follow_symlinks=False)
            os.chmod(target, 0o640)
            released.append(target)
    return released
