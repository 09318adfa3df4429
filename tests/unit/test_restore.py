"""Restoring deleted test cells and retyped answer cells before grading (autograder.restore)."""

import nbformat

from autograder.restore import restore_cells
from autograder.slicing import slice_notebook
from tests.support import nbgrader_meta, release_notebook


def _ids(nb):
    return [nbgrader_meta(c).get("grade_id") for c in nb.cells]


def test_an_untouched_release_needs_nothing():
    release = nbformat.read(release_notebook("02_momentum"), 4)
    out, restored = restore_cells(release, release)
    assert restored == [] and _ids(out) == _ids(release)


def test_deleted_test_cells_come_back_in_their_place():
    release = nbformat.read(release_notebook("02_momentum"), 4)
    nb = nbformat.read(release_notebook("02_momentum"), 4)
    gone = {"test_sgd_momentum_hidden", "test_sgd_nesterov_visible", "setup"}
    nb.cells = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") not in gone]
    out, restored = restore_cells(nb, release)
    assert set(restored) == gone
    want = [g for g in _ids(release) if g]
    assert [g for g in _ids(out) if g] == want, "restored cells must sit where the release has them"


def test_an_answer_cell_made_markdown_is_code_again():
    release = nbformat.read(release_notebook("01_sgd"), 4)
    nb = nbformat.read(release_notebook("01_sgd"), 4)
    cell = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == "sgd")
    cell.cell_type = "markdown"
    del cell["outputs"], cell["execution_count"]
    out, restored = restore_cells(nb, release)
    fixed = next(c for c in out.cells if nbgrader_meta(c).get("grade_id") == "sgd")
    assert fixed.cell_type == "code" and fixed.outputs == [] and restored == ["sgd (was markdown)"]
    nbformat.validate(out)


def test_an_empty_notebook_gets_every_locked_cell():
    release = nbformat.read(release_notebook("01_sgd"), 4)
    empty = nbformat.v4.new_notebook()
    out, restored = restore_cells(empty, release)
    locked = [nbgrader_meta(c)["grade_id"] for c in release.cells
              if nbgrader_meta(c).get("locked") or nbgrader_meta(c).get("grade")]
    assert _ids(out) == locked and restored == locked
    sliced, _ = slice_notebook(out)
    assert _ids(sliced) == locked
