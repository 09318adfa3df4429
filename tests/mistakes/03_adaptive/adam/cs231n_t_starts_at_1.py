# MISTAKE: the older CS231n skeleton's config.setdefault('t', 1) kept with config['t'] += 1 first: the first step uses t = 2
def adam(w, dw, config=None):
    """Adam: momentum on the gradient, RMSProp on its square, both bias-corrected."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", torch.zeros_like(w) if isinstance(w, torch.Tensor) else np.zeros_like(w))
    config.setdefault("v", torch.zeros_like(w) if isinstance(w, torch.Tensor) else np.zeros_like(w))
    config.setdefault("t", 1)

    config["t"] += 1
    config["m"] = config["beta1"] * config["m"] + (1 - config["beta1"]) * dw
    config["v"] = config["beta2"] * config["v"] + (1 - config["beta2"]) * dw * dw
    m_hat = config["m"] / (1 - config["beta1"] ** config["t"])
    v_hat = config["v"] / (1 - config["beta2"] ** config["t"])
    next_w = w - config["learning_rate"] * m_hat / (v_hat ** 0.5 + config["epsilon"])
    return next_w, config
