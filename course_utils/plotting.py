"""Plotting helpers: loss landscapes with trajectories, loss curves, image grids.

Every function draws on a given matplotlib ``ax`` (or makes a new figure when ``ax`` is None)
and returns the ``ax`` (or the figure, for grids), so notebooks can compose panels freely.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm

__all__ = ["plot_landscape", "plot_trajectories", "plot_loss_curves", "plot_history", "show_images"]


def _new_ax(ax, figsize=(6, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_landscape(landscape, ax=None, levels: int = 30, resolution: int = 200, log: bool = True, extent=None):
    """Filled contours of a 2-D landscape over ``extent`` (default: the landscape's own).

    ``log=True`` spaces the levels logarithmically above the minimum value, which shows narrow
    valleys (ill-conditioned quadratics, Rosenbrock) far better than linear levels.
    """
    if landscape.dim != 2:
        raise ValueError(f"plot_landscape needs a 2-D landscape, got dim={landscape.dim}")
    ax = _new_ax(ax)
    x0, x1, y0, y1 = extent or landscape.extent
    X, Y = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    Z = landscape.loss(np.stack([X, Y], axis=-1))
    if log:
        floor = np.nanmin(Z)
        Zs = Z - floor + 1e-3 * (np.nanmax(Z) - floor + 1e-12)
        lv = np.geomspace(Zs.min(), Zs.max(), levels)
        ax.contourf(X, Y, Zs, levels=lv, norm=LogNorm(), cmap="viridis", alpha=0.85)
        ax.contour(X, Y, Zs, levels=lv, norm=LogNorm(), colors="k", linewidths=0.3, alpha=0.5)
    else:
        ax.contourf(X, Y, Z, levels=levels, cmap="viridis", alpha=0.85)
        ax.contour(X, Y, Z, levels=levels, colors="k", linewidths=0.3, alpha=0.5)
    if landscape.minimum is not None:
        ax.plot(*landscape.minimum[:2], marker="*", color="white", markersize=14, markeredgecolor="k", zorder=5)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(getattr(landscape, "name", ""))
    return ax


def plot_trajectories(landscape, paths: dict, ax=None, markers: bool = True, **contour_kw):
    """Draw ``paths`` (name -> array of shape (steps+1, 2)) on the landscape's contours."""
    ax = plot_landscape(landscape, ax=ax, **contour_kw)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (label, pts) in enumerate(paths.items()):
        pts = np.asarray(pts)
        c = colors[(i + 1) % len(colors)]
        ax.plot(pts[:, 0], pts[:, 1], "-", color=c, lw=1.6, label=label,
                marker="o" if markers else None, markersize=2.5)
        ax.plot(pts[0, 0], pts[0, 1], "o", color=c, markersize=7, markeredgecolor="k")
    if paths:
        ax.legend(loc="best", fontsize=8, framealpha=0.9)
    return ax


def plot_loss_curves(curves: dict, ax=None, logy: bool = True, xlabel: str = "step", ylabel: str = "loss",
                     title: str | None = None):
    """Plot several curves (name -> 1-D array, or name -> (x, y)) on one axis."""
    ax = _new_ax(ax)
    for label, c in curves.items():
        if isinstance(c, tuple) and len(c) == 2:
            ax.plot(np.asarray(c[0]), np.asarray(c[1]), label=label)
        else:
            ax.plot(np.asarray(c), label=label)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if curves:
        ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    return ax


def plot_history(history, axes=None, title: str | None = None):
    """Loss and accuracy per epoch (train and validation) from a :class:`course_utils.training.History`."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    ax_loss, ax_acc = axes
    epochs = np.arange(1, len(history.train_loss) + 1)
    ax_loss.plot(epochs, history.train_loss, label="train")
    if history.val_loss:
        ax_loss.plot(epochs, history.val_loss, label="validation")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss")
    ax_loss.legend()
    ax_acc.plot(epochs, history.train_acc, label="train")
    if history.val_acc:
        ax_acc.plot(epochs, history.val_acc, label="validation")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    ax_acc.legend()
    if title:
        ax_loss.set_title(title)
    return axes


def show_images(images, titles=None, ncols: int = 8, cmap=None, size: float = 1.6):
    """Grid of images. ``images``: array (N, H, W) or (N, H, W, C) (or a list), values in [0, 1]
    or uint8; torch tensors in (N, C, H, W) are accepted and transposed. Returns the figure."""
    try:
        import torch

        if isinstance(images, torch.Tensor):
            images = images.detach().cpu().numpy()
            if images.ndim == 4 and images.shape[1] in (1, 3):
                images = images.transpose(0, 2, 3, 1)
    except ImportError:  # pragma: no cover
        pass
    images = list(images)
    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        img = np.asarray(images[i])
        if img.ndim == 3 and img.shape[-1] == 1:
            img = img[..., 0]
        ax.imshow(img, cmap=cmap if img.ndim == 2 else None)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
    fig.tight_layout()
    return fig
