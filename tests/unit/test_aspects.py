"""Partial credit by aspect (:mod:`course_utils.aspects`) and what the grader makes of it
(:mod:`autograder.reports`, the executor's result of a test cell).

The score a cell earns is read back by nbgrader's own rule (``nbgrader.utils.determine_grade``),
not by the code under test.
"""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.utils import determine_grade

from autograder import reports
from autograder.executor import Runner
from course_utils.aspects import MIME, Aspects, NotChecked


def _scored(build) -> tuple:
    """(the Score, what it printed) of a scorer filled by ``build``."""
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        s = build()
    return s, buf.getvalue()


def _three(fail_b=False, fail_gate=False, crash_c=False):
    def build():
        s = Aspects("rule", points=2)
        with s.required("your own rule"):
            assert not fail_gate, "the step was handed to torch.optim"
        with s.aspect("values", 1.2):
            pass
        with s.aspect("state", 0.4):
            if fail_b:  # raised, not asserted: pytest rewrites the messages of this module's asserts
                raise AssertionError("config['velocity'] is wrong:\n  expected [1. 2.]\n  got      [-1. -2.]")
        with s.aspect("tensors", 0.4):
            if crash_c:
                raise TypeError("unsupported operand type(s)")
        return s.result()
    return _scored(build)


def _graded_cell(score, points=2):
    cell = new_code_cell("...", metadata={"nbgrader": {"grade": True, "solution": False, "locked": True,
                                                        "grade_id": "test_rule_visible", "points": points,
                                                        "schema_version": 3}})
    cell.outputs = [new_output("execute_result", data=score._repr_mimebundle_(), execution_count=1)]
    return cell


def test_each_aspect_earns_its_points_independently():
    score, printed = _three(fail_b=True, crash_c=True)
    assert determine_grade(_graded_cell(score))[0] == pytest.approx(1.2)
    assert "expected [1. 2.]" in printed and "got      [-1. -2.]" in printed, "the whole message is printed"
    assert "crashed with TypeError: unsupported operand" in printed
    rows = {r["name"]: r for r in score.as_json()["aspects"]}
    assert rows["state"]["reason"]== "config['velocity'] is wrong:\n  expected [1. 2.]\n  got      [-1. -2.]"
    assert not rows["state"]["passed"] and rows["values"]["passed"] and not rows["tensors"]["passed"]


def test_a_failed_requirement_scores_zero():
    score, printed = _three(fail_gate=True)
    assert determine_grade(_graded_cell(score))[0] == 0
    assert "required" in printed and "handed to torch.optim" in printed


def test_the_total_line_counts_aspects_not_the_gate():
    _, printed = _three(fail_b=True, crash_c=True)
    assert "1.2 of 2 points: 2 of 3 aspect(s) failed." in printed
    _, printed = _three(fail_gate=True)
    assert "0 of 2 points: a required check failed." in printed


def test_a_gate_that_cannot_tell_is_not_checked_and_does_not_zero_the_cell():
    def build():
        s = Aspects("rule", points=2)
        with s.required("your own rule"):
            raise NotChecked("rule still raises NotImplementedError")
        with s.aspect("values", 2):
            pass
        return s.result()
    score, printed = _scored(build)
    assert determine_grade(_graded_cell(score)) == (2.0, 2.0)
    gate = score.as_json()["aspects"][0]
    assert gate["checked"] is False and gate["reason"] == "not checked: rule still raises NotImplementedError"
    assert "not checked" in score._repr_html_() and "&#10004;" not in score._repr_html_().split("</tr>")[1]
    assert "not checked" in reports.summary_html(_notebook_with(score))


def _notebook_with(score):
    return new_notebook(cells=[_graded_cell(score)])


def test_building_a_score_prints_nothing(capsys):
    from course_utils.aspects import Score
    Score("rule", 1.0, [{"name": "values", "points": 1.0, "required": False, "passed": False, "reason": "no"}])
    assert capsys.readouterr().out == ""


def test_all_passed_is_full_marks():
    score, printed = _three()
    assert determine_grade(_graded_cell(score)) == (2.0, 2.0)
    assert "All passed: 2 of 2 points" in printed


def test_aspects_must_add_up_to_the_cell():
    s = Aspects("rule", points=3)
    with s.aspect("values", 1.0):
        pass
    with pytest.raises(ValueError, match="add up to 1 points"):
        s.result()


