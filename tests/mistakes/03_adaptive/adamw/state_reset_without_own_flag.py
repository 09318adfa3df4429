# MISTAKE: the state is started again from zeros unless this function set its own "initialized" flag, so a state given in config (resuming) is thrown away
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

    if not config.get("initialized"):  # a state this function did not start is ignored
        for key in ("m", "v", "t"):
            config.pop(key, None)
        config["initialized"] = True
    decayed = w * (1 - config["learning_rate"] * config["weight_decay"])
    next_w, config = adam(decayed, dw, config)
    return next_w, config