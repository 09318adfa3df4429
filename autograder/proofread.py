"""Proofreading: every number the text marks is checked against what the notebook measured.

A measured number in a notebook's markdown carries a marker right after it (an HTML comment:
JupyterLab, nbconvert and the feedback pages do not show it), naming the key under which a code
cell hands the measured value to :func:`course_utils.quotes.quote`::

    the loss ends near 0.31<!-- quote: sgd_final_loss ±0.05 -->
    SGD needs 4.2x<!-- quote: sgd_over_momentum_steps ±20% --> as many steps
    it reaches 93%<!-- quote: val_accuracy ±2 --> accuracy        (a percentage is value x 100)
    at least 90%<!-- quote: val_accuracy ≥ --> of the runs         (the value is >= the number)

How the number and the value must agree:

- no tolerance: the number is the value rounded as printed (within half a unit of its last digit);
- ``±T``: within ``T`` of the value, in the number's own unit (``93%<!-- ... ±2 -->`` allows 91-95%);
- ``±T%``: within ``T`` percent of the value;
- ``≥`` / ``≤`` (or ``>=`` / ``<=``): the value is at least / at most the number ("at least 90%").

A number followed by ``%`` stands for the value times 100. Markdown emphasis, a closing ``$`` or a
unit word between the number and the marker is allowed (``**0.31**``, ``$0.31$``, ``3.5 ms``).

:func:`check` compares a notebook's markers with the quoted values; :func:`run` executes a solution
notebook with the quotes collected (:data:`course_utils.quotes.ENV`) and checks it;
``python -m autograder proofread [ASSIGNMENT ...]`` does that for the course and exits 1 on any
mismatch, naming the notebook, the sentence and both numbers. The suite checks its own nbval run
of every solution notebook the same way (``conftest.py``).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

#: A number, what may stand between it and its marker, and the marker.
MARKER = re.compile(
    r"(?P<number>[-+\u2212]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"(?P<percent>\s?\\?%)?"
    r"(?P<between>(?:[\s*_`$)]|\\times|x|\u00d7|[a-zA-Z\u00b5]{1,3}\b){0,6}?)"
    r"<!--\s*quote:\s*(?P<key>[\w.\-]+)\s*(?P<rule>(?:\u00b1|\+-|\+/-)\s*[\d.]+\s*%?|\u2265|>=|\u2264|<=)?\s*-->")
#: A marker the pattern above could not read (a typo must not pass silently).
ANY_MARKER = re.compile(r"<!--\s*quote\b[^>]*-->")


@dataclass
class Marked:
    """One marked number of a markdown cell."""

    cell: int
    key: str
    text: str  #: the number as written
    number: float  #: in the value's unit (a percentage divided by 100)
    rule: str  #: "", "±T", "±T%", ">=", "<="
    sentence: str
    percent: bool


@dataclass
class Mismatch:
    notebook: str
    marked: Marked | None
    problem: str

    def __str__(self) -> str:
        if self.marked is None:
            return f"{self.notebook}: {self.problem}"
        return f"{self.notebook}, markdown cell {self.marked.cell}: \"{self.marked.sentence}\": {self.problem}"


def _sentence(source: str, start: int, end: int) -> str:
    """The sentence around source[start:end], markers removed, on one line."""
    left = max(source.rfind(". ", 0, start), source.rfind("\n\n", 0, start), source.rfind("\n#", 0, start))
    right_candidates = [i for i in (source.find(". ", end), source.find("\n\n", end)) if i >= 0]
    right = min(right_candidates) + 1 if right_candidates else len(source)
    text = ANY_MARKER.sub("", source[left + 1 if left >= 0 else 0:right])
    text = " ".join(text.split()).lstrip("# ")
    return text if len(text) <= 300 else text[:297] + "..."


def _float(text: str) -> float:
    return float(text.replace(",", "").replace("\u2212", "-"))


def marked_numbers(nb) -> tuple[list[Marked], list[str]]:
    """The marked numbers of a notebook's markdown cells, and the markers that could not be read."""
    out, unreadable = [], []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        source = cell.source
        readable = set()
        for m in MARKER.finditer(source):
            readable.add(m.start("between") + len(m.group("between")))
            percent = bool(m.group("percent"))
            number = _float(m.group("number")) / (100.0 if percent else 1.0)
            rule = (m.group("rule") or "").replace(" ", "").replace("+/-", "\u00b1").replace("+-", "\u00b1")
            rule = {"\u2265": ">=", "\u2264": "<="}.get(rule, rule)
            out.append(Marked(index, m.group("key"), m.group("number") + ("%" if percent else ""), number, rule,
                              _sentence(source, m.start(), m.end()), percent))
        for m in ANY_MARKER.finditer(source):
            if m.start() not in readable:
                unreadable.append(f"markdown cell {index}: {m.group(0)!r} (near \"{_sentence(source, m.start(), m.end())}\")")
    return out, unreadable


