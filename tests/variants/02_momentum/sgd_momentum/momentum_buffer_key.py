# VARIANT: the velocity stored under torch's own name, config['momentum_buffer'], instead of config['velocity']
# KEEPS: 4.2 of 5: loses only the velocity's convention (visible 0.3, hidden 0.5): the state has another name, every next_w is right
def sgd_momentum(w, dw, config=None):
    """SGD with momentum, as torch.optim.SGD does it: its state is called momentum_buffer."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)

    buf = config.get("momentum_buffer")
    if buf is None:
        buf = torch.zeros_like(w) if isinstance(w, torch.Tensor) else np.zeros_like(w)
    buf = config["momentum"] * buf + dw
    next_w = w - config["learning_rate"] * buf
    config["momentum_buffer"] = buf
    return next_w, config
