# MISTAKE: velocity put in config once with setdefault, then rebound locally and never written back
def sgd_nesterov(w, dw, config=None):
    """SGD with Nesterov momentum, in the notes' convention (velocity carries -learning_rate).

        v_old  = v
        v      = momentum * v - learning_rate * dw
        next_w = w - momentum * v_old + (1 + momentum) * v

    Inputs:
    - w: the current weights, a NumPy array or a torch tensor (CPU or CUDA) of any shape.
    - dw: the gradient of the loss with respect to w; same kind, shape, dtype and device as w.
    - config: a dict of hyperparameters and state, or None to use the defaults:
      - learning_rate (float, default 1e-2): the step size.
      - momentum (float, default 0.9): rho.
      - velocity (same kind, shape, dtype and device as w): v above, which at a constant learning rate
        equals -learning_rate * torch's momentum_buffer. Missing on the first call: start from zeros.

    Returns:
    - next_w: the updated weights; same kind, shape, dtype and device as w.
    - config: the config dict, with every default filled in and config["velocity"] updated.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)

    rho, lr = config["momentum"], config["learning_rate"]
    v_old = config.setdefault("velocity", 0 * w)
    v = rho * v_old - lr * dw  # rebinds the local name only: config["velocity"] keeps its zeros
    next_w = w - rho * v_old + (1 + rho) * v
    return next_w, config
