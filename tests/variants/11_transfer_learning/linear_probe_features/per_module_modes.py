# VARIANT: remembers and restores the training flag of EVERY module (the text allows either; exact for a model whose BatchNorm layers a training loop put in eval)
# KEEPS: 5 of 5: on a model whose modules share one mode this is model.train(was_training)
def linear_probe_features(model, X, batch_size=256):
    """Features of a frozen backbone, as a linear probe needs them.

    Inputs:
    - model: a TransferNet (its model.features maps (N, ...) to (N, D)).
    - X: torch tensor (N, ...) on the model's device.
    - batch_size: int, how many examples go through the network at once.

    Returns a tensor (N, D) = model.features(X), computed in eval mode (BatchNorm uses and keeps its
    running statistics) without gradients; the model's training/eval mode is restored afterwards.
    """
    modes = {m: m.training for m in model.modules()}
    model.eval()
    chunks = []
    with torch.no_grad():
        for start in range(0, X.shape[0], batch_size):
            chunks.append(model.features(X[start:start + batch_size]))
    for m, flag in modes.items():
        m.training = flag
    return torch.cat(chunks, dim=0)
