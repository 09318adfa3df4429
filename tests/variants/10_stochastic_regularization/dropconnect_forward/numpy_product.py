# VARIANT: draws the mask with torch (generator, W's dtype) but computes the product in NumPy and wraps it back with torch.as_tensor: right values, cut from the autograd graph
# KEEPS: 4.4 of 5: loses only the two gradient aspects (visible 'differentiable' 0.2, hidden 'gradients' 0.4): the exercise asks for a differentiable layer (section 8 trains through it)
def dropconnect_forward(x, W, b, p, mode, generator=None):
    """DropConnect forward pass, the product in NumPy."""
    xn, Wn, bn = (t.detach().cpu().numpy() for t in (x, W, b))
    if mode == "train":
        mask = (torch.rand((x.shape[0],) + tuple(W.shape), generator=generator, device=W.device, dtype=W.dtype) >= p).to(W.dtype)
        out = np.einsum("nd,ndm->nm", xn, mask.cpu().numpy() * Wn) / (1 - p) + bn
        return torch.as_tensor(out, dtype=W.dtype, device=W.device), mask
    return torch.as_tensor(xn @ Wn + bn, dtype=W.dtype, device=W.device), None
