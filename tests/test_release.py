"""Release integrity: notebooks/ is exactly what `release` makes, and leaks nothing."""

import ast
import filecmp
from pathlib import Path

import nbformat
import pytest

from autograder import authoring

from .support import (GENERIC_LINES, HIDDEN_BEGIN, HIDDEN_END, NOTEBOOKS, ROOT, SOLUTION_BEGIN, SOLUTION_END, SOLUTIONS,
                      answer_cells, assignment_names, grade_cells, nbgrader_meta, region_lines,
                      release_notebook, run_cli, solution_notebook)

ASSIGNMENTS = assignment_names()

GENERIC = GENERIC_LINES


def secret_lines(a: str) -> set[str]:
    """Non-trivial lines of the solution regions and hidden tests of assignment ``a``."""
    nb = nbformat.read(solution_notebook(a), as_version=4)
    out = set()
    for cell in nb.cells:
        for line in region_lines(cell.source, SOLUTION_BEGIN, SOLUTION_END) + region_lines(cell.source, HIDDEN_BEGIN, HIDDEN_END):
            s = line.strip()
            if s and s not in GENERIC and not s.startswith("#") and len(s) >= 12:
                out.add(s)
    return out


def test_there_are_assignments():
    assert {"00_setup", "01_sgd", "02_momentum"} <= set(ASSIGNMENTS)


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_solution_notebook_is_built_from_its_text_source(a):
    py = SOLUTIONS / a / f"{a}.py"
    assert py.exists(), f"{py} is the reviewed source of {a}"
    built = authoring.dumps(authoring.build_notebook(py))
    assert solution_notebook(a).read_text(encoding="utf-8") == built, (
        f"solutions/{a}/{a}.ipynb is out of date with {a}.py: run `python -m autograder release`")


def test_release_has_no_drift(tmp_path):
    """Regenerating the release from solutions/ reproduces notebooks/ byte for byte."""
    out = tmp_path / "release"
    r = run_cli("release", "--out", str(out), timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    cmp = filecmp.dircmp(out, NOTEBOOKS, ignore=[".ipynb_checkpoints", "__pycache__"])

    def differences(c, prefix=""):
        diffs = [f"{prefix}{n} (only in fresh release)" for n in c.left_only]
        diffs += [f"{prefix}{n} (only in notebooks/)" for n in c.right_only]
        diffs += [f"{prefix}{n} (differs)" for n in c.diff_files]
        for name, sub in c.subdirs.items():
            diffs += differences(sub, f"{prefix}{name}/")
        return diffs

    assert differences(cmp) == [], "notebooks/ drifted from solutions/: run `python -m autograder release`"


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_release_contains_no_solution_and_no_hidden_test(a):
    text = release_notebook(a).read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert "BEGIN HIDDEN TESTS" not in text and "END HIDDEN TESTS" not in text
    nb = nbformat.read(release_notebook(a), as_version=4)
    release_lines = {ln.strip() for c in nb.cells for ln in c.source.splitlines()}
    leaked = sorted(secret_lines(a) & release_lines)
    assert leaked == [], f"solution or hidden-test lines leaked into the release: {leaked[:5]}"


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_release_has_no_outputs(a):
    nb = nbformat.read(release_notebook(a), as_version=4)
    for c in nb.cells:
        if c.cell_type == "code":
            assert c.outputs == [] and c.execution_count is None


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_notebook_follows_the_authoring_contract(a):
    nb = nbformat.read(solution_notebook(a), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert nbgrader_meta(code[0]).get("grade_id") == "setup", "the first code cell must be the setup cell"
    ids = [nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c)]
    assert len(ids) == len(set(ids)), f"duplicate grade_ids: {ids}"
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if not meta:
            continue
        assert meta.get("schema_version") == 3
        if meta.get("grade"):
            assert meta.get("locked") and not meta.get("solution"), f"test cell {meta['grade_id']} must be locked"
            assert meta["grade_id"].startswith("test_"), meta["grade_id"]
            assert meta.get("points", 0) > 0
            if meta["grade_id"].endswith("_hidden"):
                assert HIDDEN_BEGIN in cell.source and HIDDEN_END in cell.source
    for cell in answer_cells(nb):
        tree = ast.parse(cell.source)
        for node in tree.body:
            assert isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)), (
                f"answer cell {nbgrader_meta(cell)['grade_id']} must only define functions or classes; "
                f"found {type(node).__name__} at line {node.lineno}")
        defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        assert nbgrader_meta(cell)["grade_id"] in defined, "an answer cell's grade_id names the function it defines"
        assert SOLUTION_BEGIN in cell.source


def _names_defined(tree) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_test_cells_depend_only_on_setup_answers_and_themselves(a):
    """A grader may run only the scoring cells: names a test cell reads must come from the setup
    cell, an answer cell, the test cell itself, or builtins."""
    import builtins

    nb = nbformat.read(solution_notebook(a), as_version=4)
    allowed = set(dir(builtins)) | {"get_ipython"}
    for c in nb.cells:
        meta = nbgrader_meta(c)
        if c.cell_type == "code" and (meta.get("grade_id") == "setup" or meta.get("solution")):
            allowed |= _names_defined(ast.parse(c.source))
    for cell in grade_cells(nb):
        tree = ast.parse(cell.source)
        own = _names_defined(tree)
        read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        missing = sorted(read - own - allowed)
        assert missing == [], f"{nbgrader_meta(cell)['grade_id']} reads {missing}, made outside setup/answer cells"
