"""Test losses with analytic gradients and Hessians, and a runner that follows an update rule.

Every landscape maps a point ``w`` of shape ``(dim,)`` (NumPy, float64) to a scalar loss. ``loss``
also accepts a batch of points of shape ``(..., dim)`` and returns shape ``(...)``, which is what
contour plots need. ``grad(w)`` has shape ``(dim,)`` and ``hessian(w)`` shape ``(dim, dim)``;
both are exact (closed form), so the tests check them against finite differences, not against
themselves.

The 2-D landscapes carry an ``extent = (xmin, xmax, ymin, ymax)`` that frames their interesting
part for :func:`course_utils.plotting.plot_landscape`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "Landscape",
    "Quadratic",
    "Saddle",
    "TwoWells",
    "Rosenbrock",
    "run_rule",
    "steps_to_converge",
]


class Landscape:
    """Base class: subclasses define ``loss``, ``grad`` and ``hessian``."""

    name: str = "landscape"
    dim: int = 2
    extent: tuple[float, float, float, float] = (-2.0, 2.0, -2.0, 2.0)
    minimum: np.ndarray | None = None  # the global minimiser, when it exists
    min_value: float = -np.inf

    def loss(self, w):
        raise NotImplementedError

    def grad(self, w) -> np.ndarray:
        raise NotImplementedError

    def hessian(self, w) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, w):
        return self.loss(w)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim})"


class Quadratic(Landscape):
    r"""``f(w) = 1/2 (w - c)^T H (w - c)`` with a symmetric positive-definite ``H``.

    The condition number :math:`\kappa = L / \mu` (largest over smallest eigenvalue of ``H``) is
    what makes plain SGD jitter along the steep axis and crawl along the shallow one.
    """

    name = "quadratic"

    def __init__(self, H, center=None):
        H = np.asarray(H, dtype=np.float64)
        if H.ndim != 2 or H.shape[0] != H.shape[1]:
            raise ValueError(f"H must be a square matrix, got shape {H.shape}")
        if not np.allclose(H, H.T):
            raise ValueError("H must be symmetric")
        eig = np.linalg.eigvalsh(H)
        if eig.min() <= 0:
            raise ValueError(f"H must be positive definite; smallest eigenvalue is {eig.min():.3g}")
        self.H = H
        self.dim = H.shape[0]
        self.center = np.zeros(self.dim) if center is None else np.asarray(center, dtype=np.float64)
        self.minimum = self.center.copy()
        self.min_value = 0.0
        self.eigenvalues = eig
        self.L = float(eig.max())  # smoothness: largest curvature
        self.mu = float(eig.min())  # strong convexity: smallest curvature
        self.condition_number = self.L / self.mu
        r = 1.0
        self.extent = (-r, r, -r, r)

    @classmethod
    def ill_conditioned(cls, kappa: float = 100.0, angle_deg: float = 0.0, scale: float = 1.0):
        """2-D quadratic with curvatures ``scale`` (shallow, along x) and ``scale*kappa`` (steep, y).

        ``angle_deg`` rotates the axes, so the valley need not line up with the coordinates.
        """
        t = np.deg2rad(angle_deg)
        R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        H = R @ np.diag([scale, scale * kappa]) @ R.T
        q = cls((H + H.T) / 2)
        q.name = f"quadratic (kappa={kappa:g})"
        q.extent = (-1.2, 1.2, -0.6, 0.6) if angle_deg == 0 else (-1.2, 1.2, -1.2, 1.2)
        return q

    @classmethod
    def random(cls, dim: int, kappa: float = 100.0, seed: int = 0):
        """N-D quadratic with log-spaced eigenvalues from 1 to ``kappa`` in a random basis."""
        rng = np.random.default_rng(seed)
        Q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
        eig = np.logspace(0.0, np.log10(kappa), dim)
        H = Q @ np.diag(eig) @ Q.T
        q = cls((H + H.T) / 2)
        q.name = f"random quadratic (dim={dim}, kappa={kappa:g})"
        return q

    def loss(self, w):
        d = np.asarray(w, dtype=np.float64) - self.center
        return 0.5 * np.einsum("...i,ij,...j->...", d, self.H, d)

    def grad(self, w):
        return self.H @ (np.asarray(w, dtype=np.float64) - self.center)

    def hessian(self, w=None):
        return self.H.copy()


class Saddle(Landscape):
    r"""``f(x, y) = a/2 x^2 + 1/4 y^4 - 1/2 y^2``: a saddle at the origin, minima at ``(0, +-1)``.

    At the origin the gradient is zero, the curvature is ``+a`` along x and ``-1`` along y: the
    loss goes up one way and down the other. Started exactly on ``y = 0``, gradient descent slides
    into the saddle and stays there; a tiny ``y`` escapes, but slowly, because the gradient near
    the saddle is tiny.
    """

    name = "saddle"
    dim = 2
    extent = (-1.5, 1.5, -1.6, 1.6)

    def __init__(self, a: float = 1.0):
        self.a = float(a)
        self.minimum = np.array([0.0, 1.0])  # one of two symmetric global minima
        self.minima = np.array([[0.0, 1.0], [0.0, -1.0]])
        self.saddle_point = np.zeros(2)
        self.min_value = -0.25

    def loss(self, w):
        w = np.asarray(w, dtype=np.float64)
        x, y = w[..., 0], w[..., 1]
        return 0.5 * self.a * x**2 + 0.25 * y**4 - 0.5 * y**2

    def grad(self, w):
        x, y = np.asarray(w, dtype=np.float64)
        return np.array([self.a * x, y**3 - y])

    def hessian(self, w):
        _, y = np.asarray(w, dtype=np.float64)
        return np.array([[self.a, 0.0], [0.0, 3 * y**2 - 1.0]])


class TwoWells(Landscape):
    r"""A tilted double well: ``f(x, y) = (x^2 - 1)^2 + t x + b/2 y^2``.

    With tilt ``t > 0`` the right-hand well is a shallow *local* minimum and the left-hand well
    the global one. Gradient descent started on the right stops in the local minimum (the
    gradient there is exactly zero); momentum can carry the iterate over the barrier. A
    negative tilt mirrors the roles; ``|t|`` must stay below ``8 / (3 sqrt 3) ~ 1.54``, beyond
    which one well disappears.
    """

    name = "two wells"
    dim = 2
    extent = (-1.8, 1.8, -1.0, 1.0)

    def __init__(self, tilt: float = 0.5, b: float = 2.0):
        self.tilt = float(tilt)
        self.b = float(b)
        # Stationary points in x: 4x^3 - 4x + t = 0. Two wells need three real roots, i.e.
        # |t| < 8 / (3 sqrt 3) ~ 1.54; beyond that the cubic has one real root and one well.
        roots = np.roots([4.0, 0.0, -4.0, self.tilt])
        if np.max(np.abs(roots.imag)) > 1e-9:
            raise ValueError(f"tilt must satisfy |tilt| < 8/(3*sqrt(3)) ~ 1.54 for two wells, got {self.tilt}")
        left, barrier, right = (np.array([x, 0.0]) for x in np.sort(roots.real))
        # A positive tilt lifts the right-hand well, a negative one the left-hand well.
        self.global_minimum, self.local_minimum = (left, right) if self.tilt >= 0 else (right, left)
        self.barrier = barrier
        self.minimum = self.global_minimum
        self.min_value = float(self.loss(self.global_minimum))

    def loss(self, w):
        w = np.asarray(w, dtype=np.float64)
        x, y = w[..., 0], w[..., 1]
        return (x**2 - 1.0) ** 2 + self.tilt * x + 0.5 * self.b * y**2

    def grad(self, w):
        x, y = np.asarray(w, dtype=np.float64)
        return np.array([4 * x**3 - 4 * x + self.tilt, self.b * y])

    def hessian(self, w):
        x, _ = np.asarray(w, dtype=np.float64)
        return np.array([[12 * x**2 - 4.0, 0.0], [0.0, self.b]])


class Rosenbrock(Landscape):
    r"""Rosenbrock's banana valley, in ``dim >= 2`` dimensions:

    .. math:: f(w) = \sum_{i=1}^{n-1} b (w_{i+1} - w_i^2)^2 + (a - w_i)^2

    Global minimum ``(a, a^2, ...)``; for ``a = 1`` that is all ones, with ``f = 0``. The classic
    start is ``(-1.2, 1)``.
    """

    name = "Rosenbrock"
    extent = (-2.0, 2.0, -1.0, 3.0)

    def __init__(self, dim: int = 2, a: float = 1.0, b: float = 100.0):
        if dim < 2:
            raise ValueError("Rosenbrock needs dim >= 2")
        self.dim, self.a, self.b = int(dim), float(a), float(b)
        if self.a != 1.0 and self.dim > 2:
            raise ValueError("the N-D form is only defined here with a = 1")
        self.minimum = np.array([self.a, self.a**2]) if self.dim == 2 else np.ones(self.dim)
        self.min_value = 0.0

    def loss(self, w):
        w = np.asarray(w, dtype=np.float64)
        head, tail = w[..., :-1], w[..., 1:]
        return np.sum(self.b * (tail - head**2) ** 2 + (self.a - head) ** 2, axis=-1)

    def grad(self, w):
        w = np.asarray(w, dtype=np.float64)
        g = np.zeros_like(w)
        head, tail = w[:-1], w[1:]
        r = tail - head**2
        g[:-1] += -4 * self.b * head * r - 2 * (self.a - head)
        g[1:] += 2 * self.b * r
        return g

    def hessian(self, w):
        w = np.asarray(w, dtype=np.float64)
        n = self.dim
        H = np.zeros((n, n))
        for i in range(n - 1):
            H[i, i] += 12 * self.b * w[i] ** 2 - 4 * self.b * w[i + 1] + 2
            H[i + 1, i + 1] += 2 * self.b
            H[i, i + 1] += -4 * self.b * w[i]
            H[i + 1, i] += -4 * self.b * w[i]
        return H


def run_rule(
    rule,
    landscape: Landscape,
    w0,
    steps: int,
    config: dict | None = None,
    grad_noise: float = 0.0,
    seed: int | None = 0,
    blowup: float = 1e6,
) -> np.ndarray:
    """Follow ``rule`` from ``w0`` for ``steps`` updates on ``landscape``.

    ``rule`` has the course's signature ``next_w, config = rule(w, dw, config)``. ``grad_noise``
    adds Gaussian noise of that standard deviation to every gradient (a stand-in for mini-batch
    noise). Returns the iterates as an array of shape ``(steps + 1, dim)``, starting with ``w0``.
    If the iterate leaves ``|w| < blowup`` or stops being finite, the remaining rows are NaN, so
    a diverging run is visible in a plot and counts as "never converged".
    """
    rng = np.random.default_rng(seed)
    config = dict(config or {})
    w = np.array(w0, dtype=np.float64)
    points = np.full((steps + 1, w.size), np.nan)
    points[0] = w
    for t in range(1, steps + 1):
        g = landscape.grad(w)
        if grad_noise:
            g = g + grad_noise * rng.standard_normal(g.shape)
        w, config = rule(w.copy(), g, config)
        w = np.asarray(w, dtype=np.float64)
        if not np.all(np.isfinite(w)) or np.max(np.abs(w)) > blowup:
            break
        points[t] = w
    return points


def steps_to_converge(points: np.ndarray, landscape: Landscape, tol: float = 1e-6, target=None) -> int | None:
    """First step at which ``|w - target| < tol`` (target: the landscape's minimum) and stays so.

    Returns ``None`` if the path never gets (and stays) that close.
    """
    target = landscape.minimum if target is None else np.asarray(target, dtype=np.float64)
    dist = np.linalg.norm(points - target, axis=1)
    close = np.isfinite(dist) & (dist < tol)
    if not close[-1]:
        return None
    # last index that was not close, plus one
    far = np.flatnonzero(~close)
    return int(far[-1] + 1) if far.size else 0
