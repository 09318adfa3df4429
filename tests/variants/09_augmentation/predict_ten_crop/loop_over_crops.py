# VARIANT: runs the model once per crop (ten forward passes of N images) and averages the ten softmax outputs, instead of one pass over all 10N crops
# KEEPS: 3 of 3: the same probabilities (the model is in eval mode, so batching does not change its outputs); only slower
def predict_ten_crop(model, img, crop):
    """Average of the softmax probabilities the model gives the ten crops (ten_crop) of each image.

    Inputs:
    - model: a callable mapping a batch (B, C, crop, crop) to logits (B, K), already in eval mode.
    - img: float tensor (C, H, W) or (N, C, H, W).
    - crop: int, the side of the crops.

    Returns:
    - probabilities (K,) for an image, (N, K) for a batch: each row is the mean over the ten crops of
      softmax(logits), so it sums to 1. Computed under torch.no_grad().
    """
    batch = img if img.dim() == 4 else img[None]
    with torch.no_grad():
        total = 0
        for crops in ten_crop(batch, crop):  # (N, C, crop, crop) each
            total = total + F.softmax(model(crops), dim=1)
        probs = total / 10
    return probs if img.dim() == 4 else probs[0]
