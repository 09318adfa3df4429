# VARIANT: updates w in place (w -= ...), as the notes write it: the caller's old weights change too
# KEEPS: 4.8 of 5: loses only 'w and dw left as they were' (visible 0.2): every value is right (adamw passes adam a new array)
def adam(w, dw, config=None):
    """Adam: momentum on the gradient, RMSProp on its square, both bias-corrected."""
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
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    w -= config["learning_rate"] * m_hat / (v_hat ** 0.5 + config["epsilon"])
    config["m"], config["v"], config["t"] = m, v, t
    return w, config
