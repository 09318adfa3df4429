r"""Numerical gradients and relative errors, in the style of CS231n's ``gradient_check.py``.

Use these to check a hand-written backward pass against centred finite differences:

.. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

The truncation error is :math:`O(h^2)`, the round-off error :math:`O(\epsilon / h)`; with float64
and ``h = 1e-5`` both are around ``1e-10`` for well-scaled functions, so a correct analytic gradient
typically shows a relative error below ``1e-7``. Use float64 arrays: in float32 the round-off
alone is about ``1e-3``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["numerical_gradient", "numerical_gradient_array", "relative_error", "check_gradient"]


def _require_float_array(x) -> None:
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        kind = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(
            f"x must be a floating-point NumPy array (it is nudged in place by +-h), got {kind}; "
            "use np.asarray(x, dtype=np.float64)"
        )


def numerical_gradient(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of a scalar function ``f`` at ``x``.

    ``f`` takes an array shaped like ``x`` and returns a scalar. ``x`` (any shape, float) is
    changed in place one entry at a time and restored afterwards. Returns an array shaped like
    ``x`` (float64). Costs ``2 * x.size`` calls of ``f``.
    """
    _require_float_array(x)
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = float(f(x))
        x[i] = old - h
        f_minus = float(f(x))
        x[i] = old  # restore
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_gradient_array(f, x: np.ndarray, dout: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of ``sum(f(x) * dout)`` with respect to ``x``.

    This is what a backward pass computes: given the upstream gradient ``dout`` (shaped like
    ``f(x)``), the gradient flowing into ``x`` (shaped like ``x``). ``x`` is restored afterwards.
    """
    _require_float_array(x)
    dout = np.asarray(dout, dtype=np.float64)
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        out_plus = np.array(f(x), dtype=np.float64)  # copy: f may return a view of x
        x[i] = old - h
        out_minus = np.array(f(x), dtype=np.float64)
        x[i] = old  # restore
        grad[i] = np.sum((out_plus - out_minus) * dout) / (2 * h)
    return grad


def relative_error(a, b) -> float:
    """Largest elementwise relative error ``|a - b| / max(1e-8, |a| + |b|)`` (a float).

    NaN in either input gives NaN, which fails every ``err <= tol`` comparison.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def check_gradient(f, grad_f, x: np.ndarray, tol: float = 1e-6, h: float = 1e-5) -> float:
    """Compare ``grad_f(x)`` with the numerical gradient of the scalar function ``f`` at ``x``.

    Returns the relative error (see :func:`relative_error`); raises ``AssertionError`` naming the
    worst entry when it is above ``tol`` (or NaN), or when the shapes differ.
    """
    x = np.array(x, dtype=np.float64)  # a private copy: f and grad_f may not see it nudged
    analytic = np.asarray(grad_f(x.copy()), dtype=np.float64)
    numeric = numerical_gradient(f, x, h=h)
    if analytic.shape != numeric.shape:
        raise AssertionError(
            f"analytic gradient has shape {analytic.shape}, expected {numeric.shape} (the shape of x)"
        )
    err = relative_error(analytic, numeric)
    if not err <= tol:  # also catches NaN
        per_entry = np.abs(analytic - numeric) / np.maximum(1e-8, np.abs(analytic) + np.abs(numeric))
        worst = np.unravel_index(np.nanargmax(per_entry) if np.any(np.isfinite(per_entry)) else 0, x.shape)
        raise AssertionError(
            f"gradient check failed: relative error {err:.3g} > tol {tol:g}. "
            f"Worst entry {tuple(int(i) for i in worst)}: "
            f"analytic {analytic[worst]:.8g}, numerical {numeric[worst]:.8g}. "
            "(A factor of 2 or -1 there often means a missing 1/2 or a sign error.)"
        )
    return err
