"""course_utils.pretraining: models, offline source/target data, training loop, checkpoints."""

import random

import numpy as np
import pytest
import torch
from torch import nn

from course_utils import pretraining as P


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TNN2_CACHE", str(tmp_path / "cache"))


# --------------------------------------------------------------------------------------------
# Models


def test_net1d_and_net2d_shapes_and_layers():
    m = P.net1d(7)
    assert m(torch.randn(5, 40)).shape == (5, 7)
    assert m(torch.randn(40)).shape == (1, 7)  # a single example
    assert m.features(torch.randn(5, 40)).shape == (5, 320)
    assert len(list(m.features) + [m.head]) == 4
    m2 = P.net2d(3, width=4)
    assert m2(torch.randn(2, 1, 16, 16)).shape == (2, 3)
    assert m2.features(torch.randn(2, 1, 16, 16)).shape == (2, 16)


def test_resnet18_like_has_resnet18s_parameter_count():
    # torchvision's resnet18 has 11,689,512 parameters (7x7 stem on 3 channels, 1000 classes);
    # ours has a 3x3 stem on 1 channel and 10 classes.
    expected = 11_689_512 - 7 * 7 * 3 * 64 + 3 * 3 * 1 * 64 - (512 * 1000 + 1000) + (512 * 10 + 10)
    m = P.resnet18_like(10)
    assert sum(p.numel() for p in m.parameters()) == expected
    assert m(torch.randn(2, 1, 32, 32)).shape == (2, 10)


# --------------------------------------------------------------------------------------------
# MNIST-1D from templates


def test_random_templates_follow_mnist1d_conventions():
    from mnist1d.data import get_templates

    t = P.random_templates(10, seed=3)
    assert t["x"].shape == (10, 12) and t["t"].shape == (12,) and list(t["y"]) == list(range(10))
    np.testing.assert_allclose(t["x"][:, 0], 0, atol=1e-12)  # start and end at 0, like the package's
    np.testing.assert_allclose(t["x"][:, -1], 0, atol=1e-12)
    np.testing.assert_allclose(t["x"].std(1), 1 / 6, rtol=1e-9)  # whitened, then divided by 6
    assert not np.allclose(t["x"], get_templates()["x"])
    assert not np.allclose(t["x"], P.random_templates(10, seed=4)["x"])


def test_make_mnist1d_is_reproducible_balanced_and_cached(tmp_path):
    state = (random.getstate(), np.random.get_state()[1].copy())
    t = P.random_templates(10, seed=1)
    a = P.make_mnist1d(500, seed=2, templates=t)
    assert random.getstate() == state[0] and np.array_equal(np.random.get_state()[1], state[1])
    assert a["x"].shape == (400, 40) and a["x_test"].shape == (100, 40) and a["x"].dtype == np.float32
    assert np.bincount(np.concatenate([a["y"], a["y_test"]])).tolist() == [50] * 10
    assert list((tmp_path / "cache").glob("mnist1d_t*_n500_seed2.npz")), "the set is cached"
    b = P.make_mnist1d(500, seed=2, templates=t, cache=False)
    np.testing.assert_array_equal(a["x"], b["x"])
    c = P.make_mnist1d(500, seed=2, cache=False)  # the package's own templates: different signals
    assert not np.allclose(a["x"], c["x"])


def test_digits_as_signals_and_images():
    X, y = P.digits_as_signals()
    assert X.shape == (1797, 40) and y.shape == (1797,) and X.dtype == np.float32
    assert abs(X.mean()) < 1e-5 and abs(X.std() - 1) < 1e-4
    I, y2 = P.digits_as_images(16)
    assert I.shape == (1797, 1, 16, 16) and np.array_equal(y, y2)


# --------------------------------------------------------------------------------------------
# Fractals


def test_sample_ifs_is_contractive_with_probabilities():
    rng = np.random.default_rng(0)
    for _ in range(50):
        s = P.sample_ifs(rng)
        assert 2 <= len(s["p"]) <= 4
        assert np.linalg.svd(s["A"], compute_uv=False).max() <= 0.85 + 1e-12
        assert abs(s["p"].sum() - 1) < 1e-12 and (s["p"] > 0).all()


def test_render_ifs_draws_the_sierpinski_triangle():
    # Three maps x -> x/2 + v/2 towards the vertices (0,0), (1,0), (0,1): the attractor is the
    # Sierpinski triangle, whose middle triangle {u < 1/2, v < 1/2, u + v > 1/2} is empty.
    A = np.stack([0.5 * np.eye(2)] * 3)
    c = 0.5 * np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    img = P.render_ifs([{"A": A, "c": c, "p": np.ones(3) / 3}], size=32, rng=0, chains=400, steps=60)[0]
    assert img.shape == (32, 32) and img.max() == 1.0 and img.min() >= 0
    i, j = np.meshgrid(np.arange(32), np.arange(32), indexing="ij")
    u, v = (i + 0.5) / 32, (j + 0.5) / 32  # pixel centres in the attractor's bounding box
    hole = (u > 0.05) & (v > 0.05) & (u < 0.5 - 0.05) & (v < 0.5 - 0.05) & (u + v > 0.5 + 0.05)
    assert hole.sum() > 10 and img[hole].max() == 0, "the middle triangle must be empty"
    outside = u + v > 1 + 0.1
    assert img[outside].max() == 0, "nothing outside the triangle"
    assert (img[(u + v < 0.9) & ~hole] > 0).mean() > 0.4


