"""Small assertion helpers for the notebooks' test cells: they say *what* is wrong.

A test cell computes the expected value itself (by hand-worked numbers in visible tests, by an
independent oracle such as ``torch.optim`` in hidden ones) and hands it here together with the
values that typical mistakes would produce. When the student's value matches a known mistake, the
message names that mistake instead of printing two arrays.

Nothing here implements a graded exercise.
"""

from __future__ import annotations

import contextlib
import importlib

import numpy as np

__all__ = [
    "to_numpy",
    "check_close",
    "check_same_kind",
    "check_update_signature",
    "rule_path",
    "torch_optimizer_path",
    "check_own_implementation",
    "check_runs_on_meta",
]


def to_numpy(x) -> np.ndarray:
    """NumPy float64 copy of an array, a torch tensor (any device) or a scalar."""
    try:
        import torch

        if isinstance(x, torch.Tensor):
            return x.detach().cpu().double().numpy()
    except ImportError:  # pragma: no cover
        pass
    return np.asarray(x, dtype=np.float64)


def check_close(actual, expected, what: str = "result", suspects: dict | None = None,
                rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Assert ``actual`` equals ``expected`` (within tolerance), explaining the difference.

    ``suspects`` maps a *message* to the value a specific mistake would give, e.g.
    ``{"the step goes uphill: subtract the gradient, don't add it": w + lr * dw}``. The first
    suspect that matches ``actual`` becomes the assertion message.
    """
    if actual is None:
        raise AssertionError(f"{what} is None: did you forget to return it?")
    a, e = to_numpy(actual), to_numpy(expected)
    if a.shape != e.shape:
        raise AssertionError(f"{what} has shape {a.shape}, expected {e.shape}")
    if np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=False):
        return
    for message, value in (suspects or {}).items():
        v = to_numpy(value)
        if v.shape == a.shape and np.allclose(a, v, rtol=rtol, atol=atol):
            raise AssertionError(f"{what} is wrong: {message}")
    err = np.max(np.abs(a - e))
    raise AssertionError(
        f"{what} is wrong: largest difference {err:.3g}.\n  expected {np.array2string(e, precision=6)}\n"
        f"  got      {np.array2string(a, precision=6)}"
    )


def check_same_kind(actual, reference, what: str = "result") -> None:
    """Assert ``actual`` is the same kind of array as ``reference``: NumPy in, NumPy out; a torch
    tensor in, a torch tensor out on the same device and with the same dtype and shape."""
    try:
        import torch
    except ImportError:  # pragma: no cover
        torch = None
    if torch is not None and isinstance(reference, torch.Tensor):
        if not isinstance(actual, torch.Tensor):
            raise AssertionError(
                f"{what} should be a torch.Tensor when the input is one, got {type(actual).__name__}: "
                "use operators (+, -, *, /) or methods both libraries share, not np.* functions"
            )
        if actual.device != reference.device:
            raise AssertionError(f"{what} moved from {reference.device} to {actual.device}")
        if actual.dtype != reference.dtype:
            raise AssertionError(f"{what} has dtype {actual.dtype}, expected {reference.dtype}")
    else:
        if not isinstance(actual, np.ndarray):
            raise AssertionError(f"{what} should be a numpy.ndarray, got {type(actual).__name__}")
        if actual.dtype != np.asarray(reference).dtype:
            raise AssertionError(f"{what} has dtype {actual.dtype}, expected {np.asarray(reference).dtype}")
    if tuple(actual.shape) != tuple(reference.shape):
        raise AssertionError(f"{what} has shape {tuple(actual.shape)}, expected {tuple(reference.shape)}")


def check_update_signature(result, name: str) -> tuple:
    """Unpack ``next_w, config = rule(...)`` with a clear message when the shape of the return is off."""
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError(f"{name} must return a pair (next_w, config), got {type(result).__name__}")
    next_w, config = result
    if not isinstance(config, dict):
        raise AssertionError(f"{name} must return the config dict as its second value, got {type(config).__name__}")
    return next_w, config


def check_runs_on_meta(rule, name: str, config: dict | None = None, shape=(3,), steps: int = 2) -> None:
    """Run an update rule ``steps`` times on tensors of the ``meta`` device, which have a shape and a
    dtype but no data: NumPy can read them no more than it can read a GPU tensor, so a rule that
    passes here does not hand a tensor to a NumPy function (``np.subtract``, ``np.sqrt``,
    ``np.zeros_like``) and keeps its state on the weights' device, on any machine, GPU or not.
    ``next_w`` and every array in ``config`` must stay meta tensors."""
    import torch

    w, cfg = torch.empty(shape, device="meta"), config
    for step in range(1, steps + 1):
        try:
            w, cfg = check_update_signature(rule(w, torch.empty(shape, device="meta"), cfg), name)
        except (TypeError, RuntimeError, NotImplementedError, ValueError) as err:
            if isinstance(err, NotImplementedError) and "meta" not in str(err):
                raise  # the exercise is not done yet: say so, not something about devices
            raise AssertionError(
                f"{name} failed on a tensor whose data NumPy cannot read, as a GPU tensor would (step {step}: "
                f"{type(err).__name__}: {err}): a NumPy function (np.subtract, np.sqrt, np.zeros_like...) was given "
                "a torch tensor, or the state started as a NumPy array. Use operators (-, *, /, ** 0.5) and "
                "zeros of w's own kind (torch.zeros_like(w) for a tensor)") from err
        if not (isinstance(w, torch.Tensor) and w.device.type == "meta"):
            raise AssertionError(f"{name}: for a tensor on a device other than the CPU, next_w must stay a tensor on "
                                 f"that device (step {step}), got {type(w).__name__}")
        for key, value in cfg.items():
            if isinstance(value, np.ndarray) or (isinstance(value, torch.Tensor) and value.device.type != "meta"):
                where = "a NumPy array" if isinstance(value, np.ndarray) else f"on {value.device}"
                raise AssertionError(f"{name}: config[{key!r}] is {where} for weights on another device (step {step}): "
                                     "keep the state on w's device (start it as torch.zeros_like(w) for a tensor)")


def rule_path(rule, w0, grads, config=None):
    """Apply ``rule`` to a fixed sequence of gradients. Returns (list of iterates after each step as
    NumPy float64 copies, config).

    The gradients do not depend on ``w`` here, which is exactly what makes the comparison with a
    reference optimizer fed the same gradients meaningful.
    """
    w, config, out = w0, config, []
    for g in grads:
        w, config = rule(w, g, config)
        out.append(to_numpy(w).copy())  # a copy: an in-place rule returns the same object each step
    return out, config


def torch_optimizer_path(make_optimizer, w0, grads):
    """Feed the same gradients to a torch optimizer. ``make_optimizer([param])`` builds it.

    Returns (list of parameter values after each step as NumPy arrays, the optimizer).
    """
    import torch

    p = torch.nn.Parameter(torch.as_tensor(to_numpy(w0)).clone())
    opt = make_optimizer([p])
    out = []
    for g in grads:
        p.grad = torch.as_tensor(to_numpy(g)).clone()
        opt.step()
        out.append(p.detach().numpy().copy())
    return out, opt


#: The functional forms of these torch optimizers (``torch.optim.sgd.sgd``, its single-, multi-tensor and
#: fused kernels, ``torch._fused_adam_``...) are refused too.
_FUNCTIONAL = ("sgd", "adam", "adamw", "adagrad", "rmsprop")


class _Delegated(Exception):
    """Raised inside the student's function when it reaches for torch.optim."""


@contextlib.contextmanager
def _torch_optim_refused(name: str):
    """While active, building any ``torch.optim`` optimizer or calling the functional update of
    SGD, Adam, AdamW, AdaGrad or RMSProp raises :class:`_Delegated`. Everything is put back on exit."""
    import torch

    def refuse(what):
        def refused(*args, **kwargs):
            raise _Delegated(f"`{name}` {what}: write the update rule yourself. torch.optim is "
                             "the reference the hidden tests compare against, so handing the step to it "
                             "teaches nothing (course_utils.notebook_import.torch_stand_in wraps it too)")
        return refused

    patched = [(torch.optim.Optimizer, "__init__", torch.optim.Optimizer.__init__)]
    for n in _FUNCTIONAL:
        module = importlib.import_module(f"torch.optim.{n}")
        for owner, attr in [(module, n), (module, f"_single_tensor_{n}"), (module, f"_multi_tensor_{n}"),
                            (module, f"_fused_{n}"), (torch.optim._functional, n), (torch, f"_fused_{n}_")]:
            if callable(getattr(owner, attr, None)):
                patched.append((owner, attr, getattr(owner, attr)))
    try:
        torch.optim.Optimizer.__init__ = refuse("builds a torch.optim optimizer")
        for module, attr, original in patched[1:]:
            setattr(module, attr, refuse(f"calls {module.__name__}.{attr}"))
        yield
    finally:
        for owner, attr, original in patched:
            setattr(owner, attr, original)


def check_own_implementation(rule, name: str, *args, **kwargs):
    """Call ``rule(*args, **kwargs)`` with torch.optim refused; return what it returns.

    An update rule that builds a ``torch.optim`` optimizer (``torch.optim.SGD(...)``, a
    ``torch_stand_in``) or calls torch's functional update (``torch.optim.adam.adam``) fails with
    an AssertionError that says so: the exercise is to write the rule, and torch.optim is the
    oracle of the hidden tests. Anything else the rule raises propagates unchanged.
    """
    with _torch_optim_refused(name):
        try:
            return rule(*args, **kwargs)
        except _Delegated as err:
            raise AssertionError(str(err)) from None
