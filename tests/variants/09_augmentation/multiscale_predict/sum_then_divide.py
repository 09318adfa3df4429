# VARIANT: a loop that adds the ten-crop probabilities of each scale and divides the sum by the number of scales at the end
# KEEPS: 3 of 3: the same mean
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
    total = None
    for L in scales:
        p = predict_ten_crop(model, resize_short_side(img, L), crop)
        total = p if total is None else total + p
    return total / len(scales)
