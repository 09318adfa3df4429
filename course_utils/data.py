"""Offline data for the course, splits and loaders. Nothing here touches the network.

- :func:`load_digits`: scikit-learn's real 8x8 handwritten digits (1797 images, shipped inside
  scikit-learn).
- :func:`load_photographs`: the real photographs shipped inside scikit-learn (``china``,
  ``flower``) and matplotlib (``grace_hopper``).
- :func:`load_mnist1d`: MNIST-1D, *generated* locally by the ``mnist1d`` package (its own
  ``get_dataset`` would try to download a pickle, so we never call it), cached as ``.npz``.
- :func:`train_val_split`, :func:`make_loaders`, :func:`minibatches`: reproducible splits and
  batches, for NumPy code and for PyTorch code.
"""

from __future__ import annotations

import os
import random
import tempfile
import warnings
from pathlib import Path

import numpy as np

__all__ = [
    "load_digits",
    "load_photographs",
    "load_mnist1d",
    "default_cache_dir",
    "train_val_split",
    "make_loaders",
    "minibatches",
]


# --------------------------------------------------------------------------------------------
# Real data that ships with installed packages


def load_digits(as_images: bool = False):
    """scikit-learn's 8x8 handwritten digits (UCI), read from the copy inside scikit-learn.

    Returns ``(X, y)``: ``X`` float32 in [0, 1] (pixel intensity / 16), shape ``(1797, 64)``, or
    ``(1797, 8, 8)`` with ``as_images=True``; ``y`` int64 labels 0..9, shape ``(1797,)``.
    """
    from sklearn.datasets import load_digits as _sk_load_digits

    digits = _sk_load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    if as_images:
        X = X.reshape(-1, 8, 8)
    return X, y


def load_photographs() -> dict:
    """The real colour photographs that ship inside installed packages.

    Returns a dict name -> uint8 array of shape ``(H, W, 3)``:

    - ``"china"`` (427x640) and ``"flower"`` (427x640): scikit-learn's ``load_sample_images``;
    - ``"grace_hopper"`` (600x512): matplotlib's sample data, when the installed matplotlib ships it.

    Every call returns fresh arrays, so notebooks may modify them.
    """
    from PIL import Image
    from sklearn.datasets import load_sample_images

    photos = {}
    sample = load_sample_images()
    for filename, image in zip(sample.filenames, sample.images):
        photos[Path(filename).stem] = np.array(image, dtype=np.uint8)  # a writable copy

    path = _matplotlib_sample_path("grace_hopper.jpg")
    if path is not None:
        with Image.open(path) as im:
            photos["grace_hopper"] = np.array(im.convert("RGB"), dtype=np.uint8)
    return photos


def _matplotlib_sample_path(name: str) -> Path | None:
    """Path of one of matplotlib's bundled sample files, or None if this install lacks it."""
    try:
        import matplotlib.cbook

        path = Path(matplotlib.cbook.get_sample_data(name, asfileobj=False))
    except (OSError, ValueError):
        return None
    return path if path.is_file() else None


# --------------------------------------------------------------------------------------------
# MNIST-1D, generated locally


def default_cache_dir() -> Path:
    """``$TNN2_CACHE`` if set, else ``~/.cache/tnn2``."""
    return Path(os.environ.get("TNN2_CACHE") or Path.home() / ".cache" / "tnn2")


def load_mnist1d(num_samples: int = 4000, seed: int = 0, cache_dir=None) -> dict:
    """MNIST-1D (Greydanus 2020), generated offline by the ``mnist1d`` package.

    The package's ``make_dataset`` turns ten hand-made 1-D templates into noisy, padded,
    scaled, shifted and sheared signals of length 40 (the package defaults of
    ``get_dataset_args()``, with our ``num_samples`` and ``seed``); 80% become the training set.
    ``num_samples`` is rounded down to a multiple of 10 (equal classes).

    Returns a dict of NumPy arrays:

    - ``x``: float32 ``(0.8 N, 40)``, ``y``: int64 ``(0.8 N,)``
    - ``x_test``: float32 ``(0.2 N, 40)``, ``y_test``: int64 ``(0.2 N,)``
    - ``t``: float32 ``(40,)``, the 1-D coordinate each signal is sampled at (for plotting)

    The result is cached as ``mnist1d_<version>_n<N>_seed<seed>.npz`` under ``cache_dir``
    (default :func:`default_cache_dir`). Measured on 2 shared CPU cores: generating N = 4000
    takes about 0.8 s, and the first call about 1.5 s in all (importing the package pulls in
    scipy, matplotlib and requests); a cache hit takes about 2 ms. The global ``random`` and ``np.random`` states, which the
    generator reseeds, are restored afterwards.
    """
    num_samples, seed = int(num_samples), int(seed)
    if num_samples < 10:
        raise ValueError(f"num_samples must be at least 10 (one per class), got {num_samples}")
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = cache_dir / f"mnist1d_{_mnist1d_version()}_n{num_samples}_seed{seed}.npz"
    if path.is_file():
        try:
            with np.load(path) as f:
                return {k: f[k] for k in ("x", "y", "x_test", "y_test", "t")}
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file: make the data again and overwrite it
    data = _generate_mnist1d(num_samples, seed)
    _save_npz_atomically(path, data)
    return data


