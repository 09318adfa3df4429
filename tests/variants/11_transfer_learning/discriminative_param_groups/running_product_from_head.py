# VARIANT: walks the layers from the head down, multiplying the rate by decay at each layer, and reverses the list at the end
# KEEPS: 3 of 3: the same groups in the same order; the rates agree up to rounding (base_lr * decay * decay ... vs base_lr * decay ** j)
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
    groups, lr = [], base_lr
    for layer in reversed(list(model.features) + [model.head]):
        params = [p for p in layer.parameters() if p.requires_grad]
        if params:
            groups.append({"params": params, "lr": lr})
        lr *= decay
    return groups[::-1]
