# MISTAKE: the mask is turned into float32 (.float()) whatever W's dtype, instead of W's dtype
def dropconnect_forward(x, W, b, p, mode, generator=None):
    """Forward pass of a fully connected layer with DropConnect (inverted scaling).

    Inputs:
    - x: torch tensor of shape (N, D), the layer's inputs (one example per row).
    - W: torch tensor of shape (D, M), the weights; b: torch tensor of shape (M,), the biases.
      x, W and b share a dtype and a device.
    - p: float in [0, 1), the probability of DROPPING each weight (as dropout's p in the notes and in torch).
    - mode: "train" (random mask, inverted scaling) or "test" (the weights as they are).
    - generator: an optional torch.Generator on W's device, used for the mask (None: torch's global one).
      Keep a weight where torch.rand(..., generator=generator) >= p (any rule that keeps it with
      probability 1 - p from that generator, e.g. rand < 1 - p, is as good).

    Returns (out, mask):
    - out: tensor of shape (N, M). Train: out[n] = x[n] @ (mask[n] * W) / (1 - p) + b. Test: x @ W + b.
    - mask: train: tensor of shape (N, D, M), dtype and device of W, entries 1.0 (kept, probability
      1 - p) and 0.0 (dropped, probability p), independent for every weight and every example.
      Test: None.
    """
    if mode == "train":
        mask = (torch.rand((x.shape[0],) + tuple(W.shape), generator=generator, device=W.device,
                           dtype=W.dtype) >= p).float()
        out = torch.einsum("nd,ndm->nm", x, mask * W) / (1 - p) + b
        return out, mask
    if mode == "test":
        return x @ W + b, None
    raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
