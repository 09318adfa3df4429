"""course_utils.exercise: unfinished exercises are skipped politely, real bugs stay visible."""

import pytest

from course_utils.exercise import experiment, is_implemented


def sgd(w, dw, config=None):
    """What the student release's stub looks like."""
    raise NotImplementedError


def buggy(w):
    return w + "oops"


def test_stub_is_swallowed_with_a_note_naming_it(capsys):
    reached = []
    with experiment("SGD on a quadratic"):
        reached.append("before")
        sgd(1.0, 1.0)
        reached.append("after")  # never runs
    out = capsys.readouterr().out
    assert reached == ["before"]
    assert "[SGD on a quadratic] skipped" in out
    assert "`sgd` still raises NotImplementedError" in out


def test_stub_raised_directly_in_the_cell(capsys):
    with experiment():
        raise NotImplementedError
    assert "[experiment] skipped" in capsys.readouterr().out


def test_other_errors_propagate(capsys):
    with pytest.raises(TypeError):
        with experiment("buggy"):
            buggy(1.0)
    with pytest.raises(ZeroDivisionError):
        with experiment("division"):
            1 / 0
    assert capsys.readouterr().out == ""


def test_finished_experiment_runs_silently(capsys):
    with experiment("fine") as exp:
        value = 2 + 2
    assert value == 4 and exp.title == "fine"
    assert capsys.readouterr().out == ""


def test_is_implemented():
    assert not is_implemented(sgd, 1.0, 1.0)
    assert is_implemented(lambda w, dw: (w - dw, {}), 1.0, 1.0)
    with pytest.raises(TypeError):  # a bug is not "unimplemented"
        is_implemented(buggy, 1.0)
