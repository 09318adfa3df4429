"""course_utils.data: shapes, dtypes and ranges; the MNIST-1D cache; splits and loaders; offline."""

import random
import socket
import time

import numpy as np
import pytest
import torch

from course_utils import data
from course_utils.data import (
    load_digits,
    load_mnist1d,
    load_photographs,
    make_loaders,
    minibatches,
    train_val_split,
)


def test_load_digits_vectors_and_images():
    from sklearn.datasets import load_digits as sklearn_digits

    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y)) == set(range(10))
    raw = sklearn_digits()
    np.testing.assert_allclose(X * 16, raw.data, atol=1e-5)
    np.testing.assert_array_equal(y, raw.target)
    images, y2 = load_digits(as_images=True)
    assert images.shape == (1797, 8, 8) and images.dtype == np.float32
    np.testing.assert_array_equal(images.reshape(1797, 64), X)
    np.testing.assert_array_equal(y2, y)


def test_load_photographs_are_real_rgb_images():
    photos = load_photographs()
    assert {"china", "flower"} <= set(photos)
    for name, img in photos.items():
        assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3, name
        assert img.shape[0] >= 400 and img.shape[1] >= 400, name
        assert img.std() > 20, f"{name} looks flat: not a photograph"
    assert photos["china"].shape == (427, 640, 3)
    # fresh arrays every call: editing one does not change the next
    photos["china"][:] = 0
    assert load_photographs()["china"].max() > 0


