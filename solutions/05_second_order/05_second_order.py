# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Second-order optimization: Newton, BFGS and L-BFGS
#
# Every method so far (SGD, momentum, Nesterov, AdaGrad, RMSProp, Adam) looks at the loss through its
# **gradient**: a linear model of the loss, which says which way is down but not how far down goes.
# Notebooks 01 and 02 measured the price: on a valley of condition number $\kappa$ gradient descent
# needs about $\kappa$ steps, momentum about $\sqrt\kappa$. The lecture notes' "second order
# optimization" section proposes to use the **curvature** too:
#
# - "Use gradient and Hessian to form a quadratic approximation. Step to the minima of the
#   approximation." That is **Newton's method**.
# - "What is nice about this update? It doesn't have a learning rate in some of the versions."
# - "But it is impractical for deep learning: [the Hessian] has $O(N^2)$ elements. Inverting takes
#   $O(N^3)$."
# - "L-BFGS is a version of second order optimization. Works with batch optimization but not with
#   mini-batches." (CS231n's notes say it more precisely: L-BFGS "works very well in full batch,
#   deterministic mode", but "does not transfer very well to mini-batch settings".)
# - "In practice first use Adam and if it didn't work try L-BFGS."
#
# You implement a Newton step, the **two-loop recursion** that is the heart of L-BFGS, and a complete
# full-batch L-BFGS with a backtracking line search (the three graded exercises), then **measure** each
# claim: Newton in one step on a quadratic, what it does on a non-quadratic and near a saddle, the cost of
# the Hessian as $N$ grows, L-BFGS against gradient descent and Adam, and L-BFGS on mini-batches.
#
# **What you will be able to do afterwards**
# - derive Newton's step from the quadratic model and compute it by *solving* a linear system;
# - explain why Newton needs no learning rate near a minimum, and why it still needs one (or a line
#   search) far from it, and why it is attracted to saddle points;
# - predict the memory and time of a Newton step from the number of parameters, and check the
#   prediction with a log-log plot;
# - write the BFGS update and the L-BFGS two-loop recursion, and say what each line of it does;
# - write a line search with Armijo's condition, and explain why L-BFGS skips pairs with
#   $s^\top y \le 0$;
# - say from measurements when L-BFGS beats Adam and when it does not.
#
# **Prerequisites:** notebooks 01 to 03 (condition numbers, saddles, Adam); gradients and Hessians;
# solving a linear system. Running the whole notebook takes about 20 seconds of CPU time (22 s on our
# machine; the setup cell keeps NumPy, SciPy and torch on one thread, and on a busy machine the wall-clock
# time is longer).
#
# > **Errata in the notes.** "Use gradient and Hessian to *from* quadratic approximation" should read
# > "to *form* a quadratic approximation". "Inverting takes $O(N^3)$" is right about the order but not
# > about the practice: nobody inverts the Hessian, one *solves* a linear system with it (also
# > $O(N^3)$, but numerically safer and, measured in section 4, about 4<!-- quote: inverse_over_lu_1024 ±1.2 -->
# > times faster). And L-BFGS
# > is not "a version of second order optimization" in the strict sense: it never computes a second
# > derivative. It is a **quasi-Newton** method that estimates curvature from gradients (section 5).

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import time

import numpy as np
import matplotlib.pyplot as plt
import scipy.linalg
import scipy.optimize
import torch
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from course_utils.aspects import Aspects
from course_utils.checks import Refused, check_close, check_not_delegated, refusing, targets
from course_utils.device import seed_everything
from course_utils.exercise import experiment
from course_utils.landscapes import Quadratic, Rosenbrock, Saddle
from course_utils.plotting import plot_loss_curves, plot_trajectories
from course_utils.quotes import quote

SEED = 0  # the experiments' random draws (a random quadratic, mini-batches); the tests use seeds of their own
rng = seed_everything(SEED)
# One thread for NumPy's and SciPy's BLAS and for torch, for the whole notebook: the matrices here are small,
# and several threads on a busy machine make each product many times slower, without changing the results.
threadpool_limits(limits=1)
torch.set_num_threads(1)


def solving_not_inverting(call):
    """For newton_step's tests: call() with NumPy's and SciPy's matrix inverses refused; returns what it returns.
    A step that forms H^{-1} (np.linalg.inv, np.linalg.pinv, scipy.linalg.inv or pinv) fails with a message."""
    inverses = targets("numpy.linalg.inv", "numpy.linalg.pinv", "scipy.linalg.inv", "scipy.linalg.pinv")
    try:
        with refusing(inverses, lambda label: label):
            return call()
    except Refused as err:
        raise AssertionError(f"newton_step called {err}: solve H d = g with np.linalg.solve(hessian, grad) instead of "
                             "forming the inverse, as the exercise asks (section 4 measures inv, then @, as about four "
                             "times slower than solve, and it loses accuracy when H is ill-conditioned)") from None


def check_own_lbfgs():
    """The gate of both lbfgs test cells: one short run with SciPy's minimizers and torch.optim's optimizers refused.
    Only that refusal fails it: an lbfgs that crashes for another reason passes here, and the aspects report the
    crash; an lbfgs still raising NotImplementedError is not checked."""
    def said(what):
        return (f"your lbfgs called {what}: write the iterations yourself (lbfgs_direction, the backtracking line "
                "search, the memory of pairs), as the exercise asks. scipy.optimize.minimize(method='L-BFGS-B') and "
                "torch.optim.LBFGS are what the hidden tests compare your lbfgs with, so an lbfgs that hands its work "
                "to them scores 0 in both of its test cells")
    refused = targets("torch.optim.Optimizer.__init__", "scipy.optimize.minimize", "scipy.optimize.fmin_l_bfgs_b",
                      "scipy.optimize.fmin_bfgs", "scipy.optimize._minimize._minimize_lbfgsb",
                      "scipy.optimize._lbfgsb_py._minimize_lbfgsb", "scipy.optimize._minimize._minimize_bfgs",
                      "scipy.optimize._optimize._minimize_bfgs")
    check_not_delegated(lambda: lbfgs(lambda w: 0.5 * (w[0] ** 2 + 10 * w[1] ** 2), lambda w: np.array([w[0], 10 * w[1]]),
                                      np.array([1.0, 1.0]), history_size=10, max_iter=20, tol=1e-6, c1=1e-4,
                                      shrink=0.5, max_backtracks=50), refused, said, "lbfgs")

# %% [markdown]
# ## 1. Newton's method: step to the minimum of a quadratic model
#
# ### The math
#
# Near a point $w$, Taylor's theorem approximates the loss by a quadratic in the step $\delta$:
#
# $$ f(w + \delta) \;\approx\; m(\delta) = f(w) + g^\top \delta + \tfrac12\, \delta^\top H \delta,
#    \qquad g = \nabla f(w), \quad H = \nabla^2 f(w) . $$
#
# Gradient descent uses only the first two terms, a plane, which has no minimum: it needs a learning
# rate to say how far to go. The quadratic model has one when $H$ is positive definite: setting its
# gradient $g + H \delta$ to zero gives $\delta = -H^{-1}g$, the **Newton step**. In this notebook (and in
# the exercise of section 2) we compute it as
#
# $$ H\, d = g, \qquad w_{\text{next}} = w - d = w - H^{-1} g , $$
#
# that is, $d$ solves $Hd = g$ and is subtracted (the step taken is $\delta = -d$).
#
# Three consequences, each measured below:
#
# 1. **On a quadratic, one step is exact.** If $f(w) = \frac12 (w - c)^\top A (w - c)$ then $g = A(w-c)$
#    and $H = A$, so $w - A^{-1}A(w - c) = c$: the minimum, whatever the condition number.
# 2. **No learning rate, near a minimum.** Newton's step is invariant to a linear change of
#    coordinates $w = Bv$ (the gradient becomes $B^\top g$, the Hessian $B^\top H B$, and the step maps
#    back to the same point): stretching the valley changes nothing. Gradient descent's step does
#    change, which is why it needs a learning rate tuned to the curvature. Near a minimum with
#    $H \succ 0$ the error is squared at every step ("quadratic convergence": the number of correct
#    digits doubles). Far from it, the model can be a poor guide and a full step can overshoot;
#    practical versions ("damped Newton") then shorten the step with a line search, a learning rate
#    in all but name. That is the notes' "in some of the versions".
# 3. **Newton looks for a point where the gradient vanishes, not for a minimum.** If $H$ has a negative
#    eigenvalue, the model has a saddle, not a minimum, and the step goes *towards* it (section 3).
#
# **Solve, don't invert.** $H^{-1}g$ is written with an inverse but computed by solving $Hd = g$
# (`np.linalg.solve`, an LU factorization; or a Cholesky factorization when $H$ is positive definite).
# Forming $H^{-1}$ costs about three times more operations (about 4<!-- quote: inverse_over_lu_1024 ±1.2 --> times the
# time, in section 4) and loses
# accuracy when $H$ is ill-conditioned.
#
# ### The problem, in one picture
#
# Left: a 1-D loss, $f(x) = \sqrt{1+x^2}$, with the quadratic model at two points. From $x = 0.7$ the
# model's minimum is close to the true one; from $x = 1.3$ it lies far on the other side. Right: 40 steps
# of gradient descent on a rotated valley with $\kappa = 50$ (learning rate $1/L$), against one step of
# Newton's method.

# %%
with experiment("the quadratic model"):
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2))
    x = np.linspace(-2.5, 2.5, 400)
    axes[0].plot(x, np.sqrt(1 + x**2), "k", lw=2, label=r"$f(x) = \sqrt{1 + x^2}$")
    for x0, color in [(0.7, "C0"), (1.3, "C3")]:
        f0, g0, h0 = np.sqrt(1 + x0**2), x0 / np.sqrt(1 + x0**2), (1 + x0**2) ** -1.5
        model = f0 + g0 * (x - x0) + 0.5 * h0 * (x - x0) ** 2
        axes[0].plot(x, model, "--", color=color, label=f"quadratic model at x = {x0}")
        axes[0].plot([x0], [f0], "o", color=color)
        x_newton = x0 - g0 / h0  # the model's minimum (= -x0**3 for this f)
        axes[0].plot([x_newton], [f0 + g0 * (x_newton - x0) + 0.5 * h0 * (x_newton - x0) ** 2], "v", color=color,
                     markersize=9, label=f"model's minimum: x = {x_newton:.2f}")
    axes[0].set(ylim=(0, 3.5), xlabel="x", title="Newton steps to the minimum of the model")
    axes[0].legend(fontsize=8)
    axes[0].grid(True, alpha=0.3)

    valley = Quadratic.ill_conditioned(kappa=50, angle_deg=30)
    w_start = np.array([-1.0, 0.6])
    gd_path = [w_start]
    for _ in range(40):
        gd_path.append(gd_path[-1] - valley.grad(gd_path[-1]) / valley.L)
    gd_path = np.array(gd_path)
    # On a quadratic, Newton's step lands on the minimum (section 1, point 1); section 3 measures it.
    newton_path = np.array([w_start, valley.minimum])
    plot_trajectories(valley, {"gradient descent, 40 steps": gd_path, "Newton, 1 step": newton_path}, ax=axes[1])
    axes[1].set_title(r"rotated valley, $\kappa$ = 50")
    print(f"after 40 gradient steps: |w - w*| = {np.linalg.norm(gd_path[-1] - valley.minimum):.3f} "
          f"(started at {np.linalg.norm(w_start - valley.minimum):.3f})")
    plt.show()

# %% [markdown]
# ## 2. Exercise: one Newton step
#
# Implement `newton_step(w, grad, hessian)`, which returns $w - H^{-1}g$ computed by **solving**
# $H d = g$ with `np.linalg.solve(hessian, grad)`. Inputs and output are NumPy float64 arrays: `w` and
# `grad` of shape $(n,)$, `hessian` of shape $(n, n)$. Return a new array; do not modify `w`.
#
# A true Hessian is symmetric, but your function must not rely on it: the same formula with a
# non-symmetric **Jacobian** $J$ in place of $H$ is Newton's method for solving a system of equations
# $F(w) = 0$ (here $F = \nabla f$), and the tests use one. (If you write $H^{-1}g$ in row-vector style,
# `grad @ inv(H)`, you compute $H^{-\top} g$, which is a different vector for a non-symmetric matrix.)

# %% nbgrader={"grade": false, "grade_id": "newton_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def newton_step(w, grad, hessian):
    """One step of Newton's method: jump to the minimizer of the local quadratic model.

        next_w = w - H^{-1} g,   computed by solving H d = g (not by forming H^{-1})

    Inputs:
    - w: the current point, a NumPy float64 array of shape (n,).
    - grad: the gradient g of the loss at w, shape (n,).
    - hessian: the Hessian H of the loss at w, shape (n, n), invertible. Do not assume it is
      symmetric: with a Jacobian J in its place this is Newton's method for a system F(w) = 0.

    Returns:
    - next_w: w - d, where d solves H d = g; a new NumPy float64 array of shape (n,). w is not modified.
    """
    ### BEGIN SOLUTION
    d = np.linalg.solve(hessian, grad)
    return w - d
    ### END SOLUTION


# %% [markdown]
# ### Visible tests (1 point)
#
# With $w = (1, 2)$, $g = (3, 4)$ and $H = \begin{pmatrix} 2 & 1 \\ 1 & 3 \end{pmatrix}$: $\det H = 5$,
# $H^{-1} = \frac15\begin{pmatrix} 3 & -1 \\ -1 & 2 \end{pmatrix}$, so $d = H^{-1}g = \frac15(9 - 4,\,
# -3 + 8) = (1, 1)$ and the next point is $(0, 1)$. Check: $Hd = (3, 4) = g$.
#
# With a non-symmetric matrix, $w = (0, 0)$, $g = (1, 1)$, $J = \begin{pmatrix} 2 & 1 \\ 0 & 1
# \end{pmatrix}$: $J d = g$ gives $d_2 = 1$, $2 d_1 + 1 = 1$, so $d = (0, 1)$ and the next point is
# $(0, -1)$.
#
# | what you might have computed | first example | second example |
# | --- | --- | --- |
# | $w - H^{-1}g$ (right) | $(0, 1)$ | $(0, -1)$ |
# | $w + H^{-1}g$ (uphill) | $(2, 3)$ | $(0, 1)$ |
# | $w - Hg$ (multiplied instead of solved) | $(-9, -13)$ | $(-3, -1)$ |
# | $w - g$ (no Hessian) | $(-2, -2)$ | $(-1, -1)$ |
# | $w - g / \mathrm{diag}(H)$ (diagonal only) | $(-0.5, 0.667)$ | $(-0.5, -1)$ |
# | $w - H^{-\top} g$ (`grad @ inv(H)`) | $(0, 1)$ | $(-0.5, -0.5)$ |
#
# The cell's point is split into **aspects**, each checked on its own and shown in a table under the
# cell: the two hand-worked steps (0.5 point), one step to the minimum of a 6-D quadratic (0.2), a new
# NumPy array with `w`, `grad` and `hessian` left as they were (0.2), and $Hd = g$ solved rather than
# $H$ inverted (0.1: `np.linalg.inv` and `pinv` are refused while it runs).

# %% nbgrader={"grade": true, "grade_id": "test_newton_step_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def _newton_suspects(w, g, H):
    """What the typical mistakes return, for the messages."""
    return {
        "the step goes uphill: it is w - H^{-1} g (you added it)": w + np.linalg.solve(H, g),
        "you multiplied by the Hessian (w - H @ g): Newton's step divides by it, i.e. solves H d = g": w - H @ g,
        "this is a gradient step with learning rate 1 (w - g): the Hessian is missing": w - g,
        "you used only the diagonal of H (w - g / diag(H)): solve with the whole matrix, "
        "np.linalg.solve(hessian, grad)": w - g / np.diag(H),
        "you returned the step -H^{-1} g, not the next point w - H^{-1} g": -np.linalg.solve(H, g),
        "you returned H^{-1} g: the next point is w minus it": np.linalg.solve(H, g),
        "you solved H d = w instead of H d = g: the right-hand side is the gradient": w - np.linalg.solve(H, w),
        "you computed w - H^{-T} g (e.g. grad @ inv(H), or solve(H.T, grad)): the step solves H d = g, which "
        "differs for a non-symmetric matrix": w - np.linalg.solve(H.T, g),
    }


_NEWTON_EXAMPLES = [
    (np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([[2.0, 1.0], [1.0, 3.0]]), np.array([0.0, 1.0]),
     "newton_step for w = (1, 2), g = (3, 4), H = [[2, 1], [1, 3]]"),
    (np.array([0.0, 0.0]), np.array([1.0, 1.0]), np.array([[2.0, 1.0], [0.0, 1.0]]), np.array([0.0, -1.0]),
     "newton_step with the non-symmetric J = [[2, 1], [0, 1]], w = (0, 0), g = (1, 1)"),
]

score = Aspects("newton_step", points=1)

with score.aspect("the two hand-worked steps: w = (1, 2) with a symmetric H, and a non-symmetric J", 0.5):
    for _w, _g, _H, _expected, _what in _NEWTON_EXAMPLES:
        check_close(newton_step(_w.copy(), _g.copy(), _H.copy()), _expected, _what,
                    suspects=_newton_suspects(_w, _g, _H))

with score.aspect("one step from (-3, ..., -3) lands on the minimum of a 6-D quadratic (condition number 1000)", 0.2):
    # On a quadratic f(w) = 1/2 (w - c)^T A (w - c), one step from anywhere lands on c.
    _q = Quadratic.random(dim=6, kappa=1e3, seed=5)
    _q.center = np.arange(6.0)
    _start = np.full(6, -3.0)
    check_close(newton_step(_start.copy(), _q.grad(_start), _q.hessian(_start)), _q.center,
                "one Newton step on a quadratic (it should land exactly on the minimum)", rtol=1e-8, atol=1e-8,
                suspects=_newton_suspects(_start, _q.grad(_start), _q.hessian(_start)))

with score.aspect("a new NumPy array: w, grad and hessian left as they were", 0.2):
    for _w, _g, _H, _expected, _what in _NEWTON_EXAMPLES:
        _w_in, _g_in, _H_in = _w.copy(), _g.copy(), _H.copy()
        _result = newton_step(_w_in, _g_in, _H_in)
        assert isinstance(_result, np.ndarray), f"newton_step must return a NumPy array, got {type(_result).__name__}"
        check_close(_result, _expected, _what)
        assert np.array_equal(_w_in, _w), "newton_step modified w in place: return a new array (w - d), not w -= d"
        assert np.array_equal(_g_in, _g) and np.array_equal(_H_in, _H), \
            "newton_step modified grad or hessian: leave them as they were"

with score.aspect("H d = g is solved, H is not inverted (np.linalg.inv and pinv are refused)", 0.1):
    for _w, _g, _H, _expected, _what in _NEWTON_EXAMPLES:
        check_close(solving_not_inverting(lambda: newton_step(_w.copy(), _g.copy(), _H.copy())), _expected, _what)

score.result()

# %% [markdown]
# ### Hidden tests (2 points)
#
# When grading, this cell checks your step against independent oracles: the residual
# $H(w - w_{\text{next}}) = g$, SciPy's Cholesky solver for positive-definite matrices, and the exact minimum
# of random quadratics, for dimensions 1 to 60 and condition numbers up to $10^6$, symmetric and
# non-symmetric matrices. Its aspects: positive-definite matrices against the Cholesky solve (0.8 point),
# the residual for non-symmetric matrices (0.5), one step to the minimum of random quadratics (0.3), a new
# float64 array of shape $(n,)$ with the inputs left as they were (0.2), and no inverse formed (0.2). In
# your copy the cell keeps one call of the function only: while the function is a stub that call fails
# (and **Run All** stops there); once the function runs, the cell prints "Hidden tests run when grading."

# %% nbgrader={"grade": true, "grade_id": "test_newton_step_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden: newton_step vs scipy's Cholesky solve (SPD), the residual H (w - next_w) = g (non-symmetric), and one step to the minimum of random quadratics, dimensions 1 to 60.
newton_step(np.zeros(2), np.ones(2), np.eye(2))  # fails until newton_step runs
score = Aspects("newton_step", points=2)
### BEGIN HIDDEN TESTS
_hrng = np.random.default_rng(20240505)
_hspd, _hnonsym, _hquadratics = [], [], []
for _hn in [1, 2, 3, 7, 20, 60]:
    for _htrial in range(3):
        # Symmetric positive definite, compared with a Cholesky solve; then a well-conditioned non-symmetric J.
        _hQ, _ = np.linalg.qr(_hrng.standard_normal((_hn, _hn)))
        _hH = _hQ @ np.diag(np.logspace(0, _hrng.uniform(0, 4), _hn)) @ _hQ.T
        _hH = (_hH + _hH.T) / 2
        _hw, _hg = _hrng.standard_normal(_hn), _hrng.standard_normal(_hn)
        _hspd.append((_hn, _hw, _hg, _hH, _hw - scipy.linalg.cho_solve(scipy.linalg.cho_factor(_hH), _hg)))
        _hnonsym.append((_hn, _hw, _hg, np.eye(_hn) * 3 + _hrng.standard_normal((_hn, _hn)) / np.sqrt(_hn)))
for _hn, _hkappa, _hseed in [(2, 1e6, 1), (10, 1e4, 2), (40, 1e2, 3)]:
    _hq = Quadratic.random(dim=_hn, kappa=_hkappa, seed=_hseed)
    _hq.center = _hrng.standard_normal(_hn)
    _hquadratics.append((_hn, _hkappa, _hq, _hrng.standard_normal(_hn) * 10))


def _hnonsym_residual(result, case):
    _hn, _hw, _hg, _hJ = case
    check_close(_hJ @ (_hw - result), _hg, f"residual J (w - next_w) = g, non-symmetric J, n = {_hn}", rtol=1e-8,
                atol=1e-10)


with score.aspect("symmetric positive-definite H, n = 1 to 60, condition numbers up to 10^4: SciPy's Cholesky solve", 0.8):
    for _hn, _hw, _hg, _hH, _hexpected in _hspd:
        _hresult = newton_step(_hw.copy(), _hg.copy(), _hH.copy())
        assert np.shape(_hresult) == (_hn,), f"newton_step returned shape {np.shape(_hresult)}, expected ({_hn},)"
        check_close(_hresult, _hexpected, f"newton_step, SPD H, n = {_hn}", rtol=1e-7, atol=1e-9)
