"""course_utils.gradcheck against derivatives worked out by hand."""

import numpy as np
import pytest

from course_utils.gradcheck import check_gradient, numerical_gradient, numerical_gradient_array, relative_error


def test_numerical_gradient_of_a_polynomial_matches_its_derivative():
    # f(x) = sum(x^3) + x0 * x1  ->  df/dx = 3 x^2 + (x1, x0, 0)
    x = np.array([0.7, -1.3, 2.0])
    before = x.copy()
    g = numerical_gradient(lambda v: np.sum(v**3) + v[0] * v[1], x)
    expected = 3 * before**2 + np.array([before[1], before[0], 0.0])
    np.testing.assert_allclose(g, expected, rtol=1e-8)
    np.testing.assert_array_equal(x, before)  # x restored exactly


def test_numerical_gradient_of_a_matrix_function():
    # f(A) = sum(sin(A)) on a 2x3 matrix -> cos(A)
    rng = np.random.default_rng(0)
    A = rng.standard_normal((2, 3))
    g = numerical_gradient(lambda M: np.sin(M).sum(), A)
    assert g.shape == A.shape
    np.testing.assert_allclose(g, np.cos(A), rtol=1e-7, atol=1e-10)


def test_numerical_gradient_rejects_integer_arrays():
    with pytest.raises(TypeError, match="floating-point"):
        numerical_gradient(lambda v: v.sum(), np.array([1, 2, 3]))


def test_numerical_gradient_array_of_a_linear_layer_backward():
    # out = x @ W + b; given dout: dx = dout @ W.T, dW = x.T @ dout, db = dout.sum(0)
    rng = np.random.default_rng(1)
    x, W, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5)
    dout = rng.standard_normal((4, 5))
    np.testing.assert_allclose(numerical_gradient_array(lambda v: v @ W + b, x, dout), dout @ W.T, rtol=1e-7)
    np.testing.assert_allclose(numerical_gradient_array(lambda v: x @ v + b, W, dout), x.T @ dout, rtol=1e-7)
    np.testing.assert_allclose(numerical_gradient_array(lambda v: x @ W + v, b, dout), dout.sum(0), rtol=1e-7)


def test_numerical_gradient_array_copes_with_in_place_views():
    # f returns a view of x: f(x + h) must be copied before x is nudged to x - h
    rng = np.random.default_rng(2)
    x = rng.standard_normal(6) + 0.5
    dout = rng.standard_normal(6)
    g = numerical_gradient_array(lambda v: v[:], x, dout)  # identity returning a view of x
    np.testing.assert_allclose(g, dout, rtol=1e-7)


def test_relative_error_values():
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    # |1 - 3| / (1 + 3) = 0.5 is the worst of the two entries
    assert relative_error(np.array([1.0, 10.0]), np.array([3.0, 10.0])) == pytest.approx(0.5)
    # both zero: the 1e-8 floor avoids 0/0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([0.0]), np.array([1e-9])) == pytest.approx(1e-9 / 1e-8)
    assert np.isnan(relative_error(np.array([np.nan]), np.array([1.0])))
    with pytest.raises(ValueError):
        relative_error(np.zeros(2), np.zeros(3))


def test_check_gradient_accepts_a_correct_gradient():
    # Rosenbrock-like function with a hand-derived gradient
    def f(w):
        return (1 - w[0]) ** 2 + 5 * (w[1] - w[0] ** 2) ** 2

    def grad(w):
        return np.array([-2 * (1 - w[0]) - 20 * w[0] * (w[1] - w[0] ** 2), 10 * (w[1] - w[0] ** 2)])

    err = check_gradient(f, grad, np.array([0.3, -0.4]))
    assert 0.0 <= err < 1e-8


def test_check_gradient_rejects_a_wrong_gradient_and_names_the_entry():
    def f(w):
        return np.sum(w**2)

    def half_gradient(w):  # forgot the factor 2 in the first entry only
        g = 2 * w
        g[0] = w[0]
        return g

    with pytest.raises(AssertionError, match=r"Worst entry \(0,\)"):
        check_gradient(f, half_gradient, np.array([1.5, -0.5, 2.0]))


def test_check_gradient_rejects_nan_and_wrong_shapes():
    with pytest.raises(AssertionError, match="relative error nan"):
        check_gradient(lambda w: np.sum(w**2), lambda w: np.full_like(w, np.nan), np.ones(2))
    with pytest.raises(AssertionError, match="shape"):
        check_gradient(lambda w: np.sum(w**2), lambda w: 2 * w[:1], np.ones(2))
