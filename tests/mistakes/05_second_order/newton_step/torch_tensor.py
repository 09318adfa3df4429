# MISTAKE: written with torch: returns a torch tensor where the docstring asks for a NumPy array
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
    import torch
    d = torch.linalg.solve(torch.as_tensor(hessian), torch.as_tensor(grad))
    return torch.as_tensor(w) - d
