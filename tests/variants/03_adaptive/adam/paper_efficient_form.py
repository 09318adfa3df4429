# VARIANT: the Adam paper's efficient form (Kingma & Ba, end of section 2): lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t), w -= lr_t * m / (sqrt(v) + epsilon), so epsilon is added to sqrt(v) before the bias correction (weighed by 1/sqrt(1 - beta2**t) against torch.optim.Adam's)
# KEEPS: 3.4 of 5: loses adam's epsilon aspects (visible 0.2, hidden 0.3) and its hidden defaults (0.4, whose epsilon is 1e-8), and the same hidden 0.7 in adamw's tests, whose answer calls this adam: adam alone keeps 4.1
def adam(w, dw, config=None):
    """Adam in the paper's efficient form: the bias corrections folded into the step size.

        t      = t + 1
        m      = beta1 * m + (1 - beta1) * dw
        v      = beta2 * v + (1 - beta2) * dw * dw
        lr_t   = learning_rate * sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
        next_w = w - lr_t * m / (sqrt(v) + epsilon)
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)

    beta1, beta2 = config["beta1"], config["beta2"]
    m, v = config.get("m"), config.get("v")
    if m is None:
        m = torch.zeros_like(w) if isinstance(w, torch.Tensor) else np.zeros_like(w)
    if v is None:
        v = torch.zeros_like(w) if isinstance(w, torch.Tensor) else np.zeros_like(w)
    t = config.get("t", 0) + 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    lr_t = config["learning_rate"] * (1 - beta2**t) ** 0.5 / (1 - beta1**t)
    next_w = w - lr_t * m / (v ** 0.5 + config["epsilon"])
    config["m"], config["v"], config["t"] = m, v, t
    return next_w, config
