# VARIANT: np.subtract on tensors: a CPU tensor comes back (with a warning), a GPU tensor fails
# KEEPS: 4 of 5: loses the torch-tensor aspects (visible 0.4, hidden 0.6; the meta tensor makes this so on any grader, GPU or not)
def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: one step against the (mini-batch) gradient."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    next_w = np.subtract(w, config["learning_rate"] * dw)
    return next_w, config
