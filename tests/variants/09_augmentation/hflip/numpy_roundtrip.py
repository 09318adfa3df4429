# VARIANT: reverses the columns in NumPy (img.numpy()[..., ::-1].copy()) and converts back with torch.from_numpy
# KEEPS: 2.55 of 3: 85%: every value, shape and dtype is right on CPU tensors; loses only the two aspects that run it on a meta tensor (visible 'dtype and device kept' 0.25, hidden 'kind, shape, dtype and device kept' 0.2): NumPy cannot read a meta or GPU tensor
def hflip(img):
    """Mirror an image, or every image of a batch, left to right.

        out[..., i, j] = img[..., i, W - 1 - j]

    Inputs:
    - img: float tensor of shape (C, H, W) or (N, C, H, W).

    Returns:
    - a new tensor of the same shape, dtype and device (the input is not modified).
    """
    return torch.from_numpy(img.numpy()[..., ::-1].copy())
