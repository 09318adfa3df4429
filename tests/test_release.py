"""Release integrity: notebooks/ is exactly what `release` makes, and leaks nothing."""

import ast
import filecmp
from pathlib import Path

import nbformat
import pytest

from autograder import authoring

from .support import (GENERIC_LINES, HIDDEN_BEGIN, HIDDEN_END, NOTEBOOKS, ROOT, SOLUTION_BEGIN, SOLUTION_END, SOLUTIONS,
                      answer_cells, assignment_names, grade_cells, nbgrader_meta, public_lines, region_lines,
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
    return out - public_lines(nb)


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


def _nested_scopes(source: str):
    """The module scope of ``source`` and every scope nested in it (functions, classes, lambdas,
    comprehensions), from Python's own symbol tables."""
    import symtable

    todo = [symtable.symtable(source, "<cell>", "exec")]
    while todo:
        table = todo.pop()
        yield table
        todo.extend(table.get_children())


def module_bindings(source: str) -> set[str]:
    """Names a cell binds in the notebook's global namespace: top-level assignments, imports,
    ``def`` and ``class`` statements, loop and ``with`` targets, and ``global`` declarations in its
    functions. Local variables and arguments of its functions are not among them."""
    top, *inner = _nested_scopes(source)
    names = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    for table in inner:
        names.update(s.get_name() for s in table.get_symbols() if s.is_declared_global() and s.is_assigned())
    return names


def globals_read(source: str) -> set[str]:
    """Names a cell reads from the global namespace, at top level or from inside its functions,
    lambdas and comprehensions (names those scopes bind themselves are not globals)."""
    top, *inner = _nested_scopes(source)
    read = {s.get_name() for s in top.get_symbols() if s.is_referenced()}
    for table in inner:
        read.update(s.get_name() for s in table.get_symbols() if s.is_referenced() and s.is_global())
    return read


def undefined_reads(nb) -> dict[str, list[str]]:
    """For each test cell of ``nb``: the global names it reads that neither the setup cell, an
    answer cell, the test cell itself nor builtins bind (empty lists are left out)."""
    import builtins

    allowed = set(dir(builtins)) | {"get_ipython"}
    for c in nb.cells:
        meta = nbgrader_meta(c)
        if c.cell_type == "code" and (meta.get("grade_id") == "setup" or meta.get("solution")):
            allowed |= module_bindings(c.source)
    out = {}
    for cell in grade_cells(nb):
        missing = sorted(globals_read(cell.source) - module_bindings(cell.source) - allowed)
        if missing:
            out[nbgrader_meta(cell)["grade_id"]] = missing
    return out


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_test_cells_depend_only_on_setup_answers_and_themselves(a):
    """A grader may run only the scoring cells: names a test cell reads must come from the setup
    cell, an answer cell, the test cell itself, or builtins (globals they bind, not the local
    variables of their functions)."""
    nb = nbformat.read(solution_notebook(a), as_version=4)
    assert undefined_reads(nb) == {}, f"test cells read names made outside setup/answer cells: {undefined_reads(nb)}"


def test_the_dependency_check_refuses_a_test_reading_an_experiment_variable():
    """The check above can fail: a test cell reading a variable that only an experiment cell (or a
    local variable of an answer function) binds is refused; one reading its own names is not."""
    nb = nbformat.read(solution_notebook("02_momentum"), as_version=4)
    answer = next(c for c in nb.cells if nbgrader_meta(c).get("solution") and c.cell_type == "code")
    test = next(iter(grade_cells(nb)))
    assert "v" in {n for n in globals_read(answer.source) | _locals(answer.source)}, "the answer uses a local v"
    test.source += "\nassert v is not None and model is not None\n"
    nb.cells.insert(nb.cells.index(test), nbformat.v4.new_code_cell("model = 1\nv = 2"))  # an experiment cell
    assert undefined_reads(nb) == {nbgrader_meta(test)["grade_id"]: ["model", "v"]}
    test.source += "\nfor epoch in range(2):\n    model = v = epoch\n"  # bound by the test cell itself
    assert undefined_reads(nb) == {}


def _locals(source: str) -> set[str]:
    _, *inner = _nested_scopes(source)
    return {s.get_name() for table in inner for s in table.get_symbols() if s.is_local()}


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_scored_cells_follow_the_aspects_contract(a):
    """A test cell scored by aspects (docs/authoring.md, "Points by aspect") declares the function it
    grades and exactly the cell's nbgrader points, and its last statement is ``score.result()`` (the
    value nbgrader reads); in a hidden cell that line is outside the hidden markers, and the aspects
    are inside them. Literal aspect points must add up to the cell's."""
    for cell in grade_cells(nbformat.read(solution_notebook(a), as_version=4)):
        meta = nbgrader_meta(cell)
        if "Aspects(" not in cell.source:
            continue
        gid = meta["grade_id"]
        tree = ast.parse("\n".join(ln for ln in cell.source.splitlines() if not ln.lstrip().startswith("%")))
        made = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "Aspects"]
        assert len(made) == 1, f"{gid}: one Aspects(...) per test cell"
        fn = ast.literal_eval(made[0].args[0])
        points = ast.literal_eval({k.arg: k.value for k in made[0].keywords}["points"])
        assert gid in (f"test_{fn}_visible", f"test_{fn}_hidden"), f"{gid} scores {fn!r}"
        assert points == meta["points"], f"{gid}: Aspects(points={points}) but the cell is worth {meta['points']}"
        last = tree.body[-1]
        assert isinstance(last, ast.Expr) and ast.unparse(last) == "score.result()", \
            f"{gid}: the last statement must be score.result(), not {ast.unparse(last)[:60]!r}"
        literal = [n.args[1] for n in ast.walk(tree) if isinstance(n, ast.Call)
                   and getattr(n.func, "attr", "") == "aspect" and len(n.args) == 2]
        if all(isinstance(v, ast.Constant) for v in literal):
            assert abs(sum(v.value for v in literal) - points) < 1e-9, f"{gid}: aspects add up to {sum(v.value for v in literal)}"
        if gid.endswith("_hidden"):
            hidden = "\n".join(region_lines(cell.source, HIDDEN_BEGIN, HIDDEN_END))
            tail = cell.source.split(HIDDEN_END, 1)[1]
            assert "score.aspect(" in hidden and "score.result()" in tail, \
                f"{gid}: aspects inside the hidden markers, score.result() after them"