def test_a_cell_without_aspects_has_no_score(capsys):
    assert Aspects("rule", points=3).result() is None
    assert "Hidden tests run when grading." in capsys.readouterr().out


def test_keyboard_interrupt_and_system_exit_are_not_swallowed():
    s = Aspects("rule", points=1)
    for exc in (KeyboardInterrupt, SystemExit):
        with pytest.raises(exc):
            with s.aspect("values", 1.0):
                raise exc()


def test_the_executor_shows_the_last_expression_as_a_kernel_does():
    runner = Runner()
    runner.run_shell_cell("from course_utils.aspects import Aspects")
    out = runner.run_test_cell("s = Aspects('f', 1)\nwith s.aspect('a', 1):\n    assert False, 'no'\ns.result()\n",
                               "test_f")
    results = [o for o in out if o["output_type"] == "execute_result"]
    assert len(results) == 1 and results[0]["data"]["text/plain"] == "0"
    assert results[0]["data"][MIME]["aspects"][0]["reason"] == "no"
    assert runner.run_test_cell("x = 1\nprint('done')\n", "t") == [
        {"output_type": "stream", "name": "stdout", "text": "done\n"}]
    assert runner.run_test_cell("41 + 1\n", "t")[0]["data"] == {"text/plain": "42"}


def test_validate_and_the_feedback_name_the_test_and_each_failed_aspect():
    score, _ = _three(fail_b=True)
    cell = _graded_cell(score)
    text = reports.describe_failure(cell)
    assert text.startswith("test_rule_visible (1.6 of 2 points)")
    assert "failed: state (0.4 point(s))" in text and "got      [-1. -2.]" in text
    nb = new_notebook(cells=[cell])
    assert reports.failed_aspects(nb) == ["test_rule_visible: state"]
    err = new_code_cell("...", metadata=cell.metadata)
    err.outputs = [new_output("error", ename="AssertionError", evalue="next_w is wrong:\n  expected 1", traceback=[])]
    assert reports.describe_failure(err) == "test_rule_visible (0 of 2 points):\n      AssertionError: next_w is wrong:\n        expected 1"
    page = ("<html><head><!-- Load mathjax --><script src='https://cdn/mathjax.js'></script>"
            "<!-- End of mathjax configuration --></head><body><p>the loss $L(w) = \\frac{1}{n}$ and</p>"
            "<pre>costs $5 and $6</pre>$$ r = \\frac{\\kappa-1}{\\kappa+1} $$</body></html>")
    done = reports.finish_feedback(page, nb)
    assert "cdn/mathjax" not in done and "$L(w)" not in done and "<math" in done
    assert "<pre>costs $5 and $6</pre>" in done, "code is left as it is"
    assert done.count("display=\"block\"") == 1
    assert done.index("tnn2-summary") < done.index("the loss") and "&#10008; failed</span> state" in done
    nbformat.validate(nb)


def test_a_message_repeated_by_the_stub_is_said_once(capsys):
    s = Aspects("rule", points=1)
    for name in ("a", "b"):
        with s.aspect(name, 0.5):
            raise NotImplementedError("Not implemented yet")
    score = s.result()
    out = capsys.readouterr().out
    assert out.count("Not implemented yet") == 1 and "(the same message as above)" in out
    assert "crashed" not in out, "the untouched stub is not a crash of the student's code"
    assert reports.describe_failure(_graded_cell(score, points=1)).count("Not implemented yet") == 1


def test_the_summary_counts_the_failed_aspects():
    from autograder import summary

    rows = [{"status": "graded", "score": "1.6", "max_score": "2", "failed_tests": "test_rule_visible",
             "failed_aspects": "test_rule_visible: state"}] * 3
    s = summary.summarize(rows, [("test_rule_visible", 2.0)])
    assert s["aspects"] == [("test_rule_visible: state", 3)]
    assert "| test_rule_visible: state | 3 |" in summary.markdown("a", s)


def test_a_score_is_a_float_even_when_nothing_passed():
    s = Aspects("rule", points=1)
    with s.aspect("values", 1.0):
        raise AssertionError("wrong")
    score = s.result()
    assert float(score) == 0.0 and isinstance(float(score), float) and repr(score) == "0"
