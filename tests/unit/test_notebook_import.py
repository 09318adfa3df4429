"""course_utils.notebook_import: a student's functions come back from a notebook, or are reported
missing with the reason; torch stand-ins take the course's names and the right steps.

Every notebook here is written by the test itself with nbformat: nothing depends on the real
course notebooks.
"""

import random

import nbformat
import numpy as np
import pytest
import torch

from course_utils.notebook_import import (STAND_IN_NAMES, Answers, is_stand_in, load_answers,
                                          torch_stand_in)

STUB = 'raise NotImplementedError("Not implemented yet: replace this line with your code")'


def _cell(source, grade_id=None, cell_type="code"):
    make = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
    cell = make(source)
    if grade_id is not None:
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": grade_id != "setup", "grade": False,
                                     "locked": grade_id == "setup", "schema_version": 3}
    return cell


def _write(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


SETUP = """%matplotlib inline
import numpy as np
import random
import torch
STEP = 0.5
np.random.seed(123)
random.seed(123)
torch.manual_seed(123)
print("device: cpu")
"""


@pytest.fixture
def notebook(tmp_path):
    return _write(tmp_path / "01_demo" / "01_demo.ipynb", [
        _cell("# Demo", cell_type="markdown"),
        _cell(SETUP, "setup"),
        _cell("def good(w, dw, config=None):\n    config = {} if config is None else config\n"
              "    return w - STEP * dw, config\n", "good"),
        _cell("def stub(w, dw, config=None):\n    if config is None:\n        config = {}\n"
              f"    # YOUR CODE HERE\n    {STUB}\n    return w, config\n", "stub"),
        _cell("def buggy(w, dw, config=None):\n    return w + 'oops', config\n", "buggy"),
        _cell("def no_pair(w, dw, config=None):\n    return w - dw\n", "no_pair"),
        _cell("def broken(w, dw, config=None)\n    return w, config\n", "broken"),
        _cell("def other_name(w, dw, config=None):\n    return w, config\n", "misnamed"),
        _cell("def uses_good(w, dw, config=None):\n    return good(w, 2 * dw, config)\n", "uses_good"),
        _cell("print('an experiment that must not run')\nraise RuntimeError('experiment ran')"),
        _cell("def good(w, dw, config=None):\n    raise AssertionError('a test cell ran')", "test_good_visible"),
    ])


def test_implemented_functions_come_back_and_use_the_setup_cell(notebook):
    answers = load_answers(notebook, ["good", "uses_good"], verbose=False)
    assert isinstance(answers, Answers) and list(answers) == ["good", "uses_good"]
    assert answers.missing == {}
    w, config = answers["good"](np.array([1.0, 2.0]), np.array([1.0, 1.0]), None)
    np.testing.assert_allclose(w, [0.5, 1.5])  # STEP comes from the setup cell
    w, _ = answers["uses_good"](np.array([1.0]), np.array([1.0]), {})
    np.testing.assert_allclose(w, [0.0])  # answer cells share one namespace, as in a kernel


def test_each_kind_of_failure_is_left_out_with_its_reason(notebook):
    names = ["good", "stub", "buggy", "no_pair", "broken", "misnamed", "absent"]
    answers = load_answers(notebook, names, verbose=False)
    assert list(answers) == ["good"]
    why = answers.missing
    assert list(why) == names[1:], "missing names are reported in the order they were asked for"
    assert "NotImplementedError" in why["stub"] and "not implemented yet" in why["stub"]
    assert "TypeError" in why["buggy"]
    assert "(next_w, config)" in why["no_pair"]
    assert "SyntaxError" in why["broken"]
    assert "defines no function 'misnamed'" in why["misnamed"]
    assert "no answer cell with grade_id 'absent'" in why["absent"]


def test_only_the_setup_and_requested_cells_run(notebook, capsys):
    load_answers(notebook, ["good"], verbose=False)
    assert capsys.readouterr().out == "", "the setup cell's print and the experiment must not show"


def test_report_is_printed_when_verbose(notebook, capsys):
    answers = load_answers(notebook, ["good", "stub"])
    out = capsys.readouterr().out
    assert str(notebook) in out and "good: your function" in out and "stub: left out" in out
    assert answers.report() in out


def test_random_states_are_restored(notebook):
    random.seed(7)
    np.random.seed(7)
    torch.manual_seed(7)
    expected = (random.random(), np.random.rand(), torch.rand(1).item())
    random.seed(7)
    np.random.seed(7)
    torch.manual_seed(7)
    load_answers(notebook, ["good"], verbose=False)  # its setup cell reseeds everything with 123
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == expected


def test_missing_and_corrupt_notebooks_never_raise(tmp_path):
    answers = load_answers(tmp_path / "nope" / "nope.ipynb", ["a", "b"], verbose=False)
    assert dict(answers) == {} and answers.missing == {"a": "notebook not found", "b": "notebook not found"}
    bad = tmp_path / "bad.ipynb"
    bad.write_text('{"cells": [ this is not json')
    answers = load_answers(bad, "a", verbose=False)
    assert dict(answers) == {} and answers.missing["a"].startswith("could not read the notebook")


def test_json_written_by_hand_and_non_notebooks(tmp_path):
    import json

    path = tmp_path / "hand.ipynb"
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "f"}}, "source": "def f(w, dw, config=None):\n    return w, {}",
         "outputs": [], "execution_count": None}]}))
    assert "f" in load_answers(path, ["f"], verbose=False), "a source given as one string (not a list of lines)"
    other = tmp_path / "other.ipynb"
    other.write_text(json.dumps({"hello": "world"}))
    assert load_answers(other, ["f"], verbose=False).missing["f"].startswith("could not read the notebook")