def _decimals(text: str) -> int:
    digits = text.rstrip("%").replace(",", "")
    mantissa = digits.split("e")[0].split("E")[0]
    return len(mantissa.split(".")[1]) if "." in mantissa else 0


def agrees(m: Marked, value: float) -> tuple[bool, str]:
    """Does the measured ``value`` agree with the marked number? (ok, the rule in words)"""
    scale = 100.0 if m.percent else 1.0
    shown, said = value * scale, m.number * scale
    if m.rule == ">=":
        return shown >= said, f"the run's value must be at least {m.text}"
    if m.rule == "<=":
        return shown <= said, f"the run's value must be at most {m.text}"
    if m.rule.startswith("\u00b1"):
        amount = m.rule[1:]
        if amount.endswith("%"):
            tol = abs(shown) * float(amount[:-1]) / 100.0
            words = f"within {amount} of the run's value"
        else:
            tol = float(amount)
            words = f"within {amount} of the run's value"
    else:
        tol = 0.5 * 10.0 ** -_decimals(m.text)
        words = "the run's value rounded as written"
    return abs(shown - said) <= tol * (1 + 1e-9) + 1e-12, words


def check(nb, quotes: dict[str, float], notebook: str) -> list[Mismatch]:
    """Every marked number of ``nb`` against the ``quotes`` its run made."""
    marked, unreadable = marked_numbers(nb)
    problems = [Mismatch(notebook, None, f"unreadable quote marker {u}") for u in unreadable]
    for m in marked:
        if m.key not in quotes:
            problems.append(Mismatch(notebook, m, f"{m.text} is marked as {m.key!r}, which no cell quoted "
                                                  "(course_utils.quotes.quote)"))
            continue
        ok, words = agrees(m, quotes[m.key])
        if not ok:
            value = quotes[m.key] * (100.0 if m.percent else 1.0)
            problems.append(Mismatch(notebook, m, f"the text says {m.text}, the run measured {value:.6g}"
                                                  f"{'%' if m.percent else ''} for {m.key!r} ({words})"))
    return problems


def run(notebook: Path, timeout: int = 600) -> tuple[dict[str, float], list[Mismatch]]:
    """Execute ``notebook`` (in its folder, in this Python) with the quotes collected; check it."""
    from nbclient import NotebookClient

    from course_utils.quotes import ENV

    notebook = Path(notebook).resolve()
    nb = nbformat.read(notebook, as_version=4)
    with tempfile.TemporaryDirectory(prefix="tnn2-proofread-") as tmp:
        target = Path(tmp) / "quotes.json"
        before = os.environ.get(ENV)
        os.environ[ENV] = str(target)
        try:
            NotebookClient(nb, timeout=timeout, kernel_name="python3",
                           resources={"metadata": {"path": str(notebook.parent)}}).execute()
        finally:
            if before is None:
                os.environ.pop(ENV, None)
            else:
                os.environ[ENV] = before
        quotes = json.loads(target.read_text()) if target.exists() else {}
    return quotes, check(nb, quotes, notebook.stem)


def proofread(root: Path, names: list[str] | None = None, timeout: int = 600) -> int:
    """``python -m autograder proofread``: run and check the solution notebooks; 1 on a mismatch."""
    from .paths import assignments

    solutions = Path(root) / "solutions"
    names = names or assignments(solutions)
    unknown = [n for n in names if not (solutions / n / f"{n}.ipynb").exists()]
    if unknown:
        print(f"no solution notebook for {', '.join(unknown)}")
        return 2
    bad = 0
    for name in names:
        quotes, problems = run(solutions / name / f"{name}.ipynb", timeout=timeout)
        marked, _ = marked_numbers(nbformat.read(solutions / name / f"{name}.ipynb", as_version=4))
        for p in problems:
            print(f"MISMATCH {p}")
        print(f"{name}: {len(marked)} marked number(s), {len(problems)} mismatch(es)"
              + ("" if marked else " (nothing in its text is tied to a measurement yet)"), flush=True)
        bad += bool(problems)
    print(f"{len(names) - bad} notebook(s) agree with their runs, {bad} do not")
    return 1 if bad else 0
