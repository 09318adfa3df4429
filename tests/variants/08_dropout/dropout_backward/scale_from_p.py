# VARIANT: reads only which elements were kept from the cached mask and recomputes the scale 1/(1 - p) from dropout_param (zero gradient at p = 1)
# KEEPS: 5 of 5: dx = dout * [kept] / (1 - p) is the same gradient; float32 stays float32 (a Python float does not promote it)
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
        p = dropout_param["p"]
        kept = mask != 0
        dx = dout * kept / (1 - p) if p < 1 else dout * 0
    else:
        dx = dout
    return dx