def test_relative_paths_resolve_from_the_current_directory(notebook, tmp_path, monkeypatch):
    here = tmp_path / "06_race"
    here.mkdir()
    monkeypatch.chdir(here)
    answers = load_answers("../01_demo/01_demo.ipynb", ["good"], verbose=False)
    assert "good" in answers


def test_probe_can_be_changed_or_skipped(tmp_path):
    path = _write(tmp_path / "nb.ipynb", [
        _cell("def area(r):\n    return 3.0 * r * r\n", "area"),
        _cell(f"def later(w, dw, config=None):\n    {STUB}\n", "later"),
    ])
    answers = load_answers(path, ["area", "later"], probe=(2.0,), verbose=False)
    assert answers["area"](1.0) == 3.0 and "later" in answers.missing
    answers = load_answers(path, ["later"], probe=None, verbose=False)
    assert "later" in answers, "without a probe, a defined function is returned as it is"


def test_a_notebook_without_setup_cell_and_a_failing_setup(tmp_path):
    path = _write(tmp_path / "nb.ipynb", [
        _cell("import this_module_does_not_exist\n", "setup"),
        _cell("def f(w, dw, config=None):\n    return w * np.ones(1), config\n", "f"),
        _cell("def g(w, dw, config=None):\n    return w, {}\n", "g"),
    ])
    answers = load_answers(path, ["f", "g"], verbose=False)
    assert "g" in answers, "a function that does not need the setup cell still loads"
    assert "NameError" in answers.missing["f"], answers.missing


# ---------------------------------------------------------------------------------------------
# Stand-ins


def _run(rule, w0, grads, config):
    w, out = w0, []
    for g in grads:
        w, config = rule(w, g, config)
        out.append(np.asarray(w.detach().cpu() if isinstance(w, torch.Tensor) else w, dtype=np.float64))
    return out, config


@pytest.mark.parametrize("name", STAND_IN_NAMES)
def test_stand_ins_keep_the_kind_dtype_and_shape(name):
    rule = torch_stand_in(name)
    assert is_stand_in(rule) and rule.__name__ == name
    for w, g in [(np.ones((2, 3)), np.full((2, 3), 0.5)), (np.ones(4, dtype=np.float32), np.ones(4, dtype=np.float32)),
                 (torch.ones(3), torch.ones(3)), (torch.ones(2, 2, dtype=torch.float64), torch.ones(2, 2, dtype=torch.float64))]:
        next_w, config = rule(w, g, None)
        assert type(next_w) is type(w) and next_w.dtype == w.dtype and tuple(next_w.shape) == tuple(w.shape)
        assert "learning_rate" in config and "torch_optimizer" in config
    assert not is_stand_in(lambda w, dw, config=None: (w, config))


