# VARIANT: written out without calling adam, NumPy-only: config.get('m', np.zeros_like(w)) (a torch w crashes)
# KEEPS: 4.2 of 5: loses the torch-tensor aspects (visible 0.3, hidden 0.5): the NumPy math and state are right
def adamw(w, dw, config=None):
    """AdamW: Adam with decoupled weight decay, exactly as torch.optim.AdamW.

        w      = w * (1 - learning_rate * weight_decay)     (decay, outside the gradient)
        next_w = the Adam step from w with the gradient dw (m, v, t as in adam)

    Inputs:
    - w: the current weights, a NumPy array or a torch tensor (CPU or CUDA) of any shape.
    - dw: the gradient of the loss with respect to w (without any decay term); same kind, shape,
      dtype and device as w.
    - config: a dict of hyperparameters and state, or None to use the defaults (torch.optim.AdamW's):
      - learning_rate (float, default 1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8): as in adam.
      - weight_decay (float, default 1e-2): lambda; the weights shrink by 1 - learning_rate * weight_decay
        per step.
      - m, v, t: Adam's state, as in adam (torch's exp_avg, exp_avg_sq, step).

    Returns:
    - next_w: the updated weights; same kind, shape, dtype and device as w.
    - config: the config dict, with every default filled in and m, v, t updated.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("weight_decay", 1e-2)

    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    beta1, beta2 = config["beta1"], config["beta2"]
    w = w * (1 - config["learning_rate"] * config["weight_decay"])
    m = config.get("m", np.zeros_like(w))
    v = config.get("v", np.zeros_like(w))
    t = config.get("t", 0) + 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    next_w = w - config["learning_rate"] * m_hat / (v_hat ** 0.5 + config["epsilon"])
    config["m"], config["v"], config["t"] = m, v, t
    return next_w, config
