# VARIANT: gray(x) as a weighted sum with a weight tensor (0.2989, 0.587, 0.114) on img's dtype and device, blends written as torch.lerp-free arithmetic, clamp_ on new tensors
# KEEPS: 4 of 4: the same blends in the same order, clamped after each
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
        w = torch.tensor([0.2989, 0.587, 0.114], dtype=x.dtype, device=x.device).reshape(3, 1, 1)
        return (x * w).sum(dim=-3, keepdim=True)

    out = (img * brightness).clamp_(0, 1)
    m = gray(out).mean(dim=(-3, -2, -1), keepdim=True)
    out = (contrast * out + (1 - contrast) * m).clamp_(0, 1)
    out = (saturation * out + (1 - saturation) * gray(out)).clamp_(0, 1)
    return out
