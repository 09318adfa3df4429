"""The course as a student meets it: JupyterLab in a browser (headless Chromium driven by Playwright).

The release notebooks of ``BROWSER_RUN`` (``tests/support.py``: the ones that exercise something the
others do not) are opened and run with the Run menu; where a failing test stops the run, the run
resumes below it, as a student would. Every other release notebook is opened without running (it
is executed headless by ``tests/test_notebooks.py``) and its markdown and LaTeX must render. Then we check what the page shows: rendered markdown and LaTeX,
plots as decoded images, widgets (progress bars, sliders) drawn as widgets, the first graded test
failing with the stub's NotImplementedError and its message, and no other cell failing. One solution
notebook runs clean, its sliders redraw the picture, and nbgrader's Validate button reports failure on
a release notebook and success on a solution. Screenshots go to build/browser-artifacts/.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from nbgrader.utils import determine_grade

from ..support import BROWSER_RUN, assignment_names, nbgrader_meta
from .lab import dom_summary, open_notebook, run_all_like_a_student, save, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

ASSIGNMENTS = assignment_names()
VALIDATE_RELEASE = "01_sgd"

#: LaTeX that MathJax should have turned into math: if it is still visible as text, it did not render.
RAW_LATEX = re.compile(r"\$\$|\\(frac|sum|eta|nabla|sqrt|mathbb|left|right|begin)\b")
#: What a widget looks like when the page failed to draw it (its text/plain stand-in).
WIDGET_AS_TEXT = re.compile(r"(HBox|VBox|FloatProgress|IntProgress|FloatSlider)\(|Error displaying widget")


def _saved_errors(path) -> list[tuple[int, dict, dict]]:
    """(cell index, nbgrader metadata, error output) for each failing cell of the saved notebook."""
    nb = nbformat.read(path, as_version=4)
    out = []
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                out.append((i, nbgrader_meta(cell), o))
    return out


def _check_rendering(cells: list[dict], name: str, outputs: bool = True) -> None:
    markdown = [c for c in cells if c["kind"] == "markdown"]
    assert markdown and all(c["rendered"] for c in markdown), f"{name}: a markdown cell is not rendered"
    assert sum(c["math"] for c in markdown) > 0, f"{name}: no LaTeX was typeset by MathJax"
    assert sum(c["mathErrors"] for c in cells) == 0, f"{name}: MathJax reports an error in a formula"
    raw = [m.group(0) for c in markdown for m in [RAW_LATEX.search(c["text"])] if m]
    assert not raw, f"{name}: LaTeX left as text after rendering: {raw[:5]}"
    if not outputs:
        return
    for c in cells:
        for img in c["images"]:
            assert img["complete"] and img["w"] > 0 and img["h"] > 0, f"{name}: an output image did not decode"
        bad = WIDGET_AS_TEXT.search(c["outputText"])
        assert not bad, f"{name}: a widget shows as text ({bad.group(0)}): the widget frontend is missing"


def _validate(page) -> str:
    page.locator(".jp-NotebookPanel-toolbar button, .jp-NotebookPanel-toolbar .jp-ToolbarButtonComponent",
                 has_text="Validate").first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=120_000)
    page.wait_for_function("() => { const d = document.querySelector('.jp-Dialog'); "
                           "return d && !/validating/i.test(d.textContent) }", timeout=120_000)
    return dialog.inner_text()


@pytest.mark.parametrize("a", [a for a in ASSIGNMENTS if a not in BROWSER_RUN])
def test_release_notebook_renders(page, lab, a):
    """Opened, not run (``tests/test_notebooks.py`` runs it headless): markdown and LaTeX render."""
    rel = f"{a}/{a}.ipynb"
    open_notebook(page, lab, rel)
    # MathJax typesets asynchronously after the markdown renders
    page.wait_for_function("() => document.querySelectorAll('.jp-MarkdownCell mjx-container').length > 0")
    _check_rendering(dom_summary(page), a, outputs=False)


@pytest.mark.parametrize("a", [a for a in ASSIGNMENTS if a in BROWSER_RUN])
def test_release_notebook_as_a_student_sees_it(page, lab, a):
    rel = f"{a}/{a}.ipynb"
    open_notebook(page, lab, rel)
    run_all_like_a_student(page)
    save(page)
    cells = dom_summary(page)
    _check_rendering(cells, a)

    saved = nbformat.read(lab.root / rel, as_version=4)
    graded = [i for i, c in enumerate(saved.cells) if nbgrader_meta(c).get("grade")]
    errors = _saved_errors(lab.root / rel)
    unexpected = [f"cell {i}: {e['ename']}: {e['evalue'][:200]}" for i, m, e in errors if not m.get("grade")]
    assert unexpected == [], f"{a}: cells other than graded tests fail on the stubs:\n" + "\n".join(unexpected)
    failing = {i: e for i, _, e in errors}
    # a test scored by aspects does not raise: it scores 0 by nbgrader's rule and shows the stub's message
    scored_zero = {i for i in graded if i not in failing and determine_grade(saved.cells[i])[0] == 0}
    assert sorted(set(failing) | scored_zero) == graded, f"{a}: every graded test (and only those) should fail on the stubs"
    if graded:
        first = graded[0]
        if first in failing:
            assert failing[first]["ename"] == "NotImplementedError", failing[first]
        shown = cells[first]["outputText"]
        assert "NotImplementedError" in shown and "Not implemented yet" in shown, (
            f"{a}: the first graded test's output does not show the stub's message:\n{shown[:800]}")
        cell = page.locator(".jp-Notebook .jp-Cell").nth(first)
        cell.scroll_into_view_if_needed()
        screenshot(page, f"release-{a}-first-failing-test")
    if any(c["images"] for c in cells):
        page.locator(".jp-OutputArea-output img").first.scroll_into_view_if_needed()
        screenshot(page, f"release-{a}-first-plot")
    images_saved = sum(1 for c in saved.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    images_shown = sum(len(c["images"]) for c in cells)
    assert images_shown >= images_saved, f"{a}: {images_saved} plots in the notebook, {images_shown} shown"

    if a == VALIDATE_RELEASE:  # nbgrader's Validate button (its Lab extension) on the untouched release
        text = _validate(page)
        screenshot(page, f"validate-release-{a}")
        assert "Success" not in text, text
        assert "NotImplementedError" in text and re.search(r"fail", text, re.I), (
            f"Validate did not report the failing tests:\n{text[:2000]}")


def test_solution_notebook_runs_clean_its_slider_redraws_and_validates(page, lab):
    rel = "solution_01_sgd/01_sgd.ipynb"
    open_notebook(page, lab, rel)
    stops = run_all_like_a_student(page, timeout_ms=180_000)
    assert stops == 0, "the solution notebook stopped on an error"
    save(page)
    errors = _saved_errors(lab.root / rel)
    assert errors == [], [f"cell {i}: {e['ename']}: {e['evalue'][:200]}" for i, _, e in errors]
    cells = dom_summary(page)
    _check_rendering(cells, "solution 01_sgd")
    assert sum(len(c["images"]) for c in cells) >= 5, "the solution's plots are missing"
    assert sum(c["progress"] for c in cells) >= 1, "no tqdm progress bar was drawn as a widget"

    explorers = page.locator(".course-explore")
    assert explorers.count() >= 1, "no slider explorer (course_utils.interactive.explore) in the notebook"
    box = explorers.first
    box.scroll_into_view_if_needed()
    screenshot(page, "solution-01_sgd-explorer-before")
    image = box.locator("img")
    before = image.get_attribute("src")
    handle = box.locator(".widget-slider").first.locator(".noUi-handle")
    handle.focus()
    for _ in range(3):
        handle.press("ArrowRight")
    page.wait_for_function("([el, old]) => el.getAttribute('src') !== old",
                           arg=[image.element_handle(), before], timeout=30_000)
    after = image.get_attribute("src")
    assert after != before and after.startswith(("data:image/png", "blob:"))
    screenshot(page, "solution-01_sgd-explorer-after")
    progress = page.locator(".widget-progress, .widget-hprogress").first
    progress.scroll_into_view_if_needed()
    screenshot(page, "solution-01_sgd-progress-bar")

    text = _validate(page)  # nbgrader's Validate button on the solution: every test, hidden ones too
    screenshot(page, "validate-solution-01_sgd")
    assert "Success! Your notebook passes all the tests." in text, f"Validate on the solution:\n{text[:2000]}"
