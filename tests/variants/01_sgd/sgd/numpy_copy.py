# VARIANT: NumPy habits: w.copy() then an in-place step; a torch tensor has no .copy()
# KEEPS: 4 of 5: loses the torch-tensor aspects (visible 0.4, hidden 0.6): a tensor has no .copy()
def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: one step against the (mini-batch) gradient."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    next_w = w.copy()
    next_w -= config["learning_rate"] * dw
    return next_w, config
