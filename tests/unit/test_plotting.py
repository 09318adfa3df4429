"""course_utils.plotting on the Agg backend: the right artists are drawn and figures save as PNG."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils.landscapes import Quadratic, Rosenbrock, Saddle  # noqa: E402
from course_utils.plotting import (  # noqa: E402
    plot_history,
    plot_landscape,
    plot_loss_curves,
    plot_trajectories,
    show_images,
)
from course_utils.training import History  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def assert_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 1000


@pytest.mark.parametrize("log", [True, False])
def test_plot_landscape_draws_contours_and_the_minimum(tmp_path, log):
    q = Quadratic(np.diag([1.0, 10.0]), center=[0.3, -0.2])
    ax = plot_landscape(q, log=log, resolution=40, levels=10)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert ax.collections, "no contour artists"
    star = [ln for ln in ax.lines if ln.get_marker() == "*"]
    assert len(star) == 1
    np.testing.assert_allclose(star[0].get_xydata()[0], q.minimum)
    assert ax.get_xlim() == pytest.approx(q.extent[:2]) and ax.get_ylim() == pytest.approx(q.extent[2:])
    assert ax.get_title() == q.name
    ax.figure.savefig(tmp_path / "landscape.png", dpi=40)
    assert_png(tmp_path / "landscape.png")


def test_plot_landscape_uses_a_given_axis_and_extent():
    fig, axes = plt.subplots(1, 2)
    ax = plot_landscape(Rosenbrock(), ax=axes[1], resolution=30, extent=(-1, 1, 0, 2))
    assert ax is axes[1]
    assert ax.get_xlim() == (-1, 1) and ax.get_ylim() == (0, 2)
    assert not axes[0].collections


def test_plot_landscape_refuses_more_than_two_dimensions():
    with pytest.raises(ValueError, match="2-D"):
        plot_landscape(Rosenbrock(dim=3))


def test_plot_trajectories_draws_each_path_with_a_legend(tmp_path):
    s = Saddle()
    paths = {"A": np.array([[1.0, 0.1], [0.5, 0.2], [0.2, 0.5]]), "B": np.array([[-1.0, -0.1], [-0.5, -0.4]])}
    ax = plot_trajectories(s, paths, resolution=30, levels=8)
    labelled = {ln.get_label(): ln for ln in ax.lines if not ln.get_label().startswith("_")}
    assert set(labelled) == {"A", "B"}
    for name, pts in paths.items():
        np.testing.assert_allclose(labelled[name].get_xydata(), pts)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "B"]
    ax.figure.savefig(tmp_path / "paths.png", dpi=40)
    assert_png(tmp_path / "paths.png")


def test_plot_loss_curves_plain_and_xy_pairs():
    curves = {"sgd": np.array([1.0, 0.5, 0.25]), "adam": (np.array([0.0, 2.0, 4.0]), np.array([1.0, 0.1, 0.01]))}
    ax = plot_loss_curves(curves, title="race", xlabel="epoch")
    assert ax.get_yscale() == "log"
    assert ax.get_title() == "race" and ax.get_xlabel() == "epoch"
    lines = {ln.get_label(): ln for ln in ax.lines}
    np.testing.assert_allclose(lines["sgd"].get_xydata(), [[0, 1.0], [1, 0.5], [2, 0.25]])
    np.testing.assert_allclose(lines["adam"].get_xydata(), [[0, 1.0], [2, 0.1], [4, 0.01]])
    assert plot_loss_curves({"x": [3.0, -1.0]}, logy=False).get_yscale() == "linear"


def test_plot_history_two_panels(tmp_path):
    h = History(train_loss=[1.0, 0.5], train_acc=[0.5, 0.8], val_loss=[1.1, 0.7], val_acc=[0.45, 0.75])
    ax_loss, ax_acc = plot_history(h, title="mlp")
    assert ax_loss.get_title() == "mlp"
    np.testing.assert_allclose(ax_loss.lines[1].get_xydata(), [[1, 1.1], [2, 0.7]])
    np.testing.assert_allclose(ax_acc.lines[0].get_xydata(), [[1, 0.5], [2, 0.8]])
    assert [ln.get_label() for ln in ax_acc.lines] == ["train", "validation"]
    ax_loss.figure.savefig(tmp_path / "history.png", dpi=40)
    assert_png(tmp_path / "history.png")
    # without validation data only the training curves are drawn
    ax_loss, _ = plot_history(History(train_loss=[1.0], train_acc=[0.1]))
    assert len(ax_loss.lines) == 1


def test_show_images_grid_numpy_and_torch(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.random((5, 8, 8))
    fig = show_images(images, titles=list("abcde"), ncols=3)
    axes = fig.axes
    assert len(axes) == 6  # 2 rows x 3 columns, one left empty
    shown = [ax for ax in axes if ax.images]
    assert len(shown) == 5
    np.testing.assert_allclose(shown[2].images[0].get_array(), images[2])
    assert [ax.get_title() for ax in shown] == list("abcde")
    fig.savefig(tmp_path / "grid.png", dpi=40)
    assert_png(tmp_path / "grid.png")

    chw = torch.rand(2, 3, 6, 4)  # (N, C, H, W) tensors are shown as (H, W, C)
    fig = show_images(chw)
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), chw[0].permute(1, 2, 0).numpy(), rtol=1e-6)
    single_channel = torch.rand(1, 1, 5, 5)
    assert show_images(single_channel).axes[0].images[0].get_array().shape == (5, 5)