with score.aspect("non-symmetric J, n = 1 to 60: the residual J (w - next_w) = g", 0.5):
    for _hcase in _hnonsym:
        _hn, _hw, _hg, _hJ = _hcase
        _hnonsym_residual(newton_step(_hw.copy(), _hg.copy(), _hJ.copy()), _hcase)
with score.aspect("one step to the minimum of random quadratics, condition numbers up to 10^6", 0.3):
    for _hn, _hkappa, _hq, _hstart in _hquadratics:
        check_close(newton_step(_hstart.copy(), _hq.grad(_hstart), _hq.hessian(_hstart)), _hq.center,
                    f"one Newton step on a quadratic, n = {_hn}, kappa = {_hkappa:g}", rtol=1e-6, atol=1e-6)
with score.aspect("a new float64 NumPy array of shape (n,); w, grad and hessian left as they were", 0.2):
    for _hcase, _hspd_case in zip(_hnonsym, _hspd):
        _hn, _hw, _hg, _hJ = _hcase
        for _hmatrix, _hcheck in [(_hJ, lambda r: _hnonsym_residual(r, _hcase)),
                                  (_hspd_case[3], lambda r: check_close(r, _hspd_case[4], f"newton_step, SPD H, n = {_hn}",
                                                                        rtol=1e-7, atol=1e-9))]:
            _hw_in, _hg_in, _hm_in = _hw.copy(), _hg.copy(), _hmatrix.copy()
            _hresult = newton_step(_hw_in, _hg_in, _hm_in)
            assert isinstance(_hresult, np.ndarray) and _hresult.dtype == np.float64 and _hresult.shape == (_hn,), (
                f"newton_step must return a float64 NumPy array of shape ({_hn},), got {type(_hresult).__name__} "
                f"{getattr(_hresult, 'dtype', '')} {np.shape(_hresult)}")
            _hcheck(_hresult)
            assert np.array_equal(_hw_in, _hw), "newton_step modified w"
            assert np.array_equal(_hg_in, _hg) and np.array_equal(_hm_in, _hmatrix), "newton_step modified grad or hessian"
with score.aspect("H d = g solved, not inverted (np.linalg.inv and pinv refused), n = 1 to 60", 0.2):
    for _hn, _hw, _hg, _hH, _hexpected in _hspd:
        check_close(solving_not_inverting(lambda: newton_step(_hw.copy(), _hg.copy(), _hH.copy())), _hexpected,
                    f"newton_step, SPD H, n = {_hn}", rtol=1e-7, atol=1e-9)
### END HIDDEN TESTS
score.result()

# %% [markdown]
# ## 3. Newton on quadratics, on a non-quadratic, and near a saddle
#
# ### One step, whatever the condition number
#
# On rotated 2-D valleys of increasing condition number, and on a random 50-dimensional quadratic, we
# take one Newton step from the same distance and compare with gradient descent at its best fixed
# learning rate $2/(L + \mu)$, counting the steps it needs to get within $10^{-6}$ of the minimum.

# %%
with experiment("one Newton step on quadratics"):
    print(f"{'problem':32s} {'|w - w*| after 1 Newton step':>29s} {'gradient descent: steps to 1e-6':>33s}")
    problems = [(f"2-D valley, kappa = {k:g}", Quadratic.ill_conditioned(kappa=k, angle_deg=30)) for k in (10, 100, 1e3, 1e4)]
    problems.append(("50-D random, kappa = 1e4", Quadratic.random(dim=50, kappa=1e4, seed=SEED)))
    newton_errors = []
    for name, q in problems:
        w_start = np.ones(q.dim) / np.sqrt(q.dim)  # distance 1 from the minimum at 0
        w_newton = newton_step(w_start, q.grad(w_start), q.hessian(w_start))
        lr, w, steps = 2 / (q.L + q.mu), w_start.copy(), 0
        while np.linalg.norm(w - q.minimum) > 1e-6 and steps < 20000:
            w, steps = w - lr * q.grad(w), steps + 1
        predicted = np.log(1e6) / -np.log(1 - 2 / (q.condition_number + 1))
        gd = f"{steps}" if steps < 20000 else f"> 20000 (predicted {predicted:.0f})"
        print(f"{name:32s} {np.linalg.norm(w_newton - q.minimum):29.1e} {gd:>33s}")
        newton_errors.append(np.linalg.norm(w_newton - q.minimum))
        if name.startswith("2-D"):  # the steps, or the predicted steps beyond 20000
            gd_steps = quote(f"gd_steps_kappa{q.condition_number:g}", steps if steps < 20000 else predicted)
            quote(f"gd_steps_per_kappa{q.condition_number:g}", gd_steps / q.condition_number)
    quote("newton_err_kappa10", newton_errors[0])
    quote("newton_err_max", max(newton_errors))

# %% [markdown]
# **What we measured.** One Newton step lands on the minimum to rounding error (below 1e-15<!-- quote: newton_err_kappa10 ≤ -->
# for $\kappa = 10$, below 1e-12<!-- quote: newton_err_max ≤ --> for every problem up to $\kappa = 10^4$:
# rounding errors grow with $\kappa$), while gradient descent at its *best* learning rate needs
# 69<!-- quote: gd_steps_kappa10 -->, 691<!-- quote: gd_steps_kappa100 --> and 6908<!-- quote: gd_steps_kappa1000 -->
# steps for $\kappa = 10$, $100$, $1000$, and for $\kappa = 10^4$ more than 20000 (about
# 69000<!-- quote: gd_steps_kappa10000 ±1% --> by its rate $\frac{\kappa-1}{\kappa+1}$ per step): about
# 6.9<!-- quote: gd_steps_per_kappa1000 ±0.05 --> times $\kappa$ steps, $\frac12\ln(10^6)\,\kappa$. So the notes' "step to the minima of the
# approximation" is exactly right on a quadratic, and "no learning rate" too: the step size 1 was right for
# every $\kappa$. The catch is the cost: the 50-D step needed a $50\times50$ Hessian and a linear solve,
# which section 4 measures as $N$ grows.
#
# ### A non-quadratic: Rosenbrock's banana valley
#
# The Rosenbrock function $f(x, y) = (1-x)^2 + 100\,(y - x^2)^2$ has its minimum at $(1, 1)$ at the end
# of a curved, narrow valley; the classic start is $(-1.2, 1)$. We run pure Newton (full steps, no line
# search) and print the distance to the minimum at each step.

# %%
with experiment("Newton on Rosenbrock"):
    rosen = Rosenbrock()
    w = np.array([-1.2, 1.0])
    newton_rosen = [w]
    for k in range(12):
        w = newton_step(w, rosen.grad(w), rosen.hessian(w))
        newton_rosen.append(w)
        if np.linalg.norm(rosen.grad(w)) < 1e-12:
            break
    newton_rosen = np.array(newton_rosen)
    print("step |       w       |  f(w)     | |w - w*|  | smallest eigenvalue of H")
    for k, w in enumerate(newton_rosen):
        print(f"{k:4d} | ({w[0]:6.3f}, {w[1]:6.3f}) | {rosen.loss(w):9.2e} | {np.linalg.norm(w - 1):8.1e} | "
              f"{np.linalg.eigvalsh(rosen.hessian(w))[0]:8.2f}")
    dist = np.linalg.norm(newton_rosen - 1, axis=1)
    quote("newton_rosen_steps", len(newton_rosen) - 1)
    quote("newton_rosen_final_dist", dist[-1])
    for k in range(3, len(newton_rosen)):
        quote(f"newton_rosen_dist{k}", dist[k])
    quote("newton_rosen_loss1", rosen.loss(newton_rosen[1]))
    quote("newton_rosen_loss2", rosen.loss(newton_rosen[2]))
    for k in (1, 2):
        quote(f"newton_rosen_w{k}_x", newton_rosen[k][0])
        quote(f"newton_rosen_w{k}_y", newton_rosen[k][1])
    quote("newton_rosen_min_eig", min(np.linalg.eigvalsh(rosen.hessian(w))[0] for w in newton_rosen))
    fig, ax = plt.subplots(figsize=(6, 4.5))
    plot_trajectories(rosen, {"Newton (full steps)": newton_rosen}, ax=ax, extent=(-2.0, 2.0, -3.5, 3.0))
    ax.set_title("pure Newton on Rosenbrock from (-1.2, 1)")
    plt.show()

# %% [markdown]
# **What we measured.** Pure Newton lands exactly on the minimum of Rosenbrock (distance
# 0<!-- quote: newton_rosen_final_dist --> in floating point) at step 7<!-- quote: newton_rosen_steps -->. The
# path is not monotone: the second step *increases* the loss from 4.73<!-- quote: newton_rosen_loss1 --> to
# 1410<!-- quote: newton_rosen_loss2 ±0.5% --> (it jumps to (0.76<!-- quote: newton_rosen_w2_x -->,
# -3.17<!-- quote: newton_rosen_w2_y ±0.01 -->), far below the valley), because the quadratic model at
# (-1.18<!-- quote: newton_rosen_w1_x -->, 1.38<!-- quote: newton_rosen_w1_y -->) is a poor guide that far
# away. It happens to recover, and the last steps show **quadratic convergence**: the distance goes
# 0.48<!-- quote: newton_rosen_dist3 -->, 0.056<!-- quote: newton_rosen_dist4 -->,
# 9.6e-6<!-- quote: newton_rosen_dist5 ±2% -->, 1.9e-11<!-- quote: newton_rosen_dist6 ±10% -->,
# 0<!-- quote: newton_rosen_dist7 --> (roughly squared at every step). The Hessian happened to be positive
# definite at every point of this path (its smallest eigenvalue along the path was
# 0.34<!-- quote: newton_rosen_min_eig ±0.01 -->), so the model always had a minimum. Rosenbrock is not convex
# everywhere, though: at (-1.03<!-- quote: lbfgs_rosen_w3_x ±0.005 -->, 1.06<!-- quote: lbfgs_rosen_w3_y ±0.005 -->),
# a point that L-BFGS visits in section 8, the smallest eigenvalue of $H$ is
# -0.16<!-- quote: lbfgs_rosen_w3_min_eig ±0.01 -->, and there the model has no minimum at all. Here
# Newton was lucky; next, it is not.
#
# ### Newton is attracted to saddle points
#
# The course's saddle, $f(x, y) = \frac12 x^2 + \frac14 y^4 - \frac12 y^2$, has a saddle at the origin
# (curvature $+1$ along $x$, $-1$ along $y$) and two minima at $(0, \pm1)$. Newton's step solves $x$
# exactly (the loss is quadratic in $x$); along $y$ the update is
# $y \mapsto y - \frac{y^3 - y}{3y^2 - 1} = \frac{2y^3}{3y^2 - 1}$. Where the curvature $3y^2 - 1$ is
# negative ($|y| < 1/\sqrt3 \approx 0.577$) the step points *towards* $y = 0$, and for $|y| < 1/\sqrt5
# \approx 0.447$ it lands closer to 0 than it started, so it converges to the saddle, and fast
# ($y \mapsto \approx -2y^3$). We run 20 Newton steps from every point of a grid and colour each start by
# where it ends. For comparison, from $(0.8, 0.2)$: gradient descent (learning rate 0.1), and a
# **saddle-free Newton** step (Dauphin et al., 2014), which replaces $H$ by $|H|$ (the same eigenvectors,
# absolute eigenvalues) so that negative curvature is followed downhill instead of uphill.

# %%
with experiment("Newton near a saddle"):
    saddle = Saddle()
    xs = np.linspace(-1.45, 1.45, 21)
    ys = np.linspace(-1.55, 1.55, 32)  # no grid point on the singular lines y = +-1/sqrt(3)
    ends = np.zeros((len(ys), len(xs)), dtype=int)  # 0 saddle, 1 a minimum, 2 elsewhere
    for i, y0 in enumerate(tqdm(ys, desc="grid rows", leave=False)):
        for j, x0 in enumerate(xs):
            w = np.array([x0, y0])
            for _ in range(20):
                w = newton_step(w, saddle.grad(w), saddle.hessian(w))
                if not np.all(np.isfinite(w)) or np.abs(w).max() > 1e6:
                    break
            if np.linalg.norm(w) < 1e-6:
                ends[i, j] = 0
            elif np.min(np.linalg.norm(saddle.minima - w, axis=1)) < 1e-6:
                ends[i, j] = 1
            else:
                ends[i, j] = 2
    share = {name: (ends == k).mean() for k, name in enumerate(["saddle", "a minimum", "elsewhere"])}
    print(f"Newton from a {len(xs)} x {len(ys)} grid over [-1.45, 1.45] x [-1.55, 1.55]: ends at " +
          ", ".join(f"{name} {100 * s:.0f}%" for name, s in share.items()))
    quote("saddle_share", share["saddle"])
    for band, label in [(1 / np.sqrt(5), "1/sqrt(5)"), (1 / np.sqrt(3), "1/sqrt(3)")]:
        inside = np.abs(ys) < band
        print(f"starts with |y0| < {label} = {band:.3f}: {100 * (ends[inside] == 0).mean():.0f}% end at the saddle")
        quote(f"saddle_share_below_{label[-2]}", (ends[inside] == 0).mean())


    def saddle_free_step(w, g, H):
        """Newton's step with |H|: eigenvalues replaced by their absolute values (not graded)."""
        lam, V = np.linalg.eigh(H)
        return w - V @ ((V.T @ g) / np.abs(lam))


    start = np.array([0.8, 0.2])
    paths = {"Newton": [start], "gradient descent, lr 0.1": [start], "saddle-free Newton": [start]}
    for _ in range(60):
        for name, step in [("Newton", newton_step), ("saddle-free Newton", saddle_free_step)]:
            w = paths[name][-1]
            paths[name].append(step(w, saddle.grad(w), saddle.hessian(w)))
        w = paths["gradient descent, lr 0.1"][-1]
        paths["gradient descent, lr 0.1"].append(w - 0.1 * saddle.grad(w))
    paths = {name: np.array(p) for name, p in paths.items()}
    for name, p in paths.items():
        d_min = np.min(np.linalg.norm(saddle.minima[:, None, :] - p[None], axis=2), axis=0)
        reached = np.flatnonzero(d_min < 1e-6)
        print(f"{name:26s} from (0.8, 0.2): after 60 steps at ({p[-1, 0]:.2g}, {p[-1, 1]:.2g}), "
              f"{d_min[-1]:.1e} from the nearest minimum"
              + (f"; within 1e-6 of it from step {reached[0]} on" if reached.size else ""))
        quote(f"saddle_{name.split(',')[0].replace(' ', '_')}_final_dist", d_min[-1])
        if reached.size:
            quote(f"saddle_{name.split(',')[0].replace(' ', '_')}_step", reached[0])
    at_saddle = np.flatnonzero(np.linalg.norm(paths["Newton"], axis=1) < 1e-6)
    print(f"Newton from (0.8, 0.2): within 1e-6 of the saddle from step {at_saddle[0]} on")
    quote("saddle_newton_at_saddle_step", at_saddle[0])

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    axes[0].pcolormesh(xs, ys, ends, cmap=plt.matplotlib.colors.ListedColormap(["C3", "C2", "0.5"]),
                       alpha=0.6, shading="nearest", vmin=0, vmax=2)
    gx, gy = np.meshgrid(np.linspace(-1.5, 1.5, 200), np.linspace(-1.6, 1.6, 200))
    axes[0].contour(gx, gy, saddle.loss(np.stack([gx, gy], axis=-1)), levels=20, colors="k", linewidths=0.4)
    for band, style in [(1 / np.sqrt(3), ":"), (1 / np.sqrt(5), "--")]:
        for sign in (1, -1):
            axes[0].axhline(sign * band, color="k", ls=style, lw=1)
    axes[0].plot(*saddle.minima.T, "w*", markersize=14, markeredgecolor="k")
    axes[0].plot(0, 0, "kx", markersize=10)
    axes[0].set(xlabel="$w_1$", ylabel="$w_2$",
                title="where Newton ends: red the saddle (x), green a minimum (*)\n"
                      r"dotted $|w_2| = 1/\sqrt{3}$, dashed $|w_2| = 1/\sqrt{5}$")
    plot_trajectories(saddle, {name: p[:25] for name, p in paths.items()}, ax=axes[1], log=False)
    axes[1].set_title("25 steps from (0.8, 0.2)")
    plt.show()

# %% [markdown]
# **What we measured.** A quarter of the grid (25%<!-- quote: saddle_share -->) converges to the **saddle**:
# every start with $|y_0| < 1/\sqrt5$ (100%<!-- quote: saddle_share_below_5 -->), and
# 67%<!-- quote: saddle_share_below_3 --> of those with $|y_0| < 1/\sqrt3$ (the band between the dotted lines, where
# the curvature along $y$ is negative; nearer its edges the step overshoots to the far side and then
# heads for a minimum). These are exactly starts from which gradient descent rolls off towards a minimum.
# From $(0.8, 0.2)$ Newton sits on the saddle (within $10^{-6}$ of it) from step
# 3<!-- quote: saddle_newton_at_saddle_step --> on, gradient descent is on its way to the minimum $(0, 1)$
# (1.44e-3<!-- quote: saddle_gradient_descent_final_dist ±2% --> from it after 60 steps), and saddle-free Newton
# is within $10^{-6}$ of it from step 5<!-- quote: saddle_saddle-free_Newton_step --> on. Notebook 01 argued that in high dimensions most critical points are saddles; for pure
# Newton that is fatal, since it converges to whichever critical point is nearby. This is one more reason
# deep learning does not use it as is, besides the cost. Practical second-order methods for non-convex
# problems modify the Hessian (absolute values, a positive shift $H + \lambda I$ as in
# Levenberg-Marquardt, or a Gauss-Newton approximation that is positive semi-definite by construction) or,
# like L-BFGS below, build a positive-definite model from gradients.
#
# ### "No learning rate": only near the minimum
#
# For $f(x) = \sqrt{1 + x^2}$ (the first picture) the Newton update is $x \mapsto -x^3$: from
# $|x_0| < 1$ it converges (cubically), from $|x_0| = 1$ it oscillates forever, from $|x_0| > 1$ it
# diverges, on a convex function with a single minimum.

# %%
with experiment("pure Newton on sqrt(1 + x^2)"):
    for x0 in [0.5, 0.9, 1.0, 1.1]:
        xk, trace = np.array([x0]), [x0]
        for _ in range(6):
            g, h = xk / np.sqrt(1 + xk**2), (1 + xk**2) ** -1.5
            xk = newton_step(xk, g, h.reshape(1, 1))
            trace.append(float(xk[0]))
        print(f"x0 = {x0}: " + ", ".join(f"{v:.3g}" for v in trace))
        if x0 in (0.5, 1.1):
            for k, v in enumerate(trace[1:6], start=1):
                quote(f"sqrt_newton_x0_{x0}_step{k}", v)

# %% [markdown]
# From $0.5$: -0.125<!-- quote: sqrt_newton_x0_0.5_step1 -->, 0.00195<!-- quote: sqrt_newton_x0_0.5_step2 ±1% -->,
# -7.5e-9<!-- quote: sqrt_newton_x0_0.5_step3 ±1% -->, then 0<!-- quote: sqrt_newton_x0_0.5_step4 -->: four steps to
# machine precision. From $1.1$: -1.33<!-- quote: sqrt_newton_x0_1.1_step1 -->,
# 2.36<!-- quote: sqrt_newton_x0_1.1_step2 -->, -13.1<!-- quote: sqrt_newton_x0_1.1_step3 -->,
# 2250<!-- quote: sqrt_newton_x0_1.1_step4 ±0.5% -->, -1.1e10<!-- quote: sqrt_newton_x0_1.1_step5 ±5% -->: divergence. The fix, used by every practical Newton method, is a
# **line search** along the Newton direction: try the full step and shorten it until the loss decreases
# enough ("damped Newton"). Close to the minimum the full step passes and quadratic convergence is kept; far
# away the line search acts as the learning rate the notes say Newton does not need. You write exactly such
# a line search for L-BFGS in section 7.
#
# **Q1.** Newton's step is invariant to a linear change of coordinates, gradient descent's is not. Show it:
# with $w = Bv$ ($B$ invertible) and $\tilde f(v) = f(Bv)$, write the gradient and Hessian of $\tilde f$,
# the Newton step in $v$, and map it back to $w$.
#
# <details><summary>Answer</summary>
#
# $\nabla \tilde f(v) = B^\top g$ and $\nabla^2 \tilde f(v) = B^\top H B$. The Newton step in $v$ is
# $-(B^\top H B)^{-1} B^\top g = -B^{-1} H^{-1} B^{-\top} B^\top g = -B^{-1} H^{-1} g$, so in $w$ it is
# $B \cdot (-B^{-1}H^{-1}g) = -H^{-1}g$: the same step. Gradient descent's step in $v$ is $-\eta B^\top g$,
# which maps to $-\eta B B^\top g$ in $w$: a different step unless $BB^\top = I$. Rescaling the
# parameters (e.g. inputs in millimetres instead of metres) changes gradient descent's path and best
# learning rate, and does not change Newton's at all. Adam's per-coordinate scaling (notebook 03) gets
# invariance to *diagonal* $B$ only.
# </details>
#
# **Q2.** Why does the saddle-free step go downhill along a negative-curvature direction, while Newton's
# goes uphill?
#
# <details><summary>Answer</summary>
#
# Along an eigenvector $v$ of $H$ with eigenvalue $\lambda$, the Newton step is $-(v^\top g)/\lambda$.
# For $\lambda > 0$ that is against the slope, downhill. For $\lambda < 0$ the sign flips: the step goes
# *with* the slope, uphill, towards the maximum of the model along $v$ (the saddle). Dividing by
# $|\lambda|$ keeps the step against the slope in every direction while still scaling it by the curvature.
# </details>

