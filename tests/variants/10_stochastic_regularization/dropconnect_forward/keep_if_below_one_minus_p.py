# VARIANT: keeps a weight when its uniform draw is below 1 - p (rand < 1 - p) instead of at or above p: another mask from the same generator, the same distribution
# KEEPS: 5 of 5: the spec fixes the distribution of the mask (kept with probability 1 - p, independent per weight and example), not which draws keep; the tests check the output against the mask returned
def dropconnect_forward(x, W, b, p, mode, generator=None):
    """DropConnect forward pass: keeps a weight where rand < 1 - p."""
    if mode == "train":
        u = torch.rand((x.shape[0],) + tuple(W.shape), generator=generator, device=W.device, dtype=W.dtype)
        mask = (u < 1 - p).to(W.dtype)
        return torch.einsum("nd,ndm->nm", x, mask * W) / (1 - p) + b, mask
    return x @ W + b, None
