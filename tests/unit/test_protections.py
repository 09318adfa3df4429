"""Each protection of the grader guards something: the hostile cases it stops succeed without it.

``tests/test_grading_hardening.py`` shows that every hostile submission of ``tests/hostile.py`` gets
the status and score it deserves. That alone would also hold for an attack that never worked (a
case that scores 0 because its wrong answer fails anyway). Here each attack on a protection runs
through the warm fork server twice, on the real hostile notebook (sliced as ``grade`` slices it):

- with the protections: every visible test of its wrong answer fails;
- with that protection switched off: the same wrong answer passes a visible test, or the file it
  aims at is read or overwritten. Switched off means ``unprotected`` (test cells run through
  IPython's input pipeline like any cell, nothing is restored from the tamper guard's snapshot) for
  the attacks on test execution, and no hidden paths for the attacks on the file system.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import determine_grade

from autograder import sandbox
from autograder.engine import job_cells
from autograder.forkserver import WarmKernel
from autograder.slicing import slice_notebook

from ..hostile import CASES, RIGHT, A
from ..support import ROOT, nbgrader_meta, solution_notebook, submission

pytestmark = pytest.mark.xdist_group("forkserver")

SANDBOX = sandbox.probe()

#: Attacks on how test cells run: switched off by ``unprotected``.
ON_EXECUTION = ["input-transformer", "ast-transformer", "patch-numpy-testing", "rebind-helpers", "patch-builtins"]
#: Attacks on files: switched off by hiding nothing.
ON_FILES = ["read-other-student", "read-solution", "write-gradebook"]


@pytest.fixture(scope="module")
def kernel():
    k = WarmKernel()
    yield k
    k.close()


@pytest.fixture
def open_dir():
    """A folder anyone may read and write (as an instructor's shared class folder can be), so that
    only the hidden paths stand between a submission and its files (the sandbox's own uid would be
    kept out of pytest's private tmp_path anyway). Not under /tmp, which the sandbox replaces with
    an empty one, wherever the repository itself lives."""
    import shutil
    import tempfile

    base = Path("/var/tmp")
    if not (base.is_dir() and os.access(base, os.W_OK)):
        pytest.skip("no writable /var/tmp outside the sandbox's fresh /tmp for the exposed run")
    d = Path(tempfile.mkdtemp(prefix="tnn2-open-", dir=base))
    d.chmod(0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _open_up(path):
    for p in [path, *path.rglob("*")]:
        p.chmod(0o777 if p.is_dir() else 0o666)


def _context(tmp_path):
    """Where the attacks aim: an output folder, a classmate's notebook, and a course repository
    whose solutions/ holds the reference solution (a copy of this one's 01)."""
    out = tmp_path / "out"
    repo = tmp_path / "repo"
    (repo / "solutions" / A).mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / A / f"{A}.py", repo / "solutions" / A / f"{A}.py")
    bystander = tmp_path / "subs" / "bystander" / A / f"{A}.ipynb"
    bystander.parent.mkdir(parents=True)
    nbformat.write(submission(A, {"sgd": RIGHT}), str(bystander))
    for target in (out / "course" / "gradebook.db", out / "course" / "source" / A / f"{A}.ipynb"):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("intact")
    _open_up(tmp_path)
    return {"root": repo, "out": out, "bystander": bystander}


def _job(name, ctx, **extra):
    """The case's notebook as ``grade`` runs it: test cells as in the instructor's source (nbgrader
    overwrites them from the gradebook: visible and hidden tests), sliced."""
    nb = CASES[name][1](ctx)
    source = {nbgrader_meta(c).get("grade_id"): c.source for c in nbformat.read(solution_notebook(A), 4).cells}
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade"):
            cell.source = source[nbgrader_meta(cell)["grade_id"]]
    nb, _ = slice_notebook(nb)
    cells = job_cells(nb)
    return {"cells": cells, "timeout": 30, **extra}, [i for i, c in enumerate(cells) if c["kind"] == "test"]


def _passed(result, tests, job) -> list[int]:
    """The test cells that earned all their points, by nbgrader's own rule (an error scores 0; a cell
    scored by aspects scores its result)."""
    points = {nbgrader_meta(c)["grade_id"]: nbgrader_meta(c)["points"]
              for c in nbformat.read(solution_notebook(A), 4).cells if nbgrader_meta(c).get("grade")}
    passed = []
    for i in tests:
        cell = nbformat.v4.new_code_cell("", metadata={"nbgrader": {
            "grade": True, "solution": False, "locked": True, "schema_version": 3, "grade_id": f"cell{i}",
            "points": points[job["cells"][i]["name"]]}})
        cell.outputs = [nbformat.from_dict(o) for o in result["outputs"][i]]
        score, top = determine_grade(cell)
        if score == top:
            passed.append(i)
    return passed


@pytest.mark.parametrize("name", ON_EXECUTION)
def test_an_attack_on_test_execution_works_only_without_the_protection(kernel, tmp_path, name):
    job, tests = _job(name, _context(tmp_path))
    assert tests, "the hostile notebook has visible tests"
    assert _passed(kernel.run(job), tests, job) == [], f"{name}: a test of the wrong answer passed with the protections"
    assert _passed(kernel.run({**job, "unprotected": True}), tests, job), (
        f"{name}: the attack does not work even without the protections, so its case guards nothing")


@pytest.mark.skipif(bool(SANDBOX.missing()), reason="no namespace sandbox here: " + "; ".join(SANDBOX.missing()))
@pytest.mark.parametrize("name", ON_FILES)
def test_an_attack_on_files_works_only_without_hidden_paths(kernel, open_dir, name):
    tmp_path = open_dir
    ctx = _context(tmp_path)
    hide = [str(tmp_path / "subs"), str(ctx["out"]), str(ctx["root"] / "solutions")]
    targets = [ctx["out"] / "course" / "gradebook.db", ctx["out"] / "course" / "source" / A / f"{A}.ipynb"]
    job, tests = _job(name, ctx)

    protected = kernel.run({**job, "hide": hide})
    assert _passed(protected, tests, job) == [], f"{name}: a test of the wrong answer passed with the sandbox"
    assert all(t.read_text() == "intact" for t in targets), f"{name}: a hidden file was overwritten"

    exposed = kernel.run({**job, "hide": []})
    if name == "write-gradebook":
        assert any(t.read_text() == "forged" for t in targets), "the write did not land even without hiding"
    else:
        assert _passed(exposed, tests, job), f"{name}: copying the answer did not work even without hiding"
