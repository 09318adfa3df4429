"""course_utils.device: device choice with the COURSE_DEVICE override, reproducible seeding."""

import os
import random

import numpy as np
import pytest
import torch

from course_utils.device import describe_environment, get_device, has_gpu, make_deterministic, seed_everything


def draw():
    return random.random(), np.random.rand(3).tolist(), torch.rand(3).tolist()


def test_seed_everything_makes_every_generator_reproducible():
    rng_a = seed_everything(123)
    first, a = draw(), rng_a.random(2).tolist()
    rng_b = seed_everything(123)
    second, b = draw(), rng_b.random(2).tolist()
    assert first == second and a == b
    seed_everything(124)
    third = draw()
    assert all(x != y for x, y in zip(first, third))
    assert isinstance(rng_a, np.random.Generator)
    assert a == np.random.default_rng(123).random(2).tolist()


@pytest.mark.parametrize("name", ["cpu", "cuda:1", "meta"])
def test_course_device_overrides_the_choice(monkeypatch, name):
    monkeypatch.setenv("COURSE_DEVICE", name)
    assert get_device() == torch.device(name)
    assert has_gpu() == (torch.device(name).type != "cpu")


def test_prefer_beats_the_environment(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "meta")
    assert get_device("cpu") == torch.device("cpu")


def test_default_choice_follows_the_hardware(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    device = get_device()
    if torch.cuda.is_available():
        assert device.type == "cuda"
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        assert device.type == "mps"
    else:
        assert device == torch.device("cpu") and not has_gpu()


def test_make_deterministic_toggles(monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)  # restored after the test
    before = torch.are_deterministic_algorithms_enabled()
    try:
        make_deterministic(True)
        assert torch.are_deterministic_algorithms_enabled()
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
        make_deterministic(False)
        assert not torch.are_deterministic_algorithms_enabled()
    finally:
        torch.use_deterministic_algorithms(before)


def test_describe_environment(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    info = describe_environment()
    assert info["torch"] == torch.__version__ and info["numpy"] == np.__version__
    assert info["device"] == "cpu"
    assert info["cuda_available"] == torch.cuda.is_available()
    assert ("gpu" in info) == torch.cuda.is_available()