# %% [markdown]
# ## 4. What a Newton step costs: $O(N^2)$ memory and $O(N^3)$ time
#
# A network with $N$ parameters has an $N \times N$ Hessian: $N^2$ numbers, $8N^2$ bytes in float64
# (half in float32). Solving $Hd = g$ by LU factorization costs $\frac23 N^3$ floating-point operations,
# by Cholesky (for positive-definite $H$) $\frac13 N^3$, and forming the inverse about $2N^3$. We
# **measure** the memory and the time on random symmetric positive-definite matrices for $N$ from 256 to
# 2048, on one CPU thread (the BLAS library would otherwise use every core, which blurs the scaling at
# small $N$). We time the CPU time of our own process (`time.process_time`), which other programs running on
# the machine do not inflate, take the best of 2 to 5 runs, and fit the slope of the log-log plot on the
# four largest sizes. A slope of 2 means $O(N^2)$, a slope of 3 means $O(N^3)$. The last column is the
# speed of LU in GFLOP/s, $\frac23 N^3$ divided by its time.

# %%
with experiment("memory and time of a Newton step"):
    from threadpoolctl import threadpool_limits

    sizes = [256, 362, 512, 724, 1024, 1448, 2048]
    timings = {"np.linalg.solve (LU)": [], "Cholesky (scipy.linalg.cho_factor + cho_solve)": [], "np.linalg.inv, then H^-1 @ g": []}
    memory = []


    def best_time(fn, repeats):
        """Shortest CPU time of this process over `repeats` calls (other programs do not inflate it)."""
        best = np.inf
        for _ in range(repeats):
            t0 = time.process_time()
            fn()
            best = min(best, time.process_time() - t0)
        return best


    with threadpool_limits(limits=1):
        for n in tqdm(sizes, desc="N", leave=False):
            B = rng.standard_normal((n, n))
            H = (B + B.T) / 2 + (np.sqrt(2 * n) + 1) * np.eye(n)  # symmetric, eigenvalues > 0
            g = rng.standard_normal(n)
            memory.append(H.nbytes)
            repeats = 5 if n <= 512 else (3 if n <= 1024 else 2)
            timings["np.linalg.solve (LU)"].append(best_time(lambda: np.linalg.solve(H, g), repeats))
            timings["Cholesky (scipy.linalg.cho_factor + cho_solve)"].append(
                best_time(lambda: scipy.linalg.cho_solve(scipy.linalg.cho_factor(H), g), repeats))
            if n <= 1024:  # the inverse is the slowest: measured on the smaller sizes only
                timings["np.linalg.inv, then H^-1 @ g"].append(best_time(lambda: np.linalg.inv(H) @ g, repeats))
    sizes_arr = np.array(sizes, dtype=float)
    slope_mem = np.polyfit(np.log(sizes_arr), np.log(memory), 1)[0]
    print(f"memory of H (float64): {memory[0] / 2**20:.2f} MiB at N = {sizes[0]}, {memory[-1] / 2**20:.0f} MiB at "
          f"N = {sizes[-1]}; log-log slope {slope_mem:.2f}")
    slopes = {}
    column = {"np.linalg.solve (LU)": "LU (np.linalg.solve)", "Cholesky (scipy.linalg.cho_factor + cho_solve)":
              "Cholesky (cho_solve)", "np.linalg.inv, then H^-1 @ g": "np.linalg.inv(H) @ g"}
    print(f"{'N':>6s} " + " ".join(f"{column[name]:>24s}" for name in timings) + f"{'LU speed':>14s}")
    for i, n in enumerate(sizes):
        print(f"{n:6d} " + " ".join(f"{1e3 * t[i]:21.1f} ms" if i < len(t) else f"{'-':>24s}" for t in timings.values())
              + f"{2 / 3 * n ** 3 / timings['np.linalg.solve (LU)'][i] / 1e9:8.1f} GFLOP/s")
    for name, t in timings.items():
        big = np.polyfit(np.log(sizes_arr[len(t) - 4:len(t)]), np.log(t[-4:]), 1)[0]
        small = np.polyfit(np.log(sizes_arr[:3]), np.log(t[:3]), 1)[0]
        slopes[name] = big
        print(f"{name}: slope {big:.2f} on N from {sizes[len(t) - 4]} to {sizes[len(t) - 1]}, "
              f"{small:.2f} on N <= {sizes[2]}")
    t_lu = timings["np.linalg.solve (LU)"][-1]
    i_1024 = sizes.index(1024)
    print(f"at N = 1024: inverse / LU = {timings['np.linalg.inv, then H^-1 @ g'][i_1024] / timings['np.linalg.solve (LU)'][i_1024]:.1f}; "
          f"at N = {sizes[-1]}: LU / Cholesky = {t_lu / timings['Cholesky (scipy.linalg.cho_factor + cho_solve)'][-1]:.1f}, "
          f"LU at {2 / 3 * sizes[-1] ** 3 / t_lu / 1e9:.0f} GFLOP/s")
    quote("mem_mib_first", memory[0] / 2**20)
    quote("mem_mib_last", memory[-1] / 2**20)
    quote("mem_slope", slope_mem)
    for name, key in [("np.linalg.solve (LU)", "lu"), ("Cholesky (scipy.linalg.cho_factor + cho_solve)", "cholesky"),
                      ("np.linalg.inv, then H^-1 @ g", "inverse")]:
        quote(f"slope_{key}", slopes[name])
    speed = [2 / 3 * n ** 3 / t / 1e9 for n, t in zip(sizes, timings["np.linalg.solve (LU)"])]
    quote("lu_speed_growth", speed[-1] / speed[0])
    quote("inverse_over_lu_1024", timings["np.linalg.inv, then H^-1 @ g"][i_1024] / timings["np.linalg.solve (LU)"][i_1024])
    quote("lu_over_cholesky_last", t_lu / timings["Cholesky (scipy.linalg.cho_factor + cho_solve)"][-1])

    fig, axes = plt.subplots(1, 2, figsize=(13, 4))
    axes[0].loglog(sizes, np.array(memory) / 2**20, "o-", label=f"measured (slope {slope_mem:.2f})")
    axes[0].set(xlabel="N (parameters)", ylabel="MiB", title="memory of a dense float64 Hessian")
    for i, (name, t) in enumerate(timings.items()):
        axes[1].loglog(sizes[:len(t)], t, "o-", color=f"C{i}", label=f"{name} (slope {slopes[name]:.2f})")
    ref = t_lu * (sizes_arr / sizes[-1]) ** 3
    axes[1].loglog(sizes, ref, "k:", label=r"$\propto N^3$")
    axes[1].set(xlabel="N (parameters)", ylabel="CPU seconds (one thread)", title="time to compute $H^{-1}g$")
    for ax in axes:
        ax.legend(fontsize=8)
        ax.grid(True, which="both", alpha=0.3)
    plt.show()

    print("Extrapolated (memory 8 N^2 bytes; LU time from the largest measurement times (N / 2048)^3):")
    for name, n in [("the digits MLP of notebook 02 (64-64-10)", 64 * 64 + 64 + 64 * 10 + 10),
                    ("a small CNN, 100k parameters", 100_000), ("ResNet-50, 25.6M parameters", 25_600_000)]:
        print(f"  {name:42s} N = {n:>10,d}: Hessian {8 * n**2 / 1e9:12.3g} GB, one solve {t_lu * (n / sizes[-1]) ** 3:10.3g} s")
        quote(f"extrapolated_N{n}_hessian_gb", 8 * n**2 / 1e9)
        quote(f"extrapolated_N{n}_hessian_pb", 8 * n**2 / 1e15)
        quote(f"extrapolated_N{n}_hessian_mb", 8 * n**2 / 1e6)
        quote(f"extrapolated_N{n}_solve_s", t_lu * (n / sizes[-1]) ** 3)
        quote(f"extrapolated_N{n}_solve_hours", t_lu * (n / sizes[-1]) ** 3 / 3600)
        quote(f"extrapolated_N{n}_solve_years", t_lu * (n / sizes[-1]) ** 3 / (3600 * 24 * 365.25))

# %% [markdown]
# **What we measured.** Memory: 0.5<!-- quote: mem_mib_first --> MiB at $N = 256$,
# 32<!-- quote: mem_mib_last --> MiB at $N = 2048$, slope 2.00<!-- quote: mem_slope --> (it is $8N^2$ bytes by
# construction; the measurement only confirms that nothing else is stored). Time: clearly cubic-ish, but
# **below 3** on our (shared, busy) 2-core machine: the fitted slope on $N$ from 724 to 2048 was about
# 2.7<!-- quote: slope_lu ±0.3 --> for LU and 2.7<!-- quote: slope_cholesky ±0.3 --> for Cholesky, and on $N$
# from 362 to 1024 (the inverse was timed only up to 1024) 2.4<!-- quote: slope_inverse ±0.35 --> for the
# inverse (the slopes vary by a tenth or two from run to run). The
# last column says why. The operation count does grow as $N^3$, but the library gets faster per operation
# as the matrices grow (LU ran at least 1.4<!-- quote: lu_speed_growth ≥ --> times as many GFLOP/s at
# $N = 2048$ as at $N = 256$: bigger blocks reuse each number loaded into the cache more often), and the
# slope is 3 minus the growth rate of that speed. The speed levels off for large enough $N$, and the slope
# then tends to 3; with several threads, or on a GPU, the speed typically keeps growing up to much larger
# $N$, and the measured slope stays below 3 longer. So "$O(N^3)$" is a statement about large $N$; what you
# measure at moderate $N$ is flatter. Your times will differ; the slopes should not by much. Forming the
# inverse was about 4<!-- quote: inverse_over_lu_1024 ±1.2 --> times slower than LU (the operation counts
# predict 3), and Cholesky about 1.4<!-- quote: lu_over_cholesky_last ±0.4 --> times faster than LU (they
# predict 2): solve, don't invert.
#
# So the notes are right, and the extrapolation says how right: the 4810-parameter MLP of notebook 02
# already needs a 185<!-- quote: extrapolated_N4810_hessian_mb --> MB Hessian and at least
# 0.5<!-- quote: extrapolated_N4810_solve_s ≥ --> s of one core per step; a 100k-parameter CNN would need
# 80<!-- quote: extrapolated_N100000_hessian_gb --> GB and more than 1<!-- quote: extrapolated_N100000_solve_hours ≥ -->
# hour per step; ResNet-50's Hessian would need about 5<!-- quote: extrapolated_N25600000_hessian_pb ±0.3 -->
# **petabytes**, and one core more than 1000<!-- quote: extrapolated_N25600000_solve_years ≥ --> years per
# solve. And computing the Hessian costs about $N$ backward passes on top of that.
#
# **Q3.** A Hessian-vector product $Hv$ can be computed without forming $H$, for about the cost of two
# gradients (Pearlmutter's trick, `torch.autograd.functional.hvp`). Does that make Newton's method
# practical for large $N$?
#
# <details><summary>Answer</summary>
#
# Partly. With $Hv$ products, $Hd = g$ can be solved approximately by conjugate gradients, a few tens of
# products per step, without storing $H$: "Hessian-free" or truncated Newton (Martens, 2010). Memory is
# then $O(N)$ and the cost per step is tens of gradients instead of $N^3$. But each step is still many
# times more expensive than an SGD step, the curvature must be made positive (Gauss-Newton, damping)
# because of saddles, and with mini-batches the products are noisy. It works, but has not displaced
# Adam and SGD in practice.
# </details>

# %% [markdown]
# ## 5. Quasi-Newton: curvature from gradients (BFGS and L-BFGS)
#
# ### The secant condition
#
# We cannot afford $H$, but every step tells us something about it. After a step
# $s_k = w_{k+1} - w_k$, the gradient changed by $y_k = g_{k+1} - g_k$. On a quadratic with Hessian $A$,
# $y_k = A s_k$ exactly; in general $y_k \approx H s_k$ for short steps. A **quasi-Newton** method keeps
# an approximation $H_k$ of the *inverse* Hessian, steps along $p_k = -H_k g_k$, and after each step
# updates $H_k$ so that it explains the latest step, the **secant condition**
#
# $$ H_{k+1}\, y_k = s_k . $$
#
# ### BFGS
#
# Among all symmetric matrices satisfying the secant condition, BFGS (Broyden, Fletcher, Goldfarb and
# Shanno, 1970) picks the one closest to $H_k$ (in a weighted norm), which gives
#
# $$ H_{k+1} = \left(I - \rho_k s_k y_k^\top\right) H_k \left(I - \rho_k y_k s_k^\top\right) + \rho_k s_k s_k^\top,
#    \qquad \rho_k = \frac{1}{y_k^\top s_k} . $$
#
# Multiply by $y_k$ to check the secant condition: $(I - \rho_k y_k s_k^\top) y_k = y_k - y_k = 0$, so only
# $\rho_k s_k s_k^\top y_k = s_k$ remains. If $H_k$ is positive definite and the **curvature condition**
# $s_k^\top y_k > 0$ holds, $H_{k+1}$ is positive definite too, so $p = -Hg$ always points downhill
# ($g^\top p = -g^\top H g < 0$). No Hessian is ever computed, and no linear system solved: the update is
# $O(N^2)$. But $H_k$ is still a dense $N \times N$ matrix.
#
# ### L-BFGS: keep the last $m$ steps, not the matrix
#
# Limited-memory BFGS (Nocedal, 1980; Liu and Nocedal, 1989) stores only the last $m$ pairs
# $(s_i, y_i)$ (typically $m = 5$ to $20$) and never forms $H$. It defines $H_k$ as the result of applying
# the $m$ BFGS updates, oldest first, to a simple starting matrix $H_k^0 = \gamma_k I$ with
#
# $$ \gamma_k = \frac{s_{k-1}^\top y_{k-1}}{y_{k-1}^\top y_{k-1}} \qquad \text{(from the newest pair)}, $$
#
# an estimate of $1/\text{curvature}$ along the latest step (for $y = As$ it lies between $1/L$ and
# $1/\mu$). This scaling is what lets L-BFGS take a full step $\alpha = 1$ most of the time. The product
# $H_k g$ is computed from the pairs alone by the **two-loop recursion** (Nocedal and Wright, *Numerical
# Optimization*, Algorithm 7.4), in $4mN$ multiplications and $2mN$ numbers of memory:
#
# $$
# \begin{aligned}
# & q \leftarrow g \\
# & \textbf{for } i = k-1, k-2, \dots, k-m \text{ (newest to oldest):} \quad
#   \alpha_i \leftarrow \rho_i\, s_i^\top q, \quad q \leftarrow q - \alpha_i\, y_i \\
# & r \leftarrow \gamma_k\, q \\
# & \textbf{for } i = k-m, \dots, k-2, k-1 \text{ (oldest to newest):} \quad
#   \beta \leftarrow \rho_i\, y_i^\top r, \quad r \leftarrow r + (\alpha_i - \beta)\, s_i \\
# & \textbf{return } r = H_k\, g
# \end{aligned}
# $$
#
# Why it works, in one line: unrolling the BFGS formula, $H_k g$ is a product of the factors
# $(I - \rho_i y_i s_i^\top)$ applied to $g$ (newest first: the first loop, which stores each
# $\alpha_i$), then $H_k^0$, then the factors $(I - \rho_i s_i y_i^\top)$ plus the $\rho_i s_i s_i^\top$ terms
# (oldest first: the second loop, which needs the $\alpha_i$ of the first). The two loops run in opposite
# orders, and the $\alpha_i$ must be kept per pair.

# %% [markdown]
# ## 6. Exercise: the two-loop recursion
#
# Implement `lbfgs_direction(grad, s_list, y_list)`. The lists hold the pairs **oldest first**
# (`s_list[-1]` is the newest); each entry is a NumPy array of shape $(n,)$ and every pair has
# $s^\top y > 0$. Return the **search direction** $p = -H g$: the direction to step along, already with
# the minus sign, so that the caller does `w + alpha * p`. With no pairs yet ($H = I$) return $-g$.
# Do not modify `grad` or the lists (careful: `q = grad` followed by `q -= ...` changes the caller's
# gradient; start from a copy, or write `q = q - ...`).

# %% nbgrader={"grade": false, "grade_id": "lbfgs_direction", "locked": false, "schema_version": 3, "solution": true, "task": false}
def lbfgs_direction(grad, s_list, y_list):
    """The L-BFGS search direction p = -H g, by the two-loop recursion (Nocedal & Wright, Algorithm 7.4).

    H is the BFGS approximation of the inverse Hessian obtained by applying the BFGS update for each
    stored pair (s_i, y_i), oldest first, to H0 = gamma * I, where gamma = (s . y) / (y . y) is
    computed from the NEWEST pair.

    Inputs:
    - grad: the gradient g at the current point, a NumPy float64 array of shape (n,).
    - s_list: list of the stored steps s_i = w_{i+1} - w_i, OLDEST FIRST (s_list[-1] is the newest);
      each a NumPy array of shape (n,). May be empty.
    - y_list: list of the matching gradient changes y_i = g_{i+1} - g_i, same order and length.
      Every pair has s_i . y_i > 0.

    Returns:
    - p: the search direction -H g, a new NumPy array of shape (n,). With empty lists, p = -g.
      grad, s_list and y_list are not modified.
    """
    ### BEGIN SOLUTION
    q = np.array(grad, dtype=np.float64)  # a copy: grad stays untouched
    m = len(s_list)
    if m == 0:
        return -q
    rho = [1.0 / np.dot(y, s) for s, y in zip(s_list, y_list)]
    alpha = [0.0] * m
    for i in range(m - 1, -1, -1):  # newest to oldest
        alpha[i] = rho[i] * np.dot(s_list[i], q)
        q = q - alpha[i] * y_list[i]
    gamma = np.dot(s_list[-1], y_list[-1]) / np.dot(y_list[-1], y_list[-1])  # newest pair
    r = gamma * q
    for i in range(m):  # oldest to newest
        beta = rho[i] * np.dot(y_list[i], r)
        r = r + (alpha[i] - beta) * s_list[i]
    return -r
    ### END SOLUTION


# %% [markdown]
# ### Visible tests (2 points)
#
# Two pairs in 2-D, taken from the quadratic with Hessian $A = \begin{pmatrix} 4 & 2 \\ 2 & 2\end{pmatrix}$
# (so $y_i = A s_i$): $s_1 = (1, 0)$, $y_1 = (4, 2)$, $\rho_1 = \frac14$ (older), and $s_2 = (-1, 1)$,
# $y_2 = (-2, 0)$, $\rho_2 = \frac12$ (newer), at the gradient $g = (3, 4)$:
#
# | step | computation | result |
# | --- | --- | --- |
# | first loop, pair 2 | $\alpha_2 = \frac12\, s_2^\top g = \frac12(-3 + 4)$, $\;q = g - \alpha_2 y_2 = (3, 4) + (1, 0)$ | $\alpha_2 = \frac12$, $q = (4, 4)$ |
# | first loop, pair 1 | $\alpha_1 = \frac14\, s_1^\top q = \frac14 \cdot 4$, $\;q = q - \alpha_1 y_1 = (4, 4) - (4, 2)$ | $\alpha_1 = 1$, $q = (0, 2)$ |
# | scaling | $\gamma = s_2^\top y_2 / y_2^\top y_2 = 2/4$, $\;r = \gamma q$ | $r = (0, 1)$ |
# | second loop, pair 1 | $\beta = \frac14\, y_1^\top r = \frac24$, $\;r = r + (\alpha_1 - \beta) s_1 = (0, 1) + \frac12 (1, 0)$ | $r = (\frac12, 1)$ |
# | second loop, pair 2 | $\beta = \frac12\, y_2^\top r = -\frac12$, $\;r = r + (\alpha_2 - \beta) s_2 = (\frac12, 1) + (-1, 1)$ | $r = (-\frac12, 2)$ |
# | direction | $p = -r$ | $p = (\frac12, -2)$ |
#
# It is a descent direction ($g^\top p = 1.5 - 8 < 0$). The typical mistakes give: both loops oldest first
# $(1.25, -2.625)$; $\gamma$ from the oldest pair $(0.5, -1.7)$; $\gamma = y^\top y / s^\top y$ (inverted)
# $(0.5, -3.5)$; $\gamma = 1$ $(0.5, -2.5)$; no $\rho$ $(34.5, -65)$; one $\alpha$ for all pairs $(1, -2.5)$;
# $+Hg$ instead of $-Hg$ $(-0.5, 2)$. The test also checks the secant condition on random pairs:
# $H y_{\text{newest}} = s_{\text{newest}}$, i.e. `lbfgs_direction(y[-1], s, y)` must return $-s_{\text{newest}}$.
#
# Its aspects: the hand-worked example (1 point), an empty history (0.2), the secant condition on random
# histories of 1, 3 and 6 pairs (0.3), a descent direction on them (0.2), and a new array with `grad`,
# `s_list` and `y_list` left as they were (0.3).

# %% nbgrader={"grade": true, "grade_id": "test_lbfgs_direction_visible", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# What the typical mistakes give on the hand-worked example (each reached by a file of the course's mistake corpus).
_DIRECTION_SUSPECTS = {
    "both loops run oldest to newest: the first loop goes from the NEWEST pair to the oldest, the second "
    "from the oldest to the newest": np.array([1.25, -2.625]),
    "gamma comes from the oldest pair: use the NEWEST, gamma = s[-1].y[-1] / y[-1].y[-1]": np.array([0.5, -1.7]),
    "gamma is inverted: it is (s.y)/(y.y), an inverse curvature, not (y.y)/(s.y)": np.array([0.5, -3.5]),
    "the initial matrix is the identity: scale it, H0 = gamma*I with gamma = (s.y)/(y.y) of the newest pair":
        np.array([0.5, -2.5]),
    "rho is missing: alpha_i = rho_i s_i.q and beta = rho_i y_i.r, with rho_i = 1/(y_i.s_i)": np.array([34.5, -65.0]),
    "one alpha is reused for every pair: store alpha_i for each pair in the first loop (a list), and use the "
    "alpha_i of the same pair in the second": np.array([1.0, -2.5]),
    "the sign is flipped: return the descent direction -H g, not H g": np.array([-0.5, 2.0]),
}


