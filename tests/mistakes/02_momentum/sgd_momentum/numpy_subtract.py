# MISTAKE: np.subtract on tensors: a CPU tensor comes back (with a warning), a GPU tensor fails
def sgd_momentum(w, dw, config=None):
    """SGD with momentum, in the notes' and torch.optim.SGD's convention (v = momentum*v + dw)."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)

    v = config.get("velocity")
    if v is None:
        v = 0 * w
    v = config["momentum"] * v + dw
    next_w = np.subtract(w, config["learning_rate"] * v)
    config["velocity"] = v
    return next_w, config
