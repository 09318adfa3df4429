"""The per-assignment summary written beside grades.csv."""

from autograder.summary import markdown, plot, summarize

TESTS = [("test_a_visible", 2.0), ("test_a_hidden", 3.0)]


def _row(status, score, failed=""):
    return {"status": status, "score": score, "max_score": "5" if score != "" else "", "failed_tests": failed}


def test_pass_rates_count_only_scored_submissions():
    rows = [_row("graded", "5"), _row("graded", "2", "test_a_hidden"), _row("graded", "0", "test_a_visible;test_a_hidden"),
            _row("timed out", "0", "test_a_visible;test_a_hidden"), _row("corrupt notebook", "")]
    s = summarize(rows, TESTS)
    assert s["n"] == 4 and s["full_marks"] == 1 and s["scores"] == [0.0, 0.0, 2.0, 5.0]
    assert s["mean"] == 7 / 4
    rates = {name: rate for name, _, rate in s["per_test"]}
    assert rates == {"test_a_visible": 0.5, "test_a_hidden": 0.25}
    assert s["per_test"][0][0] == "test_a_hidden", "worst test first"
    assert s["statuses"]["corrupt notebook"] == 1


def test_markdown_and_plot(tmp_path):
    s = summarize([_row("graded", "5"), _row("graded", "2", "test_a_hidden")], TESTS)
    text = markdown("01_x", s)
    assert "| test_a_hidden | 3 | 50% |" in text and "| graded | 2 |" in text
    plot("01_x", s, tmp_path / "x.png")
    assert (tmp_path / "x.png").stat().st_size > 1000
