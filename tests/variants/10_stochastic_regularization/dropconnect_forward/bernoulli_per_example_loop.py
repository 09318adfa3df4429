# VARIANT: draws each example's mask with torch.bernoulli(full((D, M), 1 - p), generator=generator) in a Python loop over the batch, and stacks the outputs
# KEEPS: 5 of 5: the same distribution (one independent Bernoulli(1 - p) coin per weight and example), drawn in another order; a loop instead of einsum
def dropconnect_forward(x, W, b, p, mode, generator=None):
    """DropConnect forward pass, one example at a time."""
    if mode == "test":
        return x @ W + b, None
    masks, outs = [], []
    for n in range(x.shape[0]):
        m = torch.bernoulli(torch.full(tuple(W.shape), 1 - p, dtype=W.dtype, device=W.device), generator=generator)
        masks.append(m)
        outs.append(x[n] @ (m * W) / (1 - p) + b)
    return torch.stack(outs), torch.stack(masks)
