"""Suite-wide settings, and what the suite adds to nbval's run of the solution notebooks.

nbval (``--nbval-lax``, set in ``pyproject.toml``) collects every solution notebook under
``solutions/`` and runs it cell by cell in a fresh kernel: each cell must run without error. On
top of that, for each solution notebook this plugin

- keeps the notebook's cells together on one xdist worker, in order (they share one kernel);
- fails a cell whose experiment was skipped (``course_utils.exercise.experiment`` printed
  "... skipped: ... still raises NotImplementedError"): a solution must run every experiment (a
  cell that demonstrates the skip says "unfinished on purpose" in its source);
- times the notebook from its kernel's start to the end of its last cell, fails the cell that
  takes it past the budget (60 s on 2 CPU cores), and records the times in
  ``.pytest_cache/notebook_times.json``; the terminal summary prints them with the slowest tests;
- proofreads it: the kernel writes every value its cells quote (``course_utils.quotes``) to
  ``.pytest_cache/quotes/<notebook>.json``, and the notebook's last cell fails where a number its
  markdown marks disagrees with the value (``autograder.proofread``), naming the sentence.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
# Notebook kernels started by the tests use the CPU path even on a machine with a GPU.
os.environ.setdefault("COURSE_DEVICE", "cpu")
os.environ.setdefault("MPLBACKEND", "Agg")
# One BLAS/OpenMP thread per process: the suite runs two workers on two cores, and torch's small
# models run many times slower with two threads competing for the same cores. Notebook kernels and
# the grader inherit this.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent
SOLUTIONS = ROOT / "solutions"
TIMINGS = ROOT / ".pytest_cache" / "notebook_times.json"
MEASURED = ROOT / ".pytest_cache" / "measurements.json"  #: written by tests.support.record_measurement
#: The solution notebook's wall-clock budget on 2 CPU cores (seconds), kernel start included.
NOTEBOOK_BUDGET_S = 60.0
#: What ``course_utils.exercise.experiment`` prints when it skips an experiment.
SKIPPED_MARK = "still raises NotImplementedError"
#: A cell that shows the skip on purpose (00_setup's tour defines a stub and runs it) says so.
DELIBERATE_MARK = "unfinished on purpose"

QUOTES = ROOT / ".pytest_cache" / "quotes"

_started: dict[str, float] = {}
_times: dict[str, float] = {}
_last: dict[str, str] = {}  #: notebook -> node id of its last cell


def _solution_cell(item) -> bool:
    return type(item).__name__ == "IPyNbCell" and SOLUTIONS in Path(str(item.path)).parents


def _notebook(item) -> str:
    return Path(str(item.path)).stem


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if _solution_cell(item):
            item.add_marker(pytest.mark.xdist_group(f"nbval-{_notebook(item)}"))
            item.add_marker(pytest.mark.slow)
            _last[_notebook(item)] = item.nodeid


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if _solution_cell(item) and _notebook(item) not in _started:  # before nbval starts the kernel
        from course_utils.quotes import ENV

        _started[_notebook(item)] = time.perf_counter()
        quotes = QUOTES / f"{_notebook(item)}.json"
        quotes.unlink(missing_ok=True)
        os.environ[ENV] = str(quotes)  # the kernel inherits it


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    outcome = yield
    if not _solution_cell(item):
        return
    name = _notebook(item)
    if _last.get(name) == item.nodeid:
        from course_utils.quotes import ENV

        os.environ.pop(ENV, None)  # nothing started later (a grading test's kernel) writes there
    if outcome.excinfo is not None:
        return
    seconds = time.perf_counter() - _started[name]
    _times[name] = seconds
    _record(name, seconds)
    text = "".join(o.get("text", "") for o in (getattr(item, "test_outputs", None) or []) if o.get("output_type") == "stream")
    if SKIPPED_MARK in text and DELIBERATE_MARK not in getattr(item, "cell", {}).get("source", ""):
        line = next(ln for ln in text.splitlines() if SKIPPED_MARK in ln)
        outcome.force_exception(AssertionError(
            f"{name}: an experiment was skipped in the solution notebook ({line.strip()}); "
            "every experiment of a solution must run"))
    elif seconds > NOTEBOOK_BUDGET_S:
        outcome.force_exception(AssertionError(
            f"{name} has run for {seconds:.1f} s by this cell; the budget is {NOTEBOOK_BUDGET_S:.0f} s on 2 cores"))
    elif _last.get(name) == item.nodeid and (problems := _proofread(item, name)):
        outcome.force_exception(AssertionError(
            f"{name}: {len(problems)} number(s) in the text disagree with the run:\n" + "\n".join(map(str, problems))))


def _proofread(item, name: str) -> list:
    import nbformat

    from autograder.proofread import check

    quotes_file = QUOTES / f"{name}.json"
    quotes = json.loads(quotes_file.read_text()) if quotes_file.exists() else {}
    return check(nbformat.read(str(item.path), as_version=4), quotes, name)


def _record(name: str, seconds: float) -> None:
    TIMINGS.parent.mkdir(exist_ok=True)
    try:
        data = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    except ValueError:  # the other worker was writing it
        data = {}
    data[name] = round(seconds, 1)
    tmp = TIMINGS.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    tmp.replace(TIMINGS)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print the solution notebooks' run times (recorded by whichever worker ran them)."""
    if hasattr(config, "workerinput") or not TIMINGS.exists():
        return
    try:
        ran = json.loads(TIMINGS.read_text())
    except ValueError:
        return
    terminalreporter.section("solution notebook run times (nbval, kernel start included)")
    for name, seconds in sorted(ran.items(), key=lambda kv: -kv[1]):
        terminalreporter.write_line(f"{seconds:6.1f} s  {name}")
    if MEASURED.exists():
        terminalreporter.section("measured by the suite")
        for name, text in sorted(json.loads(MEASURED.read_text()).items()):
            terminalreporter.write_line(f"{name}: {text}")


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the controller (or a run without xdist)
        TIMINGS.unlink(missing_ok=True)
        MEASURED.unlink(missing_ok=True)
