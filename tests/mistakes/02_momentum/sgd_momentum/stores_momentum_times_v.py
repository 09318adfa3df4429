# MISTAKE: stores momentum * v in config['velocity'] instead of v (the next call multiplies by momentum again)
def sgd_momentum(w, dw, config=None):
    """SGD with momentum (Polyak's heavy ball), in the notes' and torch.optim.SGD's convention.

        v      = momentum * v + dw
        next_w = w - learning_rate * v

    Inputs:
    - w: the current weights, a NumPy array or a torch tensor (CPU or CUDA) of any shape.
    - dw: the gradient of the loss with respect to w; same kind, shape, dtype and device as w.
    - config: a dict of hyperparameters and state, or None to use the defaults:
      - learning_rate (float, default 1e-2): the step size.
      - momentum (float, default 0.9): rho, the fraction of the velocity kept from one step to the next.
      - velocity (same kind, shape, dtype and device as w): the running weighted sum of gradients.
        Missing on the first call: start from zeros.

    Returns:
    - next_w: the updated weights; same kind, shape, dtype and device as w.
    - config: the config dict, with every default filled in and config["velocity"] updated.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)

    v = config.get("velocity", 0 * w)
    v = config["momentum"] * v + dw
    next_w = w - config["learning_rate"] * v
    config["velocity"] = config["momentum"] * v  # "the velocity times momentum is what the next step adds"
    return next_w, config
