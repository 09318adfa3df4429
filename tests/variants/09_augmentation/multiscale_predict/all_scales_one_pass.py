# VARIANT: crops every scale with ten_crop, runs all 10 * S * N crops through the model in one forward pass, and averages the softmax over crops and scales together
# KEEPS: 3 of 3: every scale has ten crops, so the mean over all 10S crops is the mean over scales of the ten-crop means
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
    batch = img if img.dim() == 4 else img[None]
    n = batch.shape[0]
    crops = torch.cat([ten_crop(resize_short_side(batch, L), crop) for L in scales])  # (10S, N, C, crop, crop)
    with torch.no_grad():
        probs = F.softmax(model(crops.reshape(-1, *crops.shape[2:])), dim=1).reshape(crops.shape[0], n, -1).mean(0)
    return probs if img.dim() == 4 else probs[0]
