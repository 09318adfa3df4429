"""Unit tests of autograder.slicing: which cells a sliced grading run keeps."""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.slicing import is_definitions_only, slice_notebook


def _meta(**nbgrader):
    return {"nbgrader": {"schema_version": 3, **nbgrader}}


def _notebook():
    return new_notebook(cells=[
        new_markdown_cell("# Title"),
        new_code_cell("import numpy as np", metadata=_meta(grade_id="setup", locked=True, grade=False, solution=False)),
        new_code_cell("def f(x):\n    return helper(x)", metadata=_meta(grade_id="f", solution=True, grade=False)),
        new_code_cell("def helper(x):\n    return 2 * x\nSCALE = 3.0"),  # a student's own helper cell
        new_code_cell("with experiment('slow'):\n    train_for_an_hour()"),
        new_code_cell("assert f(1) == 2", metadata=_meta(grade_id="test_f_visible", grade=True, points=1, locked=True)),
        new_code_cell("losses = [f(i) for i in range(10)]\nplt.plot(losses)"),
        new_code_cell("%matplotlib inline\ndef g(): pass"),
        new_code_cell("this is not python ("),
    ])


def test_keeps_setup_answer_test_markdown_and_definition_cells_in_order():
    nb = _notebook()
    sliced, dropped = slice_notebook(nb)
    sources = [c.source for c in sliced.cells]
    assert sources == [nb.cells[i].source for i in (0, 1, 2, 3, 5)]
    assert dropped == 4
    assert len(nb.cells) == 9, "the input notebook must not be modified"
    nbformat.validate(sliced)


def test_first_code_cell_is_kept_even_without_metadata():
    nb = new_notebook(cells=[new_code_cell("import torch\nrng = make_rng(0)"), new_code_cell("run()")])
    sliced, dropped = slice_notebook(nb)
    assert [c.source for c in sliced.cells] == ["import torch\nrng = make_rng(0)"] and dropped == 1


def test_definitions_only():
    assert is_definitions_only("import numpy as np\nfrom math import pi\n\ndef f():\n    pass\n\nclass A:\n    x = f()\n")
    assert is_definitions_only('"""A docstring."""\nTOL = 1e-8\nNAMES: tuple = ("a", "b")')
    assert is_definitions_only("")
    assert not is_definitions_only("x = np.zeros(3)")          # a call: could be slow or stateful
    assert not is_definitions_only("for i in range(3):\n    pass")
    assert not is_definitions_only("print('hi')")
    assert not is_definitions_only("%time f()")
    assert not is_definitions_only("def f(:")
