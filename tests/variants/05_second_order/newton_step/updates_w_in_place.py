# VARIANT: updates w in place (w -= d) and returns it, as the notes write an update: the caller's w changes too
# KEEPS: 2.6 of 3: loses only the aspects 'a new array, w, grad and hessian left as they were' (visible 0.2, hidden 0.2)
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
    d = np.linalg.solve(hessian, grad)
    w -= d
    return w
