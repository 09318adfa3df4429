# VARIANT: updates w in place (w -= ...), as the notes write it: the caller's old weights change too
# KEEPS: 4.8 of 5: loses only 'w and dw left as they were' (visible 0.2): every value is right
def rmsprop(w, dw, config=None):
    """RMSProp: per-coordinate steps divided by the root of a running mean of squared gradients."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)

    rho = config["decay_rate"]
    cache = config.get("cache")
    if cache is None:
        cache = torch.zeros_like(w) if isinstance(w, torch.Tensor) else np.zeros_like(w)
    cache = rho * cache + (1 - rho) * dw * dw
    w -= config["learning_rate"] * dw / (cache ** 0.5 + config["epsilon"])
    config["cache"] = cache
    return w, config
