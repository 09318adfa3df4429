# MISTAKE: config["cache"] is set to the zeros it starts from, and the updated cache is never written back (cache = cache + ... makes a new array)
def adagrad(w, dw, config=None):
    """AdaGrad: per-coordinate steps divided by the root of the sum of all past squared gradients.

        cache  = cache + dw * dw
        next_w = w - learning_rate * dw / (sqrt(cache) + epsilon)

    Inputs:
    - w: the current weights, a NumPy array or a torch tensor (CPU or CUDA) of any shape.
    - dw: the gradient of the loss with respect to w; same kind, shape, dtype and device as w.
    - config: a dict of hyperparameters and state, or None to use the defaults:
      - learning_rate (float, default 1e-2, as torch.optim.Adagrad): the step size.
      - epsilon (float, default 1e-10, as torch.optim.Adagrad): added to sqrt(cache), outside the root.
      - cache (same kind, shape, dtype and device as w): the running sum of squared gradients
        (torch's state "sum"). Missing on the first call: start from zeros.

    Returns:
    - next_w: the updated weights; same kind, shape, dtype and device as w.
    - config: the config dict, with every default filled in and config["cache"] updated.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-10)

    cache = config.get("cache")
    if cache is None:
        cache = torch.zeros_like(w) if isinstance(w, torch.Tensor) else np.zeros_like(w)
        config["cache"] = cache
    cache = cache + dw * dw
    next_w = w - config["learning_rate"] * dw / (cache ** 0.5 + config["epsilon"])
    return next_w, config