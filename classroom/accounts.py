"""The class's Unix accounts: one instructor and N students, each with a generated password.

Every account is a real user of this machine (``useradd``), with a private home (mode 0700) and a
password set through ``chpasswd``, so JupyterHub's PAM login and its local-process spawner treat
them as any other user, and the kernel keeps them apart. The instructor is in the ``graders``
group, which owns the exchange's inbound submissions (:mod:`classroom.exchange`). Names carry a
prefix (``tnn2-`` for ``make hub``, another for the tests) so a class never touches other users.
Needs root.
"""

from __future__ import annotations

import csv
import grp
import os
import pwd
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Account:
    user: str
    password: str
    role: str  # "instructor" or "student"

    @property
    def home(self) -> Path:
        return Path(pwd.getpwnam(self.user).pw_dir)

    @property
    def uid(self) -> int:
        return pwd.getpwnam(self.user).pw_uid


@dataclass(frozen=True)
class Names:
    """The names of one class: ``Names("tnn2-")`` gives tnn2-instructor, tnn2-student1..."""

    prefix: str

    @property
    def instructor(self) -> str:
        return f"{self.prefix}instructor"

    def student(self, i: int) -> str:
        return f"{self.prefix}student{i}"

    @property
    def graders(self) -> str:
        return f"{self.prefix}graders"

    def members(self) -> list[str]:
        """Every existing account of this class (instructor first)."""
        users = [p.pw_name for p in pwd.getpwall() if p.pw_name.startswith(self.prefix)]
        return sorted(users, key=lambda u: (u != self.instructor, len(u), u))


def _run(*cmd: str, stdin: str | None = None) -> None:
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")


def _known(lookup, name: str) -> bool:
    """Does ``lookup`` (``pwd.getpwnam``, ``grp.getgrnam``) know ``name``?"""
    try:
        lookup(name)
        return True
    except KeyError:
        return False


def _exists(user: str) -> bool:
    return _known(pwd.getpwnam, user)


def _group_exists(group: str) -> bool:
    return _known(grp.getgrnam, group)


def create_class(names: Names, students: int, keep: dict[str, str] | None = None) -> list[Account]:
    """Create the instructor and ``students`` student accounts, each with a new password, except
    existing accounts listed in ``keep`` (user -> password), which keep theirs; students beyond
    ``students`` from an earlier, larger class are removed. Returns the accounts, instructor
    first."""
    keep = keep or {}
    if os.geteuid() != 0:
        raise PermissionError("creating the class's accounts needs root")
    if not _group_exists(names.graders):
        _run("groupadd", names.graders)
    wanted = [(names.instructor, "instructor")] + [(names.student(i), "student") for i in range(1, students + 1)]
    for user in set(names.members()) - {u for u, _ in wanted}:
        remove_user(user)
    accounts = []
    for user, role in wanted:
        existed = _exists(user)
        if not existed:
            _run("useradd", "--create-home", "--shell", "/bin/bash", "--user-group",
                 "--comment", f"{role} of the demo class", user)
        if role == "instructor":
            _run("usermod", "--append", "--groups", names.graders, user)
        os.chmod(pwd.getpwnam(user).pw_dir, 0o700)
        password = keep[user] if existed and user in keep else secrets.token_urlsafe(12)
        accounts.append(Account(user, password, role))
    _run("chpasswd", stdin="".join(f"{a.user}:{a.password}\n" for a in accounts))
    return accounts


def remove_user(user: str) -> None:
    """Stop every process of ``user``, then remove the account, its home and its own group."""
    subprocess.run(["pkill", "-KILL", "-u", user], capture_output=True)
    subprocess.run(["userdel", "--remove", "--force", user], capture_output=True)
    if _group_exists(user):
        subprocess.run(["groupdel", user], capture_output=True)


def remove_class(names: Names) -> None:
    for user in names.members():
        remove_user(user)
    if _group_exists(names.graders):
        subprocess.run(["groupdel", names.graders], capture_output=True)


def write_accounts(accounts: list[Account], path: Path) -> None:
    """``user,password,role`` for each account, readable by root only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", newline="") as fh:
        os.fchmod(fh.fileno(), 0o600)
        writer = csv.writer(fh)
        writer.writerow(["user", "password", "role"])
        for a in accounts:
            writer.writerow([a.user, a.password, a.role])


def read_accounts(path: Path) -> list[Account]:
    with open(path, newline="") as fh:
        return [Account(r["user"], r["password"], r["role"]) for r in csv.DictReader(fh)]
