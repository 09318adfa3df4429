"""Sliders that redraw a figure, for the places where playing beats reading.

A notebook writes a function that draws one figure from a few numbers (a learning rate, a momentum,
an augmentation strength) and hands it to :func:`explore` with one :class:`Slider` per number::

    def draw(learning_rate, momentum):
        fig, ax = plt.subplots()
        ...                      # draw with these values; no plt.show()
        return fig

    explore(draw, learning_rate=Slider(1e-3, 1e-1, 1e-2, log=True), momentum=Slider(0.0, 0.99, 0.9))

In JupyterLab (ipywidgets installed, a kernel with a widget frontend) the cell shows the sliders above
the picture, and moving a slider redraws it. Everywhere else the picture is static: the figure for the
sliders' starting values. The widget's output carries that same picture as ``image/png`` next to the
widget view, so a viewer without widgets (nbconvert, GitHub, a notebook saved and reopened after the
kernel is gone) shows the static picture instead of an error. Set ``COURSE_WIDGETS=0`` to force the
static picture.

The first drawing happens before any widget exists, so an unfinished exercise (a stub raising
``NotImplementedError``) propagates as usual, and ``with experiment(...)`` turns it into a note.
"""

from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass

__all__ = ["Slider", "explore", "widgets_available"]

WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"


@dataclass(frozen=True)
class Slider:
    """One slider: from ``lo`` to ``hi``, starting at ``value``.

    ``step`` defaults to 1/100 of the range (1/10 of a decade for ``log=True``, which spaces values
    geometrically: right for learning rates). Integer ``lo``, ``hi``, ``value`` and ``step`` give an
    integer slider. ``label`` defaults to the parameter's name.
    """

    lo: float
    hi: float
    value: float
    step: float | None = None
    log: bool = False
    label: str | None = None

    def __post_init__(self):
        if not self.lo <= self.value <= self.hi:
            raise ValueError(f"slider value {self.value} is outside [{self.lo}, {self.hi}]")
        if self.log and self.lo <= 0:
            raise ValueError("a log slider needs lo > 0")

    @property
    def is_int(self) -> bool:
        return all(isinstance(v, int) for v in (self.lo, self.hi, self.value)) and (
            self.step is None or isinstance(self.step, int)) and not self.log


def widgets_available() -> bool:
    """True when sliders can work: ipywidgets imports, we run in a Jupyter kernel, and
    ``COURSE_WIDGETS`` is not ``0``."""
    if os.environ.get("COURSE_WIDGETS", "1").strip().lower() in {"0", "false", "no", "off"}:
        return False
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def figure_png(fig, close: bool = True) -> bytes:
    """The figure as PNG bytes (closed afterwards unless ``close=False``)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    if close:
        plt.close(fig)
    return buf.getvalue()


def _display(obj, raw: bool = False) -> None:
    """Show ``obj`` in the notebook (or, outside IPython, do nothing useful but not fail)."""
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with Jupyter
        return
    display(obj, raw=raw)


class Explorer:
    """What :func:`explore` made: the sliders (by name), the image and status widgets, the box.

    In static mode only ``png`` and ``values`` are set. ``redraw()`` draws again from the sliders'
    current values (the sliders call it themselves).
    """

    def __init__(self, draw, specs: dict, png: bytes, values: dict):
        self.draw, self.specs, self.png, self.values = draw, specs, png, dict(values)
        self.sliders, self.image, self.status, self.box = {}, None, None, None
        self.redraws = 0

    def __repr__(self) -> str:
        mode = "interactive" if self.box is not None else "static"
        return f"<explore: {mode}, {', '.join(f'{k}={v:g}' for k, v in self.values.items())}>"

    def redraw(self, _change=None) -> None:
        values = {name: s.value for name, s in self.sliders.items()}
        self.status.value = "<i>drawing...</i>"
        try:
            png = figure_png(self.draw(**values))
        except Exception as err:  # a student's bug must be visible, not a silent frozen picture
            self.status.value = (f"<span style='color:#b00'>{type(err).__name__}: {_escape(str(err))[:300]}"
                                 "</span>")
            return
        self.values, self.png = values, png
        self.image.value = png
        self.redraws += 1
        self.status.value = ""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _make_slider(name: str, spec: Slider):
    import ipywidgets as w

    common = dict(description=spec.label or name, continuous_update=False,
                  style={"description_width": "initial"}, layout=w.Layout(width="420px"))
    if spec.log:
        import math

        lo, hi = math.log10(spec.lo), math.log10(spec.hi)
        return w.FloatLogSlider(value=spec.value, base=10, min=lo, max=hi, step=spec.step or 0.1,
                                readout_format=".2g", **common)
    if spec.is_int:
        return w.IntSlider(value=spec.value, min=spec.lo, max=spec.hi, step=spec.step or 1, **common)
    step = spec.step or (spec.hi - spec.lo) / 100
    return w.FloatSlider(value=spec.value, min=spec.lo, max=spec.hi, step=step, readout_format=".3g", **common)


def explore(draw, interactive: bool | None = None, **sliders: Slider) -> Explorer:
    """Show ``draw(**values)`` with one slider per keyword; moving a slider redraws.

    ``draw`` returns a matplotlib figure (and does not call ``plt.show()``). It is called once with
    the sliders' starting values before anything is shown, so its errors propagate (an unfinished
    exercise's ``NotImplementedError`` included). ``interactive=None`` decides with
    :func:`widgets_available`; ``False`` forces the static picture.
    """
    if not sliders:
        raise ValueError("explore needs at least one slider")
    for name, spec in sliders.items():
        if not isinstance(spec, Slider):
            raise TypeError(f"{name}: expected a Slider, got {type(spec).__name__}")
    values = {name: spec.value for name, spec in sliders.items()}
    png = figure_png(draw(**values))
    ex = Explorer(draw, sliders, png, values)
    if interactive is None:
        interactive = widgets_available()
    if not interactive:
        from IPython.display import Image

        _display(Image(data=png, format="png"))
        return ex

    import ipywidgets as w

    ex.sliders = {name: _make_slider(name, spec) for name, spec in sliders.items()}
    ex.image = w.Image(value=png, format="png", layout=w.Layout(max_width="100%"))
    ex.status = w.HTML(value="")
    ex.box = w.VBox([*ex.sliders.values(), ex.status, ex.image])
    ex.box.add_class("course-explore")
    for s in ex.sliders.values():
        s.observe(ex.redraw, names="value")
    summary = ", ".join(f"{k} = {v:g}" for k, v in values.items())
    _display({WIDGET_VIEW_MIME: {"version_major": 2, "version_minor": 0, "model_id": ex.box.model_id},
              "image/png": base64.b64encode(png).decode("ascii"),
              "text/plain": f"[sliders: {', '.join(sliders)}; static picture at {summary}]"}, raw=True)
    return ex
