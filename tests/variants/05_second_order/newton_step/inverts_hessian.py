# VARIANT: the notes' 'inverting takes O(N^3)' taken literally: w - np.linalg.inv(hessian) @ grad (right values, slower, less accurate)
# KEEPS: 2.7 of 3: loses only the aspects 'H d = g solved, not inverted' (visible 0.1, hidden 0.2)
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
    H_inv = np.linalg.inv(hessian)  # the notes: 'Inverting takes O(N^3)'
    return w - H_inv @ grad
