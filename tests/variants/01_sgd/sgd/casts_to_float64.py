# VARIANT: casts to float64 NumPy arrays (float32 in, float64 out; torch tensors become arrays)
# KEEPS: 3.7 of 5: loses the torch-tensor aspects (0.4, 0.6) and NumPy dtype kept (hidden 0.3): the values are right
def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: one step against the (mini-batch) gradient.

        next_w = w - learning_rate * dw

    Inputs:
    - w: the current weights, a NumPy array or a torch tensor (CPU or CUDA) of any shape.
    - dw: the gradient of the loss with respect to w; same kind, shape, dtype and device as w.
    - config: a dict of hyperparameters, or None to use the defaults:
      - learning_rate (float, default 1e-2): the step size.

    Returns:
    - next_w: the updated weights; same kind, shape, dtype and device as w.
    - config: the config dict, with every default filled in.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    next_w = np.asarray(w, dtype=np.float64) - config["learning_rate"] * np.asarray(dw, dtype=np.float64)
    return next_w, config
