# MISTAKE: steps against the weights instead of the gradient (w where dw belongs: a typo of one letter)
def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: one step against the (mini-batch) gradient.

        next_w = w - learning_rate * dw

    Inputs:
    - w: the current weights, a NumPy array or a torch tensor (CPU or CUDA) of any shape.
    - dw: the gradient of the loss with respect to w; same kind, shape, dtype and device as w.
    - config: a dict of hyperparameters, or None to use the defaults:
      - learning_rate (float, default 1e-2): the step size.

    Returns:
    - next_w: the updated weights; same kind, shape, dtype and device as w.
    - config: the config dict, with every default filled in.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    next_w = w - config["learning_rate"] * w
    return next_w, config