def _example():
    """The hand-worked example, fresh copies: g, s_list, y_list (oldest first)."""
    return (np.array([3.0, 4.0]), [np.array([1.0, 0.0]), np.array([-1.0, 1.0])],
            [np.array([4.0, 2.0]), np.array([-2.0, 0.0])])


def _random_histories():
    """Histories from random positive-definite quadratics (y = A s): (n, m, S, Y, g) for 1, 3 and 6 pairs."""
    rng = np.random.default_rng(7)
    out = []
    for n, m in [(3, 1), (5, 3), (8, 6)]:
        A = rng.standard_normal((n, n))
        A = A @ A.T + n * np.eye(n)
        S = [rng.standard_normal(n) for _ in range(m)]
        out.append((n, m, S, [A @ s for s in S], rng.standard_normal(n)))
    return out


def _secant(n, m, S, Y):
    """The secant condition for the newest pair: lbfgs_direction(y[-1], s, y) = -s[-1]."""
    check_close(lbfgs_direction(Y[-1].copy(), [s.copy() for s in S], [y.copy() for y in Y]), -S[-1],
                f"secant condition H y_newest = s_newest ({m} pairs, n = {n}): lbfgs_direction(y[-1], s, y) should be -s[-1]",
                rtol=1e-8, atol=1e-10, suspects={"the direction is +s_newest: the sign is flipped (return -H g)": S[-1]})


score = Aspects("lbfgs_direction", points=2)

with score.aspect("the hand-worked example: two pairs in 2-D at g = (3, 4) give p = (0.5, -2)", 1.0):
    check_close(lbfgs_direction(*_example()), np.array([0.5, -2.0]), "lbfgs_direction on the hand-worked example",
                suspects=_DIRECTION_SUSPECTS)

with score.aspect("an empty history: p = -g (steepest descent)", 0.2):
    try:
        _p = lbfgs_direction(np.array([3.0, -4.0]), [], [])
    except (IndexError, ZeroDivisionError, ValueError) as err:
        raise AssertionError(f"lbfgs_direction with empty lists crashed ({type(err).__name__}: {err}): with no pairs, "
                             "return -grad before computing gamma") from err
    check_close(_p, np.array([-3.0, 4.0]), "lbfgs_direction with an empty history",
                suspects={"with an empty history the direction is -grad (steepest descent), not +grad": np.array([3.0, -4.0])})

with score.aspect("the secant condition H y_newest = s_newest on random histories of 1, 3 and 6 pairs", 0.3):
    for _n, _m, _S, _Y, _g in _random_histories():
        _secant(_n, _m, _S, _Y)

with score.aspect("a descent direction, g . p < 0, on the random histories (and their secant condition)", 0.2):
    for _n, _m, _S, _Y, _g in _random_histories():
        _p = lbfgs_direction(_g.copy(), [s.copy() for s in _S], [y.copy() for y in _Y])
        assert _g @ _p < 0, f"not a descent direction: g . p = {_g @ _p:.3g} >= 0 ({_m} pairs, n = {_n})"
        _secant(_n, _m, _S, _Y)

with score.aspect("a new NumPy array; grad, s_list and y_list left as they were", 0.3):
    _g, _S, _Y = _example()
    _copies = _example()
    _p = lbfgs_direction(_g, _S, _Y)
    assert isinstance(_p, np.ndarray), f"lbfgs_direction must return a NumPy array, got {type(_p).__name__}"
    check_close(_p, np.array([0.5, -2.0]), "lbfgs_direction on the hand-worked example")
    assert np.array_equal(_g, _copies[0]), ("lbfgs_direction modified grad in place (q = grad; q -= ... changes the "
                                            "caller's array): start from a copy, or write q = q - alpha * y")
    assert len(_S) == 2 and len(_Y) == 2 and all(np.array_equal(a, b) for a, b in zip(_S + _Y, _copies[1] + _copies[2])), \
        "lbfgs_direction modified s_list or y_list: leave the history as it was"

score.result()

# %% [markdown]
# ### Hidden tests (3 points)
#
# When grading, this cell compares your direction with the explicit BFGS matrix: $H_0 = \gamma I$
# updated by the BFGS formula of section 5 once per stored pair, oldest first, as a dense $n \times n$
# matrix, then $-Hg$. Random histories of 0 to 12 pairs in dimensions 1 to 40, with steps of very
# different sizes. Its aspects: one pair (0.5 point), 2 to 12 pairs (1.7), an empty history (0.4), and a
# new array of shape $(n,)$ with `grad` and the lists left as they were (0.4). In your copy the cell keeps
# one call of the function only: while the function is a stub that call fails (and **Run All** stops
# there); once the function runs, the cell prints "Hidden tests run when grading."

# %% nbgrader={"grade": true, "grade_id": "test_lbfgs_direction_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Hidden: lbfgs_direction equals -H g for the explicit dense BFGS inverse-Hessian matrix (H0 = gamma I, one BFGS update per pair, oldest first), random histories of 0-12 pairs, dimensions 1-40.
lbfgs_direction(np.ones(2), [np.array([1.0, 0.0])], [np.array([2.0, 0.0])])  # fails until lbfgs_direction runs
score = Aspects("lbfgs_direction", points=3)
### BEGIN HIDDEN TESTS
def _hexplicit_bfgs_direction(g, S, Y):
    n = len(g)
    if not S:
        return -g
    H = (S[-1] @ Y[-1]) / (Y[-1] @ Y[-1]) * np.eye(n)
    for s, y in zip(S, Y):
        rho = 1.0 / (y @ s)
        V = np.eye(n) - rho * np.outer(y, s)
        H = V.T @ H @ V + rho * np.outer(s, s)
    return -H @ g


_hrng = np.random.default_rng(20240506)
_hcases = []  # (n, m, S, Y, g, expected)
for _hn in [1, 2, 5, 17, 40]:
    for _hm in [0, 1, 2, 3, 6, 12]:
        for _htrial in range(3):
            _hA = _hrng.standard_normal((_hn, _hn))
            _hA = _hA @ _hA.T / _hn + np.diag(np.logspace(-1, 2, _hn))
            _hS, _hY = [], []
            while len(_hS) < _hm:
                _hs = _hrng.standard_normal(_hn) * 10.0 ** _hrng.uniform(-3, 1)
                _hy = _hA @ _hs + 0.3 * np.linalg.norm(_hA @ _hs) * _hrng.standard_normal(_hn) / np.sqrt(_hn)
                if _hs @ _hy > 1e-3 * np.linalg.norm(_hs) * np.linalg.norm(_hy):
                    _hS.append(_hs)
                    _hY.append(_hy)
            _hg = _hrng.standard_normal(_hn) * 10.0 ** _hrng.uniform(-2, 2)
            _hcases.append((_hn, _hm, _hS, _hY, _hg, _hexplicit_bfgs_direction(_hg, _hS, _hY)))


def _hcompare(cases):
    for _hn, _hm, _hS, _hY, _hg, _hexpected in cases:
        _hp = lbfgs_direction(_hg.copy(), [s.copy() for s in _hS], [y.copy() for y in _hY])
        assert np.shape(_hp) == (_hn,), f"lbfgs_direction returned shape {np.shape(_hp)}, expected ({_hn},)"
        check_close(_hp, _hexpected, f"lbfgs_direction vs the explicit BFGS matrix (n = {_hn}, {_hm} pairs)",
                    rtol=1e-7, atol=1e-9 * np.abs(_hexpected).max())


with score.aspect("one pair, dimensions 1 to 40: -H g of the explicit BFGS matrix", 0.5):
    _hcompare([c for c in _hcases if c[1] == 1])
with score.aspect("2 to 12 pairs, dimensions 1 to 40, steps of very different sizes: -H g of the explicit BFGS matrix", 1.7):
    _hcompare([c for c in _hcases if c[1] >= 2])
with score.aspect("an empty history: p = -g in every dimension", 0.4):
    _hcompare([c for c in _hcases if c[1] == 0])
with score.aspect("a new NumPy array of shape (n,); grad, s_list and y_list left as they were", 0.4):
    for _hn, _hm, _hS, _hY, _hg, _hexpected in [c for c in _hcases if c[1] in (1, 3, 6)]:
        _hg_in, _hS_in, _hY_in = _hg.copy(), [s.copy() for s in _hS], [y.copy() for y in _hY]
        _hp = lbfgs_direction(_hg_in, _hS_in, _hY_in)
        assert isinstance(_hp, np.ndarray) and _hp.shape == (_hn,), f"lbfgs_direction returned {type(_hp).__name__} {np.shape(_hp)}"
        check_close(_hp, _hexpected, f"lbfgs_direction vs the explicit BFGS matrix (n = {_hn}, {_hm} pairs)",
                    rtol=1e-7, atol=1e-9 * np.abs(_hexpected).max())
        assert np.array_equal(_hg_in, _hg), "lbfgs_direction modified grad"
        assert len(_hS_in) == _hm and len(_hY_in) == _hm and all(
            np.array_equal(a, b) for a, b in zip(_hS_in + _hY_in, _hS + _hY)), "lbfgs_direction modified s_list or y_list"
### END HIDDEN TESTS
score.result()

# %% [markdown]
# ## 7. Exercise: full-batch L-BFGS with a backtracking line search
#
# ### The line search
#
# L-BFGS proposes a direction $p$; how far to go along it? Try the full step $\alpha = 1$ first (with the
# $\gamma$ scaling it is usually right, as it is for Newton), and shrink it, $\alpha \leftarrow
# \text{shrink}\cdot\alpha$ (halving by default), until **Armijo's sufficient-decrease condition** holds:
#
# $$ f(w + \alpha p) \;\le\; f(w) + c_1\, \alpha\, g^\top p , \qquad c_1 = 10^{-4} . $$
#
# Since $g^\top p < 0$, the right-hand side is *below* $f(w)$: the step must decrease the loss by at
# least a small fraction $c_1$ of what the slope at $w$ promises. A mere decrease is not enough (tiny
# decreases can add up to nothing), and the condition always holds for small enough $\alpha$ along a
# descent direction, so the loop ends. Start every iteration again from $\alpha = 1$: once shrunk, a
# step size that is never allowed to grow back would make L-BFGS as slow as gradient descent.
#
# ### Why skip pairs with $s^\top y \le 0$
#
# $s^\top y = s^\top(g_{k+1} - g_k)$ is (the step length squared times) the average curvature along the
# step. If it is not positive, the function is not convex along the step: $\rho = 1/(s^\top y)$ is
# negative or infinite, the BFGS update loses positive definiteness, and the next "direction" can point
# uphill, where no step size satisfies Armijo. On a strongly convex function $s^\top y > 0$ always; with a
# Wolfe line search (SciPy's, `torch.optim.LBFGS(line_search_fn="strong_wolfe")`) it is guaranteed too.
# With Armijo alone it can fail on non-convex functions, and Rosenbrock is one: from $(-1.2, 1)$,
# L-BFGS reaches (-1.03<!-- quote: lbfgs_rosen_w3_x ±0.005 -->, 1.06<!-- quote: lbfgs_rosen_w3_y ±0.005 -->) in
# three iterations, where the Hessian has an eigenvalue of -0.16<!-- quote: lbfgs_rosen_w3_min_eig ±0.01 -->, and
# its fourth step, a short one, has $s^\top y$ = -2.8e-7<!-- quote: lbfgs_rosen_sy4 ±5% -->, below zero (section 8
# prints these). So: **skip the pair**. Keeping the older pairs is not enough, though: they describe a region we
# just left, and on Rosenbrock the stale memory proposes tiny steps that rarely produce a usable pair
# again. A version that only skipped the pair (as `torch.optim.LBFGS` does, whose Wolfe line search rarely
# needs it) reaches the same point in three iterations and then crawls, skipping nearly every pair it
# makes; after `max_iter` iterations it is still far from $(1, 1)$. So **skip the pair and clear the memory**: the next direction is $-g$, and the memory refills
# from there.
#
# ### The algorithm
#
# Start: $w_0$, $f_0 = f(w_0)$, $g_0 = \nabla f(w_0)$, empty lists. For $k = 0, 1, \dots$, at most
# `max_iter` times:
#
# 1. if $\|g_k\|_2 \le$ `tol`: stop (converged);
# 2. $p = $ `lbfgs_direction`$(g_k, s, y)$;
# 3. the line search: try $\alpha = 1, \text{shrink}, \text{shrink}^2, \dots$ in turn and take the first
#    trial that passes Armijo's test $f(w_k + \alpha p) \le f_k + c_1 \alpha\, g_k^\top p$. A trial whose
#    loss is NaN fails the test, like a loss that is too high: write the test as `if loss_new <= bound:`
#    (every comparison with NaN is False, so a loop `while loss_new > bound: alpha *= shrink` would stop
#    at a NaN and accept it). `max_backtracks` counts every trial, the first one ($\alpha = 1$)
#    included: with `max_backtracks=3` the line search tries $\alpha = 1, \frac12, \frac14$ and no more.
#    If none passes, stop with the message `"line search failed"`, keeping $w_k$ (that iteration is not
#    counted);
# 4. $w_{k+1} = w_k + \alpha p$, $f_{k+1} = f(w_{k+1})$ (already computed by the line search),
#    $g_{k+1} = \nabla f(w_{k+1})$;
# 5. $s = w_{k+1} - w_k$, $y = g_{k+1} - g_k$; if $s^\top y > 10^{-10}\,\|s\|\,\|y\|$, append the pair and
#    drop the oldest if more than `history_size` are stored; otherwise count it as skipped and clear both
#    lists.
#
# At the end, `info["converged"]` says whether $\|g_K\|_2 \le$ `tol` at the last point, and
# `info["message"]` is `"converged"` exactly when it is True, also when the `max_iter`-th step is the one
# that lands there; otherwise it is `"line search failed"` if a line search failed, and
# `"max_iter reached"` if not.
#
# The stopping test is on the **gradient norm**, not on the change of the loss: far from the minimum, in
# a flat valley, the loss can change very little per step while $w$ is nowhere near the minimum, and near
# the minimum $f - f^* \approx \frac12 \|g\|^2/\lambda$ is much smaller than $\|g\|$, so a loss test stops
# too early or too late depending on the scale.
#
# `lbfgs` returns the last point and an `info` dict (the docstring lists its keys): the tests and the
# experiments below read the iteration count, the loss history, the path, the number of calls of `f`, the
# skipped pairs and the final memory from it. Call your `lbfgs_direction`.

# %% nbgrader={"grade": false, "grade_id": "lbfgs", "locked": false, "schema_version": 3, "solution": true, "task": false}
def lbfgs(f, grad_f, w0, history_size=10, max_iter=200, tol=1e-6, c1=1e-4, shrink=0.5, max_backtracks=50):
    """Minimize f with L-BFGS and a backtracking (Armijo) line search, in full batch.

    Each iteration k (w_k, f_k = f(w_k) and g_k = grad_f(w_k) known):
      1. stop if ||g_k|| <= tol (2-norm): converged;
      2. p = lbfgs_direction(g_k, s_list, y_list);
      3. alpha = 1, then alpha *= shrink until f(w_k + alpha p) <= f_k + c1 * alpha * (g_k . p);
         a NaN loss fails this test (shrink again). At most max_backtracks trials, alpha = 1
         included; if none passes, stop ("line search failed") without a step;
      4. w_{k+1} = w_k + alpha p, g_{k+1} = grad_f(w_{k+1});
      5. s = w_{k+1} - w_k, y = g_{k+1} - g_k. If s . y > 1e-10 * ||s|| * ||y||, append (s, y) to the
         lists, dropping the oldest pair when more than history_size are stored; otherwise skip the
         pair and clear both lists (the next direction is then -g).
    At most max_iter iterations.

    Inputs:
    - f: function w -> loss (a float), for w a NumPy float64 array of shape (n,).
    - grad_f: function w -> gradient of f at w, a NumPy array of shape (n,).
    - w0: the starting point, array-like of shape (n,); not modified.
    - history_size (int, default 10): m, the most curvature pairs kept.
    - max_iter (int, default 200): the most iterations (accepted steps).
    - tol (float, default 1e-6): stop when the 2-norm of the gradient is <= tol.
    - c1 (float, default 1e-4): the constant of Armijo's condition.
    - shrink (float in (0, 1), default 0.5): the factor that shortens a rejected step.
    - max_backtracks (int, default 50): the most trial steps in one line search, the first one
      (alpha = 1) included: max_backtracks=3 tries alpha = 1, shrink, shrink**2.

    f is called once at w0 and once per trial step; grad_f once at w0 and once per accepted point.

    Returns:
    - w: the last point, a NumPy float64 array of shape (n,).
    - info: a dict with the keys
      - "iterations" (int): K, the number of accepted steps;
      - "loss_history" (list of K + 1 floats): f(w_0), ..., f(w_K);
      - "grad_norm_history" (list of K + 1 floats): ||g_0||, ..., ||g_K||;
      - "path" (list of K + 1 arrays): copies of w_0, ..., w_K;
      - "function_evals" (int): the number of calls of f;
      - "skipped_pairs" (int): the pairs that failed the curvature test;
      - "s_list", "y_list" (lists of arrays): the pairs held at the end, oldest first;
      - "converged" (bool): whether ||g_K|| <= tol;
      - "message" (str): "converged" whenever converged is True (also when the max_iter-th step
        converges), otherwise "line search failed" or "max_iter reached".
    """
    ### BEGIN SOLUTION
    w = np.array(w0, dtype=np.float64)  # a copy
    loss, g = float(f(w)), np.asarray(grad_f(w), dtype=np.float64)
    s_list, y_list = [], []
    info = {"iterations": 0, "loss_history": [loss], "grad_norm_history": [float(np.linalg.norm(g))],
            "path": [w.copy()], "function_evals": 1, "skipped_pairs": 0}
    message = "max_iter reached"
    for _ in range(max_iter):
        if np.linalg.norm(g) <= tol:
            break
        p = lbfgs_direction(g, s_list, y_list)
        slope = float(g @ p)
        alpha, accepted = 1.0, False
        for _ in range(max_backtracks):
            w_new = w + alpha * p
            loss_new = float(f(w_new))
            info["function_evals"] += 1
            if loss_new <= loss + c1 * alpha * slope:  # Armijo (a NaN loss fails it too)
                accepted = True
                break
            alpha *= shrink
        if not accepted:
            message = "line search failed"
            break
        g_new = np.asarray(grad_f(w_new), dtype=np.float64)
        s, y = w_new - w, g_new - g
        if s @ y > 1e-10 * np.linalg.norm(s) * np.linalg.norm(y):
            s_list.append(s)
            y_list.append(y)
            if len(s_list) > history_size:
                s_list.pop(0)
                y_list.pop(0)
        else:  # not convex along the step: skip the pair and forget the stale ones
            info["skipped_pairs"] += 1
            s_list, y_list = [], []
        w, loss, g = w_new, loss_new, g_new
        info["iterations"] += 1
        info["loss_history"].append(loss)
        info["grad_norm_history"].append(float(np.linalg.norm(g)))
        info["path"].append(w.copy())
    info["converged"] = bool(np.linalg.norm(g) <= tol)
    info["message"] = "converged" if info["converged"] else message
    info["s_list"], info["y_list"] = s_list, y_list
    return w, info
    ### END SOLUTION


# %% [markdown]
# ### Visible tests (3 points)
#
# **First iteration, by hand.** $f(w) = \frac12(w_1^2 + 10\, w_2^2)$ from $w_0 = (1, 1)$: $f_0 = 5.5$,
# $g_0 = (1, 10)$, no pairs yet so $p = -g_0 = (-1, -10)$ and $g_0^\top p = -101$. The line search:
#
# | $\alpha$ | $w_0 + \alpha p$ | $f$ | Armijo bound $5.5 - 10^{-4}\cdot 101\,\alpha$ | accepted? |
# | --- | --- | --- | --- | --- |
# | 1 | $(0, -9)$ | 405 | 5.4899 | no |
# | 1/2 | $(0.5, -4)$ | 80.125 | 5.49495 | no |
# | 1/4 | $(0.75, -1.5)$ | 11.53125 | 5.497475 | no |
# | 1/8 | $(0.875, -0.25)$ | 0.6953125 | 5.4987375 | **yes** |
#
# So after one iteration (`max_iter=1`): $w_1 = (0.875, -0.25)$, `loss_history` $= [5.5, 0.6953125]$,
# 5 calls of `f` (one at $w_0$, four trials), and one stored pair $s = (-0.125, -1.25)$,
# $y = g_1 - g_0 = (0.875, -2.5) - (1, 10) = (-0.125, -12.5)$, with $s^\top y = 15.640625 > 0$. The same
# line search with `max_backtracks=4` passes at its last trial; with `max_backtracks=3` (trials $\alpha = 1,
# \frac12, \frac14$) it fails: no step, `iterations` 0, 4 calls of `f`, `"line search failed"`.
#
# **Armijo's sign.** $f(w) = 1.00005\, w^2$ from $w_0 = 1$ ($f_0 = 1.00005$, $g_0 = 2.0001$): the full step
# lands on $w = -1.0001$, where $f = 1.00025$, slightly *higher*. Armijo rejects it (the bound is
# $1.00005 - 10^{-4}\cdot 4.0004 = 0.99965$); halving gives $w_1 = 1 - 1.00005 = -5\times10^{-5}$. An Armijo
# test with the sign of the slope term flipped accepts the increase.
#
# **A NaN trial.** $f(w) = w^2$ for $w > -\frac12$ and NaN elsewhere, from $w_0 = 1$: the full step lands on
# $w = -1$, where $f$ is NaN, which must be rejected; $\alpha = \frac12$ lands on the minimum $0$.
# **The last allowed step converges.** $f(w) = \frac12 w^2$ from $w_0 = 1$ with `max_iter=1`: the full step
# lands on $0$, where $g = 0$, so the run ends `"converged"` (not `"max_iter reached"`).
#
# Then: the memory on a 6-D quadratic with `history_size` 1 and 2 (the **newest** pairs, no more); the
# saddle from $(0.01, 0.1)$, where the first step has $s^\top y < 0$ (it must be skipped); and Rosenbrock
# from $(-1.2, 1)$ (converged, gradient norm $\le 10^{-6}$, fewer than 200 iterations).
# Every run also checks the bookkeeping of `info` (lengths, the path, the number of calls of `f`, a loss
# that never goes up).
#
# Its aspects: the first iteration by hand (1 point), Armijo's sign (0.3), the memory (0.3), the skipped pair
# on the saddle (0.3), Rosenbrock (0.5), the bookkeeping of `info` (0.2), `w0` left as it was (0.1),
# `max_backtracks` and a NaN trial (0.1), `max_iter` and a run that converges on its last allowed step
# (0.1), and the defaults (0.1). Every run passes all six parameters explicitly, except the one that checks
# the defaults. An `lbfgs` that hands its work to `scipy.optimize.minimize` or `torch.optim.LBFGS` earns
# nothing.

