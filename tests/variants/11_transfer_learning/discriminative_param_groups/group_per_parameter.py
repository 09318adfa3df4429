# VARIANT: one group per trainable PARAMETER (each at its layer's rate) instead of one per layer
# KEEPS: 2.1 of 3: every rate is right; loses the visible "one group per layer" aspect (0.6, which counts the groups) and the hidden one (0.3), both saying one group per layer
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
    L = len(layers)
    return [{"params": [p], "lr": base_lr * decay ** (L - 1 - l)}
            for l, layer in enumerate(layers) for p in layer.parameters() if p.requires_grad]
