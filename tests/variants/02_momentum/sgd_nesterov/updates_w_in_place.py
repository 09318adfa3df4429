# VARIANT: updates w in place (w += -rho*v_old + (1+rho)*v), as the notes write it: the caller's old weights change too
# KEEPS: 4.8 of 5: loses only 'w and dw left as they were' (visible 0.2): every value is right
def sgd_nesterov(w, dw, config=None):
    """Nesterov momentum in the notes' form: v = rho*v - lr*dw; w += -rho*v_old + (1+rho)*v."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)

    rho = config["momentum"]
    v_old = config.get("velocity")
    if v_old is None:
        v_old = np.zeros_like(w) if isinstance(w, np.ndarray) else torch.zeros_like(w)
    v = rho * v_old - config["learning_rate"] * dw
    w += -rho * v_old + (1 + rho) * v
    config["velocity"] = v
    return w, config