def _mnist1d_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mnist1d")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _generate_mnist1d(num_samples: int, seed: int) -> dict:
    """Call ``mnist1d.data.make_dataset`` (pure NumPy/SciPy; it never downloads)."""
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()  # an ObjectView of the package defaults
    args.num_samples = num_samples
    args.seed = seed
    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        raw = make_dataset(args)  # reseeds random and np.random with args.seed
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
    return {
        "x": raw["x"].astype(np.float32),
        "y": raw["y"].astype(np.int64),
        "x_test": raw["x_test"].astype(np.float32),
        "y_test": raw["y_test"].astype(np.int64),
        "t": np.asarray(raw["t"], dtype=np.float32),
    }


def _save_npz_atomically(path: Path, arrays: dict) -> None:
    """Write to a temporary file, then rename: parallel workers never see half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz.tmp", delete=False) as tmp:
            np.savez(tmp, **arrays)
        os.replace(tmp.name, path)
    except OSError as err:  # read-only home, full disk: the data is still returned
        warnings.warn(f"could not cache MNIST-1D at {path}: {err}", stacklevel=3)


# --------------------------------------------------------------------------------------------
# Splits, loaders and minibatches


def train_val_split(X, y, val_fraction: float = 0.2, seed: int = 0):
    """Stratified, shuffled split into training and validation sets.

    ``X`` has shape ``(N, ...)`` and ``y`` shape ``(N,)`` with class labels (NumPy arrays or
    torch tensors). Each class contributes ``round(val_fraction * n_class)`` examples to the
    validation set, so both sets keep the class proportions. Returns
    ``X_train, X_val, y_train, y_val`` (same types as the inputs), like scikit-learn's
    ``train_test_split``. The same ``seed`` gives the same split.
    """
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    labels = np.asarray(y.cpu() if hasattr(y, "cpu") else y)
    if len(X) != len(labels):
        raise ValueError(f"X has {len(X)} rows but y has {len(labels)}")
    rng = np.random.default_rng(seed)
    val_parts = []
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        val_parts.append(members[: int(round(val_fraction * len(members)))])
    val_idx = rng.permutation(np.concatenate(val_parts)) if val_parts else np.array([], dtype=np.int64)
    is_val = np.zeros(len(labels), dtype=bool)
    is_val[val_idx] = True
    train_idx = rng.permutation(np.flatnonzero(~is_val))
    return X[train_idx], X[val_idx], y[train_idx], y[val_idx]


def make_loaders(X, y, batch_size: int = 64, val_fraction: float = 0.2, seed: int = 0):
    """Torch ``DataLoader``s for a stratified train/validation split of ``(X, y)``.

    ``X`` (N, ...) becomes float32 and ``y`` (N,) int64 tensors. The training loader reshuffles
    every epoch with its own ``torch.Generator`` seeded with ``seed``, so two calls with the same
    arguments give the same batches in the same order, whatever else uses the global RNG. The
    validation loader keeps a fixed order. Returns ``(train_loader, val_loader)``;
    ``val_loader`` is None when ``val_fraction == 0``.
    """
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    X = torch.as_tensor(np.asarray(X) if not isinstance(X, torch.Tensor) else X).float()
    y = torch.as_tensor(np.asarray(y) if not isinstance(y, torch.Tensor) else y).long()
    X_train, X_val, y_train, y_val = train_val_split(X, y, val_fraction=val_fraction, seed=seed)
    generator = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=batch_size, shuffle=True,
                              generator=generator)
    if val_fraction == 0:
        return train_loader, None
    val_loader = DataLoader(TensorDataset(X_val, y_val), batch_size=batch_size, shuffle=False)
    return train_loader, val_loader


def minibatches(X, y, batch_size: int, rng):
    """One epoch of shuffled NumPy minibatches: yields ``(X_batch, y_batch)``.

    ``X`` has shape ``(N, ...)`` and ``y`` shape ``(N, ...)``; every example appears exactly once,
    the last batch may be smaller. ``rng`` is a ``np.random.Generator`` (or a seed for one).
    """
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    rng = np.random.default_rng(rng)
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]
