# VARIANT: np.subtract on tensors: a CPU tensor comes back (with a warning), a GPU tensor fails
# KEEPS: 4.2 of 5: loses the torch-tensor aspects (visible 0.3, hidden 0.5; the meta tensor makes this so on any grader, GPU or not)
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
