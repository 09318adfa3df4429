"""course_utils.interactive: sliders redraw the picture; without widgets the picture is static."""

import base64

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import interactive  # noqa: E402
from course_utils.interactive import WIDGET_VIEW_MIME, Slider, explore, widgets_available  # noqa: E402


def _png_pixels(png: bytes) -> np.ndarray:
    import io

    return plt.imread(io.BytesIO(png))


class Recorder:
    """A draw function that records its calls and draws a bar whose height is the value of ``a``."""

    def __init__(self):
        self.calls = []

    def __call__(self, a, b=0.0):
        self.calls.append({"a": a, "b": b})
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.bar([0], [a])
        ax.set_ylim(0, 10)
        ax.set_axis_off()
        return fig


@pytest.fixture
def shown(monkeypatch):
    """What explore displays, instead of sending it to a notebook."""
    out = []
    monkeypatch.setattr(interactive, "_display", lambda obj, raw=False: out.append((obj, raw)))
    return out


def test_static_mode_draws_once_with_the_starting_values_and_shows_a_png(shown):
    draw = Recorder()
    ex = explore(draw, interactive=False, a=Slider(0.0, 10.0, 3.0), b=Slider(-1.0, 1.0, 0.5))
    assert draw.calls == [{"a": 3.0, "b": 0.5}]
    assert len(shown) == 1
    image, raw = shown[0]
    assert not raw and image.format == "png" and image.data == ex.png
    assert image.data.startswith(b"\x89PNG")
    assert plt.get_fignums() == [], "explore must close the figures it rendered"
    assert ex.box is None and "static" in repr(ex)


def test_widgets_are_off_outside_a_kernel_and_when_disabled(monkeypatch):
    monkeypatch.delenv("COURSE_WIDGETS", raising=False)
    assert widgets_available() is False  # pytest is not a Jupyter kernel
    monkeypatch.setenv("COURSE_WIDGETS", "0")
    assert widgets_available() is False


def test_interactive_mode_redraws_when_a_slider_moves(shown):
    pytest.importorskip("ipywidgets")
    draw = Recorder()
    ex = explore(draw, interactive=True, a=Slider(0.0, 10.0, 3.0, step=0.5), b=Slider(-1.0, 1.0, 0.5))
    bundle, raw = shown[0]
    assert raw and set(bundle) == {WIDGET_VIEW_MIME, "image/png", "text/plain"}
    assert bundle[WIDGET_VIEW_MIME]["model_id"] == ex.box.model_id
    # the static fallback inside the bundle is the picture for the starting values
    assert base64.b64decode(bundle["image/png"]) == ex.png == ex.image.value
    before = _png_pixels(ex.image.value)

    ex.sliders["a"].value = 8.0
    assert draw.calls[-1] == {"a": 8.0, "b": 0.5}
    assert ex.redraws == 1 and ex.values == {"a": 8.0, "b": 0.5}
    after = _png_pixels(ex.image.value)
    assert before.shape == after.shape
    # a taller bar: more dark pixels in the new picture
    assert (after[..., :3].mean(axis=-1) < 0.9).sum() > (before[..., :3].mean(axis=-1) < 0.9).sum()

    ex.sliders["b"].value = -1.0
    assert draw.calls[-1] == {"a": 8.0, "b": -1.0} and ex.redraws == 2
    assert plt.get_fignums() == []


def test_an_error_while_redrawing_is_shown_and_keeps_the_last_picture(shown):
    pytest.importorskip("ipywidgets")

    def draw(a):
        if a > 5:
            raise ValueError("a is too large for this landscape")
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.plot([0, a])
        return fig

    ex = explore(draw, interactive=True, a=Slider(0.0, 10.0, 1.0))
    png = ex.image.value
    ex.sliders["a"].value = 7.0
    assert ex.image.value == png
    assert "ValueError" in ex.status.value and "too large" in ex.status.value
    ex.sliders["a"].value = 2.0
    assert ex.status.value == "" and ex.image.value != png


def test_the_first_drawing_propagates_errors_so_experiment_can_skip_a_stub(shown):
    from course_utils.exercise import experiment

    def draw(a):
        raise NotImplementedError("Not implemented yet: sgd")

    with pytest.raises(NotImplementedError):
        explore(draw, interactive=False, a=Slider(0.0, 1.0, 0.5))
    with experiment("sliders"):
        explore(draw, interactive=True, a=Slider(0.0, 1.0, 0.5))
    assert shown == []


def test_slider_kinds():
    pytest.importorskip("ipywidgets")
    import ipywidgets as w

    log = interactive._make_slider("lr", Slider(1e-3, 1e-1, 1e-2, log=True))
    assert isinstance(log, w.FloatLogSlider) and (log.min, log.max) == (-3, -1)
    assert log.value == pytest.approx(1e-2)
    assert isinstance(interactive._make_slider("n", Slider(0, 90, 15, step=15)), w.IntSlider)
    lin = interactive._make_slider("rho", Slider(0.0, 0.99, 0.9, label="rho (momentum)"))
    assert isinstance(lin, w.FloatSlider) and lin.description == "rho (momentum)"
    assert lin.step == pytest.approx(0.0099)


def test_bad_sliders_are_refused():
    with pytest.raises(ValueError):
        Slider(0.0, 1.0, 2.0)
    with pytest.raises(ValueError):
        Slider(0.0, 1.0, 0.5, log=True)
    with pytest.raises(ValueError):
        explore(lambda: None)
    with pytest.raises(TypeError):
        explore(lambda a: None, a=(0, 1, 0.5))
