# VARIANT: updates w in place (w -= ...), as the notes write it: the caller's old weights change too
# KEEPS: 4.8 of 5: loses only 'w and dw left as they were' (visible 0.2): every value is right
def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: one step against the (mini-batch) gradient."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    w -= config["learning_rate"] * dw
    return w, config
