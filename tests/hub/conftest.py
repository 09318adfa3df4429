"""The class of the hub tests: ``python -m classroom up`` with its own account prefix (``tnn2t-``),
state folder and ports, so that it never touches a demo class (``make hub``) on the same machine;
removed at the end (accounts, homes, exchange).

The tests skip, saying why, where the machine cannot hold a class: not root (accounts and the
spawner need it), no ``useradd``/``runuser``, no proxy (``make hub-deps``: Node.js and npm), or a
repository that other users cannot reach. ``COURSE_REQUIRE_HUB=1`` turns a skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest

from classroom.accounts import Names

PREFIX = "tnn2t-"


def _free_port_block(n: int = 3) -> int:
    """A port p such that p, p+1, ... p+n-1 are free now."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + n >= 65535:
            continue
        try:
            socks = []
            for p in range(base, base + n):
                sock = socket.socket()
                sock.bind(("127.0.0.1", p))
                socks.append(sock)
            for sock in socks:
                sock.close()
            return base
        except OSError:
            for sock in socks:
                sock.close()
    raise RuntimeError("no three consecutive free ports")


def unavailable() -> str | None:
    from classroom import hub, layout

    if os.geteuid() != 0:
        return "the class needs root (Unix accounts, JupyterHub's local-process spawner)"
    for tool in ("useradd", "userdel", "chpasswd", "runuser"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed: no Unix accounts can be made here"
    if not hub.PROXY.exists():
        return f"configurable-http-proxy is not installed ({hub.PROXY}): `make hub-deps` needs Node.js and npm"
    blocked = layout.private_parent(hub.REPO)
    if blocked:
        return f"{blocked} is private (mode {oct(os.stat(blocked).st_mode & 0o777)}): the class's users could not reach the course"
    return None


def hub_required() -> bool:
    return os.environ.get("COURSE_REQUIRE_HUB", "").strip().lower() in ("1", "true", "yes", "on")


@pytest.fixture(scope="module")
def demo_class():
    from classroom import hub

    reason = unavailable()
    if reason:
        if hub_required():
            pytest.fail(f"hub tests required (COURSE_REQUIRE_HUB) but: {reason}")
        pytest.skip(reason)
    # not under pytest's own temporary folder, which is private (0700): the class's users must
    # reach the exchange in the state folder
    import tempfile
    from pathlib import Path

    state = Path(tempfile.mkdtemp(prefix="tnn2t-hub-", dir="/tmp"))
    os.chmod(state, 0o711)
    cls = hub.Class(state / "class", Names(PREFIX), port=_free_port_block())
    hub.down(cls)  # a class left by an interrupted run
    try:
        hub.up(cls, students=5)
        yield cls
    finally:
        hub.down(cls)
        shutil.rmtree(state, ignore_errors=True)
