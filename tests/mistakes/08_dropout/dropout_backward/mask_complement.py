# MISTAKE: the gradient goes to the dropped elements (mask == 0), not to the kept ones
def dropout_backward(dout, cache):
    """Inverted dropout, backward pass.

    Inputs:
    - dout: upstream gradient dL/d(out), a NumPy array shaped like the forward pass's x.
    - cache: (dropout_param, mask) from dropout_forward; mask is what x was multiplied by (already
      divided by 1 - p), None in test mode.

    Returns:
    - dx: dL/dx, same shape and dtype as dout.
    """
    dropout_param, mask = cache
    mode = dropout_param["mode"]

    if mode == "train":
        dx = dout * (mask == 0) / (1 - dropout_param["p"])
    else:
        dx = dout
    return dx