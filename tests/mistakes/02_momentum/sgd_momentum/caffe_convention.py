# MISTAKE: the Caffe convention: the learning rate inside the velocity (v = rho*v + lr*dw, w = w - v); right steps, another stored velocity
def sgd_momentum(w, dw, config=None):
    """SGD with momentum, in the notes' and torch.optim.SGD's convention (v = momentum*v + dw)."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)

    v = config.get("velocity")
    if v is None:
        v = 0 * w
    v = config["momentum"] * v + config["learning_rate"] * dw
    next_w = w - v
    config["velocity"] = v
    return next_w, config
