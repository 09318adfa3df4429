# MISTAKE: the velocity is stored in config but never read back: every call starts again from v = 0
def sgd_nesterov(w, dw, config=None):
    """Nesterov momentum in the notes' form: v = rho*v - lr*dw; next_w = w - rho*v_old + (1+rho)*v."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)

    rho = config["momentum"]
    v_old = 0 * w
    v = rho * v_old - config["learning_rate"] * dw
    next_w = w - rho * v_old + (1 + rho) * v
    config["velocity"] = v
    return next_w, config
