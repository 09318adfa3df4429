"""Every release notebook runs with its stubs: each graded test fails with the stub's
NotImplementedError (a test scored by aspects scores 0 by nbgrader's rule and shows the stub's
message in its output) and nothing else fails.

Each release notebook is executed once per run: the notebooks of ``BROWSER_RUN`` by the browser
suite (``tests/browser``, which checks the same things in JupyterLab), the others here, headless;
where the browser suite cannot run, all of them here. The solution notebooks are run by nbval
(``--nbval-lax``, see ``conftest.py``: every cell without error, every experiment run, 60 s each).
"""

import nbformat
import pytest
from nbgrader.utils import determine_grade

from .support import BROWSER_RUN, assignment_names, browser_available, cell_error, execute, nbgrader_meta, release_notebook

ASSIGNMENTS = assignment_names()
#: Run here: the notebooks the browser suite does not run (all of them without a browser).
HEADLESS = [a for a in ASSIGNMENTS if a not in BROWSER_RUN or not browser_available()]


def release_failures(nb) -> list[str]:
    """What is wrong with an executed release notebook: a graded test that does not fail with the
    stub's NotImplementedError, or any other cell that fails."""
    problems = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = nbgrader_meta(cell)
        err = cell_error(cell)
        if meta.get("grade"):
            if err is None:  # a cell scored by aspects reports the stub in its output and scores 0
                score, points = determine_grade(cell)
                shown = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
                if score is None or score > 0:
                    problems.append(f"{meta['grade_id']} passes on the untouched stub ({score} of {points} points): "
                                    "it tests nothing")
                elif "NotImplementedError" not in shown or "Not implemented yet" not in shown:
                    problems.append(f"{meta['grade_id']} scores 0 on the stub without showing the stub's message: "
                                    f"{shown[:200]!r}")
            elif err["ename"] != "NotImplementedError" or "Not implemented yet" not in err["evalue"]:
                problems.append(f"{meta['grade_id']} should fail with the stub's NotImplementedError telling the "
                                f"student what to do, got {err['ename']}: {err['evalue'][:200]}")
        elif err is not None:
            problems.append(f"ungraded cell {meta.get('grade_id') or cell.source.splitlines()[0][:60]} fails on the "
                            f"stubs: {err['ename']}: {err['evalue'][:200]}")
    return problems


@pytest.mark.slow
@pytest.mark.xdist_group("notebooks")
@pytest.mark.parametrize("a", HEADLESS)
def test_release_notebook_runs_with_stubs(a):
    path = release_notebook(a)
    nb, _ = execute(nbformat.read(path, as_version=4), cwd=path.parent)
    assert release_failures(nb) == []


def test_release_check_fails_on_a_test_that_passes_the_stub_or_a_broken_experiment():
    """The check above can fail: a graded test that passes on the stub, one failing with another
    error, and an experiment cell that fails are each reported."""
    nb = nbformat.read(release_notebook("01_sgd"), as_version=4)
    err = {"output_type": "error", "ename": "NotImplementedError", "evalue": "Not implemented yet: ...", "traceback": []}
    graded = [c for c in nb.cells if nbgrader_meta(c).get("grade")]
    plain = next(c for c in nb.cells if c.cell_type == "code" and not nbgrader_meta(c))
    for c in graded:
        c.outputs = [nbformat.from_dict(err)]
    assert release_failures(nb) == []
    stub_said = {"output_type": "stream", "name": "stdout", "text": "NotImplementedError: Not implemented yet: ...\n"}
    graded[0].outputs = [nbformat.from_dict(stub_said),
                         nbformat.from_dict({"output_type": "execute_result", "data": {"text/plain": "0"},
                                             "metadata": {}, "execution_count": 1})]
    assert release_failures(nb) == [], "a test scored by aspects at 0 that shows the stub's message is right"
    graded[0].outputs[1]["data"]["text/plain"] = "0.5"
    assert len(release_failures(nb)) == 1, "points earned by the stub"
    graded[0].outputs = []
    graded[1].outputs = [nbformat.from_dict({**err, "ename": "TypeError"})]
    plain.outputs = [nbformat.from_dict({**err, "ename": "ValueError"})]
    assert len(release_failures(nb)) == 3
