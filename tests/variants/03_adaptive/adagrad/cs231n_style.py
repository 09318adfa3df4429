# VARIANT: written like CS231n assignment 2's optim.py: config.setdefault('cache', np.zeros_like(w)) and np.sqrt (NumPy-only)
# KEEPS: 4.2 of 5: loses the torch-tensor aspects (visible 0.3, hidden 0.5): the NumPy math, state and defaults are right
def adagrad(w, dw, config=None):
    """
    Uses the AdaGrad update rule, which divides each step by the square root of
    the sum of all past squared gradients of that parameter.

    config format:
    - learning_rate: Scalar learning rate.
    - epsilon: Small scalar used for smoothing to avoid dividing by zero.
    - cache: Sum of the squared gradients so far.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-10)
    config.setdefault("cache", np.zeros_like(w))

    next_w = None
    cache = config["cache"] + dw ** 2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    config["cache"] = cache

    return next_w, config
