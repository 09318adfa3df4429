# VARIANT: decays w in place (w *= 1 - learning_rate * weight_decay) before calling adam: the caller's old weights change too
# KEEPS: 4.8 of 5: loses only 'w and dw left as they were' (visible 0.2): every value is right
def adamw(w, dw, config=None):
    """AdamW: Adam with decoupled weight decay, exactly as torch.optim.AdamW."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("weight_decay", 1e-2)

    w *= 1 - config["learning_rate"] * config["weight_decay"]
    next_w, config = adam(w, dw, config)
    return next_w, config
