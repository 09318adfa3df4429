# VARIANT: updates w in place (w -= learning_rate*v), as the notes write it: the caller's old weights change too
# KEEPS: 4.8 of 5: loses only 'w and dw left as they were' (visible 0.2): every value is right
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
    w -= config["learning_rate"] * v
    config["velocity"] = v
    return w, config
