# MISTAKE: runs a deep copy of the model (so the running statistics stay untouched) but forgets eval() on the copy: BatchNorm normalizes with each batch's own statistics
def linear_probe_features(model, X, batch_size=256):
    """Features of a frozen backbone, as a linear probe needs them.

    Inputs:
    - model: a TransferNet (its model.features maps (N, ...) to (N, D)).
    - X: torch tensor (N, ...) on the model's device.
    - batch_size: int, how many examples go through the network at once.

    Returns a tensor (N, D) = model.features(X), computed in eval mode (BatchNorm uses and keeps its
    running statistics) without gradients; the model's training/eval mode is restored afterwards.
    """
    frozen = copy.deepcopy(model)  # a copy, so that the original's statistics cannot change
    with torch.no_grad():
        return torch.cat([frozen.features(X[i:i + batch_size]) for i in range(0, len(X), batch_size)])
