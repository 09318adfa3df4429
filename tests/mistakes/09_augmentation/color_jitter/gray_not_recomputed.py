# MISTAKE: gray(x) computed once, after brightness, and reused for the saturation step (not recomputed after contrast)
def color_jitter(img, brightness=1.0, contrast=1.0, saturation=1.0):
    """Adjust brightness, then contrast, then saturation by the given factors (torchvision's definitions).

        blend(x, r, f) = clamp(f * x + (1 - f) * r, 0, 1)
        gray(x)        = 0.2989 R + 0.587 G + 0.114 B  (x itself for a one-channel image), shape (..., 1, H, W)
        x = blend(x, 0, brightness)
        x = blend(x, mean of gray(x) over each image (one number per image), contrast)
        x = blend(x, gray(x), saturation)

    Inputs:
    - img: float tensor (C, H, W) or (N, C, H, W) in [0, 1], with C = 3 (RGB) or C = 1.
    - brightness, contrast, saturation: non-negative floats; 1 leaves the image unchanged.

    Returns:
    - tensor of the same shape, dtype and device, values in [0, 1].
    """
    def gray(x):
        if x.shape[-3] == 1:
            return x
        r, g, b = x.unbind(dim=-3)
        return (0.2989 * r + 0.587 * g + 0.114 * b).unsqueeze(-3)

    def blend(x, ref, f):
        return (f * x + (1 - f) * ref).clamp(0, 1)

    out = blend(img, torch.zeros_like(img), brightness)
    g = gray(out)
    out = blend(out, g.mean(dim=(-3, -2, -1), keepdim=True), contrast)
    out = blend(out, g, saturation)
    return out
