# MISTAKE: a hard-coded epsilon 1e-8 instead of config["epsilon"]
def adam(w, dw, config=None):
    """Adam: momentum on the gradient, RMSProp on its square, both bias-corrected.

        t      = t + 1                                  (so the first step uses t = 1)
        m      = beta1 * m + (1 - beta1) * dw
        v      = beta2 * v + (1 - beta2) * dw * dw
        m_hat  = m / (1 - beta1 ** t)
        v_hat  = v / (1 - beta2 ** t)
        next_w = w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    Inputs:
    - w: the current weights, a NumPy array or a torch tensor (CPU or CUDA) of any shape.
    - dw: the gradient of the loss with respect to w; same kind, shape, dtype and device as w.
    - config: a dict of hyperparameters and state, or None to use the defaults (torch.optim.Adam's):
      - learning_rate (float, default 1e-3): the step size.
      - beta1 (float, default 0.9): decay rate of the moving average of the gradient.
      - beta2 (float, default 0.999): decay rate of the moving average of the squared gradient.
      - epsilon (float, default 1e-8): added to sqrt(v_hat), outside the root.
      - m (same kind, shape, dtype and device as w): the uncorrected first moment (torch's "exp_avg").
      - v (same kind, shape, dtype and device as w): the uncorrected second moment (torch's "exp_avg_sq").
      - t (int): the number of steps taken so far. Missing state on the first call: zeros and t = 0.

    Returns:
    - next_w: the updated weights; same kind, shape, dtype and device as w.
    - config: the config dict, with every default filled in and m, v, t updated.
    """
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
    next_w = w - config["learning_rate"] * m_hat / (v_hat ** 0.5 + 1e-8)
    config["m"], config["v"], config["t"] = m, v, t
    return next_w, config