# VARIANT: CS231n assignment 2's own dropout_backward (layers.py): dx = None, dx = dout * mask with the forward pass's mask in train mode, elif mode == "test": dx = dout
# KEEPS: 5 of 5: the same math as the reference, written in the assignment's layout
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

    dx = None
    if mode == "train":
        dx = dout * mask
    elif mode == "test":
        dx = dout
    return dx
