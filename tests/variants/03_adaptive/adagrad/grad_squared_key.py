# VARIANT: the sum of squares is kept as config['grad_squared'] (the lecture notes' name), not config['cache']
# KEEPS: 4.3 of 5: loses only the state aspects (visible 0.3, hidden 0.4): the rule reads its own key back, every step is right
def adagrad(w, dw, config=None):
    """AdaGrad: per-coordinate steps divided by the root of the sum of all past squared gradients."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-10)

    grad_squared = config.get("grad_squared")
    if grad_squared is None:
        grad_squared = torch.zeros_like(w) if isinstance(w, torch.Tensor) else np.zeros_like(w)
    grad_squared = grad_squared + dw * dw
    next_w = w - config["learning_rate"] * dw / (grad_squared ** 0.5 + config["epsilon"])
    config["grad_squared"] = grad_squared
    return next_w, config
