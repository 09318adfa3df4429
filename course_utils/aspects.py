"""Partial credit by aspect for the notebooks' test cells.

A graded test cell splits what it checks into named **aspects**, each worth some of the cell's
points, and ends with the scorer's result as its last expression. nbgrader reads that value as the
cell's score (its documented partial-credit rule: a test cell whose result is a number earns that
many points); JupyterLab shows a table of the aspects, each passed or failed with its reason::

    _score = Aspects("adagrad", points=2)
    with _score.required("your own rule, not torch.optim's"):
        check_own_implementation(adagrad, "adagrad", w, dw)
    with _score.aspect("three hand-worked steps on NumPy arrays", 1.2):
        ...                                   # assertions, as in any test
    with _score.aspect("torch tensors: kind, dtype and device", 0.4):
        ...
    _score.result()

- An aspect earns its points when its block finishes without an exception; any exception (an
  ``AssertionError`` from a check, or the student's code crashing) fails it, and its message is
  kept whole. The cell goes on to the next aspect: independent aspects are scored independently.
- A **required** block is a gate: when it fails, the whole cell scores 0 (a rule handed to
  ``torch.optim`` earns nothing from the other aspects). A gate that cannot tell yet (the function
  is still the stub, so it never reached what the gate watches) raises :class:`NotChecked`: the
  row says "not checked" and the cell is scored by its aspects, which fail on the stub anyway.
- ``result()`` checks that the aspects' points add up to the cell's, prints one line per failed
  aspect and a total (so plain-text readers see them), and returns a :class:`Score`. A cell with no
  aspect at all (a hidden test cell in the student's copy) prints a line and returns ``None``: no
  score.

The score also travels as JSON under :data:`MIME`, from which the grader builds each report's
table, ``grades.csv``'s failed aspects and ``validate``'s messages.

Nothing here implements a graded exercise.
"""

from __future__ import annotations

import html
from contextlib import contextmanager

__all__ = ["Aspects", "Score", "NotChecked", "MIME"]

#: The MIME type of a scored cell's machine-readable result.
MIME = "application/vnd.tnn2.aspects+json"

#: Longest message kept per aspect (characters).
MESSAGE_CAP = 2000


class NotChecked(Exception):
    """Raised in a :meth:`Aspects.required` block that could not decide: it neither passes nor fails
    the gate (shown as "not checked" with the exception's message)."""


def _message(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a student's exception whose __str__ fails
        text = ""
    if isinstance(exc, NotImplementedError):  # the stub: not a crash of the student's code
        text = f"NotImplementedError: {text}" if text else "NotImplementedError"
    elif not isinstance(exc, AssertionError):
        text = f"crashed with {type(exc).__name__}: {text}" if text else f"crashed with {type(exc).__name__}"
    text = text or "an assertion failed"
    return text if len(text) <= MESSAGE_CAP else text[:MESSAGE_CAP] + " [...]"


class Aspects:
    """The aspects of one test cell of graded function ``function``, worth ``points`` together."""

    def __init__(self, function: str, points: float):
        self.function = function
        self.points = float(points)
        self._rows: list[dict] = []

    @contextmanager
    def aspect(self, name: str, points: float):
        """A block checking one aspect, worth ``points``: earned when the block raises nothing."""
        row = {"name": name, "points": float(points), "required": False, "passed": False, "reason": ""}
        self._rows.append(row)
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - every failure of a check is this aspect's
            row["reason"] = _message(exc)
        else:
            row["passed"] = True

    @contextmanager
    def required(self, name: str):
        """A block that must pass for the cell to earn anything (worth no points of its own)."""
        row = {"name": name, "points": 0.0, "required": True, "passed": False, "reason": ""}
        self._rows.append(row)
        try:
            yield
        except NotChecked as exc:
            row.update(passed=True, checked=False, reason=f"not checked: {exc}")
        except Exception as exc:  # noqa: BLE001
            row["reason"] = _message(exc)
        else:
            row["passed"] = True

    def result(self) -> "Score | None":
        if not self._rows:
            print("Hidden tests run when grading.")
            return None
        total = sum(r["points"] for r in self._rows)
        if abs(total - self.points) > 1e-9:
            raise ValueError(f"the aspects of {self.function}'s test add up to {total:g} points, "
                             f"the cell is worth {self.points:g}")
        score = Score(self.function, self.points, [dict(r) for r in self._rows])
        print(score.summary())
        return score


class Score:
    """What a scored test cell shows: the points earned (``text/plain``, what nbgrader reads), a
    table of the aspects (``text/html``) and the same as JSON (:data:`MIME`)."""

    def __init__(self, function: str, points: float, rows: list[dict]):
        self.function, self.points, self.rows = function, points, rows
        gates_failed = [r for r in rows if r["required"] and not r["passed"]]
        earned = 0.0 if gates_failed else sum(r["points"] for r in rows if r["passed"])
        self.earned = float(round(earned, 6))

    def summary(self) -> str:
        """The plain-text report: each failed aspect or gate with its whole message, then the total."""
        lines, said = [], None
        failed = [r for r in self.rows if not r["passed"]]
        for r in failed:
            what = "required, so this cell scores 0" if r["required"] else f"{r['points']:g} point(s) lost"
            why = "(the same message as above)" if r["reason"] == said else r["reason"].replace("\n", "\n    ")
            said = r["reason"]
            lines.append(f"FAILED {self.function}: {r['name']} ({what}):\n    " + why)
        aspects = [r for r in self.rows if not r["required"]]
        lost = [r for r in aspects if not r["passed"]]
        if not failed:
            lines.append(f"All passed: {self.earned:g} of {self.points:g} points.")
        elif len(lost) < len(failed):  # a gate failed
            lines.append(f"{self.earned:g} of {self.points:g} points: a required check failed"
                         + (f" (and {len(lost)} of {len(aspects)} aspect(s))." if lost else "."))
        else:
            lines.append(f"{self.earned:g} of {self.points:g} points: {len(lost)} of {len(aspects)} aspect(s) failed.")
        return "\n".join(lines)

    def __float__(self) -> float:
        return self.earned

    def __repr__(self) -> str:
        return f"{self.earned:g}"

    def as_json(self) -> dict:
        return {"function": self.function, "points": self.points, "earned": self.earned, "aspects": self.rows}

    def _repr_html_(self) -> str:
        body = []
        for r in self.rows:
            mark = "&#8211;" if r.get("checked") is False else "&#10004;" if r["passed"] else "&#10008;"
            colour = "#57606a" if r.get("checked") is False else "#1a7f37" if r["passed"] else "#cf222e"
            pts = "required" if r["required"] else f"{r['points']:g}"
            reason = html.escape(r["reason"]).replace("\n", "<br>")
            body.append(f"<tr><td style='color:{colour}'>{mark}</td><td>{html.escape(r['name'])}</td>"
                        f"<td>{pts}</td><td style='text-align:left'>{reason}</td></tr>")
        return (f"<table><thead><tr><th></th><th>{html.escape(self.function)}: aspect</th><th>points</th>"
                f"<th>why it failed (or was not checked)</th></tr></thead><tbody>{''.join(body)}</tbody></table>"
                f"<p><b>{self.earned:g} of {self.points:g} points</b></p>")

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/plain": repr(self), "text/html": self._repr_html_(), MIME: self.as_json()}
