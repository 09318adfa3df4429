# VARIANT: returns the boolean mask (rand >= p) as it is, without turning it into W's dtype (the output is right: a bool mask multiplies as 0/1)
# KEEPS: 4.6 of 5: loses only the two dtype aspects (visible 'float32 output and mask' 0.2, hidden 'kind, dtype and device' 0.2): the docstring asks for a mask in W's dtype
def dropconnect_forward(x, W, b, p, mode, generator=None):
    """DropConnect forward pass with a bool mask."""
    if mode == "train":
        mask = torch.rand((x.shape[0],) + tuple(W.shape), generator=generator, device=W.device, dtype=W.dtype) >= p
        return torch.einsum("nd,ndm->nm", x, mask * W) / (1 - p) + b, mask
    return x @ W + b, None
