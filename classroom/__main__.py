"""``python -m classroom {up,down,release,collect,grade,return-feedback,accounts}`` (as root)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .accounts import Names
from .hub import REPO, Class, collect, down, grade, release, return_feedback, up


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m classroom", description=__doc__)
    p.add_argument("--state", type=Path, default=REPO / ".hub", help="the class's state folder (default: .hub)")
    p.add_argument("--prefix", default="tnn2-", help="account name prefix (default: tnn2-)")
    p.add_argument("--ip", default="127.0.0.1", help="address the hub listens on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="the hub's port; it also uses the next two")
    sub = p.add_subparsers(dest="command", required=True)
    u = sub.add_parser("up", help="accounts, exchange, configuration and JupyterHub (again: same accounts)")
    u.add_argument("--students", type=int, default=5)
    sub.add_parser("down", help="stop the hub and remove the accounts, their homes and the state folder")
    sub.add_parser("accounts", help="print the logins (user,password,role)")
    for name in ("release", "collect", "grade", "return-feedback"):
        s = sub.add_parser(name, help=f"the instructor's {name} step for one assignment")
        s.add_argument("assignment")
    args = p.parse_args(argv)
    cls = Class(args.state.resolve(), Names(args.prefix), args.ip, args.port)
    try:
        return _run(args, cls)
    except (PermissionError, FileNotFoundError, RuntimeError, TimeoutError) as e:
        print(f"classroom {args.command}: {e}", file=sys.stderr)
        return 1


def _run(args, cls: Class) -> int:
    if args.command == "up":
        accounts = up(cls, args.students)
        print(f"The class is up at {cls.url}/ (JupyterHub; log in with one of these accounts):\n")
        print(cls.accounts_file.read_text())
        print(f"The logins are also in {cls.accounts_file} (root only).")
        print(f"The instructor's formgrader: {cls.url}/user/{cls.names.instructor}/formgrader (its own tab).")
        print("Stop and remove it all: make hub-stop")
        return 0 if accounts else 1
    if args.command == "down":
        down(cls)
        print(f"The class at {cls.state} is gone (hub, accounts, homes, exchange).")
        return 0
    if args.command == "accounts":
        print(cls.accounts_file.read_text(), end="")
        return 0
    if args.command == "release":
        release(cls, args.assignment)
    elif args.command == "collect":
        print(collect(cls, args.assignment).stderr, end="")
    elif args.command == "grade":
        out = grade(cls, args.assignment)
        print((out / "grades.csv").read_text(), end="")
    elif args.command == "return-feedback":
        return_feedback(cls, args.assignment)
    return 0


if __name__ == "__main__":
    sys.exit(main())
