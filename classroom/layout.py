"""Everything of a class on disk, made as root: the exchange (owners and modes that
:mod:`classroom.exchange` relies on), each role's Jupyter and nbgrader configuration, the
instructor's course folder, and the course repository closed to students.

The state folder (``.hub/`` for ``make hub``) holds the hub's database, secrets, logs and
``accounts.csv``; it is traversable but not listable by others (mode 0711), so students reach the
exchange inside it and nothing else. Students run the course's virtual environment from the
repository, so they must read ``.venv/``, ``course_utils/`` and ``autograder/`` (which hold no
solution); :func:`close_repository` takes read access away from everything else that others could
read (``solutions/`` with its hidden tests, ``tests/``, ``.git/`` whose history holds the
solutions, ``.cache/`` and ``build/`` where graded copies live, the state folder).
"""

from __future__ import annotations

import grp
import json
import os
import shutil
import stat
from pathlib import Path

from .accounts import Names

COURSE_ID = "tnn2"

#: The exchange classes of :mod:`classroom.exchange`, by nbgrader's ``ExchangeFactory`` names.
EXCHANGE_CLASSES = {
    "exchange": "classroom.exchange.SafeRoot",
    "release_assignment": "classroom.exchange.SafeReleaseAssignment",
    "fetch_assignment": "classroom.exchange.SafeFetchAssignment",
    "list": "classroom.exchange.SafeList",
    "submit": "classroom.exchange.SafeSubmit",
    "collect": "classroom.exchange.SafeCollect",
    "release_feedback": "classroom.exchange.SafeReleaseFeedback",
    "fetch_feedback": "classroom.exchange.SafeFetchFeedback",
}

#: What a student's server needs to read in the repository; everything else is closed to others.
STUDENT_READABLE = {".venv", "course_utils", "autograder", "classroom", "notebooks", "docs", "README.md",
                    "LICENSE", "pyproject.toml", "requirements.txt", "environment.yml", "tnn2_course.egg-info"}

#: nbgrader's JupyterLab parts a student does not get (the assignment list and Validate stay).
INSTRUCTOR_LAB_EXTENSIONS = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                             "@jupyter/nbgrader:course-list"]
INSTRUCTOR_SERVER_EXTENSIONS = ["nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list"]


def exchange_root(state: Path) -> Path:
    return state / "exchange"


def course_exchange(state: Path) -> Path:
    return exchange_root(state) / COURSE_ID


def instructor_course(names: Names) -> Path:
    import pwd

    return Path(pwd.getpwnam(names.instructor).pw_dir) / "course"


def _own(path: Path, user: str, group: str, mode: int) -> None:
    import pwd

    os.chown(path, pwd.getpwnam(user).pw_uid, grp.getgrnam(group).gr_gid)
    os.chmod(path, mode)


def private_parent(path: Path) -> Path | None:
    """The first folder of ``path`` and those above it that other users cannot pass through."""
    for folder in [path.resolve(), *path.resolve().parents]:
        if folder.is_dir() and not os.stat(folder).st_mode & stat.S_IXOTH:
            return folder
    return None


def make_state(state: Path) -> None:
    state.mkdir(parents=True, exist_ok=True)
    os.chown(state, 0, 0)
    os.chmod(state, 0o711)
    blocked = private_parent(state)
    if blocked is not None:
        raise PermissionError(f"{blocked} is private: the class's users could not reach the exchange in {state}")


def make_exchange(state: Path, names: Names) -> None:
    """The exchange as :mod:`classroom.exchange` describes it (made again if modes drifted)."""
    root = exchange_root(state)
    root.mkdir(exist_ok=True)
    os.chown(root, 0, 0)
    os.chmod(root, 0o755)
    course = course_exchange(state)
    course.mkdir(exist_ok=True)
    _own(course, names.instructor, names.graders, 0o2755)
    for sub, mode in (("outbound", 0o2755), ("inbound", 0o3773), ("feedback", 0o2711)):
        (course / sub).mkdir(exist_ok=True)
        _own(course / sub, names.instructor, names.graders, mode)


def nbgrader_config(state: Path, names: Names, role: str) -> str:
    lines = ["c = get_config()  # written by classroom.layout: edit classroom/layout.py instead",
             f"c.CourseDirectory.course_id = {COURSE_ID!r}",
             f"c.Exchange.root = {str(exchange_root(state))!r}"]
    lines += [f"c.ExchangeFactory.{k} = {v!r}" for k, v in EXCHANGE_CLASSES.items()]
    if role == "instructor":
        lines.append(f"c.CourseDirectory.root = {str(instructor_course(names))!r}")
    return "\n".join(lines) + "\n"


#: JupyterLab plugins a class server runs without: the news and update announcements (their consent
#: prompt on first login, and a fetch from the internet).
QUIET_LAB_PLUGINS = ("@jupyterlab/apputils-extension:announcements",)


def role_config_dir(state: Path, role: str) -> Path:
    return state / "config" / role


