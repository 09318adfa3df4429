"""Fixtures for the browser tests: one JupyterLab server and one headless Chromium per session.

The tests skip, saying why, when Debian's chromium or Playwright is missing; with
``COURSE_REQUIRE_BROWSER`` set to a true value (``1``, ``true``, ``yes``; ``.ci/run`` sets it, and
``tests/test_environment.py`` checks that it does) a missing browser is an error instead.
"""

from __future__ import annotations

import os
import shutil

import pytest

from .lab import CHROMIUM_ARGS, ROOT, LabServer, chromium_path, close_everything, start_lab


def browser_required() -> bool:
    """``COURSE_REQUIRE_BROWSER`` holds a true value (a missing browser must fail, not skip)."""
    value = os.environ.get("COURSE_REQUIRE_BROWSER", "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise pytest.UsageError(f"COURSE_REQUIRE_BROWSER={value!r}: use 1/true/yes or 0/false/no")


def _unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -r requirements.txt)"
    if chromium_path() is None:
        return ("Debian's chromium is not installed (sudo apt-get install chromium, or set CHROMIUM=/path); "
                "`make test` installs it where it can")
    return None


@pytest.fixture(scope="session")
def browser_ready():
    reason = _unavailable()
    if reason:
        if browser_required():
            pytest.fail(f"browser tests required (COURSE_REQUIRE_BROWSER={os.environ['COURSE_REQUIRE_BROWSER']}) "
                        f"but: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def lab_root(tmp_path_factory, browser_ready):
    """A scratch copy of what a student has: the release notebooks, plus one solution notebook."""
    base = tmp_path_factory.mktemp("lab")
    root = base / "course"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.py"))
    sol = root / "solution_01_sgd"
    sol.mkdir()
    shutil.copy(ROOT / "solutions" / "01_sgd" / "01_sgd.ipynb", sol / "01_sgd.ipynb")
    return root


@pytest.fixture(scope="session")
def lab(lab_root):
    server = LabServer(lab_root, lab_root.parent).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(browser_ready):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="session")
def lab_page(browser, lab):
    """One JupyterLab page for the session; each test opens its notebooks in it."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(30_000)
    pg = context.new_page()
    start_lab(pg, lab)
    yield pg
    context.close()


@pytest.fixture
def page(lab_page, lab):
    yield lab_page
    try:
        close_everything(lab_page)
    except Exception:  # a test left the page unusable: start JupyterLab afresh for the next one
        start_lab(lab_page, lab)
    lab.shutdown_kernels(wait=False)
