"""The warm fork server that runs submissions: outputs, crashes, time limits, the sandbox, tampering.

Each test sends a small hand-written notebook (a list of cells) to one server and checks the
outputs nbgrader will grade: an ``error`` output in a test cell costs its points, anything else
keeps them. Attacks come from the grading-hardening issue; each must end in an error output for
the test it targets (or a flag), never in a silent pass, and the server must keep serving.
"""

import os
import textwrap
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.forkserver import WarmKernel

SANDBOX = sandbox.probe()
needs_sandbox = pytest.mark.skipif(bool(SANDBOX.missing()), reason="no namespace sandbox on this machine: "
                                   + "; ".join(SANDBOX.missing()))


@pytest.fixture(scope="module")
def kernel():
    k = WarmKernel()
    yield k
    k.close()


def shell(src):
    return {"source": textwrap.dedent(src), "kind": "shell", "name": "cell"}


def graded_cell(src, name="test_cell"):
    return {"source": textwrap.dedent(src), "kind": "test", "name": name}


SETUP = {**shell("import numpy as np\nfrom course_utils.checks import check_close\n"), "setup": True}
PASSING = graded_cell("assert np.allclose(twice(np.ones(3)), 2 * np.ones(3)), 'twice is wrong'", "test_twice")
WRONG = shell("def twice(x):\n    return x + 1.5\n")  # wrong: 1 + 1.5 != 2


def run(kernel, cells, timeout=20, **job):
    return kernel.run({"cells": cells, "timeout": timeout, **job})


def errors(result, i):
    return [o for o in result["outputs"][i] if o["output_type"] == "error"]


def test_outputs_follow_nbformat(kernel):
    r = run(kernel, [SETUP, shell("print('hello')\nimport sys; print('note', file=sys.stderr)\n21 * 2"),
                     shell("import matplotlib.pyplot as plt\nplt.plot([1, 2]); plt.show()")])
    outs = r["outputs"][1]
    assert {"output_type": "stream", "name": "stdout", "text": "hello\n"} in outs
    assert any(o["output_type"] == "stream" and o["name"] == "stderr" for o in outs)
    assert any(o["output_type"] == "execute_result" and o["data"]["text/plain"] == "42" for o in outs)
    assert any(o["output_type"] == "display_data" and "image/png" in o["data"] for o in r["outputs"][2])


def test_a_correct_answer_passes_and_a_wrong_one_fails(kernel):
    good = run(kernel, [SETUP, shell("def twice(x):\n    return 2 * x\n"), PASSING])
    assert errors(good, 2) == []
    bad = run(kernel, [SETUP, WRONG, PASSING])
    assert [e["ename"] for e in errors(bad, 2)] == ["AssertionError"]
    assert bad["tampered"] == []


def test_tracebacks_are_one_line_so_hidden_lines_never_show(kernel):
    r = run(kernel, [SETUP, WRONG, graded_cell("secret_expected = 2\nassert twice(1) == secret_expected, 'no'")])
    (err,) = errors(r, 2)
    assert err["traceback"] == ["AssertionError: no"]


def test_each_submission_starts_from_a_clean_process(kernel):
    run(kernel, [SETUP, shell("import numpy\nnumpy.leftover = 1\nglobal_from_last = 1")])
    r = run(kernel, [SETUP, graded_cell("import numpy\nassert not hasattr(numpy, 'leftover')\nassert 'global_from_last' not in globals()")])
    assert errors(r, 1) == []


def test_an_infinite_loop_that_swallows_interrupts_costs_one_cell(kernel):
    loop = shell("""
        def twice(x):
            while True:
                try:
                    pass
                except BaseException:
                    pass
    """)
    r = run(kernel, [SETUP, loop, PASSING, shell("def twice(x):\n    return 2 * x\n"), PASSING], timeout=2)
    assert [e["ename"] for e in errors(r, 2)] == ["CellTimeoutError"]
    assert errors(r, 4) == [], "the cells after the timeout must still run"
    assert any("CellTimeoutError" in e for e in r["events"])


