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
    "check_not_torch_optim",
    "targets",
    "refusing",
    "check_not_delegated",
    "torch_dropout_targets",
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

    stateful = _keeps_arrays(rule, shape, config)
    w, cfg = torch.empty(shape, device="meta"), config
    for step in range(1, steps + 1):
        try:
            w, cfg = check_update_signature(rule(w, torch.empty(shape, device="meta"), cfg), name)
        except (TypeError, RuntimeError, NotImplementedError, ValueError) as err:
            if isinstance(err, NotImplementedError) and "meta" not in str(err):
                raise  # the exercise is not done yet: say so, not something about devices
            said = str(err).split(" Use Tensor.cpu()")[0]  # torch's advice is the wrong fix here
            state = ", or the state started as a NumPy array" if stateful else ""
            raise AssertionError(
                f"{name} failed on a tensor whose data NumPy cannot read, as a GPU tensor would (step {step}: "
                f"{type(err).__name__}: {said}): a NumPy function (np.subtract, np.sqrt, np.zeros_like...) was "
                f"given a torch tensor{state}. Copying the tensor to the CPU is not the fix: the weights must "
                "stay where they are. Use operators (-, *, /, ** 0.5)"
                + (" and zeros of w's own kind (torch.zeros_like(w) for a tensor)" if stateful else "")) from err
        if not (isinstance(w, torch.Tensor) and w.device.type == "meta"):
            raise AssertionError(f"{name}: for a tensor on a device other than the CPU, next_w must stay a tensor on "
                                 f"that device (step {step}), got {type(w).__name__}")
        for key, value in cfg.items():
            if isinstance(value, np.ndarray) or (isinstance(value, torch.Tensor) and value.device.type != "meta"):
                where = "a NumPy array" if isinstance(value, np.ndarray) else f"on {value.device}"
                raise AssertionError(f"{name}: config[{key!r}] is {where} for weights on another device (step {step}): "
                                     "keep the state on w's device (start it as torch.zeros_like(w) for a tensor)")


def _keeps_arrays(rule, shape, config) -> bool:
    """Does ``rule`` keep arrays in its config (a velocity, a cache)? Asked of one step on a CPU
    tensor; True when that step fails too (the message then mentions the state as well)."""
    import torch

    try:
        _, cfg = rule(torch.ones(shape), torch.ones(shape), None if config is None else dict(config))
        return any(isinstance(v, (np.ndarray, torch.Tensor)) for v in dict(cfg).values())
    except Exception:  # noqa: BLE001
        return True


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


def check_not_torch_optim(rule, name: str, config: dict | None = None) -> None:
    """The gate of an update rule's test cells (inside ``score.required(...)``): called on NumPy
    arrays and on torch tensors with torch.optim refused, ``rule`` must not hand its step to
    torch.optim. Only that refusal fails the gate; any other error is left to the cell's aspects,
    which report it. A rule that is still the stub (it raised NotImplementedError every time) was
    not checked: :class:`course_utils.aspects.NotChecked`."""
    import torch

    from .aspects import NotChecked

    stubbed = True
    for w in (np.linspace(-1.0, 1.0, 3), torch.linspace(-1.0, 1.0, 3)):
        try:
            check_own_implementation(rule, name, w, 0.5 * w + 0.25, None if config is None else dict(config))
            stubbed = False
        except AssertionError as err:
            if "write the update rule yourself" in str(err):
                raise
            stubbed = False
        except NotImplementedError:
            pass
        except Exception:  # noqa: BLE001 - a crash is the aspects' business
            stubbed = False
    if stubbed:
        raise NotChecked(f"{name} still raises NotImplementedError")


def targets(*paths: str) -> list[tuple]:
    """``(owner, attribute, label)`` for each dotted path (``"torch.optim.lr_scheduler.StepLR.__init__"``,
    ``"torch.nn.functional.dropout"``), for :func:`refusing`. Paths that do not exist in this
    torch are left out."""
    out = []
    for path in paths:
        parts = path.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            try:
                owner = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            try:
                for attr in parts[cut:-1]:
                    owner = getattr(owner, attr)
            except AttributeError:
                break
            if callable(getattr(owner, parts[-1], None)):
                out.append((owner, parts[-1], path))
            break
    return out


class Refused(Exception):
    """Raised inside the student's code when it calls something :func:`refusing` refuses."""


@contextlib.contextmanager
def refusing(refused: list[tuple], message):
    """While active, each ``(owner, attribute, label)`` of ``refused`` raises :class:`Refused` with
    ``message(label)`` when called. Everything is put back on exit, including attributes an owner
    only reached through ``__getattr__`` (as ``torch._VF`` does)."""
    def refuse(label):
        def refused_call(*args, **kwargs):
            raise Refused(message(label))
        return refused_call

    patched = []  # (owner, attribute, original, whether the owner held it itself)
    try:
        for owner, attr, label in refused:
            own = attr in vars(owner)
            patched.append((owner, attr, getattr(owner, attr), own))
            setattr(owner, attr, refuse(label))
        yield
    finally:
        for owner, attr, original, own in reversed(patched):
            if own:
                setattr(owner, attr, original)
            else:
                delattr(owner, attr)


def check_not_delegated(run, refused: list[tuple], message, name: str) -> None:
    """The gate of a test cell whose exercise must not hand its work to a library (inside
    ``score.required(...)``): ``run()`` is called with ``refused`` refused (:func:`refusing`) and
    fails the gate only if it reaches one of them, with ``message(label)``. Any other error is left
    to the cell's aspects; a ``run`` that raised NotImplementedError was not checked
    (:class:`course_utils.aspects.NotChecked`, naming ``name``)."""
    from .aspects import NotChecked

    with refusing(refused, message):
        try:
            run()
        except Refused as err:
            raise AssertionError(str(err)) from None
        except NotImplementedError:
            raise NotChecked(f"{name} still raises NotImplementedError") from None
        except Exception:  # noqa: BLE001 - a crash is the aspects' business
            pass


def torch_dropout_targets() -> list[tuple]:
    """torch's own dropout, everywhere a module can reach it: the functions of
    ``torch.nn.functional`` and ``torch``, their kernels in ``torch._VF`` (which
    ``torch.nn.functional.dropout`` calls), and the forward of ``torch.nn``'s dropout classes."""
    import torch

    names = ["dropout", "dropout_", "alpha_dropout", "alpha_dropout_", "feature_dropout", "feature_dropout_",
             "feature_alpha_dropout", "feature_alpha_dropout_", "native_dropout", "dropout1d", "dropout2d",
             "dropout3d"]
    out = targets(*[f"torch.nn.functional.{n}" for n in names], *[f"torch.{n}" for n in names])
    out += [(torch._VF, n, f"torch's {n} (torch._VF.{n}, which torch.nn.functional.dropout calls)")
            for n in names if callable(getattr(torch._VF, n, None))]
    out += [(cls, "forward", f"torch.nn.{cls.__name__}.forward") for cls in
            (torch.nn.Dropout, torch.nn.Dropout1d, torch.nn.Dropout2d, torch.nn.Dropout3d, torch.nn.AlphaDropout,
             torch.nn.FeatureAlphaDropout)]
    return out
