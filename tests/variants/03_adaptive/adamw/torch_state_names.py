# VARIANT: written out without calling adam, the state under torch.optim.AdamW's names (exp_avg, exp_avg_sq, step)
# KEEPS: 4.3 of 5: loses only the state aspects (visible 0.3, hidden 0.4): the rule reads its own keys back, every step is right
def adamw(w, dw, config=None):
    """AdamW: Adam with decoupled weight decay, exactly as torch.optim.AdamW."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("weight_decay", 1e-2)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)

    lr, beta1, beta2 = config["learning_rate"], config["beta1"], config["beta2"]
    if "exp_avg" not in config:
        zeros = torch.zeros_like if isinstance(w, torch.Tensor) else np.zeros_like
        config["exp_avg"], config["exp_avg_sq"], config["step"] = zeros(w), zeros(w), 0
    config["step"] += 1
    config["exp_avg"] = beta1 * config["exp_avg"] + (1 - beta1) * dw
    config["exp_avg_sq"] = beta2 * config["exp_avg_sq"] + (1 - beta2) * dw * dw
    bias1 = 1 - beta1 ** config["step"]
    bias2 = 1 - beta2 ** config["step"]
    w = w * (1 - lr * config["weight_decay"])
    next_w = w - lr * (config["exp_avg"] / bias1) / ((config["exp_avg_sq"] / bias2) ** 0.5 + config["epsilon"])
    return next_w, config
