"""Grade the slice that scores: drop experiment cells from a submission before it is executed.

A score depends only on the setup cell, the answer cells and the test cells (the authoring
contract forbids a test cell from reading a variable that an experiment cell made, and
``tests/test_release.py`` enforces it). Executing the rest (training runs, sweeps, plots) costs
most of a notebook's run time and changes no score, so ``grade --slice`` executes a notebook
that keeps, in their original order:

- every markdown and raw cell (free to "execute", and they keep the feedback readable);
- the first code cell (the setup cell, even if a student stripped its metadata);
- every code cell with nbgrader metadata (setup, answer and test cells: the gradebook restores
  locked test cells anyway);
- every other code cell that only *defines* things: imports, functions, classes, constants
  assigned from literals (a student's own helper cell, which an answer cell may call).

Everything else (a cell with a loop, a call, an assignment, a ``with experiment(...)`` block,
or code that does not parse) is replaced by nothing: the cell is removed.

A student's answer may still lean on a removed cell (a helper cell that also prints, a constant
computed in an experiment cell). That shows as a ``NameError`` in a test, and
:func:`autograder.grade.grade` then grades that submission again with every cell executed.
"""

from __future__ import annotations

import ast
import copy

import nbformat

#: Statements a kept helper cell may contain at top level.
DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _nbgrader(cell) -> dict:
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def _is_literal(node) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def is_definitions_only(source: str) -> bool:
    """True if ``source`` parses and holds only imports, function and class definitions,
    constants assigned from literals (``TOL = 1e-8``) and bare constants (docstrings). IPython
    magics (``%``/``!`` lines) make it False."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in tree.body:
        if isinstance(node, DEFINITIONS):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and _is_literal(node.value):
            continue
        return False
    return True


def keeps(cell, index_among_code: int) -> bool:
    """Whether the sliced notebook keeps ``cell`` (``index_among_code``: its position among the
    notebook's code cells, or -1 for a markdown/raw cell)."""
    if cell.cell_type != "code":
        return True
    meta = _nbgrader(cell)
    if index_among_code == 0 or meta.get("grade") or meta.get("solution") or meta.get("grade_id"):
        return True
    return is_definitions_only(cell.source)


def slice_notebook(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, int]:
    """A copy of ``nb`` without the cells that cannot change a score; returns (copy, cells dropped)."""
    out = copy.deepcopy(nb)
    kept, k = [], 0
    for cell in out.cells:
        index = -1
        if cell.cell_type == "code":
            index, k = k, k + 1
        if keeps(cell, index):
            kept.append(cell)
    dropped = len(out.cells) - len(kept)
    out.cells = kept
    return out, dropped
