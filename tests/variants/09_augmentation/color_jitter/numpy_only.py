# VARIANT: the same three blends in NumPy (img.numpy(), np.clip), converted back with torch.from_numpy
# KEEPS: 3.8 of 4: 95%: every value, shape and dtype is right on CPU tensors; loses only the two aspects that run it on a meta tensor (visible 'the device kept' 0.1, hidden 'a meta tensor' 0.1): NumPy cannot read a meta or GPU tensor
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
        return 0.2989 * x[..., 0:1, :, :] + 0.587 * x[..., 1:2, :, :] + 0.114 * x[..., 2:3, :, :]

    def blend(x, ref, f):
        return np.clip(f * x + (1 - f) * ref, 0, 1)

    a = img.numpy()
    out = blend(a, 0.0, brightness)
    out = blend(out, gray(out).mean(axis=(-3, -2, -1), keepdims=True), contrast)
    out = blend(out, gray(out), saturation)
    return torch.from_numpy(np.ascontiguousarray(out)).to(img.dtype)