# %% nbgrader={"grade": true, "grade_id": "test_lbfgs_visible", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
class _Counted:
    """Wraps f and counts its calls."""

    def __init__(self, fn):
        self.fn, self.calls = fn, 0

    def __call__(self, w):
        self.calls += 1
        return self.fn(w)


_INFO_KEYS = ["iterations", "loss_history", "grad_norm_history", "path", "function_evals", "skipped_pairs",
              "s_list", "y_list", "converged", "message"]
_EXPLICIT = {"history_size": 10, "max_iter": 200, "tol": 1e-6, "c1": 1e-4, "shrink": 0.5, "max_backtracks": 50}


def _run_lbfgs(f, grad_f, w0, what, defaults=False, **kwargs):
    """lbfgs on a counted f from a fresh copy of w0, with every parameter explicit (_EXPLICIT, updated by kwargs)
    unless defaults; checks the form of what it returns. Returns (w, info, calls of f, the parameters)."""
    args = {**_EXPLICIT, **kwargs}
    counted = _Counted(f)
    start = np.array(w0, dtype=float)
    result = lbfgs(counted, grad_f, start) if defaults else lbfgs(counted, grad_f, start, **args)
    assert isinstance(result, tuple) and len(result) == 2, f"lbfgs must return a pair (w, info) ({what})"
    w, info = result
    assert isinstance(w, np.ndarray) and w.shape == start.shape, \
        f"lbfgs must return w as an array of shape {start.shape} ({what})"
    assert isinstance(info, dict), f"info must be a dict ({what})"
    missing = [k for k in _INFO_KEYS if k not in info]
    assert not missing, f"info lacks the keys {missing} ({what})"
    return w, info, counted.calls, args


def _check_bookkeeping(f, grad_f, w0, what, **kwargs):
    """Run lbfgs and check the bookkeeping of info; returns (w, info)."""
    w, info, calls, args = _run_lbfgs(f, grad_f, w0, what, **kwargs)
    k = info["iterations"]
    for key in ["loss_history", "grad_norm_history", "path"]:
        assert len(info[key]) == k + 1, (f"info['{key}'] has {len(info[key])} entries for {k} iterations; it needs "
                                         f"one per point, w_0 included ({what})")
    assert info["function_evals"] == calls, (f"info['function_evals'] is {info['function_evals']} but f was "
                                             f"called {calls} times ({what})")
    if np.all(np.isfinite(w)):
        check_close(info["path"][0], np.array(w0, dtype=float), f"info['path'][0], the start w0 ({what})")
        check_close(info["path"][-1], w, f"info['path'][-1], the last point ({what})")
        check_close(np.array(info["loss_history"]), np.array([f(p) for p in info["path"]]),
                    f"info['loss_history'] (f at each point of the path) ({what})", rtol=1e-9, atol=1e-12)
        check_close(np.array(info["grad_norm_history"]), np.array([np.linalg.norm(grad_f(p)) for p in info["path"]]),
                    f"info['grad_norm_history'] ({what})", rtol=1e-9, atol=1e-12)
        rises = np.flatnonzero(np.diff(info["loss_history"]) > 1e-12 * (1 + np.abs(info["loss_history"][:-1])))
        assert rises.size == 0, (f"the loss went UP at iteration {rises[0] + 1} ({info['loss_history'][rises[0]]:.6g} -> "
                                 f"{info['loss_history'][rises[0] + 1]:.6g}) ({what}): an accepted step satisfies Armijo's "
                                 "condition f(w + alpha p) <= f(w) + c1 alpha g.p, which lies below f(w). Is there a line "
                                 "search, and is the sign of its c1 term right?")
    assert len(info["s_list"]) == len(info["y_list"]) <= args["history_size"], (
        f"the memory holds {len(info['s_list'])} pairs, more than history_size = {args['history_size']} ({what}): "
        "drop the oldest pair when there are too many")
    assert info["converged"] == (np.linalg.norm(grad_f(w)) <= args["tol"]), (
        f"info['converged'] is {info['converged']} but the final gradient norm is {np.linalg.norm(grad_f(w)):.3g} ({what})")
    return w, info


# The problems of the checks below.
_f1 = lambda w: 0.5 * (w[0] ** 2 + 10 * w[1] ** 2)  # the first iteration by hand
_g1 = lambda w: np.array([w[0], 10 * w[1]])
_f_armijo, _g_armijo = lambda w: 1.00005 * w[0] ** 2, lambda w: np.array([2.0001 * w[0]])
_q6 = Quadratic.random(dim=6, kappa=100, seed=3)
_saddle, _rosen = Saddle(), Rosenbrock()

score = Aspects("lbfgs", points=3)

# The iterations must be yours: SciPy's minimizers and torch.optim.LBFGS are what the hidden test compares with.
with score.required("your own L-BFGS (not scipy.optimize.minimize or torch.optim.LBFGS)"):
    check_own_lbfgs()

with score.aspect("the first iteration by hand on f = (w1^2 + 10 w2^2)/2 from (1, 1): the line search ends at "
                  "alpha = 1/8, w_1 = (0.875, -0.25), 5 calls of f", 1.0):
    _w, _info, _calls, _ = _run_lbfgs(_f1, _g1, [1.0, 1.0], "one iteration on f = (w1^2 + 10 w2^2)/2 from (1, 1)",
                                      max_iter=1)
    _said = (f"after max_iter=1: iterations {_info['iterations']}, message {_info['message']!r}, converged "
             f"{_info['converged']}; expected 1, 'max_iter reached', False")
    assert _info["iterations"] <= 1, _said + ": at most max_iter iterations (for _ in range(max_iter))"
    check_close(_w, np.array([0.875, -0.25]), "w after one iteration from (1, 1)", suspects={
        "the full step alpha = 1 was taken although the loss rose from 5.5 to 405: is there a line search (try "
        "alpha = 1, then multiply by shrink until Armijo's condition holds)? Is its condition the right way round?": np.array([0.0, -9.0]),
        "alpha was shrunk by 0.1, not by the argument `shrink` (0.5)": np.array([0.9, 0.0]),
        "no step was taken: the line search found no step, or the step is w - alpha*p. lbfgs_direction already "
        "returns the descent direction p = -H g; the step is w + alpha*p": np.array([1.0, 1.0]),
    })
    assert _info["iterations"] == 1 and _info["message"] == "max_iter reached" and not _info["converged"], _said
    check_close(np.array(_info["loss_history"], dtype=float), np.array([5.5, 0.6953125]),
                "info['loss_history'] after one iteration (f(w_0), f(w_1))")
    assert _info["function_evals"] == 5, (f"{_info['function_evals']} calls of f counted in info['function_evals'] "
                                          f"(f was called {_calls} times); expected 5: w0, then the trials alpha = 1, "
                                          "1/2, 1/4, 1/8")

with score.aspect("Armijo's condition the right way round: on f = 1.00005 w^2 the full step, which raises the loss "
                  "a little, is rejected", 0.3):
    _w, _info, _, _ = _run_lbfgs(_f_armijo, _g_armijo, [1.0], "f = 1.00005 w^2 from 1", max_iter=1)
    check_close(_w, np.array([-5e-5]), "w after one iteration on f = 1.00005 w^2 from w = 1", rtol=1e-6, atol=1e-12, suspects={
        "the full step was accepted although the loss went UP (1.00005 -> 1.00025): Armijo's condition is "
        "f(w + alpha p) <= f(w) + c1*alpha*(g.p), and g.p < 0 puts the bound BELOW f(w). Check the sign of the "
        "c1 term (and that there is a line search at all)": np.array([-1.0001])})

with score.aspect("the memory: the pair s = w_1 - w_0, y = g_1 - g_0 of the first iteration; on a 6-D quadratic "
                  "the newest history_size pairs (1, 2), oldest first", 0.3):
    _w, _info, _, _ = _run_lbfgs(_f1, _g1, [1.0, 1.0], "one iteration on f = (w1^2 + 10 w2^2)/2 from (1, 1)", max_iter=1)
    assert len(_info["s_list"]) == len(_info["y_list"]) == 1, (
        f"after one iteration on a convex quadratic the memory holds {len(_info['s_list'])} pair(s), expected 1 "
        "(here s.y = 15.640625 > 0, so the pair is kept): is s = w_1 - w_0 and y = g_1 - g_0 (new minus old, both)?")
    check_close(np.array(_info["s_list"]), np.array([[-0.125, -1.25]]), "info['s_list'] after one iteration", suspects={
        "s_list holds the new point, not the step s = w_1 - w_0": np.array([[0.875, -0.25]])})
    check_close(np.array(_info["y_list"]), np.array([[-0.125, -12.5]]), "info['y_list'] after one iteration", suspects={
        "y_list holds the new gradient, not the change y = g_1 - g_0": np.array([[0.875, -2.5]])})
    for _m in [1, 2]:
        _w, _info, _, _ = _run_lbfgs(_q6.loss, _q6.grad, np.ones(6), f"6-D quadratic, history_size={_m}",
                                     history_size=_m, max_iter=6, tol=1e-12)
        _P = np.array(_info["path"])
        _steps = np.diff(_P, axis=0)
        _gdiffs = np.diff(np.array([_q6.grad(p) for p in _P]), axis=0)
        assert len(_info["s_list"]) == _m, (f"after 6 iterations with history_size={_m} the memory holds "
                                            f"{len(_info['s_list'])} pairs, expected {_m}" + (
                                                ": drop the oldest pair (s_list.pop(0)) when there are too many"
                                                if len(_info["s_list"]) > _m else ""))
        check_close(np.array(_info["s_list"]), _steps[-_m:], f"info['s_list'] after 6 iterations, history_size={_m} "
                    f"(the {_m} newest steps, oldest first)", suspects={
                        "the memory kept the OLDEST pairs: drop s_list[0] (the oldest) when it is too long, not the newest":
                            _steps[:_m],
                        "the memory is in the wrong order: oldest first, newest last (append the new pair at the end)":
                            _steps[-_m:][::-1]})
        check_close(np.array(_info["y_list"]), _gdiffs[-_m:], f"info['y_list'] after 6 iterations, history_size={_m}")

with score.aspect("a pair with s.y <= 0 is skipped: the saddle from (0.01, 0.1) ends at a minimum (0, +-1)", 0.3):
    # The first step runs along negative curvature.
    _w, _info, _, _ = _run_lbfgs(_saddle.loss, _saddle.grad, [0.01, 0.1], "saddle from (0.01, 0.1)", tol=1e-8)
    assert _info["skipped_pairs"] >= 1, ("no pair was skipped on the saddle, but the first step has s.y < 0: keep a "
                                         "pair only if s.y > 1e-10 * |s| * |y|")
    assert _info["converged"] and np.min(np.linalg.norm(_saddle.minima - _w, axis=1)) < 1e-6, (
        f"lbfgs ended at {_w} ({_info['message']!r}), not at a minimum (0, +-1)")

with score.aspect("Rosenbrock from (-1.2, 1): converged to a gradient norm <= 1e-6 at (1, 1) in under 200 iterations", 0.5):
    _w, _info, _, _ = _run_lbfgs(_rosen.loss, _rosen.grad, [-1.2, 1.0], "Rosenbrock from (-1.2, 1)")
    _gnorm = np.linalg.norm(_rosen.grad(_w))
    assert np.all(np.isfinite(_w)), f"lbfgs ended at {_w} on Rosenbrock"
    assert not (_info["skipped_pairs"] > 10 and _gnorm > 1e-6 and not _info["s_list"]), (
        f"lbfgs stalled at {_w} with {_info['skipped_pairs']} skipped pairs in {_info['iterations']} iterations and an "
        "empty memory: nearly every pair failed the curvature test, though most steps on Rosenbrock have s.y > 0. "
        "Are s = w_{k+1} - w_k and y = g_{k+1} - g_k both new minus old?")
    assert not (_info["skipped_pairs"] > 10 and _gnorm > 1e-6), (
        f"lbfgs stalled at {_w} with {_info['skipped_pairs']} skipped pairs: when a pair fails the curvature test, "
        "skip it AND clear the memory (s_list = y_list = []); the old pairs describe a region you have left")
    assert not (_info["message"] == "line search failed" and _info["iterations"] == 0), (
        f"the very first line search failed (at w0 = {_w}, along p = -g, with no pairs yet): the step is w + alpha*p "
        "(p already points downhill), and a trial passes when f(w + alpha p) <= f(w) + c1 alpha g.p")
    assert _info["message"] != "line search failed", (
        f"the line search failed at {_w} after {_info['iterations']} iterations. A stored pair with s.y <= 0 makes the "
        "direction point uphill, where no step satisfies Armijo: skip such pairs")
    assert _gnorm <= 1e-6, (
        f"lbfgs stopped after {_info['iterations']} iterations with a gradient norm of {_gnorm:.2g} > tol = 1e-6 "
        f"({_info['message']!r}). " + ("It stopped early: the stopping test is ||grad|| <= tol, not a small change of "
        "the loss." if _info["iterations"] < 200 else "L-BFGS needs about 40 iterations here. Did you start every line "
        "search again from alpha = 1 (a step size that never grows back makes L-BFGS crawl)? Is the new pair appended "
        "at the end and the oldest dropped?"))
    check_close(_w, np.ones(2), "the minimum found on Rosenbrock", rtol=0, atol=1e-5)
    assert _info["converged"] and _info["message"] == "converged", (
        f"info says converged = {_info['converged']}, message {_info['message']!r}; expected True, 'converged'")

with score.aspect("the bookkeeping of info on every run above: one entry per point, the path, f and the gradient "
                  "norm along it, the calls of f, a loss that never rises, converged", 0.2):
    _w, _ = _check_bookkeeping(_f1, _g1, [1.0, 1.0], "one iteration on f = (w1^2 + 10 w2^2)/2 from (1, 1)", max_iter=1)
    _check_bookkeeping(_f_armijo, _g_armijo, [1.0], "f = 1.00005 w^2 from 1", max_iter=1)
    _check_bookkeeping(_f1, _g1, [1.0, 1.0], "max_backtracks=3, where the first line search fails", max_backtracks=3)
    for _m in [1, 2]:
        _check_bookkeeping(_q6.loss, _q6.grad, np.ones(6), f"6-D quadratic, history_size={_m}", history_size=_m,
                           max_iter=6, tol=1e-12)
    _check_bookkeeping(_saddle.loss, _saddle.grad, [0.01, 0.1], "saddle from (0.01, 0.1)", tol=1e-8)
    _check_bookkeeping(_rosen.loss, _rosen.grad, [-1.2, 1.0], "Rosenbrock from (-1.2, 1)")
    check_close(_w, np.array([0.875, -0.25]), "w after one iteration from (1, 1) (bookkeeping alone earns nothing: "
                "this aspect also needs the first iteration right)")

with score.aspect("w0 left as it was: lbfgs starts from a copy", 0.1):
    _w0 = np.array([1.0, 1.0])
    _w = lbfgs(_f1, _g1, _w0, **{**_EXPLICIT, "max_iter": 1})[0]
    check_close(_w, np.array([0.875, -0.25]), "w after one iteration from (1, 1)")
    assert np.array_equal(_w0, [1.0, 1.0]), ("lbfgs modified w0 in place: start from a copy, w = np.array(w0, "
                                             "dtype=float), and write w = w + alpha * p (w += ... changes the caller's "
                                             "array when w is w0 itself)")

with score.aspect("the line search: max_backtracks counts every trial, alpha = 1 included; a trial whose loss is "
                  "NaN is rejected", 0.1):
    _w, _info, _, _ = _run_lbfgs(_f1, _g1, [1.0, 1.0], "max_backtracks=4", max_iter=1, max_backtracks=4)
    check_close(_w, np.array([0.875, -0.25]), "w after one iteration with max_backtracks=4 (the trials 1, 1/2, 1/4, 1/8)")
    _w, _info, _, _ = _run_lbfgs(_f1, _g1, [1.0, 1.0], "max_backtracks=3", max_iter=1, max_backtracks=3)
    assert (_info["iterations"], _info["message"], _info["function_evals"]) == (0, "line search failed", 4), (
        f"with max_backtracks=3 the line search tries alpha = 1, 1/2, 1/4 (three trials: max_backtracks counts every "
        f"trial, the first one included), none passes, and lbfgs stops without a step: expected iterations 0, "
        f"message 'line search failed', 4 calls of f; got {_info['iterations']}, {_info['message']!r}, "
        f"{_info['function_evals']}")
    check_close(_w, np.array([1.0, 1.0]), "w when the first line search fails (w0, unchanged)")
    _w, _info, _, _ = _run_lbfgs(lambda w: w[0] ** 2 if w[0] > -0.5 else np.nan, lambda w: 2 * w, [1.0],
                                 "f = w^2, NaN for w <= -1/2, from 1", max_iter=1)
    check_close(_w, np.array([0.0]), "w after one iteration on f = w^2 (NaN for w <= -1/2) from 1", suspects={
        "the trial alpha = 1, whose loss is NaN, was accepted: every comparison with NaN is False, so a loop "
        "`while loss_new > bound: alpha *= shrink` stops at a NaN. Accept a trial only when "
        "`loss_new <= bound` is True": np.array([-1.0])})

with score.aspect("max_iter: at most max_iter steps ('max_iter reached'), and 'converged' when the last allowed "
                  "step converges", 0.1):
    _w, _info, _, _ = _run_lbfgs(_rosen.loss, _rosen.grad, [-1.2, 1.0], "Rosenbrock, max_iter=7", max_iter=7)
    assert (_info["iterations"], _info["message"], _info["converged"]) == (7, "max_iter reached", False), (
        f"Rosenbrock with max_iter=7: iterations {_info['iterations']}, message {_info['message']!r}, converged "
        f"{_info['converged']}; expected 7, 'max_iter reached', False")
    check_close(_w, _info["path"][-1], "w after 7 iterations (the last point of the path)")
    assert np.linalg.norm(_w - np.array([-1.2, 1.0])) > 0.1, "after 7 iterations on Rosenbrock w has hardly moved"
    _w, _info, _, _ = _run_lbfgs(lambda w: 0.5 * w[0] ** 2, lambda w: w.copy(), [1.0], "f = w^2/2 from 1, max_iter=1",
                                 max_iter=1)
    check_close(_w, np.array([0.0]), "w after one iteration on f = w^2/2 from 1 (the full step lands on 0)")
    assert _info["converged"] and _info["message"] == "converged" and _info["iterations"] == 1, (
        f"the only allowed step landed on the minimum (gradient 0 <= tol): expected converged True, message "
        f"'converged', 1 iteration; got {_info['converged']}, {_info['message']!r}, {_info['iterations']}. The message "
        "is 'converged' whenever info['converged'] is, also when that happens at the max_iter-th step")

with score.aspect("the defaults history_size=10, max_iter=200, tol=1e-6, c1=1e-4, shrink=0.5, max_backtracks=50: "
                  "the same run as with them given", 0.1):
    # Only the two runs are compared (whether they converge is the Rosenbrock aspect's business).
    _w_def, _info_def, _calls_def, _ = _run_lbfgs(_rosen.loss, _rosen.grad, [-1.2, 1.0], "Rosenbrock, defaults",
                                                  defaults=True)
    _w, _info, _calls, _ = _run_lbfgs(_rosen.loss, _rosen.grad, [-1.2, 1.0], "Rosenbrock, the defaults given")
    assert (_info_def["iterations"], _calls_def) == (_info["iterations"], _calls), (
        f"lbfgs(f, grad_f, w0) without parameters took {_info_def['iterations']} iterations and {_calls_def} calls of f; "
        f"with the documented defaults given it took {_info['iterations']} and {_calls}: keep the signature's defaults")
    check_close(_w_def, _w, "w with the defaults (against w with the defaults given)", rtol=0, atol=1e-12)

score.result()

# %% [markdown]
# ### Hidden tests (4 points)
#
# When grading, this cell runs your `lbfgs` on Rosenbrock (2-D from several starts and history sizes,
# and 5-D and 10-D), on random strongly convex quadratics (dimensions 5 to 50, condition numbers up to
# $10^3$) and on L2-regularized logistic regression, and compares the minima with the exact solution,
# `scipy.optimize.minimize(method="L-BFGS-B")` and `torch.optim.LBFGS`. Its aspects: Rosenbrock (1.1
# points), the quadratics (0.7), logistic regression (0.6), the bookkeeping of `info` (0.3), the stored pairs
# (0.2), `c1`, `shrink` and a NaN trial (0.3), `max_backtracks` (0.2), `max_iter`, a run that converges on
# its last allowed step and a start at the minimum (0.3), the defaults (0.2), and `w0` left as it was (0.1).
# In your copy the cell keeps one call of the function only: while the function is a stub that call fails
# (and **Run All** stops there); once the function runs, the cell prints "Hidden tests run when grading."

# %% nbgrader={"grade": true, "grade_id": "test_lbfgs_hidden", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
# Hidden: lbfgs on Rosenbrock (2-D to 1e-6 in < 200 iterations, other starts, m = 1..20, 5-D, 10-D), random quadratics and L2 logistic regression vs the exact minimum, scipy L-BFGS-B and torch.optim.LBFGS; info bookkeeping; max_iter, c1, shrink, max_backtracks.
lbfgs(lambda w: float(w @ w), lambda w: 2 * w, np.ones(3), history_size=10, max_iter=20, tol=1e-6, c1=1e-4, shrink=0.5,
      max_backtracks=50)  # fails until lbfgs runs
