# MISTAKE: the step forgets the learning rate (w - v)
def sgd_momentum(w, dw, config=None):
    """SGD with momentum, in the notes' and torch.optim.SGD's convention (v = momentum*v + dw)."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)

    v = config.get("velocity")
    if v is None:
        v = np.zeros_like(w) if isinstance(w, np.ndarray) else torch.zeros_like(w)
    v = config["momentum"] * v + dw
    next_w = w - v
    config["velocity"] = v
    return next_w, config
