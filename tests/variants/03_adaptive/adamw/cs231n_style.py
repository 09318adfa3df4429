# VARIANT: written out like CS231n assignment 2's adam (setdefault('m'/'v', np.zeros_like(w)), config['t'] += 1, np.sqrt) plus the decay (NumPy-only)
# KEEPS: 4.2 of 5: loses the torch-tensor aspects (visible 0.3, hidden 0.5): the NumPy math, state and defaults are right
def adamw(w, dw, config=None):
    """
    Uses the AdamW update rule: Adam with decoupled weight decay.

    config format:
    - learning_rate: Scalar learning rate.
    - weight_decay: Scalar weight decay, applied as w * (1 - learning_rate * weight_decay).
    - beta1, beta2, epsilon, m, v, t: as in adam.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("weight_decay", 1e-2)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)

    next_w = None
    w = w * (1 - config["learning_rate"] * config["weight_decay"])
    config["t"] += 1
    config["m"] = config["beta1"] * config["m"] + (1 - config["beta1"]) * dw
    mt = config["m"] / (1 - config["beta1"] ** config["t"])
    config["v"] = config["beta2"] * config["v"] + (1 - config["beta2"]) * (dw ** 2)
    vt = config["v"] / (1 - config["beta2"] ** config["t"])
    next_w = w - config["learning_rate"] * mt / (np.sqrt(vt) + config["epsilon"])

    return next_w, config
