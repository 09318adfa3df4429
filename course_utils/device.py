"""Device choice, seeding and determinism, and a short report of the environment.

``get_device()`` picks CUDA when present (then Apple's MPS), else the CPU, and can be overridden
with the environment variable ``COURSE_DEVICE`` (``cpu``, ``cuda``, ``cuda:1``, ``mps``), which is
how the tests force the CPU path on a machine with a GPU.
"""

from __future__ import annotations

import os
import platform
import random

import numpy as np

__all__ = ["get_device", "has_gpu", "seed_everything", "make_deterministic", "describe_environment"]


def get_device(prefer: str | None = None):
    """Return a ``torch.device``: ``prefer`` if given, else ``$COURSE_DEVICE``, else the best available."""
    import torch

    choice = prefer or os.environ.get("COURSE_DEVICE")
    if choice:
        return torch.device(choice)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def has_gpu() -> bool:
    """True when :func:`get_device` would return an accelerator."""
    return get_device().type != "cpu"


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python's, NumPy's and torch's generators (all devices). Returns a fresh NumPy Generator."""
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch

        torch.manual_seed(seed)  # also seeds every CUDA device
    except ImportError:  # pragma: no cover
        pass
    return np.random.default_rng(seed)


def make_deterministic(enabled: bool = True) -> None:
    """Ask torch for deterministic kernels (slower on a GPU; a no-op difference on most CPU code)."""
    import torch

    torch.use_deterministic_algorithms(enabled, warn_only=True)
    if torch.backends.cudnn.is_available():
        torch.backends.cudnn.benchmark = not enabled
        torch.backends.cudnn.deterministic = enabled
    if enabled:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")


def describe_environment() -> dict:
    """Versions and hardware, as a dict (the setup notebook prints it)."""
    import torch

    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "cpu_threads": torch.get_num_threads(),
        "cuda_available": torch.cuda.is_available(),
        "device": str(get_device()),
    }
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
        info["gpu_memory_gib"] = round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1)
    return info
