# VARIANT: builds the last five as mirrors of crops of the original image at the mirrored positions (top-right mirrored for the flip's top-left, ..., the centre at column W - crop - left) instead of cropping hflip(img)
# KEEPS: 4 of 4: the same ten crops, in the same order (the mirror of the window starting at W - crop - l is the flip's window starting at l)
def ten_crop(img, crop):
    """The ten test crops: 4 corners + centre of the image, then the same 5 crops of its horizontal flip.

    Order (torchvision's TenCrop): top-left, top-right, bottom-left, bottom-right, centre of img, then
    top-left, top-right, bottom-left, bottom-right, centre of hflip(img). The centre crop starts at row
    (H - crop) // 2 and column (W - crop) // 2.

    Inputs:
    - img: float tensor (C, H, W) or (N, C, H, W), with H >= crop and W >= crop.
    - crop: int, the side of the square crops.

    Returns:
    - tensor (10, C, crop, crop) or (10, N, C, crop, crop): the ten crops stacked along a new FIRST axis.
    """
    H, W = img.shape[-2:]
    top, left = (H - crop) // 2, (W - crop) // 2

    def at(t, l):
        return img[..., t:t + crop, l:l + crop]

    first = [at(0, 0), at(0, W - crop), at(H - crop, 0), at(H - crop, W - crop), at(top, left)]
    mirrored = [at(0, W - crop), at(0, 0), at(H - crop, W - crop), at(H - crop, 0), at(top, W - crop - left)]
    return torch.stack(first + [m.flip(-1) for m in mirrored])
