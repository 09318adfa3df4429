# MISTAKE: damps the Hessian in place (hessian += eps*I, Levenberg-Marquardt style, in case H is singular): the caller's matrix changes
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
    hessian += 1e-12 * np.eye(len(grad))  # a little damping, in case H is singular
    d = np.linalg.solve(hessian, grad)
    return w - d
