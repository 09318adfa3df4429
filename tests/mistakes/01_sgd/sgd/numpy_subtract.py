# MISTAKE: np.subtract on tensors: a CPU tensor comes back (with a warning), a GPU tensor fails
def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: one step against the (mini-batch) gradient."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    next_w = np.subtract(w, config["learning_rate"] * dw)
    return next_w, config
