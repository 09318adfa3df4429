"""The hostile corpus: submissions of notebook 01 (``sgd``, 5 points) that attack the grader.

Each case is a function that takes the context of the grading run (where the class, the output
and a bystander's submission live) and returns the submission, as a notebook or as raw bytes,
with the status and score it must get. ``WRONG`` is a plausible wrong ``sgd`` (the sign is
flipped): an attack that works would turn its 0 into points. ``RIGHT`` is the reference solution:
an attack on the grader's machinery must not cost an honest answer, nor anyone else, anything.

Used by ``tests/test_grading_hardening.py``, which grades all of them in one run beside honest
submissions and checks every row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .support import nbgrader_meta, submission

A = "01_sgd"
TOP = 5.0

WRONG = '''def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    return w + config["learning_rate"] * dw, config
'''
RIGHT = '''def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config
'''


@dataclass
class Case:
    name: str
    what: str
    status: str  #: expected status in grades.csv ("a or b": either, where the machine's load decides)
    score: float | None  #: expected score (None: no score)
    needs_sandbox: bool = False


def _with_answer(source: str) -> nbformat.NotebookNode:
    return submission(A, {"sgd": source})


def _cells(nb, pred):
    return [c for c in nb.cells if pred(nbgrader_meta(c))]


CASES: dict[str, tuple[Case, object]] = {}


def case(name, what, status, score, needs_sandbox=False):
    def register(make):
        CASES[name] = (Case(name, what, status, score, needs_sandbox), make)
        return make
    return register


@case("input-transformer", "an input transformer that turns every later cell into `pass`", "tampered", 0.0)
def _(ctx):
    return _with_answer(WRONG + "\nget_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n")


@case("ast-transformer", "an AST transformer that deletes every assert and every bare call (check_close(...))",
      "tampered", 0.0)
def _(ctx):
    return _with_answer(WRONG + "\nimport ast\nclass _Gut(ast.NodeTransformer):\n    def visit_Assert(self, node):\n"
                        "        return ast.Pass()\n    def visit_Expr(self, node):\n"
                        "        return ast.Pass() if isinstance(node.value, ast.Call) else node\n"
                        "get_ipython().ast_transformers.append(_Gut())\n")


@case("patch-numpy-testing", "np.testing's assertions replaced by no-ops", "tampered", 0.0)
def _(ctx):
    return _with_answer(WRONG + "\nimport numpy as _np\n_np.testing.assert_allclose = lambda *a, **k: None\n"
                        "_np.testing.assert_array_equal = lambda *a, **k: None\n_np.allclose = lambda *a, **k: True\n")


@case("patch-builtins", "builtins.compile replaced, so that every later cell IPython compiles is `pass`", "tampered", 0.0)
def _(ctx):
    return _with_answer(WRONG + "\nimport builtins\n_real_compile = builtins.compile\n"
                        "builtins.compile = lambda source, filename, mode, *a, **k: _real_compile('pass', filename, mode, *a, **k)\n")


@case("rebind-helpers", "the setup cell's check helpers rebound to no-ops", "tampered", 0.0)
def _(ctx):
    return _with_answer(WRONG + "\nimport course_utils.checks as _c\n_c.check_close = lambda *a, **k: None\n"
                        "check_close = lambda *a, **k: None\n")


@case("forge-results", "writes passing results for every test into every open file descriptor", "tampered", 0.0)
def _(ctx):
    return _with_answer(WRONG.replace("    return w +", """    import os as _os, json as _json
    for _fd in range(3, 256):
        for _i in range(40):
            try:
                _os.write(_fd, (_json.dumps({"index": _i, "outputs": [], "tampered": []}) + "\\n").encode())
            except OSError:
                break
    return w +"""))


@case("read-other-student", "copies the sgd cell of another student's submission", "graded", 0.0, True)
def _(ctx):
    victim = ctx["bystander"]
    return _with_answer(WRONG + f'''
import json as _json
try:
    for _c in _json.load(open({str(victim)!r}))["cells"]:
        _s = "".join(_c["source"]) if isinstance(_c["source"], list) else _c["source"]
        if "def sgd" in _s:
            exec(_s)
except OSError:
    pass
''')


@case("read-solution", "reads the instructor's source notebook (solutions and hidden tests)", "graded", 0.0, True)
def _(ctx):
    return _with_answer(WRONG + f'''
import glob as _glob
for _p in _glob.glob({str(ctx["out"])!r} + "/course/source/*/*.ipynb") + _glob.glob({str(ctx["root"])!r} + "/solutions/*/*.py"):
    _src = open(_p).read()
    if "def sgd" in _src:
        exec("def sgd(w, dw, config=None):\\n    config = config or {{}}\\n    config.setdefault('learning_rate', 1e-2)\\n"
             "    return w - config['learning_rate'] * dw, config\\n")
''')


@case("write-gradebook", "overwrites the gradebook, the course's source notebook, a classmate's submitted copy "
      "and the grades table", "graded", 0.0, True)
def _(ctx):
    course = ctx["out"] / "course"
    targets = [course / "gradebook.db", course / "source" / A / f"{A}.ipynb",
               course / "submitted" / "bystander" / A / f"{A}.ipynb", ctx["out"] / "grades.csv"]
    return _with_answer(WRONG + f'''
for _p in {[str(t) for t in targets]!r}:
    try:
        open(_p, "w").write("forged")
    except OSError:
        pass
''')


@case("fork-bomb", "forks 200 sleeping processes (bounded), after a correct answer", "graded", TOP, True)
def _(ctx):
    return _with_answer(RIGHT + '''
import os as _os, time as _time
for _ in range(200):
    try:
        _pid = _os.fork()
    except OSError:
        break
    if _pid == 0:
        _time.sleep(20)
        _os._exit(0)
''')


@case("busy-daemons", "after a correct answer, four setsid() daemons (double fork) that busy-loop for 2.5 s beside "
      "the answer cell, then sleep forever", "graded", TOP)
def _(ctx):
    return _with_answer(RIGHT + '''
import os as _os, time as _time
_until = _time.time() + 2.5
for _ in range(4):
    if _os.fork() == 0:
        _os.setsid()
        if _os.fork() == 0:
            while _time.time() < _until:
                pass
            while True:
                _time.sleep(1000)
        _os._exit(0)
_time.sleep(2)
''')


#: Eight processes that hold 1 GB each (mapped with MAP_POPULATE: filled at once), waited for: 8 GB,
#: twice the bound for one submission's processes together (also used by tests/unit/test_containment.py).
EIGHT_GIGABYTES = '''
import mmap as _mmap, os as _os, time as _time
_kids = []
for _ in range(8):
    _pid = _os.fork()
    if _pid == 0:
        _blob = _mmap.mmap(-1, 2**30, flags=_mmap.MAP_PRIVATE | _mmap.MAP_ANONYMOUS | _mmap.MAP_POPULATE)
        _time.sleep(30)
        _os._exit(0)
    _kids.append(_pid)
for _pid in _kids:
    _os.waitpid(_pid, 0)
'''


@case("memory-tree", "after a correct answer, eight processes of 1 GB each (8 GB: past the 4 GB bound for one "
      "submission's processes together)", "crashed or timed out", 0.0, True)
def _(ctx):
    return _with_answer(RIGHT + EIGHT_GIGABYTES)


@case("memory-hog", "allocates 16 GB inside sgd (past the memory limit)", "graded", 0.0, True)
def _(ctx):
    return _with_answer(RIGHT.replace("    return w -", "    _blob = bytearray(16 * 2**30)\n    return w -"))


@case("huge-output", "prints 50 MB, after a correct answer", "graded", TOP)
def _(ctx):
    return _with_answer(RIGHT + "\nprint('x' * 50_000_000)\n")


@case("sys-exit", "sys.exit() at the end of the answer cell", "graded", TOP)
def _(ctx):
    return _with_answer(RIGHT + "\nimport sys\nsys.exit(0)\n")


@case("os-exit", "os._exit() in the answer cell: the process dies", "crashed", 0.0)
def _(ctx):
    return _with_answer(RIGHT + "\nimport os\nos._exit(1)\n")


@case("kill-grader", "tries to kill its parent (the warm grading process)", "graded", TOP, True)
def _(ctx):
    return _with_answer(RIGHT + "\nimport os, signal\ntry:\n    os.kill(os.getppid(), signal.SIGKILL)\nexcept OSError:\n    pass\n")


@case("infinite-loop", "sgd loops forever and swallows KeyboardInterrupt", "timed out", 0.0)
def _(ctx):
    return _with_answer("def sgd(w, dw, config=None):\n    while True:\n        try:\n            pass\n"
                        "        except BaseException:\n            pass\n")


@case("loop-then-name-error", "sgd loops forever in the visible test and raises NameError elsewhere: "
      "the slice must not be re-run with every cell (each experiment would cost the time limit)",
      "timed out", 0.0)
def _(ctx):
    return _with_answer("def sgd(w, dw, config=None):\n"
                        "    if config is not None and config.get('learning_rate') == 0.5:\n"
                        "        while True:\n            pass\n"
                        "    return name_that_no_cell_defines\n")


#: Cases never graded with full execution (``benchmarks/slice_equivalence.py``): every experiment
#: cell would wait for the time limit; or the status depends on the machine's load (``memory-tree``
#: is stopped at the memory bound, status ``crashed``, when it fills 4 GB within the cell's time
#: limit, and ``timed out`` when a loaded machine gives its one CPU less: score 0 either way).
NEVER_FULL = {"infinite-loop", "loop-then-name-error", "memory-tree"}


@case("no-cells", "a notebook with no cells at all", "graded", 0.0)
def _(ctx):
    nb = nbformat.v4.new_notebook()
    nb.metadata = submission(A).metadata
    return nb


@case("answer-as-markdown", "the (correct) answer cell turned into a markdown cell", "graded", TOP)
def _(ctx):
    nb = _with_answer(RIGHT)
    for cell in _cells(nb, lambda m: m.get("grade_id") == "sgd"):
        cell.cell_type = "markdown"
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
    return nb


@case("renamed-function", "the answer defines my_sgd instead of sgd", "graded", 0.0)
def _(ctx):
    return _with_answer(RIGHT.replace("def sgd(", "def my_sgd("))


@case("deleted-tests", "both test cells deleted, wrong answer", "graded", 0.0)
def _(ctx):
    nb = _with_answer(WRONG)
    nb.cells = [c for c in nb.cells if not nbgrader_meta(c).get("grade")]
    return nb


@case("edited-tests", "test cells replaced by `pass`, wrong answer", "graded", 0.0)
def _(ctx):
    nb = _with_answer(WRONG)
    for cell in _cells(nb, lambda m: m.get("grade")):
        cell.source = "pass"
    return nb


@case("non-utf8", "bytes that are not UTF-8", "corrupt notebook", None)
def _(ctx):
    return json.dumps(submission(A)).encode().replace(b"Vanilla", b"Vanilla \xff\xfe")


@case("fifty-megabytes", "a 50 MB notebook (a huge stored output), correct answer", "graded", TOP)
def _(ctx):
    nb = _with_answer(RIGHT)
    code = [c for c in nb.cells if c.cell_type == "code"][-1]
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="y" * 50_000_000)]
    return nb


def write(make, ctx, path: Path) -> None:
    made = make(ctx)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(made, bytes):
        path.write_bytes(made)
    else:
        nbformat.write(made, str(path))
