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

import pytest

PREFIX = "tnn2t-"


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
    cls = hub.scratch_class(PREFIX)
    hub.down(cls)  # a class left by an interrupted run
    try:
        hub.up(cls, students=5)
        yield cls
    finally:
        hub.down(cls)
        shutil.rmtree(cls.state.parent, ignore_errors=True)
