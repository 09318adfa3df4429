# VARIANT: CS231n's course notes' Nesterov update in an assignment-2 style rule: NumPy-only (np.zeros_like) and in place (x += -mu*v_prev + (1+mu)*v)
# KEEPS: 4 of 5: loses the torch-tensor aspects (visible 0.3, hidden 0.5) and 'w and dw left as they were' (visible 0.2): every value is right
def sgd_nesterov(w, dw, config=None):
    """
    Performs stochastic gradient descent with Nesterov momentum.

    config format:
    - learning_rate: Scalar learning rate.
    - momentum: Scalar between 0 and 1 giving the momentum value.
    - velocity: A numpy array of the same shape as w and dw.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))

    mu = config["momentum"]
    v_prev = v  # back this up
    v = mu * v - config["learning_rate"] * dw  # velocity update stays the same
    w += -mu * v_prev + (1 + mu) * v  # position update changes form
    config["velocity"] = v

    return w, config
