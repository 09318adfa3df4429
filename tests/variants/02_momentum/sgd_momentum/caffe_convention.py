# VARIANT: the Caffe convention: the learning rate inside the velocity (v = rho*v + lr*dw; w = w - v): the same weights at a constant learning rate, but config['velocity'] holds lr times the notes' velocity
# KEEPS: 4.2 of 5: loses only the velocity's convention (visible 0.3, hidden 0.5): every next_w is right
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
