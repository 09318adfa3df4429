# VARIANT: one forward pass over all of X (batch_size only bounds memory, and eval-mode features do not depend on it), then .detach() instead of torch.no_grad()
# KEEPS: 5 of 5: the same features, no gradient attached, the mode restored
def linear_probe_features(model, X, batch_size=256):
    """Features of a frozen backbone, as a linear probe needs them.

    Inputs:
    - model: a TransferNet (its model.features maps (N, ...) to (N, D)).
    - X: torch tensor (N, ...) on the model's device.
    - batch_size: int, how many examples go through the network at once.

    Returns a tensor (N, D) = model.features(X), computed in eval mode (BatchNorm uses and keeps its
    running statistics) without gradients; the model's training/eval mode is restored afterwards.
    """
    was_training = model.training
    model.eval()
    out = model.features(X).detach()
    model.train(was_training)
    return out
