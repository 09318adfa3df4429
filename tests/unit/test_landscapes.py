"""course_utils.landscapes: analytic derivatives against finite differences, stationary points,
and the runner against the closed form of gradient descent on a quadratic."""

import numpy as np
import pytest

from course_utils.landscapes import Quadratic, Rosenbrock, Saddle, TwoWells, run_rule, steps_to_converge


def fd_grad(f, w, h=1e-6):
    """Central differences, written here so the oracle is independent of course_utils."""
    w = np.asarray(w, dtype=np.float64)
    g = np.zeros_like(w)
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = h
        g[i] = (f(w + e) - f(w - e)) / (2 * h)
    return g


def fd_hessian(grad, w, h=1e-6):
    w = np.asarray(w, dtype=np.float64)
    H = np.zeros((w.size, w.size))
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = h
        H[:, i] = (grad(w + e) - grad(w - e)) / (2 * h)
    return H


def gd_rule(w, dw, config=None):
    """Plain gradient descent, written in the test (the graded sgd is the students')."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


LANDSCAPES = [
    Quadratic.ill_conditioned(kappa=20.0, angle_deg=30.0),
    Quadratic.random(dim=5, kappa=50.0, seed=3),
    Quadratic(np.array([[2.0, 0.5], [0.5, 1.0]]), center=[0.3, -0.2]),
    Saddle(a=2.0),
    TwoWells(tilt=0.5, b=2.0),
    Rosenbrock(dim=2),
    Rosenbrock(dim=4),
]
IDS = [repr(s) + s.name for s in LANDSCAPES]


@pytest.mark.parametrize("landscape", LANDSCAPES, ids=IDS)
def test_gradient_and_hessian_match_finite_differences(landscape):
    rng = np.random.default_rng(0)
    for _ in range(4):
        w = rng.uniform(-1.5, 1.5, size=landscape.dim)
        g = landscape.grad(w)
        assert g.shape == (landscape.dim,)
        np.testing.assert_allclose(g, fd_grad(landscape.loss, w), rtol=1e-6, atol=1e-6)
        H = landscape.hessian(w)
        assert H.shape == (landscape.dim, landscape.dim)
        np.testing.assert_allclose(H, fd_hessian(landscape.grad, w), rtol=1e-6, atol=1e-5)
        np.testing.assert_allclose(H, H.T, atol=1e-12)


@pytest.mark.parametrize("landscape", LANDSCAPES, ids=IDS)
def test_loss_accepts_a_batch_of_points(landscape):
    rng = np.random.default_rng(1)
    W = rng.uniform(-1, 1, size=(3, 4, landscape.dim))
    batch = landscape.loss(W)
    assert batch.shape == (3, 4)
    singles = np.array([[landscape.loss(W[i, j]) for j in range(4)] for i in range(3)])
    np.testing.assert_allclose(batch, singles, rtol=1e-12)


def test_quadratic_value_is_the_closed_form():
    H = np.array([[3.0, 1.0], [1.0, 2.0]])
    c = np.array([0.5, -1.0])
    q = Quadratic(H, center=c)
    w = np.array([1.0, 2.0])
    d = w - c
    assert q.loss(w) == pytest.approx(0.5 * d @ H @ d)
    assert q.min_value == 0.0 and q.loss(c) == 0.0


@pytest.mark.parametrize("kappa,angle", [(1.0, 0.0), (10.0, 0.0), (100.0, 45.0), (1000.0, 17.0)])
def test_ill_conditioned_quadratic_has_the_requested_condition_number(kappa, angle):
    q = Quadratic.ill_conditioned(kappa=kappa, angle_deg=angle, scale=2.0)
    assert q.condition_number == pytest.approx(kappa, rel=1e-9)
    assert np.linalg.cond(q.H) == pytest.approx(kappa, rel=1e-6)
    assert q.mu == pytest.approx(2.0) and q.L == pytest.approx(2.0 * kappa)


def test_random_quadratic_condition_number_and_spectrum():
    q = Quadratic.random(dim=6, kappa=300.0, seed=5)
    np.testing.assert_allclose(np.linalg.eigvalsh(q.H), np.logspace(0, np.log10(300.0), 6), rtol=1e-9)
    assert np.linalg.cond(q.H) == pytest.approx(300.0, rel=1e-6)


@pytest.mark.parametrize("H", [np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([[1.0, 0.0], [0.0, -1.0]]), np.ones(3)])
def test_quadratic_rejects_bad_matrices(H):
    with pytest.raises(ValueError):
        Quadratic(H)


def test_saddle_point_and_minima_are_stationary_with_the_right_curvature():
    s = Saddle(a=1.5)
    np.testing.assert_allclose(s.grad(s.saddle_point), 0.0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.eigvalsh(s.hessian(s.saddle_point)), [-1.0, 1.5])
    for m in s.minima:
        np.testing.assert_allclose(s.grad(m), 0.0, atol=1e-12)
        assert np.all(np.linalg.eigvalsh(s.hessian(m)) > 0)
        assert s.loss(m) == pytest.approx(s.min_value)
    # min_value really is the minimum on a grid
    X, Y = np.meshgrid(np.linspace(-2, 2, 201), np.linspace(-2, 2, 201))
    assert s.loss(np.stack([X, Y], -1)).min() >= s.min_value - 1e-12


@pytest.mark.parametrize("tilt", [0.2, 0.5, 1.0, -0.5, 1.5])
def test_two_wells_stationary_points(tilt):
    tw = TwoWells(tilt=tilt)
    for point in (tw.global_minimum, tw.local_minimum, tw.barrier):
        np.testing.assert_allclose(tw.grad(point), 0.0, atol=1e-9)
    wells = sorted([tw.global_minimum[0], tw.local_minimum[0]])
    assert wells[0] < tw.barrier[0] < wells[1]
    assert (tw.global_minimum[0] < 0) == (tilt > 0)  # the tilt lifts the well on its own side
    assert np.all(np.linalg.eigvalsh(tw.hessian(tw.local_minimum)) > 0)
    assert np.linalg.eigvalsh(tw.hessian(tw.barrier)).min() < 0
    assert tw.loss(tw.global_minimum) < tw.loss(tw.local_minimum)  # the tilt makes the left well deeper
    xs = np.linspace(-2, 2, 4001)
    assert np.min(tw.loss(np.stack([xs, np.zeros_like(xs)], -1))) >= tw.min_value - 1e-9


@pytest.mark.parametrize("tilt", [1.6, -2.0, 5.0])
def test_two_wells_refuses_a_tilt_that_leaves_one_well(tilt):
    with pytest.raises(ValueError, match="tilt"):
        TwoWells(tilt=tilt)


@pytest.mark.parametrize("dim", [2, 3, 5])
def test_rosenbrock_minimum(dim):
    r = Rosenbrock(dim=dim)
    np.testing.assert_allclose(r.minimum, np.ones(dim))
    assert r.loss(r.minimum) == 0.0
    np.testing.assert_allclose(r.grad(r.minimum), 0.0, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(r.hessian(r.minimum)) > 0)
    assert r.loss(np.array([-1.2, 1.0] + [1.0] * (dim - 2))) > 0


def test_rosenbrock_2d_closed_form_and_general_a():
    r = Rosenbrock(dim=2, a=2.0, b=10.0)
    x, y = 0.5, 1.5
    assert r.loss(np.array([x, y])) == pytest.approx(10.0 * (y - x**2) ** 2 + (2.0 - x) ** 2)
    np.testing.assert_allclose(r.grad(r.minimum), 0.0, atol=1e-12)
    with pytest.raises(ValueError):
        Rosenbrock(dim=1)


def test_run_rule_gradient_descent_matches_the_closed_form():
    # On f = 1/2 (w - c)^T H (w - c), GD gives w_t - c = (I - lr H)^t (w_0 - c)
    q = Quadratic(np.array([[3.0, 1.0], [1.0, 2.0]]), center=[0.5, -0.25])
    lr, steps = 0.1, 40
    w0 = np.array([1.0, 1.0])
    path = run_rule(gd_rule, q, w0, steps, config={"learning_rate": lr})
    assert path.shape == (steps + 1, 2)
    M = np.eye(2) - lr * q.H
    for t in (0, 1, 7, steps):
        expected = np.linalg.matrix_power(M, t) @ (w0 - q.center) + q.center
        np.testing.assert_allclose(path[t], expected, rtol=1e-12, atol=1e-14)


def test_run_rule_does_not_mutate_the_callers_config_or_w0():
    config = {"learning_rate": 0.1}
    w0 = np.array([1.0, -1.0])

    def rule(w, dw, config):
        config["calls"] = config.get("calls", 0) + 1
        return gd_rule(w, dw, config)

    run_rule(rule, Quadratic(np.eye(2)), w0, 5, config=config)
    assert config == {"learning_rate": 0.1}
    np.testing.assert_array_equal(w0, [1.0, -1.0])


def test_steps_to_converge_on_a_diagonal_quadratic_matches_the_closed_form():
    # H = diag(1, 10), lr = 0.05: |w_t| shrinks like 0.95^t along x, 0.5^t along y
    q = Quadratic(np.diag([1.0, 10.0]))
    w0 = np.array([1.0, 1.0])
    lr, tol = 0.05, 1e-3
    path = run_rule(gd_rule, q, w0, 400, config={"learning_rate": lr})
    t = np.arange(401)
    dist = np.hypot(0.95**t, 0.5**t)
    expected = int(np.argmax(dist < tol))
    assert steps_to_converge(path, q, tol=tol) == expected
    assert steps_to_converge(path[: expected], q, tol=tol) is None  # not there yet


def test_divergence_gives_nan_rows_and_no_convergence():
    q = Quadratic(np.diag([1.0, 10.0]))
    path = run_rule(gd_rule, q, [1.0, 1.0], 200, config={"learning_rate": 0.25})  # lr > 2 / L = 0.2
    assert np.isnan(path[-1]).all() and np.isfinite(path[0]).all()
    assert steps_to_converge(path, q) is None


def test_steps_to_converge_requires_staying_close():
    q = Quadratic(np.eye(2))
    path = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    assert steps_to_converge(path, q, tol=1e-3) == 3
    assert steps_to_converge(np.zeros((3, 2)), q) == 0
    assert steps_to_converge(path, q, tol=1e-3, target=[1.0, 0.0]) is None


def test_gradient_noise_is_seeded():
    q = Quadratic(np.eye(2))
    kw = dict(config={"learning_rate": 0.1}, grad_noise=0.5)
    a = run_rule(gd_rule, q, [1.0, 1.0], 20, seed=1, **kw)
    b = run_rule(gd_rule, q, [1.0, 1.0], 20, seed=1, **kw)
    c = run_rule(gd_rule, q, [1.0, 1.0], 20, seed=2, **kw)
    clean = run_rule(gd_rule, q, [1.0, 1.0], 20, config={"learning_rate": 0.1})
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert not np.allclose(a, clean)


def test_gd_stalls_on_the_saddle_and_in_the_local_minimum():
    s = Saddle()
    path = run_rule(gd_rule, s, [1.0, 0.0], 2000, config={"learning_rate": 0.1})
    assert steps_to_converge(path, s, tol=1e-6, target=s.saddle_point) is not None
    tw = TwoWells(tilt=0.5)
    path = run_rule(gd_rule, tw, tw.local_minimum + [0.2, 0.3], 2000, config={"learning_rate": 0.02})
    assert steps_to_converge(path, tw, tol=1e-6, target=tw.local_minimum) is not None
    assert steps_to_converge(path, tw, tol=1e-6) is None  # never reaches the global minimum
