# MISTAKE: calls img.flip(-1) as if it flipped in place and returns img: flip returns a new tensor, the result is thrown away
def hflip(img):
    """Mirror an image, or every image of a batch, left to right.

        out[..., i, j] = img[..., i, W - 1 - j]

    Inputs:
    - img: float tensor of shape (C, H, W) or (N, C, H, W).

    Returns:
    - a new tensor of the same shape, dtype and device (the input is not modified).
    """
    img.flip(-1)
    return img