def _functions_defined(source: str) -> set[str]:
    """Names a cell binds to a function, class or module at top level (``def``, ``class``, ``import``)."""
    out = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out |= {(n.asname or n.name).split(".")[0] for n in node.names}
    return out


def replaced_helpers(nb) -> dict[str, list[str]]:
    """For each test cell of ``nb``: the functions, classes and modules bound by an earlier cell that
    is not a test which the test cell binds again. Test cells share the notebook's namespace (in a
    kernel and in the grader): such a test would replace the function for every later cell, and
    the functions that call it (the student's too) would call the test's version from then on."""
    from IPython.core.inputtransformer2 import TransformerManager

    earlier, out = set(), {}
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        meta, source = nbgrader_meta(c), TransformerManager().transform_cell(c.source)
        if meta.get("grade") and not meta.get("solution"):
            clash = sorted(module_bindings(source) & earlier)
            if clash:
                out[meta["grade_id"]] = clash
        else:
            earlier |= _functions_defined(source)
    return out


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_no_test_cell_replaces_a_function_the_notebook_defined(a):
    nb = nbformat.read(solution_notebook(a), as_version=4)
    assert replaced_helpers(nb) == {}


def test_the_replaced_helper_check_can_fail():
    nb = nbformat.read(solution_notebook("02_momentum"), as_version=4)
    test = next(iter(grade_cells(nb)))
    nb.cells.insert(nb.cells.index(test), nbformat.v4.new_code_cell("def _walk(x):\n    return x\n"))
    assert replaced_helpers(nb)[nbgrader_meta(test)["grade_id"]] == ["_walk"]
