# MISTAKE: the velocity is stored in config but never read back: every call starts again from zeros (plain SGD)
def sgd_momentum(w, dw, config=None):
    """SGD with momentum, in the notes' and torch.optim.SGD's convention (v = momentum*v + dw)."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)

    v = torch.zeros_like(w) if isinstance(w, torch.Tensor) else np.zeros_like(w)
    v = config["momentum"] * v + dw
    next_w = w - config["learning_rate"] * v
    config["velocity"] = v
    return next_w, config
