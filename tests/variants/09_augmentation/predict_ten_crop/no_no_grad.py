# VARIANT: the reference's computation without torch.no_grad(): the result carries an autograd graph (requires_grad) for a model with parameters
# KEEPS: 2.5 of 3: 83%: every probability is right; loses only the 'no autograd graph' aspects (visible 0.3, hidden 0.2)
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
    crops = ten_crop(batch, crop)
    n = batch.shape[0]
    probs = F.softmax(model(crops.reshape(10 * n, *crops.shape[2:])), dim=1)
    probs = probs.reshape(10, n, -1).mean(dim=0)
    return probs if img.dim() == 4 else probs[0]
