# VARIANT: reverses the columns with index_select and a descending torch.arange on img's device instead of flip
# KEEPS: 3 of 3: the same values; a new tensor of img's shape, dtype and device (meta included)
def hflip(img):
    """Mirror an image, or every image of a batch, left to right.

        out[..., i, j] = img[..., i, W - 1 - j]

    Inputs:
    - img: float tensor of shape (C, H, W) or (N, C, H, W).

    Returns:
    - a new tensor of the same shape, dtype and device (the input is not modified).
    """
    W = img.shape[-1]
    return img.index_select(-1, torch.arange(W - 1, -1, -1, device=img.device))