def test_stand_in_steps_match_the_course_conventions():
    g = np.array([2.0, -0.5])
    w0 = np.array([1.0, 1.0])
    lr, rho = 0.1, 0.5
    # SGD and momentum (v = rho v + g, w -= lr v), two steps with a constant gradient
    (w1, w2), _ = _run(torch_stand_in("sgd"), w0, [g, g], {"learning_rate": lr})
    np.testing.assert_allclose(w2, w0 - 2 * lr * g)
    (w1, w2), _ = _run(torch_stand_in("sgd_momentum"), w0, [g, g], {"learning_rate": lr, "momentum": rho})
    np.testing.assert_allclose(w2, w0 - lr * g - lr * (rho * g + g))
    # the notes' Nesterov: steps (1 + rho) lr g, then (1 + rho + rho^2) lr g
    (w1, w2), _ = _run(torch_stand_in("sgd_nesterov"), w0, [g, g], {"learning_rate": lr, "momentum": rho})
    np.testing.assert_allclose(w1, w0 - (1 + rho) * lr * g)
    np.testing.assert_allclose(w2, w1 - (1 + rho + rho**2) * lr * g)
    # AdaGrad: cache = g^2, then 2 g^2; epsilon outside the root
    eps = 0.25
    (w1, w2), _ = _run(torch_stand_in("adagrad"), w0, [g, g], {"learning_rate": lr, "epsilon": eps})
    np.testing.assert_allclose(w1, w0 - lr * g / (np.abs(g) + eps))
    np.testing.assert_allclose(w2, w1 - lr * g / (np.sqrt(2) * np.abs(g) + eps))
    # RMSProp with the corrected notes: cache = decay*cache + (1 - decay) g^2
    (w1,), _ = _run(torch_stand_in("rmsprop"), w0, [g], {"learning_rate": lr, "decay_rate": 0.75, "epsilon": eps})
    np.testing.assert_allclose(w1, w0 - lr * g / (np.sqrt(0.25) * np.abs(g) + eps))
    # Adam: the bias-corrected first step is lr * g / (|g| + eps)
    (w1,), _ = _run(torch_stand_in("adam"), w0, [g], {"learning_rate": lr, "epsilon": eps})
    np.testing.assert_allclose(w1, w0 - lr * g / (np.abs(g) + eps))
    # AdamW: decoupled decay first, then the Adam step; only adamw reads weight_decay
    (w1,), _ = _run(torch_stand_in("adamw"), w0, [g], {"learning_rate": lr, "epsilon": eps, "weight_decay": 0.5})
    np.testing.assert_allclose(w1, w0 * (1 - lr * 0.5) - lr * g / (np.abs(g) + eps))
    (w1,), _ = _run(torch_stand_in("adam"), w0, [g], {"learning_rate": lr, "epsilon": eps, "weight_decay": 0.5})
    np.testing.assert_allclose(w1, w0 - lr * g / (np.abs(g) + eps))


def test_stand_in_defaults_and_changing_learning_rate():
    _, config = torch_stand_in("adam")(np.zeros(2), np.ones(2))
    assert (config["learning_rate"], config["beta1"], config["beta2"], config["epsilon"]) == (1e-3, 0.9, 0.999, 1e-8)
    _, config = torch_stand_in("rmsprop")(np.zeros(2), np.ones(2))
    assert config["decay_rate"] == 0.99
    rule = torch_stand_in("sgd")
    w, config = rule(np.zeros(1), np.ones(1), {"learning_rate": 0.1})
    config["learning_rate"] = 1.0  # what a scheduler (through FunctionalOptimizer) does
    w, config = rule(w, np.ones(1), config)
    np.testing.assert_allclose(w, [-1.1])


def test_stand_in_is_a_drop_in_for_functional_optimizer():
    from course_utils.optim import FunctionalOptimizer

    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    twin = torch.nn.Linear(3, 2)
    twin.load_state_dict(model.state_dict())
    ours = FunctionalOptimizer(model.parameters(), torch_stand_in("adamw"), lr=0.01, weight_decay=0.1)
    ref = torch.optim.AdamW(twin.parameters(), lr=0.01, weight_decay=0.1)
    x, y = torch.randn(16, 3), torch.randn(16, 2)
    for _ in range(20):
        for m, opt in [(model, ours), (twin, ref)]:
            opt.zero_grad()
            torch.nn.functional.mse_loss(m(x), y).backward()
            opt.step()
    for p, q in zip(model.parameters(), twin.parameters()):
        torch.testing.assert_close(p, q)


def test_unknown_stand_in():
    with pytest.raises(ValueError, match="no stand-in"):
        torch_stand_in("lbfgs")
