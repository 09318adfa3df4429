# MISTAKE: one L drawn for the whole batch (every image resized to the same short side); only top and left are drawn for each image
def resize_short_side(img, size):
    """Resize so that the short side becomes `size`, keeping the aspect ratio (torchvision's Resize(size)).

    An image with H <= W becomes size x int(size * W / H); one with H > W becomes int(size * H / W) x size
    (the long side is truncated, not rounded). The pixels are
        F.interpolate(x, size=(new_h, new_w), mode="bilinear", align_corners=False, antialias=True)
    of the batch x (a single image is given a batch axis and loses it again).

    Inputs:
    - img: float tensor (C, H, W) or (N, C, H, W).
    - size: int, the new length of the short side.

    Returns:
    - tensor (C, new_h, new_w) or (N, C, new_h, new_w), same dtype and device.
    """
    H, W = img.shape[-2:]
    if H <= W:
        new_h, new_w = size, int(size * W / H)
    else:
        new_h, new_w = int(size * H / W), size
    x = img if img.dim() == 4 else img[None]
    out = F.interpolate(x, size=(new_h, new_w), mode="bilinear", align_corners=False, antialias=True)
    return out if img.dim() == 4 else out[0]


def random_resized_short_side_crop(img, lo, hi, crop, generator=None):
    """Scale augmentation (ResNet): a random crop x crop window of the image resized to a random short side.

    For each image: draw L uniformly from the integers lo, lo+1, ..., hi (both included); resize so that the
    short side is L (resize_short_side); draw the top row uniformly from 0..H'-crop and the left column
    from 0..W'-crop (both ends included), where H' x W' is the resized size; return that window.

    Inputs:
    - img: float tensor (C, H, W) or (N, C, H, W).
    - lo, hi: ints, the range of the short side L, with crop <= lo <= hi.
    - crop: int, the side of the square crop.
    - generator: a torch.Generator (or None for torch's global one), used for every draw.

    Returns:
    - tensor (C, crop, crop) or (N, C, crop, crop), same dtype and device; each image of a batch gets its own
      L, top and left.
    """
    L = int(torch.randint(lo, hi + 1, (1,), generator=generator))
    resized = resize_short_side(img, L)
    H, W = resized.shape[-2:]
    if img.dim() == 3:
        top = int(torch.randint(0, H - crop + 1, (1,), generator=generator))
        left = int(torch.randint(0, W - crop + 1, (1,), generator=generator))
        return resized[..., top:top + crop, left:left + crop]
    out = []
    for x in resized:
        top = int(torch.randint(0, H - crop + 1, (1,), generator=generator))
        left = int(torch.randint(0, W - crop + 1, (1,), generator=generator))
        out.append(x[..., top:top + crop, left:left + crop])
    return torch.stack(out)
