# MISTAKE: returns .float() of the flip: a float64 image comes back float32 (right values, wrong dtype)
def hflip(img):
    """Mirror an image, or every image of a batch, left to right.

        out[..., i, j] = img[..., i, W - 1 - j]

    Inputs:
    - img: float tensor of shape (C, H, W) or (N, C, H, W).

    Returns:
    - a new tensor of the same shape, dtype and device (the input is not modified).
    """
    return img.flip(-1).float()
