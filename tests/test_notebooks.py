"""Every solution notebook runs top to bottom within budget and passes its tests; every release
notebook runs too, with each graded test failing on the untouched stubs and nothing else failing."""

import json

import nbformat
import pytest

from .support import (NOTEBOOK_BUDGET_S, ROOT, assignment_names, cell_error, execute, nbgrader_meta,
                      release_notebook, solution_notebook)

ASSIGNMENTS = assignment_names()
TIMINGS = ROOT / ".pytest_cache" / "notebook_times.json"


def _record(a: str, seconds: float) -> None:
    TIMINGS.parent.mkdir(exist_ok=True)
    data = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    data[a] = round(seconds, 1)
    TIMINGS.write_text(json.dumps(data, indent=1, sort_keys=True))


@pytest.mark.slow
@pytest.mark.xdist_group("notebooks")
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_solution_notebook_runs_and_passes_within_budget(a):
    path = solution_notebook(a)
    nb, seconds = execute(nbformat.read(path, as_version=4), cwd=path.parent)
    _record(a, seconds)
    failures = []
    for cell in nb.cells:
        err = cell_error(cell)
        if err:
            gid = nbgrader_meta(cell).get("grade_id", cell.source.splitlines()[0][:60] if cell.source else "?")
            failures.append(f"{gid}: {err['ename']}: {err['evalue'][:300]}")
    assert failures == [], "\n".join(failures)
    assert seconds < NOTEBOOK_BUDGET_S, f"{a} took {seconds:.1f} s; the budget is {NOTEBOOK_BUDGET_S:.0f} s on 2 cores"


@pytest.mark.slow
@pytest.mark.xdist_group("notebooks")
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_release_notebook_runs_with_stubs(a):
    path = release_notebook(a)
    nb, _ = execute(nbformat.read(path, as_version=4), cwd=path.parent)
    unexpected = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = nbgrader_meta(cell)
        err = cell_error(cell)
        if meta.get("grade"):
            assert err is not None, f"{meta['grade_id']} passes on the untouched stub: it tests nothing"
            assert err["ename"] == "NotImplementedError", (
                f"{meta['grade_id']} should fail with the stub's NotImplementedError, got {err['ename']}: {err['evalue']}")
            assert "Not implemented yet" in err["evalue"], "the stub's message should tell the student what to do"
        elif err is not None:
            unexpected.append(f"{meta.get('grade_id') or cell.source.splitlines()[0][:60]}: {err['ename']}: {err['evalue'][:200]}")
    assert unexpected == [], "ungraded cells must run on the stubs:\n" + "\n".join(unexpected)
