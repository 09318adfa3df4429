# MISTAKE: swaps the columns of img in place and returns img: the output is right, but the caller's image is mirrored too
def hflip(img):
    """Mirror an image, or every image of a batch, left to right.

        out[..., i, j] = img[..., i, W - 1 - j]

    Inputs:
    - img: float tensor of shape (C, H, W) or (N, C, H, W).

    Returns:
    - a new tensor of the same shape, dtype and device (the input is not modified).
    """
    W = img.shape[-1]
    for j in range(W // 2):
        left, right = img[..., j].clone(), img[..., W - 1 - j].clone()
        img[..., j], img[..., W - 1 - j] = right, left
    return img
