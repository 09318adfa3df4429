# MISTAKE: returns a fresh nn.Linear of the right shape and dtype, untrained: must score 0
def train_linear_probe(features, y, num_classes, weight_decay=1e-3, max_iter=500):
    """Multinomial logistic regression on fixed features, trained to its optimum.

    Inputs:
    - features: torch tensor (N, D), float32 or float64 (no gradient needed).
    - y: torch int64 tensor (N,), labels in 0..num_classes-1 (some classes may be absent).
    - num_classes: int, C.
    - weight_decay: float lambda >= 0: minimise mean cross-entropy + lambda/2 * ||W||^2 (the bias is
      not penalised).
    - max_iter: int, an iteration budget for the optimizer.

    Returns an nn.Linear(D, C) in the dtype and on the device of features, at the minimiser.
    """
    return nn.Linear(features.shape[1], num_classes).to(device=features.device, dtype=features.dtype)