def test_grace_hopper_is_included_when_matplotlib_ships_it():
    import matplotlib.cbook

    try:
        present = bool(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    except (OSError, ValueError):
        present = False
    assert ("grace_hopper" in load_photographs()) == present


def test_mnist1d_matches_the_package_generator_and_is_cached(tmp_path):
    from mnist1d.data import get_dataset_args, make_dataset

    t0 = time.perf_counter()
    d = load_mnist1d(num_samples=500, seed=3, cache_dir=tmp_path)
    t_generate = time.perf_counter() - t0
    assert d["x"].shape == (400, 40) and d["x_test"].shape == (100, 40)
    assert d["y"].shape == (400,) and d["y_test"].shape == (100,)
    assert d["x"].dtype == np.float32 and d["y"].dtype == np.int64 and d["t"].shape == (40,)
    assert d["x_test"].dtype == np.float32 and d["y_test"].dtype == np.int64 and d["t"].dtype == np.float32
    assert set(np.unique(np.concatenate([d["y"], d["y_test"]]))) == set(range(10))

    # oracle: the package's own generator with the same arguments
    args = get_dataset_args()
    args.num_samples, args.seed = 500, 3
    ref = make_dataset(args)
    np.testing.assert_allclose(d["x"], ref["x"], rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(d["y_test"], ref["y_test"])

    files = list(tmp_path.glob("*.npz"))
    assert len(files) == 1 and "n500_seed3" in files[0].name
    t0 = time.perf_counter()
    again = load_mnist1d(num_samples=500, seed=3, cache_dir=tmp_path)
    t_hit = time.perf_counter() - t0
    assert t_hit < 0.5 and t_hit < t_generate
    for k in ("x", "y", "x_test", "y_test", "t"):
        np.testing.assert_array_equal(again[k], d[k])

    # the cache file really is what is read: doctor it and see the change come back
    doctored = {k: v.copy() for k, v in d.items()}
    doctored["x"][0, 0] = 123.0
    np.savez(files[0], **doctored)
    assert load_mnist1d(num_samples=500, seed=3, cache_dir=tmp_path)["x"][0, 0] == 123.0

    other = load_mnist1d(num_samples=500, seed=4, cache_dir=tmp_path)
    assert not np.allclose(other["x"], d["x"])
    assert len(list(tmp_path.glob("*.npz"))) == 2


def test_mnist1d_leaves_the_global_rngs_alone(tmp_path):
    random.seed(11)
    np.random.seed(11)
    load_mnist1d(num_samples=100, seed=0, cache_dir=tmp_path)
    after = (random.random(), np.random.rand())
    random.seed(11)
    np.random.seed(11)
    assert after == (random.random(), np.random.rand())


def test_mnist1d_default_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TNN2_CACHE", str(tmp_path / "cache"))
    assert data.default_cache_dir() == tmp_path / "cache"
    load_mnist1d(num_samples=100, seed=1)
    assert len(list((tmp_path / "cache").glob("mnist1d_*_n100_seed1.npz"))) == 1
    monkeypatch.delenv("TNN2_CACHE")
    assert str(data.default_cache_dir()).endswith(".cache/tnn2")


def test_mnist1d_recovers_from_a_damaged_cache_file(tmp_path):
    d = load_mnist1d(num_samples=100, seed=2, cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.npz")
    path.write_bytes(b"not a zip file")
    again = load_mnist1d(num_samples=100, seed=2, cache_dir=tmp_path)
    np.testing.assert_array_equal(again["x"], d["x"])


def test_nothing_touches_the_network(tmp_path, monkeypatch):
    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError(f"network blocked by the test: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: attempts.append(a) or refuse(None, a))
    X, y = load_digits(as_images=True)
    photos = load_photographs()
    d = load_mnist1d(num_samples=200, seed=5, cache_dir=tmp_path / "fresh")  # a cache miss: generates
    assert X.shape == (1797, 8, 8) and "china" in photos and d["x"].shape == (160, 40)
    assert attempts == []  # mnist1d would swallow a failed download, so count the attempts


def test_train_val_split_is_stratified_disjoint_and_reproducible():
    X, y = load_digits()
    X_tr, X_val, y_tr, y_val = train_val_split(X, y, val_fraction=0.2, seed=0)
    assert len(X_tr) + len(X_val) == len(X) and len(X_tr) == len(y_tr) and len(X_val) == len(y_val)
    counts, val_counts = np.bincount(y, minlength=10), np.bincount(y_val, minlength=10)
    np.testing.assert_array_equal(val_counts, np.round(0.2 * counts).astype(int))
    # rows are kept whole and disjoint: every image appears exactly once
    rows = {r.tobytes() for r in np.concatenate([X_tr, X_val])}
    assert len(rows) == len({r.tobytes() for r in X})
    # labels stay with their images
    lookup = {x.tobytes(): label for x, label in zip(X, y)}
    assert all(lookup[x.tobytes()] == label for x, label in zip(X_val, y_val))
    again = train_val_split(X, y, val_fraction=0.2, seed=0)
    np.testing.assert_array_equal(again[1], X_val)
    other = train_val_split(X, y, val_fraction=0.2, seed=1)
    assert not np.array_equal(other[1], X_val)
    assert not np.array_equal(y_tr[:50], np.sort(y_tr[:50]))  # shuffled, not grouped by class


def test_train_val_split_accepts_tensors_and_rejects_bad_fractions():
    X, y = torch.arange(40.0).reshape(20, 2), torch.arange(20) % 2
    X_tr, X_val, y_tr, y_val = train_val_split(X, y, val_fraction=0.5)
    assert isinstance(X_val, torch.Tensor) and X_val.shape == (10, 2)
    assert int(y_val.sum()) == 5
    assert not torch.equal(X_tr[:, 0], torch.sort(X_tr[:, 0]).values)  # training rows are shuffled too
    torch.testing.assert_close(X_val[:, 0] % 4 / 2, y_val.float())  # the label of row i is i % 2
    with pytest.raises(ValueError):
        train_val_split(X, y, val_fraction=1.0)
    with pytest.raises(ValueError):
        train_val_split(X, y[:5])


def test_make_loaders_batches_dtypes_and_reproducible_shuffling():
    X, y = load_digits()
    train, val = make_loaders(X, y, batch_size=100, val_fraction=0.2, seed=7)
    xb, yb = next(iter(val))
    assert xb.shape == (100, 64) and xb.dtype == torch.float32 and yb.dtype == torch.int64
    assert len(train.dataset) + len(val.dataset) == 1797
    assert len(val.dataset) == int(np.round(0.2 * np.bincount(y)).sum())

    def order(loader):
        return torch.cat([b for _, b in loader])

    epoch1, epoch2 = order(train), order(train)
    assert not torch.equal(epoch1, epoch2)  # reshuffled every epoch
    assert torch.equal(torch.sort(epoch1).values, torch.sort(epoch2).values)
    torch.manual_seed(0)  # the global RNG does not matter
    train_b, val_b = make_loaders(X, y, batch_size=100, val_fraction=0.2, seed=7)
    assert torch.equal(order(train_b), epoch1)
    assert torch.equal(order(train_b), epoch2)
    assert torch.equal(order(val_b), order(val))  # validation order is fixed
    assert torch.equal(order(val), order(val))
    train_c, _ = make_loaders(X, y, batch_size=100, val_fraction=0.2, seed=8)
    assert not torch.equal(order(train_c), epoch1)
    only_train, none = make_loaders(X, y, val_fraction=0.0)
    assert none is None and len(only_train.dataset) == 1797


def test_minibatches_cover_one_epoch_once():
    X = np.arange(23 * 2).reshape(23, 2)
    y = np.arange(23)
    batches = list(minibatches(X, y, 5, np.random.default_rng(0)))
    assert [len(b) for _, b in batches] == [5, 5, 5, 5, 3]
    seen = np.concatenate([b for _, b in batches])
    np.testing.assert_array_equal(np.sort(seen), y)
    assert not np.array_equal(seen, y)  # shuffled
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], 2 * yb)  # rows stay with their labels
    same = np.concatenate([b for _, b in minibatches(X, y, 5, 0)])
    np.testing.assert_array_equal(same, seen)  # a seed works like a Generator seeded with it
    with pytest.raises(ValueError):
        list(minibatches(X, y[:3], 5, 0))
