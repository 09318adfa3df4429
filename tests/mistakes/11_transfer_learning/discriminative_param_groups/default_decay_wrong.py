# MISTAKE: the default decay is 0.3 instead of 0.5
def discriminative_param_groups(model, base_lr, decay=0.3):
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
    groups = []
    for i, layer in enumerate(layers):
        params = [p for p in layer.parameters() if p.requires_grad]
        if params:
            groups.append({"params": params, "lr": base_lr * decay ** (len(layers) - 1 - i)})
    return groups