def test_fractal_dataset_is_stratified_and_reproducible():
    d = P.fractal_dataset(num_classes=4, per_class=10, size=16, seed=1)
    assert d["x"].shape == (32, 1, 16, 16) and d["x_test"].shape == (8, 1, 16, 16)
    assert np.bincount(d["y"]).tolist() == [8] * 4 and np.bincount(d["y_test"]).tolist() == [2] * 4
    e = P.fractal_dataset(num_classes=4, per_class=10, size=16, seed=1)
    np.testing.assert_array_equal(d["x"], e["x"])
    f = P.fractal_dataset(num_classes=4, per_class=10, size=16, seed=2)
    assert not np.allclose(d["x"], f["x"])


def test_targets_have_the_documented_sizes():
    sizes = {"mnist1d_new": (4000, 1000), "digit_signals": (1083, 714), "digit_images": (1083, 714)}
    for name, (n_train, n_test) in sizes.items():
        d = P.load_target(name)
        assert (len(d["y"]), len(d["y_test"])) == (n_train, n_test), name
        assert set(np.unique(d["y"])) == set(range(10))
    with pytest.raises(ValueError):
        P.load_target("imagenet")


# --------------------------------------------------------------------------------------------
# Training


def test_train_mode_keeps_frozen_batchnorm_in_eval():
    m = P.net1d(3, channels=4)
    for p in m.features[0].parameters():
        p.requires_grad_(False)
    P.train_mode(m)
    assert not m.features[0][2].training
    assert m.features[1][1].training and m.head.training


def test_train_classifier_leaves_a_frozen_backbone_untouched_and_learns():
    torch.manual_seed(0)
    m = P.net1d(2, channels=4)
    for p in m.features.parameters():
        p.requires_grad_(False)
    before = {k: v.clone() for k, v in m.features.state_dict().items()}
    X = torch.randn(64, 40)
    y = (X[:, :20].sum(1) > X[:, 20:].sum(1)).long()
    opt = torch.optim.Adam([p for p in m.parameters() if p.requires_grad], lr=1e-2)
    h = P.train_classifier(m, X, y, opt, epochs=30, batch_size=16)
    for k, v in m.features.state_dict().items():
        assert torch.equal(v, before[k]), f"{k} changed in a frozen backbone"
    assert h["loss"][-1] < h["loss"][0] and len(h["loss"]) == 30 and h["samples_per_s"] > 0


def test_accuracy_matches_argmax():
    torch.manual_seed(0)
    m = P.net1d(3, channels=2)
    X, y = torch.randn(50, 40), torch.randint(0, 3, (50,))
    with torch.no_grad():
        want = float((m.eval()(X).argmax(1) == y).float().mean())
    m.train()
    assert P.accuracy(m, X, y, batch_size=7) == pytest.approx(want)
    assert m.training


# --------------------------------------------------------------------------------------------
# Checkpoints


@pytest.mark.parametrize("source", ["mnist1d", "fractal"])
def test_committed_checkpoints_are_small_and_load(source):
    path = P.checkpoint_path(source, "small")
    assert path.is_file(), f"{path} missing: run python -m course_utils.pretraining"
    assert path.stat().st_size < 1_000_000
    model, info = P.load_pretrained(source)
    assert isinstance(model, P.TransferNet) and not model.training
    assert len(info["curve"]["loss"]) == info["settings"]["epochs"] == len(info["curve"]["test_acc"])
    assert info["test_acc"] > 0.9


def test_mnist1d_checkpoint_classifies_fresh_mnist1d():
    model, _ = P.load_pretrained("mnist1d")
    fresh = P.make_mnist1d(1000, seed=12345)  # never seen in pretraining (another seed)
    assert P.accuracy(model, fresh["x_test"], fresh["y_test"]) > 0.9


def test_fractal_checkpoint_classifies_fresh_renders_of_its_classes():
    model, info = P.load_pretrained("fractal")
    c = info["settings"]
    fresh = P.fractal_dataset(c["num_classes"], 5, c["size"], seed=c["seed"], test_fraction=0.4)
    assert P.accuracy(model, fresh["x"], fresh["y"]) > 0.8


def test_pretrain_is_reproducible_and_runs_once(tmp_path, monkeypatch, capsys):
    tiny = dict(P.CONFIGS["small"]["mnist1d"], num_samples=300, epochs=2)
    monkeypatch.setitem(P.CONFIGS["small"], "mnist1d", tiny)
    a = P.pretrain("mnist1d", device="cpu", progress=False, path=tmp_path / "a.pt")
    b = P.pretrain("mnist1d", device="cpu", progress=False, path=tmp_path / "b.pt")
    sa, sb = (torch.load(p, weights_only=True) for p in (a, b))
    assert all(torch.equal(sa["state_dict"][k], sb["state_dict"][k]) for k in sa["state_dict"])
    assert len(sa["curve"]["loss"]) == 2 and sa["train_size"] == 240
    mtime = a.stat().st_mtime_ns
    P.pretrain("mnist1d", device="cpu", progress=False, path=a)
    assert a.stat().st_mtime_ns == mtime and "nothing to do" in capsys.readouterr().out
