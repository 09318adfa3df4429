# VARIANT: the state is kept under torch.optim.Adam's names (exp_avg, exp_avg_sq, step), not m, v, t
# KEEPS: 3.6 of 5: loses the state aspects (visible 0.3, hidden 0.4) of adam, and the same 0.7 in adamw's tests, whose answer calls this adam: adam alone keeps 4.3
def adam(w, dw, config=None):
    """Adam: momentum on the gradient, RMSProp on its square, both bias-corrected."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)

    beta1, beta2 = config["beta1"], config["beta2"]
    if "exp_avg" not in config:
        zeros = torch.zeros_like if isinstance(w, torch.Tensor) else np.zeros_like
        config["exp_avg"], config["exp_avg_sq"], config["step"] = zeros(w), zeros(w), 0
    config["step"] += 1
    config["exp_avg"] = beta1 * config["exp_avg"] + (1 - beta1) * dw
    config["exp_avg_sq"] = beta2 * config["exp_avg_sq"] + (1 - beta2) * dw * dw
    m_hat = config["exp_avg"] / (1 - beta1 ** config["step"])
    v_hat = config["exp_avg_sq"] / (1 - beta2 ** config["step"])
    next_w = w - config["learning_rate"] * m_hat / (v_hat ** 0.5 + config["epsilon"])
    return next_w, config
