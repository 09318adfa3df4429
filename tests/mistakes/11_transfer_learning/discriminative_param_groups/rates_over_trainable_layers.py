# MISTAKE: L and l counted over the layers that train only (a frozen middle block shifts the rates below it)
def discriminative_param_groups(model, base_lr, decay=0.5):
    """Parameter groups with layer-wise decaying learning rates, for any torch.optim optimizer.

    Inputs:
    - model: a TransferNet; its L layers, in order, are list(model.features) + [model.head].
    - base_lr: float, the head's learning rate.
    - decay: float in (0, 1], the factor between a layer's rate and the rate of the layer above it.

    Returns a list of dicts {"params": list of tensors, "lr": float}, one per layer that has trainable
    parameters, in layer order: layer l (0-based) gets lr = base_lr * decay ** (L - 1 - l) and only its
    parameters with requires_grad=True.
    """
    layers = list(model.features) + [model.head]
    trainable = [[p for p in layer.parameters() if p.requires_grad] for layer in layers]
    trainable = [ps for ps in trainable if ps]
    groups = []
    for i, params in enumerate(trainable):
        groups.append({"params": params, "lr": base_lr * decay ** (len(trainable) - 1 - i)})
    return groups
