# MISTAKE: flip(0): reverses the channels of an image (RGB -> BGR) and the order of a batch
def hflip(img):
    """Mirror an image, or every image of a batch, left to right.

        out[..., i, j] = img[..., i, W - 1 - j]

    Inputs:
    - img: float tensor of shape (C, H, W) or (N, C, H, W).

    Returns:
    - a new tensor of the same shape, dtype and device (the input is not modified).
    """
    return img.flip(0)