score = Aspects("lbfgs", points=4)
### BEGIN HIDDEN TESTS
_hEXPLICIT = {"history_size": 10, "max_iter": 200, "tol": 1e-6, "c1": 1e-4, "shrink": 0.5, "max_backtracks": 50}


class _hCounter:
    def __init__(self, function):
        self.function, self.count = function, 0

    def __call__(self, point):
        self.count += 1
        return self.function(point)


def _hcall(f, grad_f, w0, what, defaults=False, **kwargs):
    """lbfgs from a fresh copy of w0, every parameter explicit unless defaults: (w, info, calls of f, parameters)."""
    args = {**_hEXPLICIT, **kwargs}
    counted = _hCounter(f)
    start = np.array(w0, dtype=float)
    w, info = lbfgs(counted, grad_f, start) if defaults else lbfgs(counted, grad_f, start, **args)
    assert isinstance(w, np.ndarray) and w.shape == start.shape, f"w has shape {np.shape(w)} ({what})"
    return np.asarray(w), info, counted.count, args


def _hbookkeeping(f, grad_f, w0, what, **kwargs):
    w, info, calls, args = _hcall(f, grad_f, w0, what, **kwargs)
    n_it = info["iterations"]
    assert n_it <= args["max_iter"], f"{n_it} iterations > max_iter ({what})"
    for name in ("loss_history", "grad_norm_history", "path"):
        assert len(info[name]) == n_it + 1, f"len(info['{name}']) = {len(info[name])}, iterations = {n_it} ({what})"
    assert info["function_evals"] == calls, f"function_evals {info['function_evals']} != {calls} calls ({what})"
    check_close(np.array(info["path"][-1]), w, f"path[-1] ({what})")
    check_close(np.array(info["path"][0]), np.array(w0, dtype=float), f"path[0] ({what})")
    losses = np.array(info["loss_history"])
    check_close(losses, np.array([f(p) for p in info["path"]]), f"loss_history ({what})", rtol=1e-9, atol=1e-12)
    check_close(np.array(info["grad_norm_history"]), np.array([np.linalg.norm(grad_f(p)) for p in info["path"]]),
                f"grad_norm_history ({what})", rtol=1e-9, atol=1e-12)
    assert np.all(np.diff(losses) <= 1e-12 * (1 + np.abs(losses[:-1]))), f"the loss went up ({what})"
    conv = np.linalg.norm(grad_f(w)) <= args["tol"]
    assert info["converged"] == conv, f"converged flag ({what})"
    assert (info["message"] == "converged") == conv, f"message {info['message']!r} ({what})"
    return w, info


def _hpairs(f, grad_f, w0, what, **kwargs):
    w, info, calls, args = _hcall(f, grad_f, w0, what, **kwargs)
    assert len(info["s_list"]) == len(info["y_list"]) <= args["history_size"], f"memory too long ({what})"
    assert info["s_list"], f"the memory is empty at the end ({what})"
    check_close(info["s_list"][-1], info["path"][-1] - info["path"][-2], f"newest s ({what})", rtol=1e-9, atol=1e-14)
    check_close(info["y_list"][-1], grad_f(info["path"][-1]) - grad_f(info["path"][-2]), f"newest y ({what})",
                rtol=1e-9, atol=1e-14)
    for s, y in zip(info["s_list"], info["y_list"]):
        assert s @ y > 0, f"a stored pair has s.y <= 0 ({what})"
    return w, info


# The problems: Rosenbrock, random quadratics (with the exact minimum and SciPy's), logistic regression (SciPy, torch).
_hrosen = Rosenbrock()
_hROSEN = [("Rosenbrock from (-1.2, 1), tol 1e-9", _hrosen, [-1.2, 1.0], {"tol": 1e-9})]
for _hstart, _hm in [([0.0, 0.0], 10), ([2.0, 2.0], 10), ([-2.0, 3.0], 5), ([1.5, -1.0], 3), ([-1.2, 1.0], 1),
                     ([-1.2, 1.0], 20), ([-0.5, 2.0], 2)]:
    _hROSEN.append((f"Rosenbrock from {_hstart}, history_size {_hm}", _hrosen, _hstart,
                    {"history_size": _hm, "tol": 1e-9, "max_iter": 500}))
for _hd in [5, 10]:
    _hROSEN.append((f"Rosenbrock {_hd}-D", Rosenbrock(dim=_hd), np.tile([-1.2, 1.0], _hd)[:_hd], {"tol": 1e-9, "max_iter": 500}))

_hrng = np.random.default_rng(20240507)
_hQUAD = []
for _hn, _hkappa, _hm in [(5, 10, 10), (20, 1e3, 10), (50, 1e2, 5), (30, 1e3, 3)]:
    _hq = Quadratic.random(dim=_hn, kappa=_hkappa, seed=_hn)
    _hq.center = _hrng.standard_normal(_hn) * 3
    _hw0 = _hrng.standard_normal(_hn) * 3
    _href = scipy.optimize.minimize(_hq.loss, _hw0, jac=_hq.grad, method="L-BFGS-B",
                                    options={"maxiter": 5000, "gtol": 1e-12, "ftol": 1e-16}).x
    _hQUAD.append((f"quadratic n = {_hn}, kappa = {_hkappa:g}", _hq, _hw0, {"history_size": _hm, "tol": 1e-10, "max_iter": 2000}, _href))

_hLOGREG = []
for _hn, _hd, _hlam in [(200, 5, 0.1), (300, 12, 0.01)]:
    _hX = _hrng.standard_normal((_hn, _hd))
    _ht = (_hX @ _hrng.standard_normal(_hd) + 0.5 * _hrng.standard_normal(_hn) > 0).astype(float)

    def _hlogreg_loss(w, X=_hX, t=_ht, lam=_hlam):
        z = X @ w
        return float(np.mean(np.logaddexp(0, z) - t * z) + 0.5 * lam * w @ w)

    def _hlogreg_grad(w, X=_hX, t=_ht, lam=_hlam):
        return X.T @ (0.5 * (1 + np.tanh(0.5 * (X @ w))) - t) / len(t) + lam * w

    _href = scipy.optimize.minimize(_hlogreg_loss, np.zeros(_hd), jac=_hlogreg_grad, method="L-BFGS-B",
                                    options={"maxiter": 5000, "gtol": 1e-12, "ftol": 1e-16}).x
    _hp = torch.zeros(_hd, dtype=torch.float64, requires_grad=True)
    _hopt = torch.optim.LBFGS([_hp], lr=1, max_iter=500, line_search_fn="strong_wolfe", tolerance_grad=1e-12,
                              tolerance_change=0)
    _hXt, _htt = torch.tensor(_hX), torch.tensor(_ht)

    def _hclosure():
        _hopt.zero_grad()
        objective = torch.nn.functional.binary_cross_entropy_with_logits(_hXt @ _hp, _htt) + 0.5 * _hlam * _hp @ _hp
        objective.backward()
        return objective

    _hopt.step(_hclosure)
    _hLOGREG.append((f"logistic regression n = {_hn}, d = {_hd}", _hlogreg_loss, _hlogreg_grad, _hd, _href,
                     _hp.detach().numpy().copy()))

_hf1 = lambda w: 0.5 * (w[0] ** 2 + 10 * w[1] ** 2)
_hg1 = lambda w: np.array([w[0], 10 * w[1]])

with score.required("your own L-BFGS (not scipy.optimize.minimize or torch.optim.LBFGS)"):
    check_own_lbfgs()

with score.aspect("Rosenbrock: 2-D to 1e-6 in under 200 iterations from (-1.2, 1), seven other starts with memories "
                  "1 to 20, 5-D and 10-D", 1.1):
    for _hwhat, _hproblem, _hstart, _hkw in _hROSEN:
        _hw, _hinfo, _, _ = _hcall(_hproblem.loss, _hproblem.grad, _hstart, _hwhat, **_hkw)
        assert np.linalg.norm(_hw - 1) < 1e-6, f"{_hwhat}: ended at {_hw} after {_hinfo['iterations']} iterations"
        if _hwhat.endswith("tol 1e-9"):
            assert _hinfo["iterations"] < 200, f"{_hwhat}: {_hinfo['iterations']} iterations"
with score.aspect("random strongly convex quadratics, n = 5 to 50, condition numbers up to 10^3: the exact minimum "
                  "and SciPy's L-BFGS-B", 0.7):
    for _hwhat, _hq, _hw0, _hkw, _href in _hQUAD:
        _hw, _, _, _ = _hcall(_hq.loss, _hq.grad, _hw0, _hwhat, **_hkw)
        check_close(_hw, _hq.center, f"minimum of a {_hwhat}", rtol=0, atol=1e-7)
        check_close(_hw, _href, f"{_hwhat}: lbfgs vs scipy L-BFGS-B", rtol=0, atol=1e-6)
with score.aspect("L2-regularized logistic regression: SciPy's L-BFGS-B and torch.optim.LBFGS", 0.6):
    for _hwhat, _hloss, _hgrad, _hd, _href, _htorch in _hLOGREG:
        _hw, _, _, _ = _hcall(_hloss, _hgrad, np.zeros(_hd), _hwhat, tol=1e-10, max_iter=500)
        check_close(_hw, _href, f"{_hwhat}: lbfgs vs scipy L-BFGS-B", rtol=0, atol=1e-6)
        check_close(_hw, _htorch, f"{_hwhat}: lbfgs vs torch.optim.LBFGS", rtol=0, atol=1e-6)
with score.aspect("the bookkeeping of info: histories and path, calls of f, a loss that never rises, converged and "
                  "message, on Rosenbrock, quadratics and logistic regression", 0.3):
    for _hwhat, _hproblem, _hstart, _hkw in _hROSEN[:3] + _hROSEN[-2:-1]:
        _hw, _ = _hbookkeeping(_hproblem.loss, _hproblem.grad, _hstart, _hwhat, **_hkw)
        assert np.linalg.norm(_hw - 1) < 1e-6, f"{_hwhat}: ended at {_hw}"
    for _hwhat, _hq, _hw0, _hkw, _href in _hQUAD[:2]:
        _hw, _ = _hbookkeeping(_hq.loss, _hq.grad, _hw0, _hwhat, **_hkw)
        check_close(_hw, _hq.center, f"minimum of a {_hwhat}", rtol=0, atol=1e-7)
    _hwhat, _hloss, _hgrad, _hd, _href, _htorch = _hLOGREG[0]
    _hw, _ = _hbookkeeping(_hloss, _hgrad, np.zeros(_hd), _hwhat, tol=1e-10, max_iter=500)
    check_close(_hw, _href, f"{_hwhat}: lbfgs vs scipy L-BFGS-B", rtol=0, atol=1e-6)
with score.aspect("the stored pairs: at most history_size, the newest is (w_K - w_{K-1}, g_K - g_{K-1}), every s.y > 0", 0.2):
    for _hwhat, _hproblem, _hstart, _hkw in _hROSEN[3:7] + _hROSEN[-1:]:
        _hw, _ = _hpairs(_hproblem.loss, _hproblem.grad, _hstart, _hwhat, **_hkw)
        assert np.linalg.norm(_hw - 1) < 1e-6, f"{_hwhat}: ended at {_hw}"
    for _hwhat, _hq, _hw0, _hkw, _href in _hQUAD[2:]:
        _hw, _ = _hpairs(_hq.loss, _hq.grad, _hw0, _hwhat, **_hkw)
        check_close(_hw, _hq.center, f"minimum of a {_hwhat}", rtol=0, atol=1e-7)
with score.aspect("c1 and shrink honoured (one iteration with shrink = 0.1, with c1 = 0.9); a trial whose loss is "
                  "NaN or inf is rejected", 0.3):
    _hw, _, _, _ = _hcall(_hf1, _hg1, [1.0, 1.0], "shrink = 0.1", max_iter=1, shrink=0.1)
    check_close(_hw, np.array([0.9, 0.0]), "one iteration with shrink = 0.1")
    _hw, _, _, _ = _hcall(_hf1, _hg1, [1.0, 1.0], "c1 = 0.9", max_iter=1, c1=0.9)
    check_close(_hw, np.array([0.984375, 0.84375]), "one iteration with c1 = 0.9")
    for _hbad in (np.nan, np.inf):
        _hw, _hinfo, _, _ = _hcall(lambda w, b=_hbad: _hf1(w) if w[1] > -2 else b, _hg1, [1.0, 1.0],
                                   f"f = {_hbad} beyond w2 <= -2", max_iter=1)
        check_close(_hw, np.array([0.875, -0.25]), f"one iteration when the trials alpha = 1 and 1/2 give f = {_hbad}")
        assert _hinfo["function_evals"] == 5, f"{_hinfo['function_evals']} calls of f, expected 5 (f = {_hbad} beyond w2 <= -2)"
with score.aspect("max_backtracks counts every trial: 3 trials fail where 4 are needed, and 4 pass", 0.2):
    _hw, _hinfo, _, _ = _hcall(_hf1, _hg1, [1.0, 1.0], "max_backtracks = 3", max_backtracks=3)
    assert _hinfo["iterations"] == 0 and _hinfo["message"] == "line search failed" and _hinfo["function_evals"] == 4, (
        f"max_backtracks = 3 (4 trials needed): iterations {_hinfo['iterations']}, message {_hinfo['message']!r}, "
        f"function_evals {_hinfo['function_evals']}")
    check_close(_hw, np.array([1.0, 1.0]), "w when the first line search fails")
    _hw, _hinfo, _, _ = _hcall(_hf1, _hg1, [1.0, 1.0], "max_backtracks = 4", max_iter=1, max_backtracks=4)
    check_close(_hw, np.array([0.875, -0.25]), "one iteration with max_backtracks = 4")
with score.aspect("max_iter honoured (7 on Rosenbrock, 'max_iter reached'); 'converged' when the last allowed step "
                  "converges; a start at the minimum (no iteration, one call of f)", 0.3):
    _hw, _hinfo, _, _ = _hcall(_hrosen.loss, _hrosen.grad, [-1.2, 1.0], "max_iter = 7", max_iter=7)
    assert _hinfo["iterations"] == 7 and _hinfo["message"] == "max_iter reached", "max_iter = 7 not honoured"
    check_close(_hw, _hinfo["path"][-1], "w after 7 iterations")
    assert _hrosen.loss(_hw) < 0.5 * _hrosen.loss(np.array([-1.2, 1.0])), "7 iterations on Rosenbrock hardly lowered the loss"
    for _hscale in (1.0, 3.0):
        _hw, _hinfo, _, _ = _hcall(lambda w, c=_hscale: 0.5 * c * w @ w, lambda w, c=_hscale: c * w, [1.0, -2.0],
                                   f"f = {_hscale:g} |w|^2 / 2, max_iter = 1, full step", max_iter=1,
                                   **({"shrink": 1 / 3} if _hscale == 3.0 else {}))
        check_close(_hw, np.zeros(2), f"one iteration on f = {_hscale:g} |w|^2 / 2")
        assert _hinfo["converged"] and _hinfo["message"] == "converged" and _hinfo["iterations"] == 1, (
            f"the last allowed step converged: converged {_hinfo['converged']}, message {_hinfo['message']!r}")
    _hw, _hinfo, _, _ = _hcall(_hf1, _hg1, [0.0, 0.0], "start at the minimum")
    assert _hinfo["iterations"] == 0 and _hinfo["converged"] and _hinfo["function_evals"] == 1, "starting at the minimum"
    check_close(_hw, np.zeros(2), "w when starting at the minimum")
with score.aspect("the defaults history_size=10, max_iter=200, tol=1e-6, c1=1e-4, shrink=0.5, max_backtracks=50: "
                  "the same runs as with them given", 0.2):
    for _hwhat, _hproblem, _hstart in [("Rosenbrock from (-2, 3)", _hrosen, [-2.0, 3.0]),
                                       ("Rosenbrock 5-D", Rosenbrock(dim=5), np.tile([-1.2, 1.0], 3)[:5]),
                                       (_hQUAD[0][0], _hQUAD[0][1], _hQUAD[0][2])]:
        _hw_def, _hinfo_def, _, _ = _hcall(_hproblem.loss, _hproblem.grad, _hstart, _hwhat + ", defaults", defaults=True)
        _hw, _hinfo, _, _ = _hcall(_hproblem.loss, _hproblem.grad, _hstart, _hwhat + ", the defaults given")
        assert np.linalg.norm(_hproblem.grad(_hw)) <= 1e-6, f"{_hwhat}: not converged with the defaults given"
        assert (_hinfo_def["iterations"], _hinfo_def["function_evals"]) == (_hinfo["iterations"], _hinfo["function_evals"]), (
            f"{_hwhat}: {_hinfo_def['iterations']} iterations and {_hinfo_def['function_evals']} calls of f with the "
            f"defaults, {_hinfo['iterations']} and {_hinfo['function_evals']} with them given")
        check_close(_hw_def, _hw, f"{_hwhat}: w with the defaults", rtol=0, atol=1e-12)
with score.aspect("w0 left as it was", 0.1):
    for _hwhat, _hproblem, _hstart, _hkw in _hROSEN[:2]:
        _hstart_in = np.array(_hstart, dtype=float)
        _hw, _ = lbfgs(_hproblem.loss, _hproblem.grad, _hstart_in, **{**_hEXPLICIT, **_hkw})
        assert np.linalg.norm(_hw - 1) < 1e-6, f"{_hwhat}: ended at {_hw}"
        assert np.array_equal(_hstart_in, _hstart), f"lbfgs modified w0 ({_hwhat})"
### END HIDDEN TESTS
score.result()

# %% [markdown]
# ## 8. L-BFGS against gradient descent, Adam and Newton, in full batch
#
# ### Rosenbrock
#
# From $(-1.2, 1)$: your L-BFGS ($m = 10$, tolerance $10^{-10}$ on the gradient norm), two reference
# implementations (SciPy's L-BFGS-B and `torch.optim.LBFGS`, both with a Wolfe line search), pure Newton,
# gradient descent at learning rate $10^{-3}$ (just below $2/L \approx 1.3\times10^{-3}$ for the largest
# curvature on its path, about 1500<!-- quote: rosen_gd_max_curvature ±2% -->, met near the start: a safe rate,
# not a tuned one; the cell also prints where a few larger rates end), and Adam (`torch.optim.Adam`, the
# reference implementation of notebook 03's rule) at two learning rates. We count **gradient
# evaluations** (one per iteration for every method; L-BFGS also calls $f$ in its line search, reported
# separately) until the distance to the minimum first falls below $10^{-3}$ and $10^{-6}$. The count includes
# the gradient at the start $w_0$, for every method: a point reached after $k$ steps counts as $k + 1$
# evaluations, as it does for L-BFGS, which evaluates the gradient at every point it visits.

