"""The two set-up routes (pip via make, conda) state the same environment; the README's commands exist."""

import re

import pytest
import yaml

from .support import ROOT


def _requirements() -> list[str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]


def _conda_pip() -> list[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = [d for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip) == 1, "environment.yml needs exactly one pip: section"
    return [str(x).strip() for x in pip[0]["pip"]]


def test_conda_environment_equals_requirements():
    assert _conda_pip() == _requirements()


def test_conda_python_matches_project():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    assert 'requires-python = ">=3.11,<3.12"' in (ROOT / "pyproject.toml").read_text()


def test_pins_required_by_the_course():
    reqs = _requirements()
    for pin in ["torch==2.13.0", "nbgrader==0.9.6", "jupyterlab>=4.4,<5", "notebook>=7.4,<8"]:
        assert pin in reqs, f"requirements.txt must pin {pin}"
    for name in ["numpy", "matplotlib", "nbval", "pytest", "tqdm", "ipywidgets", "scikit-learn", "mnist1d"]:
        assert any(re.match(rf"{name}\b", r) for r in reqs), f"requirements.txt lacks {name}"


def test_installed_versions_match_pins():
    from importlib.metadata import version

    for req in _requirements():
        m = re.match(r"([A-Za-z0-9_.-]+)==(.+)$", req)
        if m:
            name, want = m.groups()
            got = version(name)
            assert got.split("+")[0] == want, f"{name}: installed {got}, pinned {want}"


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert "make lab" in first_block and "make test" in first_block


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [ln.strip() for ln in ci.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    runs = [ln for ln in commands if re.search(r"\bmake test\b", ln)]
    assert runs, ".ci/run must run the README's test command, make test"
    # CI must run the browser suite, not skip it: the variable is set on that command line (or
    # exported before it) to a value tests/browser/conftest.py reads as true
    required = re.compile(r"\bCOURSE_REQUIRE_BROWSER=(1|true|yes|on)\b", re.I)
    assert any(required.search(ln) for ln in commands[:commands.index(runs[-1]) + 1]), (
        ".ci/run must set COURSE_REQUIRE_BROWSER=1 for make test, so that a missing browser fails CI")
    required_hub = re.compile(r"\bCOURSE_REQUIRE_HUB=(1|true|yes|on)\b", re.I)
    assert any(required_hub.search(ln) for ln in commands[:commands.index(runs[-1]) + 1]), (
        ".ci/run must set COURSE_REQUIRE_HUB=1 for make test, so that a class that cannot start fails CI")
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


@pytest.mark.xdist_group("environment")
def test_xdist_groups_are_honoured(request):
    """Tests of one ``xdist_group`` share one worker (one grading run, one JupyterLab): xdist marks
    their node ids ``...@group``. pytest 9 made node ids read-only to xdist 3.8, which silently
    spread every group over both workers (two browsers, a worker waiting on the other's grading
    lock): requirements.txt pins pytest 8.4 until they agree again."""
    import os

    if not os.environ.get("PYTEST_XDIST_WORKER") or not request.config.getvalue("loadgroup"):
        pytest.skip("only meaningful under pytest -n N --dist loadgroup (make test)")
    assert request.node.nodeid.endswith("@environment"), request.node.nodeid