def write_role_configs(state: Path, names: Names) -> None:
    """``config/<role>/``: nbgrader_config.py, and for students the server and lab extensions of
    the instructor switched off (JUPYTER_CONFIG_PATH points a user's server there). For everyone,
    JupyterLab's news and update announcements are off: a class server has no internet to fetch them
    from, and a first login should open on the course, not on a consent prompt."""
    for role in ("instructor", "student"):
        d = role_config_dir(state, role)
        (d / "labconfig").mkdir(parents=True, exist_ok=True)
        (d / "nbgrader_config.py").write_text(nbgrader_config(state, names, role))
        server = {"ServerApp": {"jpserver_extensions": {}}}
        page = {"disabledExtensions": {e: True for e in QUIET_LAB_PLUGINS}}
        if role == "student":
            server["ServerApp"]["jpserver_extensions"] = {e: False for e in INSTRUCTOR_SERVER_EXTENSIONS}
            page["disabledExtensions"].update({e: True for e in INSTRUCTOR_LAB_EXTENSIONS})
        (d / "jupyter_server_config.json").write_text(json.dumps(server, indent=2))
        (d / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=2))
    for path in [state / "config", *(state / "config").rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def make_instructor_course(repo: Path, names: Names) -> Path:
    """The instructor's nbgrader course folder: ``source/`` holds the solutions (what the
    formgrader lists), ``release/`` the student release of every assignment (the repository's
    ``notebooks/``, made by ``python -m autograder release``), from which ``nbgrader
    release_assignment`` publishes to the exchange; ``submitted/``, ``feedback/`` and ``graded/``
    fill as the class goes. Private to the instructor (their home is 0700)."""
    course = instructor_course(names)
    for src, dest in ((repo / "notebooks", course / "release"), (repo / "solutions", course / "source")):
        dest.mkdir(parents=True, exist_ok=True)
        for folder in sorted(src.iterdir()):
            if folder.is_dir() and not folder.name.startswith("."):
                shutil.copytree(folder, dest / folder.name, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    give_to(course, names.instructor)
    return course


def give_to(folder: Path, user: str) -> None:
    """``folder`` and everything in it owned by ``user`` and their own group (links not followed)."""
    import pwd

    account = pwd.getpwnam(user)
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, account.pw_uid, account.pw_gid, follow_symlinks=False)


def _usable_by_others(path: Path) -> bool:
    """Can another user run ``path`` (every folder above it searchable, the file executable)?"""
    path = path.resolve()
    if not os.stat(path).st_mode & stat.S_IXOTH:
        return False
    return all(os.stat(p).st_mode & stat.S_IXOTH for p in path.parents)


def student_python(repo: Path, state: Path) -> Path:
    """The Python the users' servers and kernels run: the course's virtual environment, as is,
    where other users may run its base interpreter; otherwise (a base interpreter under a private
    home, such as pyenv's in /root) a small environment in the state folder made by the system's
    Python of the same version, which adds the course environment's packages (``site.addsitedir``:
    its ``.pth`` files, the editable course packages among them, apply too)."""
    import sys
    import sysconfig

    venv_python = repo / ".venv" / "bin" / "python"
    if _usable_by_others(venv_python):
        return venv_python
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    system = Path(f"/usr/bin/python{version}")
    if not system.exists():
        raise FileNotFoundError(
            f"other users cannot run {venv_python.resolve()} (a folder above it is private) and there is no "
            f"{system}: install the course environment where every user can run it (docs/hub.md)")
    runtime = state / "runtime"
    python = runtime / "bin" / "python"
    if not python.exists():
        import subprocess

        subprocess.run([str(system), "-m", "venv", "--without-pip", str(runtime)], check=True)
    site_packages = Path(sysconfig.get_paths()["purelib"])
    pth = runtime / "lib" / f"python{version}" / "site-packages" / "tnn2_course_env.pth"
    pth.write_text(f"import site; site.addsitedir({str(site_packages)!r})\n")
    # the environment's commands (jupyter, nbgrader, alembic that nbgrader's gradebook runs...),
    # their first line pointing at this Python
    for script in sorted(Path(sys.prefix, "bin").iterdir()):
        if script.name.startswith(("python", "activate", "Activate")) or not script.is_file():
            continue
        head = script.read_bytes()[:256]
        if head.startswith(b"#!") and b"python" in head.split(b"\n", 1)[0]:
            body = script.read_text(errors="replace").split("\n", 1)[1]
            target = runtime / "bin" / script.name
            target.write_text(f"#!{python}\n{body}")
            os.chmod(target, 0o755)
    for path in [runtime, *runtime.rglob("*")]:
        if not path.is_symlink():
            os.chmod(path, 0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
    return python


def close_repository(repo: Path, state: Path) -> list[str]:
    """Take read, write and search access for others away from every top-level entry of the
    repository but :data:`STUDENT_READABLE` (and the state folder, which makes its own modes), and
    let others through the repository folder without listing it. Returns what was closed."""
    closed = []
    os.chmod(repo, (os.stat(repo).st_mode & 0o7770) | 0o001)
    for entry in sorted(repo.iterdir()):
        if entry.name in STUDENT_READABLE or entry.resolve() == state.resolve():
            continue
        if entry.is_symlink():
            continue
        mode = os.stat(entry).st_mode
        if mode & 0o007:
            os.chmod(entry, mode & ~0o007)
            closed.append(entry.name)
    return closed
