# MISTAKE: the mirror as img.flip(2): right for one (C, H, W) image, upside down for an (N, C, H, W) batch
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
    def five(image):
        height, width = image.shape[-2:]
        top, left = (height - crop) // 2, (width - crop) // 2
        return [image[..., :crop, :crop], image[..., :crop, width - crop:], image[..., height - crop:, :crop],
                image[..., height - crop:, width - crop:], image[..., top:top + crop, left:left + crop]]

    return torch.stack(five(img) + five(img.flip(2)))
