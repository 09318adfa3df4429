# VARIANT: the lecture notes' epsilon 1e-7 as the default (the course asks for torch.optim.Adagrad's 1e-10)
# KEEPS: 4.4 of 5: loses only the defaults aspects (visible 0.2, hidden 0.4): every value at a given epsilon is right
def adagrad(w, dw, config=None):
    """AdaGrad: per-coordinate steps divided by the root of the sum of all past squared gradients.

        cache  = cache + dw * dw
        next_w = w - learning_rate * dw / (sqrt(cache) + epsilon)
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-7)  # as in the lecture notes: x -= lr * dx / (np.sqrt(grad_squared) + 1e-7)

    cache = config.get("cache")
    if cache is None:
        cache = torch.zeros_like(w) if isinstance(w, torch.Tensor) else np.zeros_like(w)
    cache = cache + dw * dw
    next_w = w - config["learning_rate"] * dw / (cache ** 0.5 + config["epsilon"])
    config["cache"] = cache
    return next_w, config