# %%
with experiment("Rosenbrock: L-BFGS vs gradient descent vs Adam vs Newton"):
    rosen = Rosenbrock()
    w_start = np.array([-1.2, 1.0])


    def evals_to(path, tol):
        """Gradient evaluations until |w - w*| < tol for the first time, the one at w0 included (None if never)."""
        dist = np.linalg.norm(np.asarray(path) - rosen.minimum, axis=1)
        close = np.flatnonzero(dist < tol)
        return int(close[0] + 1) if close.size else None


    paths = {}
    w, info_rosen = lbfgs(rosen.loss, rosen.grad, w_start, tol=1e-10)
    paths["L-BFGS (yours)"] = np.array(info_rosen["path"])
    w = w_start.copy()
    newton = [w]
    for _ in range(10):
        w = newton_step(w, rosen.grad(w), rosen.hessian(w))
        newton.append(w)
    paths["Newton (pure)"] = np.array(newton)
    w, gd = w_start.copy(), [w_start.copy()]
    for _ in range(10000):
        w = w - 1e-3 * rosen.grad(w)
        gd.append(w)
    paths["gradient descent, lr 1e-3"] = np.array(gd)
    gd_max_curvature = max(np.linalg.eigvalsh(rosen.hessian(w))[-1] for w in gd[::10])
    print(f"gradient descent, lr 1e-3: largest curvature on its path {gd_max_curvature:.0f} (2/L = {2 / gd_max_curvature:.2g})")
    quote("rosen_gd_max_curvature", gd_max_curvature)
    gd_other = {}
    for lr in [1.5e-3, 2e-3, 2.2e-3, 2.5e-3]:  # larger rates: not in the table or the plots
        w = w_start.copy()
        for _ in range(10000):
            w = w - lr * rosen.grad(w)
        gd_other[lr] = np.linalg.norm(w - 1)
        quote(f"rosen_gd_lr{lr:g}_final_dist", gd_other[lr])
    print("gradient descent at larger rates, |w - w*| after 10000 steps: "
          + ", ".join(f"lr {lr:g}: {d:.2g}" for lr, d in gd_other.items()))
    quote("rosen_gd_lr1e-3_over_lr2e-3", np.linalg.norm(gd[-1] - 1) / gd_other[2e-3])
    for lr in [1e-3, 1e-2]:
        p = torch.tensor(w_start, requires_grad=True)
        adam = torch.optim.Adam([p], lr=lr)
        adam_path = [w_start.copy()]
        for _ in range(10000):
            p.grad = torch.from_numpy(rosen.grad(p.detach().numpy()))
            adam.step()
            adam_path.append(p.detach().numpy().copy())
        paths[f"Adam, lr {lr:g}"] = np.array(adam_path)

    print(f"{'method':28s} {'grad evals to 1e-3':>19s} {'to 1e-6':>9s} {'|w - w*| at the end':>21s}")
    for name, path in paths.items():
        e3, e6 = evals_to(path, 1e-3), evals_to(path, 1e-6)
        print(f"{name:28s} {e3 if e3 else '> ' + str(len(path)):>19} {e6 if e6 else '> ' + str(len(path)):>9} "
              f"{np.linalg.norm(path[-1] - 1):21.2e}")
    print(f"your L-BFGS: {info_rosen['iterations']} iterations, {info_rosen['function_evals']} calls of f, "
          f"{info_rosen['skipped_pairs']} pair(s) skipped")
    res = scipy.optimize.minimize(rosen.loss, w_start, jac=rosen.grad, method="L-BFGS-B",
                                  options={"gtol": 1e-10, "ftol": 1e-16, "maxcor": 10})
    print(f"scipy L-BFGS-B: {res.nit} iterations, {res.nfev} evaluations of f and gradient, "
          f"|w - w*| = {np.linalg.norm(res.x - 1):.1e}")
    p = torch.tensor(w_start, requires_grad=True)
    torch_lbfgs = torch.optim.LBFGS([p], lr=1, max_iter=500, history_size=10, tolerance_grad=1e-10,
                                    tolerance_change=0, line_search_fn="strong_wolfe")

    def rosen_closure():
        torch_lbfgs.zero_grad()
        loss = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
        loss.backward()
        return loss

    torch_lbfgs.step(rosen_closure)
    st = torch_lbfgs.state[p]
    print(f"torch.optim.LBFGS (strong Wolfe): {st['n_iter']} iterations, {st['func_evals']} evaluations, "
          f"|w - w*| = {np.linalg.norm(p.detach().numpy() - 1):.1e}")
    for name, path in paths.items():
        key = name.split(" (")[0].replace(", lr ", "_lr").replace(" ", "_")
        for tol, label in [(1e-3, "1e-3"), (1e-6, "1e-6")]:
            if evals_to(path, tol):
                quote(f"rosen_{key}_evals_to_{label}", evals_to(path, tol))
        quote(f"rosen_{key}_final_dist", np.linalg.norm(path[-1] - 1))
    quote("rosen_lbfgs_iterations", info_rosen["iterations"])
    quote("rosen_lbfgs_f_calls", info_rosen["function_evals"])
    quote("rosen_lbfgs_extra_trials", info_rosen["function_evals"] - 1 - info_rosen["iterations"])
    quote("rosen_lbfgs_skipped", info_rosen["skipped_pairs"])
    quote("rosen_scipy_iterations", res.nit)
    quote("rosen_scipy_evals", res.nfev)
    quote("rosen_torch_iterations", st["n_iter"])
    quote("rosen_torch_evals", st["func_evals"])
    # Where L-BFGS meets negative curvature (sections 3 and 7), and its first line search (Q4).
    lbfgs_path = np.array(info_rosen["path"])
    s4, y4 = lbfgs_path[4] - lbfgs_path[3], rosen.grad(lbfgs_path[4]) - rosen.grad(lbfgs_path[3])
    print(f"L-BFGS after 3 iterations at ({lbfgs_path[3, 0]:.3f}, {lbfgs_path[3, 1]:.3f}), smallest eigenvalue of H "
          f"{np.linalg.eigvalsh(rosen.hessian(lbfgs_path[3]))[0]:.3f}; its 4th step has s.y = {s4 @ y4:.2e}")
    quote("lbfgs_rosen_w3_x", lbfgs_path[3, 0])
    quote("lbfgs_rosen_w3_y", lbfgs_path[3, 1])
    quote("lbfgs_rosen_w3_min_eig", np.linalg.eigvalsh(rosen.hessian(lbfgs_path[3]))[0])
    quote("lbfgs_rosen_sy4", s4 @ y4)
    _, first = lbfgs(rosen.loss, rosen.grad, w_start, max_iter=1)
    alpha_1 = (first["path"][1] - w_start) @ -rosen.grad(w_start) / (rosen.grad(w_start) @ rosen.grad(w_start))
    print(f"first iteration: |g0| = {np.linalg.norm(rosen.grad(w_start)):.0f}, {first['function_evals'] - 1} trials, "
          f"accepted alpha = 2^{np.log2(alpha_1):.0f}")
    quote("rosen_g0_norm", np.linalg.norm(rosen.grad(w_start)))
    quote("rosen_lbfgs_first_trials", first["function_evals"] - 1)
    quote("rosen_lbfgs_first_extra_trials", first["function_evals"] - 2)
    quote("rosen_lbfgs_first_log2_alpha", np.log2(alpha_1))
    # Adam at lr 0.01 once within 1e-6: how far it wanders afterwards.
    adam_dist = np.linalg.norm(paths["Adam, lr 0.01"] - 1, axis=1)
    after = adam_dist[evals_to(paths["Adam, lr 0.01"], 1e-6) - 1:]
    print(f"Adam, lr 0.01, after first reaching 1e-6: distance between {after.min():.1e} and {after.max():.1e}")
    quote("rosen_adam_after_max", after.max())
    quote("rosen_adam_after_min", after.min())
    quote("rosen_adam_over_lbfgs_evals", evals_to(paths["Adam, lr 0.01"], 1e-6) / evals_to(paths["L-BFGS (yours)"], 1e-6))

    fig, axes = plt.subplots(1, 2, figsize=(14, 4.8))
    show = {"L-BFGS (yours)": paths["L-BFGS (yours)"], "Newton (pure)": paths["Newton (pure)"],
            "gradient descent, lr 1e-3": paths["gradient descent, lr 1e-3"],
            "Adam, lr 0.01": paths["Adam, lr 0.01"]}
    plot_trajectories(rosen, show, ax=axes[0], markers=False)  # colours C1, C2, C3, C4 in this order
    axes[0].set(xlim=(-1.5, 1.5), ylim=(-0.5, 2.5), title="paths (gradient descent and Adam: 10000 steps)")
    colors = {"L-BFGS (yours)": "C1", "Newton (pure)": "C2", "gradient descent, lr 1e-3": "C3", "Adam, lr 0.01": "C4",
              "Adam, lr 0.001": "C5"}
    for name, path in paths.items():
        dist = np.linalg.norm(path - 1, axis=1)
        axes[1].loglog(np.arange(1, len(path) + 1), np.maximum(dist, 1e-17), color=colors[name], label=name)
    axes[1].axhline(1e-6, color="k", ls=":", lw=1)
    axes[1].set(xlabel="gradient evaluations", ylabel=r"$\|w - w^*\|$", title="distance to the minimum")
    axes[1].legend(fontsize=8)
    axes[1].grid(True, which="both", alpha=0.3)
    plt.show()

# %% [markdown]
# **What we measured.** Your L-BFGS gets within $10^{-3}$ of the minimum after
# 38<!-- quote: rosen_L-BFGS_evals_to_1e-3 --> gradient evaluations and within $10^{-6}$ after
# 41<!-- quote: rosen_L-BFGS_evals_to_1e-6 -->. It took 41<!-- quote: rosen_lbfgs_iterations --> iterations and
# 64<!-- quote: rosen_lbfgs_f_calls --> calls of $f$ (one at the start and one per iteration, plus
# 22<!-- quote: rosen_lbfgs_extra_trials --> extra line-search trials, 10<!-- quote: rosen_lbfgs_first_extra_trials -->
# of them in the first iteration) and
# skipped 1<!-- quote: rosen_lbfgs_skipped --> pair. SciPy's L-BFGS-B (38<!-- quote: rosen_scipy_iterations -->
# iterations, 46<!-- quote: rosen_scipy_evals --> evaluations) and `torch.optim.LBFGS`
# (39<!-- quote: rosen_torch_iterations --> iterations, 48<!-- quote: rosen_torch_evals --> evaluations), with
# their Wolfe line searches, need about as many. Pure Newton needs 7<!-- quote: rosen_Newton_evals_to_1e-6 -->
# gradients, and as many Hessians. Gradient descent is still 1.7e-2<!-- quote: rosen_gradient_descent_lr1e-3_final_dist ±3% -->
# away after 10000 steps. Its rate was not tuned: larger rates pass the steep start without blowing up, and
# the best we tried, $2\times10^{-3}$, ends 3.0e-4<!-- quote: rosen_gd_lr0.002_final_dist ±3% --> away (about
# 57<!-- quote: rosen_gd_lr1e-3_over_lr2e-3 ±3% --> times closer), but $2.2\times10^{-3}$ and $2.5\times10^{-3}$
# end 0.13<!-- quote: rosen_gd_lr0.0022_final_dist ±3% --> and 0.29<!-- quote: rosen_gd_lr0.0025_final_dist ±3% -->
# away: the best fixed rate sits next to a cliff, and even it is far from L-BFGS's $10^{-6}$.
# Adam at $\eta = 10^{-3}$ ends 4.3e-2<!-- quote: rosen_Adam_lr0.001_final_dist ±3% --> away. Adam
# at $\eta = 10^{-2}$ gets within $10^{-3}$ after 4410<!-- quote: rosen_Adam_lr0.01_evals_to_1e-3 --> steps and
# within $10^{-6}$ after 5560<!-- quote: rosen_Adam_lr0.01_evals_to_1e-6 -->, but does not stay there: with a
# constant learning rate it keeps bouncing, between 4.2e-3<!-- quote: rosen_adam_after_max ±5% --> and
# 2.2e-16<!-- quote: rosen_adam_after_min ±5% --> from the minimum (right panel). On a small, smooth,
# deterministic problem, curvature information wins by two orders of magnitude in gradient evaluations
# (L-BFGS needed more than 100<!-- quote: rosen_adam_over_lbfgs_evals ≥ --> times fewer than Adam to reach
# $10^{-6}$).
#
# ### How much memory does L-BFGS need?
#
# The memory $m$ trades storage ($2mN$ numbers) for a better model of the curvature. Iterations to a
# gradient norm of $10^{-8}$ for several $m$, on 2-D and 20-D Rosenbrock and on a random 100-D quadratic
# with $\kappa = 10^4$ (gradient descent at its best learning rate would need about
# $\frac{\kappa}{2}\ln(10^{8}) \approx 92\,000$ iterations on it).

# %%
with experiment("the memory size m"):
    problems = {"Rosenbrock 2-D": (Rosenbrock(), np.array([-1.2, 1.0])),
                "Rosenbrock 20-D": (Rosenbrock(dim=20), np.tile([-1.2, 1.0], 10)),
                "quadratic 100-D, kappa 1e4": (Quadratic.random(dim=100, kappa=1e4, seed=SEED + 1), np.ones(100))}
    memories = [1, 3, 10, 30]
    iterations = {}
    print(f"{'m':>4s} " + " ".join(f"{name:>28s}" for name in problems))
    for m in memories:
        row = []
        for name, (problem, start) in problems.items():
            w, info = lbfgs(problem.loss, problem.grad, start, history_size=m, tol=1e-8, max_iter=3000)
            row.append(f"{info['iterations']:>6d} it, {info['function_evals']:>5d} f calls" if info["converged"]
                       else f"not converged ({info['message']})")
            iterations[name, m] = info["iterations"] if info["converged"] else np.inf
            quote(f"memory_{name.split(',')[0].replace(' ', '_')}_m{m}", iterations[name, m])
        print(f"{m:4d} " + " ".join(f"{r:>28s}" for r in row))
    share = min((iterations[name, 1] - iterations[name, 10]) / (iterations[name, 1] - iterations[name, 30])
                for name in problems)
    print(f"share of the gain from m = 1 to m = 30 already in hand at m = 10: at least {share:.0%}")
    quote("memory_gain_share_m10", share)
    quote("memory_gd_predicted", 1e4 / 2 * np.log(1e8))

# %% [markdown]
# **What we measured.** More memory helps, with diminishing returns: from $m = 1$ to $m = 30$ the
# iterations drop from 58<!-- quote: memory_Rosenbrock_2-D_m1 --> to 40<!-- quote: memory_Rosenbrock_2-D_m30 --> on
# 2-D Rosenbrock, from 295<!-- quote: memory_Rosenbrock_20-D_m1 --> to 117<!-- quote: memory_Rosenbrock_20-D_m30 -->
# on 20-D Rosenbrock and from about 1600<!-- quote: memory_quadratic_100-D_m1 ±10% --> to
# 1000<!-- quote: memory_quadratic_100-D_m30 ±10% --> on the quadratic, and most of the gain (at least
# 60%<!-- quote: memory_gain_share_m10 ≥ --> of it on each problem) is in hand by $m = 10$
# (41<!-- quote: memory_Rosenbrock_2-D_m10 -->, 139<!-- quote: memory_Rosenbrock_20-D_m10 -->, about
# 1150<!-- quote: memory_quadratic_100-D_m10 ±10% --> iterations). Even $m = 1$ is far better than gradient
# descent (about 92000<!-- quote: memory_gd_predicted ±1% --> iterations on the quadratic): a single well-scaled pair
# already captures the scale of the curvature, which is most of what gradient descent lacks. SciPy's
# default is $m = 10$ (`maxcor`), torch's $m = 100$ (`history_size`); the memory costs $2mN$ numbers,
# nothing next to the $N^2$ of a Hessian.
#
# ### Full-batch logistic regression on the digits
#
# A real, convex model: multinomial logistic regression on all 1797 digits (64 pixels, 10 classes, $650$
# parameters), cross-entropy plus $\frac{\lambda}{2}\|W\|^2$ with $\lambda = 10^{-3}$, in full batch. The
# optimal loss $f^*$ comes from SciPy's L-BFGS-B run to a gradient of $10^{-12}$. We give every method
# 300 gradient evaluations: your L-BFGS; gradient descent and Adam at the best of three learning rates each.

# %%
with experiment("full-batch logistic regression on the digits"):
    from course_utils.data import load_digits

    X_digits, y_digits = load_digits()
    X_all, Y_all = X_digits.astype(np.float64), np.eye(10)[y_digits]
    n_classes, n_features, lam = 10, X_all.shape[1], 1e-3


    def softmax_loss_grad(w, idx=None):
        """Cross-entropy of softmax regression + lam/2 |W|^2, and its gradient; w = (W.ravel(), b)."""
        X, Y = (X_all, Y_all) if idx is None else (X_all[idx], Y_all[idx])
        W, b = w[: n_classes * n_features].reshape(n_classes, n_features), w[n_classes * n_features:]
        Z = X @ W.T + b
        Z = Z - Z.max(axis=1, keepdims=True)
        P = np.exp(Z)
        P /= P.sum(axis=1, keepdims=True)
        loss = -np.sum(Y * np.log(P + 1e-300)) / len(X) + 0.5 * lam * np.sum(W * W)
        G = (P - Y) / len(X)
        return loss, np.concatenate([(G.T @ X + lam * W).ravel(), G.sum(axis=0)])


    loss_full = lambda w: softmax_loss_grad(w)[0]
    grad_full = lambda w: softmax_loss_grad(w)[1]
    w0 = np.zeros(n_classes * (n_features + 1))
    ref = scipy.optimize.minimize(softmax_loss_grad, w0, jac=True, method="L-BFGS-B",
                                  options={"maxiter": 5000, "gtol": 1e-12, "ftol": 1e-16})
    f_star = ref.fun
    budget = 300
    gaps = {}
    w, info_logreg = lbfgs(loss_full, grad_full, w0, max_iter=budget - 1, tol=1e-12)
    gaps["L-BFGS (yours)"] = np.array(info_logreg["loss_history"]) - f_star
    best = {}
    for lr in [2.0, 4.0, 8.0]:
        w, hist = w0.copy(), []
        for _ in range(budget):
            loss, g = softmax_loss_grad(w)
            hist.append(loss)
            w = w - lr * g
        best.setdefault("gradient descent", []).append((hist[-1], lr, np.array(hist) - f_star))
    for lr in [0.03, 0.1, 0.3]:
        p = torch.zeros(len(w0), dtype=torch.float64, requires_grad=True)
        adam = torch.optim.Adam([p], lr=lr)
        hist = []
        for _ in range(budget):
            loss, g = softmax_loss_grad(p.detach().numpy())
            hist.append(loss)
            p.grad = torch.from_numpy(g)
            adam.step()
        best.setdefault("Adam", []).append((hist[-1], lr, np.array(hist) - f_star))
    for name, runs in best.items():
        final, lr, gap = min(runs, key=lambda r: r[0])
        gaps[f"{name}, lr {lr:g} (best of {', '.join(f'{r[1]:g}' for r in runs)})"] = gap
    print(f"f* = {f_star:.6f} (scipy L-BFGS-B, {ref.nit} iterations)")
    print(f"{'method':52s} " + " ".join(f"{'gap after ' + str(k):>15s}" for k in (10, 30, 100, 300)))
    for name, gap in gaps.items():
        print(f"{name:52s} " + " ".join(f"{gap[min(k, len(gap)) - 1]:15.2e}" for k in (10, 30, 100, 300)))
    print(f"your L-BFGS: {info_logreg['function_evals']} calls of f for {info_logreg['iterations'] + 1} gradients, "
          f"{info_logreg['skipped_pairs']} pairs skipped")
    for name, gap in gaps.items():
        key = name.split(" (")[0].split(",")[0].replace(" ", "_")
        for k in (10, 100, 300):
            quote(f"digits_{key}_gap{k}", gap[min(k, len(gap)) - 1])
        if "lr" in name:
            quote(f"digits_{key}_best_lr", float(name.split("lr ")[1].split(" ")[0]))
    quote("digits_lbfgs_f_calls", info_logreg["function_evals"])
    quote("digits_lbfgs_gradients", info_logreg["iterations"] + 1)
    adam_gaps = [gap for name, gap in gaps.items() if name.startswith("Adam")][0]
    for k in (100, 300):
        quote(f"digits_adam_over_lbfgs_log10_gap{k}", np.log10(adam_gaps[k - 1] / gaps["L-BFGS (yours)"][k - 1]))
    fig, ax = plt.subplots(figsize=(7, 4))
    plot_loss_curves({name: (np.arange(1, len(gap) + 1), np.maximum(gap, 1e-16)) for name, gap in gaps.items()}, ax=ax,
                     xlabel="gradient evaluations (full batch)", ylabel=r"$f - f^*$",
                     title="softmax regression on the digits, full batch")
    plt.show()

# %% [markdown]
# **What we measured.** After 100 gradient evaluations your L-BFGS is within
# 4.7e-6<!-- quote: digits_L-BFGS_gap100 ±5% --> of the optimal loss, Adam (best learning rate
# 0.1<!-- quote: digits_Adam_best_lr -->) within 9.6e-4<!-- quote: digits_Adam_gap100 ±3% --> and gradient descent
# (best 4<!-- quote: digits_gradient_descent_best_lr -->) within 8.9e-3<!-- quote: digits_gradient_descent_gap100 ±3% -->;
# after 300, L-BFGS is below 1e-13<!-- quote: digits_L-BFGS_gap300 ≤ -->, the level of rounding, Adam at
# 8.5e-6<!-- quote: digits_Adam_gap300 ±3% --> and gradient descent at
# 1.6e-3<!-- quote: digits_gradient_descent_gap300 ±3% -->. L-BFGS called $f$ only
# 318<!-- quote: digits_lbfgs_f_calls ±3 --> times for its 300<!-- quote: digits_lbfgs_gradients --> gradients:
# the full step $\alpha = 1$ was accepted almost every time.
# This is the regime in which the notes (and CS231n) recommend L-BFGS: full batch, deterministic, smooth,
# and not too many parameters.
#
# **Q4.** Why does L-BFGS need almost no line-search work on this problem, while its first iteration on
# Rosenbrock needed a dozen trials?
#
# <details><summary>Answer</summary>
#
# Once pairs are stored, $H_0 = \gamma I$ with $\gamma = s^\top y / y^\top y$ scales the direction by an
# estimate of the inverse curvature, so $\alpha = 1$ is close to the right step length, as for Newton.
# The first iteration has no pairs: its direction is $-g$, whose length $\|g\|$ has nothing to do with
# the right step: on Rosenbrock $\|g_0\| =$ 233<!-- quote: rosen_g0_norm ±0.5 -->, and the line search needed
# 11<!-- quote: rosen_lbfgs_first_trials --> trials to get from $\alpha = 1$ down to an acceptable
# $\alpha = 2^{-10} \approx 10^{-3}$ (ten halvings: $\log_2 \alpha =$ -10<!-- quote: rosen_lbfgs_first_log2_alpha ±0.01 -->). Implementations therefore often
# scale the first step, e.g. $\alpha_0 = \min(1, 1/\|g_0\|_1)$ in `torch.optim.LBFGS`.
# </details>

# %% [markdown]
# ## 9. L-BFGS on mini-batches
#
# Now the notes' warning: "works with batch optimization but not with mini-batches". Everything in
# L-BFGS assumes it sees **one** function: the line search compares losses at different points, and the
# pairs $y = g_{k+1} - g_k$ assume both gradients come from the same $f$. With a new mini-batch at every
# iteration, neither holds.
#
# ### Naively: plug a mini-batch loss into your `lbfgs`
#
# We give your `lbfgs` a loss that changes its mini-batch (64 examples) at every call of `grad_f`, i.e.
# once per iteration.

# %%
with experiment("mini-batches fed to your lbfgs"):
    mb_rng = np.random.default_rng(SEED)
    batch = {"idx": mb_rng.choice(len(X_all), 64, replace=False)}


    def loss_batch(w):
        return softmax_loss_grad(w, batch["idx"])[0]


    def grad_batch(w):
        g = softmax_loss_grad(w, batch["idx"])[1]
        batch["idx"] = mb_rng.choice(len(X_all), 64, replace=False)  # the next iteration sees a new batch
        return g


    w, info_naive = lbfgs(loss_batch, grad_batch, w0, max_iter=300, tol=0.0)
    print(f"stopped after {info_naive['iterations']} iterations: {info_naive['message']!r}; "
          f"{info_naive['function_evals']} calls of f")
    print(f"full-batch gap f - f* at the end: {loss_full(w) - f_star:.3f} (at the start: {loss_full(w0) - f_star:.3f})")
    quote("naive_iterations", info_naive["iterations"])
    quote("naive_line_search_failed", info_naive["message"] == "line search failed")
    quote("naive_gap_end", loss_full(w) - f_star)
    quote("naive_gap_start", loss_full(w0) - f_star)

