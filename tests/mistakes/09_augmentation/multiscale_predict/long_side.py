# MISTAKE: gives L to the long side of the image
def multiscale_predict(model, img, scales, crop):
    """Ten-crop probabilities averaged over several scales.

    For each L in scales: resize so that the short side is L (resize_short_side), then predict_ten_crop.
    Return the mean of those probabilities over the scales (each scale weighs 1/len(scales)).

    Inputs:
    - model: a callable mapping (B, C, crop, crop) to logits (B, K), already in eval mode.
    - img: float tensor (C, H, W) or (N, C, H, W).
    - scales: a sequence of ints, the short sides, each >= crop.
    - crop: int, the side of the crops.

    Returns:
    - probabilities (K,) or (N, K), rows summing to 1.
    """
    H, W = img.shape[-2:]
    probs = []
    for L in scales:
        size = (L, int(L * W / H)) if H >= W else (int(L * H / W), L)
        x = img if img.dim() == 4 else img[None]
        r = F.interpolate(x, size=size, mode='bilinear', align_corners=False, antialias=True)
        probs.append(predict_ten_crop(model, r if img.dim() == 4 else r[0], crop))
    return torch.stack(probs).mean(dim=0)