@pytest.mark.parametrize("death", ["import os; os._exit(3)", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"])
def test_a_dying_process_costs_the_cell_that_killed_it(kernel, death):
    answer = shell(f"def twice(x):\n    {death}\n")
    r = run(kernel, [SETUP, answer, PASSING, shell("def twice(x):\n    return 2 * x\n"), PASSING])
    assert [e["ename"] for e in errors(r, 2)] == ["KernelDied"]
    assert errors(r, 4) == []


def test_exit_in_an_answer_cell_does_not_stop_grading(kernel):
    r = run(kernel, [SETUP, shell("import sys\nsys.exit(0)\n"), shell("def twice(x):\n    return 2 * x\n"), PASSING])
    assert errors(r, 3) == []


def test_huge_output_is_cut(kernel):
    r = run(kernel, [SETUP, shell("print('x' * 10_000_000)")])
    text = "".join(o.get("text", "") for o in r["outputs"][1])
    assert len(text) < 200_000 and "output cut" in text


@needs_sandbox
def test_memory_past_the_limit_fails_that_cell_only(kernel):
    hog = shell("def twice(x):\n    blob = bytearray(8 * 2**30)\n    return 2 * x\n")
    r = run(kernel, [SETUP, hog, PASSING], limits={"memory": 512 * 2**20})
    assert [e["ename"] for e in errors(r, 2)] in (["MemoryError"], ["KernelDied"])


@needs_sandbox
def test_processes_past_the_limit_are_refused(kernel):
    bomb = graded_cell("""
        import os, time
        pids, refused = [], False
        for _ in range(40):
            try:
                pid = os.fork()
            except OSError:
                refused = True
                break
            if pid == 0:
                time.sleep(30)
                os._exit(0)
            pids.append(pid)
        assert refused, f'forked {len(pids)} processes without a refusal'
    """)
    r = run(kernel, [SETUP, bomb], limits={"processes": 16})
    assert errors(r, 1) == []


@needs_sandbox
def test_hidden_paths_are_empty_and_the_network_is_gone(kernel, tmp_path):
    secret = tmp_path / "course" / "source"
    secret.mkdir(parents=True)
    (secret / "answer.py").write_text("SOLUTION = 42")
    probe = graded_cell(f"""
        import os, socket
        assert not os.path.exists({str(secret / 'answer.py')!r}), 'the solution is visible'
        try:
            socket.create_connection(('127.0.0.1', 22), timeout=1)
            connected = True
        except OSError:
            connected = False
        assert not connected, 'a network connection succeeded'
        assert os.getuid() != 0, 'runs as root'
    """)
    r = run(kernel, [SETUP, probe], hide=[str(tmp_path / "course")])
    assert errors(r, 1) == []
    assert os.path.exists(secret / "answer.py"), "the grader's own view must be untouched"


@needs_sandbox
def test_writes_cannot_reach_the_grader(kernel, tmp_path):
    target = tmp_path / "gradebook.db"
    target.write_text("real")
    r = run(kernel, [SETUP, shell(f"open({str(target)!r}, 'w').write('forged')")], hide=[str(target)])
    assert target.read_text() == "real"
    assert errors(r, 1), "the write should fail"


TAMPERING = {
    "input transformer": "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])",
    "numpy.testing patched": "import numpy as np\nnp.testing.assert_allclose = lambda *a, **k: None",
    "np.allclose patched": "import numpy as np\nnp.allclose = lambda *a, **k: True",
    "builtins patched": "import builtins\nbuiltins.AssertionError = type('Quiet', (Exception,), {})",
    "setup name rebound": "check_close = lambda *a, **k: None\nnp = None",
    "tensor method patched": "import torch\ntorch.Tensor.allclose = lambda *a, **k: True",
    "sys.modules swapped": "import sys, types\nsys.modules['numpy.testing'] = types.SimpleNamespace(assert_allclose=lambda *a, **k: None)",
    "ast transformer": ("import ast\nclass Gut(ast.NodeTransformer):\n    def visit_Assert(self, node):\n        return ast.Pass()\n"
                        "    def visit_Expr(self, node):\n        return ast.Pass()\n"
                        "get_ipython().ast_transformers.append(Gut())"),
}


@pytest.mark.parametrize("attack", sorted(TAMPERING))
def test_tampering_earns_nothing_and_is_flagged(kernel, attack):
    checks = graded_cell("""
        import numpy
        assert np.allclose(twice(np.ones(3)), 2 * np.ones(3)), 'twice is wrong'
        numpy.testing.assert_allclose(twice(np.ones(2)), [2.0, 2.0])
        check_close(twice(np.ones(2)), np.full(2, 2.0), 'twice')
    """, "test_twice")
    r = run(kernel, [SETUP, WRONG, shell(TAMPERING[attack]), checks])
    assert errors(r, 3), f"{attack}: the wrong answer passed its test"
    assert r["tampered"], f"{attack}: not flagged"


def test_the_reference_solution_of_every_notebook_is_never_flagged(kernel):
    import nbformat

    from autograder.engine import job_cells

    root = Path(__file__).resolve().parents[2]
    for nb_path in sorted((root / "solutions").glob("*/*.ipynb")):
        nb = nbformat.read(str(nb_path), 4)
        from autograder.slicing import slice_notebook

        nb, _ = slice_notebook(nb)
        r = run(kernel, job_cells(nb), timeout=120)
        bad = [(i, o["ename"], o["evalue"][:80]) for i, outs in enumerate(r["outputs"]) for o in outs
               if o["output_type"] == "error"]
        assert bad == [] and r["tampered"] == [], f"{nb_path.name}: errors {bad}, flagged {r['tampered']}"


def test_a_result_forged_on_the_grader_channel_is_flagged(kernel):
    forge = shell('''
        import os, json
        def twice(x):
            for fd in range(3, 64):
                try:
                    os.write(fd, (json.dumps({"index": 2, "outputs": [], "tampered": []}) + "\\n").encode())
                except OSError:
                    pass
            return x + 1.5
    ''')
    r = run(kernel, [SETUP, forge, PASSING])
    assert any("forged" in t for t in r["tampered"]), "a forged result must be flagged"
    assert [e["ename"] for e in errors(r, 2)] == ["TamperingDetected"], "and no test may pass"