# %% [markdown]
# Your L-BFGS stops after a handful of iterations (8<!-- quote: naive_iterations ±3 --> here; the
# number depends on the draw of batches) with `"line search failed"`, still more than 0.1<!-- quote: naive_gap_end ≥ --> above $f^*$ on the
# full batch (it started 2.04<!-- quote: naive_gap_start --> above; full-batch L-BFGS was
# 0.061<!-- quote: digits_L-BFGS_gap10 ±3% --> above after 10 gradients). Its Armijo test compares
# the loss of the *new* batch along the new direction with the loss the *previous* batch gave at the
# current point, and when the new batch is simply harder, no step can pass. That is a failure of the
# deterministic machinery more than of the idea, so let us give L-BFGS a fair chance.
#
# ### Fairly: `torch.optim.LBFGS`, one iteration per mini-batch, against Adam
#
# `torch.optim.LBFGS` keeps its memory across calls of `step()`, re-evaluates the loss at the start of
# each call and runs its (strong Wolfe) line search on the current batch only, so the line search is
# consistent within a batch. We run it with `max_iter=1` per batch (one L-BFGS iteration per mini-batch,
# with up to 20 function evaluations for the line search), and Adam at the better of two learning rates,
# on the **same** sequence of batches, for 300 batches, and measure the **full-batch** loss gap
# $f - f^*$ (every 10 steps; we report the median of the last five measurements), for batch sizes from 16
# to the whole data set.

# %%
with experiment("L-BFGS vs Adam on mini-batches"):
    batch_sizes = [16, 64, 256, len(X_all)]  # (torch runs on one thread, set in the setup cell: tiny tensors)
    steps = 300


    def batch_sequence(batch_size, seed=SEED):
        r = np.random.default_rng(seed)
        return [r.choice(len(X_all), batch_size, replace=False) for _ in range(steps)]


    def run_torch(make_optimizer, batches, every=10):
        """Train on the batches; returns the full-batch gap every `every` steps, and the optimizer."""
        p = torch.zeros(len(w0), dtype=torch.float64, requires_grad=True)
        opt = make_optimizer([p])
        gap = []
        for t, idx in enumerate(batches, start=1):
            def closure():
                loss, g = softmax_loss_grad(p.detach().numpy(), idx)
                p.grad = torch.from_numpy(g)
                return torch.tensor(loss)

            opt.step(closure)
            if t % every == 0:
                gap.append(loss_full(p.detach().numpy()) - f_star)
        return np.array(gap), opt


    mb_results = {}
    for bs in tqdm(batch_sizes, desc="batch size", leave=False):
        batches = batch_sequence(bs)
        gap_lbfgs, opt = run_torch(lambda ps: torch.optim.LBFGS(ps, lr=1, max_iter=1, max_eval=20, history_size=10,
                                                                tolerance_grad=0, tolerance_change=0,
                                                                line_search_fn="strong_wolfe"), batches)
        evals = opt.state[opt.param_groups[0]["params"][0]]["func_evals"]
        adam_runs = [(run_torch(lambda ps: torch.optim.Adam(ps, lr=lr), batches)[0], lr) for lr in (0.03, 0.1)]
        gap_adam, lr_adam = min(adam_runs, key=lambda r: np.median(r[0][-5:]))
        mb_results[bs] = (gap_lbfgs, gap_adam, lr_adam, evals)
    print(f"full-batch gap f - f* after {steps} mini-batch steps (median of the last 5 measurements, every 10 steps)")
    print(f"{'batch size':>10s} {'L-BFGS':>10s} {'Adam':>10s} {'Adam lr':>8s} {'L-BFGS: f evals':>16s}")
    for bs, (gl, ga, lr_a, evals) in mb_results.items():
        print(f"{bs:10d} {np.median(gl[-5:]):10.2e} {np.median(ga[-5:]):10.2e} {lr_a:8g} {evals:16d}")
        quote(f"mb_{bs}_lbfgs_gap", np.median(gl[-5:]))
        quote(f"mb_{bs}_adam_gap", np.median(ga[-5:]))
        quote(f"mb_{bs}_lbfgs_over_adam", np.median(gl[-5:]) / np.median(ga[-5:]))
        quote(f"mb_{bs}_lbfgs_evals_per_batch", evals / steps)
        quote(f"mb_{bs}_lbfgs_ahead_steps", np.sum(gl[:10] < ga[:10]))  # of the first 10 measurements (100 steps)
        quote(f"mb_{bs}_lbfgs_jumps", np.sum(gl[1:] > 3 * gl[:-1]))  # measurements 3x above the previous one
    quote("mb_full_log10_adam_over_lbfgs", np.log10(np.median(mb_results[len(X_all)][1][-5:])
                                                    / np.median(mb_results[len(X_all)][0][-5:])))
    quote("mb_small_max_evals_per_batch", max(mb_results[bs][3] / steps for bs in batch_sizes[:-1]))
    for bs in [16, 256]:  # the curves are noisy: the largest rise from one measurement to the next
        gl = mb_results[bs][0]
        i = int(np.argmax(gl[1:] / gl[:-1]))
        print(f"batch size {bs}: L-BFGS's largest rise between two measurements: x{gl[i + 1] / gl[i]:.1f}, "
              f"from step {10 * (i + 1)} to step {10 * (i + 2)}")
    fig, axes = plt.subplots(1, 2, figsize=(13, 4))
    for i, bs in enumerate([16, 256]):
        gl, ga, lr_a, _ = mb_results[bs]
        axes[i].semilogy(np.arange(10, steps + 1, 10), gl, "o-", label="L-BFGS (torch, strong Wolfe)")
        axes[i].semilogy(np.arange(10, steps + 1, 10), ga, "o-", label=f"Adam, lr {lr_a:g}")
        axes[i].set(xlabel="mini-batch steps", ylabel=r"full-batch $f - f^*$", title=f"batch size {bs}")
        axes[i].legend(fontsize=8)
        axes[i].grid(True, which="both", alpha=0.3)
    plt.show()

# %% [markdown]
# **What we measured.** The curves are noisy: now and then one measurement jumps well above the one before
# (in our run L-BFGS at batch size 16 around step 110; the cell prints the largest rise at batch sizes 16 and
# 256), which is why the table reports the median of the last five measurements rather than the last one.
# In full batch L-BFGS ends about 5<!-- quote: mb_full_log10_adam_over_lbfgs ±0.5 -->
# orders of magnitude below Adam (a gap of about 1e-10<!-- quote: mb_1797_lbfgs_gap ±60% --> against
# 1.4e-5<!-- quote: mb_1797_adam_gap ±3% -->). With mini-batches its advantage is gone. At batch size 256 it is
# ahead early (right panel: below Adam at all 10<!-- quote: mb_256_lbfgs_ahead_steps --> measurements of the
# first 100 steps), but both end near the same noise floor (about 6e-3<!-- quote: mb_256_lbfgs_gap ±25% --> and
# 7e-3<!-- quote: mb_256_adam_gap ±25% -->; L-BFGS a little lower with each of our three seeds). At batch sizes
# 64 and 16 L-BFGS ends *worse* than Adam (about 2.5e-2<!-- quote: mb_64_lbfgs_gap ±20% --> against
# 1.8e-2<!-- quote: mb_64_adam_gap ±15% -->, and 8e-2<!-- quote: mb_16_lbfgs_gap ±5% --> against
# 4.5e-2<!-- quote: mb_16_adam_gap ±25% -->: at least 1.1<!-- quote: mb_64_lbfgs_over_adam ≥ --> and
# 1.4<!-- quote: mb_16_lbfgs_over_adam ≥ --> times Adam's gap, with each of our seeds), while costing about
# 2.2<!-- quote: mb_small_max_evals_per_batch ±0.1 --> loss evaluations per batch against Adam's one. So the notes'
# claim holds in the sense CS231n gives it: L-BFGS "does not transfer well" to mini-batches. On this convex
# problem, with a careful line search, it does not blow up; it loses its edge, and then some.
#
# ### Why: the curvature pairs drown in noise
#
# Along the full-batch L-BFGS path of the previous experiment we take real steps $s_k$ and compute $y_k$
# three ways: from the full gradient (the truth), from two **different** mini-batches (what mini-batch
# L-BFGS does), and from the **same** mini-batch at both ends (the fix of stochastic quasi-Newton
# methods, e.g. Schraudolph et al., 2007; Berahas et al., 2016). We report the median relative error
# $\|y - y_{\text{true}}\| / \|y_{\text{true}}\|$ and how often $s^\top y \le 0$ (a pair that L-BFGS must
# throw away).

# %%
with experiment("noise in the curvature pairs"):
    w, info = lbfgs(loss_full, grad_full, w0, max_iter=110, tol=1e-12)  # the full-batch path again
    path = np.array(info["path"])
    ks = range(5, 105, 2)  # 50 steps along it
    print(f"{'batch size':>10s} {'different batches: rel. error':>30s} {'s.y <= 0':>9s} {'same batch: rel. error':>24s} "
          f"{'s.y <= 0':>9s}")
    noise_rng = np.random.default_rng(SEED + 1)
    negative_different, negative_same = [], []
    for bs in [16, 64, 256, 1024]:
        err_diff, err_same, neg_diff, neg_same = [], [], 0, 0
        for k in ks:
            s = path[k + 1] - path[k]
            y_true = grad_full(path[k + 1]) - grad_full(path[k])
            b1, b2 = (noise_rng.choice(len(X_all), bs, replace=False) for _ in range(2))
            y_diff = softmax_loss_grad(path[k + 1], b2)[1] - softmax_loss_grad(path[k], b1)[1]
            y_same = softmax_loss_grad(path[k + 1], b1)[1] - softmax_loss_grad(path[k], b1)[1]
            err_diff.append(np.linalg.norm(y_diff - y_true) / np.linalg.norm(y_true))
            err_same.append(np.linalg.norm(y_same - y_true) / np.linalg.norm(y_true))
            neg_diff += s @ y_diff <= 0
            neg_same += s @ y_same <= 0
        print(f"{bs:10d} {np.median(err_diff):30.1f} {neg_diff / len(ks):9.0%} {np.median(err_same):24.2f} "
              f"{neg_same / len(ks):9.0%}")
        quote(f"noise_{bs}_err_different", np.median(err_diff))
        quote(f"noise_{bs}_err_same", np.median(err_same))
        quote(f"noise_{bs}_negative_different", neg_diff / len(ks))
        quote(f"noise_{bs}_negative_same", neg_same / len(ks))
        negative_different.append(neg_diff / len(ks))
        negative_same.append(neg_same / len(ks))
    print(f"typical step length |s| on this stretch: {np.median([np.linalg.norm(path[k + 1] - path[k]) for k in ks]):.2g}")
    quote("noise_negative_min", min(negative_different))
    quote("noise_negative_max", max(negative_different))
    quote("noise_same_negative_max", max(negative_same))
    quote("noise_step_length", np.median([np.linalg.norm(path[k + 1] - path[k]) for k in ks]))

# %% [markdown]
# **What we measured.** With two different batches, the error in $y$ is many times the signal itself: about
# 120<!-- quote: noise_16_err_different ±12% --> times at batch size 16, 70<!-- quote: noise_64_err_different ±10% -->
# at 64, 32<!-- quote: noise_256_err_different ±10% --> at 256 and still 9.5<!-- quote: noise_1024_err_different ±15% -->
# at 1024; and a fifth to a half of the pairs (between 20%<!-- quote: noise_negative_min ≥ --> and
# 50%<!-- quote: noise_negative_max ≤ -->, depending on the batch size and the seed) have $s^\top y \le 0$, so L-BFGS must throw them away (and with them,
# in our version, its whole memory). The reason is a scale mismatch: $y_{\text{true}} \approx H s$ shrinks
# with the step (here $\|s\| \approx$ 0.094<!-- quote: noise_step_length ±0.001 -->), while the difference of two
# independent mini-batch gradients does not shrink at all. With the *same* batch at both ends the error
# drops to about 0.9<!-- quote: noise_16_err_same ±0.06 -->, 0.49<!-- quote: noise_64_err_same ±0.04 -->,
# 0.24<!-- quote: noise_256_err_same ±0.015 --> and 0.085<!-- quote: noise_1024_err_same ±0.007 --> (roughly
# halving as the batch grows fourfold, as sampling noise does, and faster at 1024, more than half of the 1797
# examples), and no pair has $s^\top y \le 0$ (0%<!-- quote: noise_same_negative_max -->): two gradients of the same convex function
# differ only through the step. That is the starting point of the stochastic quasi-Newton methods:
# compute each curvature pair on one batch (at the cost of an extra gradient), or on overlapping batches,
# and use step sizes that decay. Even then, the gain over Adam in deep learning has been small, which is
# why the notes' practical advice reads as it does.
#
# **Q5.** Adam also builds a per-coordinate curvature-like scaling from noisy gradients ($\sqrt{v}$). Why
# does it cope with mini-batch noise where L-BFGS does not?
#
# <details><summary>Answer</summary>
#
# Adam averages: $v$ is an exponential moving average of $g^2$ over about $1/(1-\beta_2) = 1000$ steps,
# and $m$ of $g$ over about 10, so the noise is averaged out over many batches, and the step size is
# capped by the learning rate (each coordinate moves by about $\eta$ at most). L-BFGS takes differences of
# two noisy gradients, which *amplifies* noise relative to the signal, keeps only the last $m$ of them
# with no averaging, and trusts the resulting model enough to take a full step $\alpha = 1$. A wrong
# curvature estimate then produces a wrong step of a wrong length, and no learning rate limits it.
# </details>

# %% [markdown]
# ## 10. "In practice first use Adam, and if it didn't work try L-BFGS"
#
# The notes end the section with this advice. Our measurements give it a precise meaning:
#
# - **Mini-batch training of a network** (the usual case): Adam. L-BFGS lost its advantage at every batch
#   size below the full data set (section 9), and a network's loss has saddles and non-convex regions,
#   where curvature pairs are skipped often.
# - **Full batch and smooth**, with up to a few million parameters (logistic regression, small models
#   fitted to all their data, style transfer, physics-informed networks, fitting a few parameters of a
#   model): try L-BFGS. On the digits it was 2.3<!-- quote: digits_adam_over_lbfgs_log10_gap100 ±0.1 --> orders of
#   magnitude closer to $f^*$ than Adam after 100 gradients and about 8<!-- quote: digits_adam_over_lbfgs_log10_gap300 ±0.8 -->
#   after 300 (section 8); it needs no learning rate, and its memory is only $2mN$.
# - **Newton's method itself**: only for small $N$ (a few thousand; section 4) and with a line search
#   and a guard against negative curvature (section 3).
#
# A last caveat that no optimizer removes: a lower training loss is not a better model. On the digits
# the L2 term keeps the weights bounded; on an over-parameterized network, driving the full-batch loss to
# $10^{-10}$ is over-fitting (notebooks 07 to 10 deal with that).

# %% [markdown]
# ## Summary
#
# - **Newton's method** minimizes the local quadratic model: $w \leftarrow w - H^{-1}g$, computed by
#   solving $Hd = g$. On a quadratic it is exact in one step, for any condition number (measured: below
#   1e-12<!-- quote: newton_err_max ≤ --> from distance 1, where gradient descent at its best learning rate needs
#   about 6.9<!-- quote: gd_steps_per_kappa1000 ±0.05 --> times $\kappa$ steps: 69<!-- quote: gd_steps_kappa10 --> to
#   about 69000<!-- quote: gd_steps_kappa10000 ±1% -->). Near a minimum it converges quadratically (Rosenbrock:
#   distance 0.056<!-- quote: newton_rosen_dist4 -->, 9.6e-6<!-- quote: newton_rosen_dist5 ±2% -->,
#   1.9e-11<!-- quote: newton_rosen_dist6 ±10% -->, 0<!-- quote: newton_rosen_dist7 --> in the last steps).
# - **"No learning rate"** (notes: "in some of the versions"): true near a minimum (the step is invariant
#   to linear changes of coordinates); far away the full step can diverge ($\sqrt{1+x^2}$ from $x_0 = 1.1$) or
#   jump uphill (Rosenbrock, step 2: loss 4.73<!-- quote: newton_rosen_loss1 --> to
#   1410<!-- quote: newton_rosen_loss2 ±0.5% -->), so practical versions add a line search.
# - **Saddles attract Newton**: a quarter of a grid of starts (25%<!-- quote: saddle_share -->), every start with
#   $|y_0| < 1/\sqrt5$, converged to the saddle; from $(0.8, 0.2)$ gradient descent and saddle-free Newton went
#   to a minimum.
# - **Cost** (notes: confirmed, with a nuance). Memory $8N^2$ bytes (slope 2.00<!-- quote: mem_slope -->). Solving
#   $Hd = g$: measured slope about 2.7<!-- quote: slope_lu ±0.3 --> for $N$ up to 2048, below 3 because the
#   library's speed per operation still grows with $N$; the inverse was about
#   4<!-- quote: inverse_over_lu_1024 ±1.2 --> times slower than LU, Cholesky about
#   1.4<!-- quote: lu_over_cholesky_last ±0.4 --> times faster. ResNet-50's Hessian would take about
#   5<!-- quote: extrapolated_N25600000_hessian_pb ±0.3 --> PB.
# - **L-BFGS** keeps $m$ pairs $(s, y)$ and applies the BFGS inverse-Hessian update implicitly through the
#   **two-loop recursion** ($O(mN)$), scaled by $\gamma = s^\top y / y^\top y$ of the newest pair. With
#   Armijo backtracking it must skip pairs with $s^\top y \le 0$ and, we found, clear its memory then.
# - **Full batch** (notes: "works with batch optimization", confirmed): Rosenbrock to $10^{-6}$ in
#   41<!-- quote: rosen_L-BFGS_evals_to_1e-6 --> gradients (gradient descent:
#   1.7e-2<!-- quote: rosen_gradient_descent_lr1e-3_final_dist ±3% --> away after 10000 at $10^{-3}$, and
#   3.0e-4<!-- quote: rosen_gd_lr0.002_final_dist ±3% --> at the best rate we tried; Adam:
#   5560<!-- quote: rosen_Adam_lr0.01_evals_to_1e-6 -->, and it does not stay); digits softmax regression
#   4.7e-6<!-- quote: digits_L-BFGS_gap100 ±5% --> above $f^*$ after 100 gradients and below
#   1e-13<!-- quote: digits_L-BFGS_gap300 ≤ --> after 300, against 9.6e-4<!-- quote: digits_Adam_gap100 ±3% --> and
#   8.5e-6<!-- quote: digits_Adam_gap300 ±3% --> for Adam at its best learning rate.
# - **Mini-batches** (notes: "not with mini-batches", confirmed as "loses its advantage"): naively, your
#   line search fails after a handful of iterations; with a per-batch line search (`torch.optim.LBFGS`) it ends
#   level with Adam at batch 256 and worse at 64 and 16. The cause: $y$ from two different batches has an
#   error 9.5<!-- quote: noise_1024_err_different ±15% --> to 120<!-- quote: noise_16_err_different ±12% --> times
#   its size, and a fifth to a half of the pairs have $s^\top y \le 0$.
#
# ### What holds over seeds and threads
#
# Every number above is checked against the run that produced it; these conclusions were also checked
# with three seeds of the random draws (`SEED` = 0, 1, 2: the 50-D and 100-D quadratics, the mini-batches)
# and with one and two BLAS threads:
#
# | claim | experiment | verdict |
# | --- | --- | --- |
# | one Newton step lands on a quadratic's minimum, for $\kappa$ up to $10^4$ | section 3 | holds in every run |
# | pure Newton converges to the saddle from every start with $\lvert y_0\rvert < 1/\sqrt5$ | section 3 | holds (no randomness) |
# | Cholesky is faster than LU, LU faster than the inverse; the slopes stay below 3 | section 4 | holds in every run on our machine; the ratios and slopes vary from run to run |
# | L-BFGS needs two orders of magnitude fewer gradients than Adam on Rosenbrock | section 8 | holds (no randomness) |
# | most of the gain of memory is in hand by $m = 10$ | section 8 | holds for every seed |
# | full-batch L-BFGS ends orders of magnitude below Adam on the digits | sections 8, 9 | holds; its final level (rounding) moves with the number of threads |
# | naive mini-batch L-BFGS: the line search fails within a handful of iterations | section 9 | holds for every seed; the count varies |
# | mini-batch L-BFGS ends worse than Adam at batch 16 and 64, level at 256 | section 9 | holds for every seed (at 256 L-BFGS ends a little lower) |
# | $y$ from two batches has an error many times its size; from one batch, no $s^\top y \le 0$ | section 9 | holds for every seed |
#
# ### Errata and clarifications to the notes
#
# - "to from quadratic approximation": **form**.
# - "Inverting takes $O(N^3)$": one solves, never inverts; solving is also $O(N^3)$ (about
#   4<!-- quote: inverse_over_lu_1024 ±1.2 --> times faster than inverting, measured), and the Hessian must first be computed ($N$ backward passes).
# - "It doesn't have a learning rate": only the pure step near a minimum; otherwise a line search plays
#   its role.
# - "L-BFGS is a version of second order optimization": a quasi-Newton method, using gradients only.
# - "Works with batch optimization but not with mini-batches": "batch" here means **full batch**.
#
# ### References
#
# - J. Nocedal and S. Wright, *Numerical Optimization*, 2nd ed., Springer, 2006: chapter 3 (line searches,
#   Armijo and Wolfe conditions), chapter 6 (BFGS), Algorithm 7.4 (the two-loop recursion).
# - J. Nocedal, *Updating quasi-Newton matrices with limited storage*, Math. Comp. 35, 1980; D. C. Liu and
#   J. Nocedal, *On the limited memory BFGS method for large scale optimization*, Math. Prog. 45, 1989.
# - H. H. Rosenbrock, *An automatic method for finding the greatest or least value of a function*, The
#   Computer Journal 3, 1960.
# - Y. Dauphin et al., *Identifying and attacking the saddle point problem in high-dimensional non-convex
#   optimization*, NeurIPS 2014 (saddle-free Newton).
# - J. Martens, *Deep learning via Hessian-free optimization*, ICML 2010.
# - N. Schraudolph, J. Yu and S. Günter, *A stochastic quasi-Newton method for online convex optimization*,
#   AISTATS 2007; A. S. Berahas, J. Nocedal and M. Takáč, *A multi-batch L-BFGS method for machine
#   learning*, NeurIPS 2016.
# - CS231n, *Neural Networks Part 3: Learning and Evaluation* (the section on second-order methods).
# - PyTorch documentation, `torch.optim.LBFGS`; SciPy documentation, `scipy.optimize.minimize(method="L-BFGS-B")`.
