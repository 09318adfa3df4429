# VARIANT: also puts the BatchNorm layers of the frozen blocks in eval mode (the text allows it: no mode is required of this function)
# KEEPS: 4 of 4: requires_grad and the new head are the same; the tests do not look at modes
def fine_tune_last_k(model, k, num_classes):
    """Prepare a TransferNet for fine-tuning its last k layers.

    Inputs:
    - model: a TransferNet; its layers, in order, are list(model.features) + [model.head].
    - k: int >= 1, how many layers, counted from the end (the new head is the last one), are trained.
    - num_classes: int, the number of target classes.

    Returns the same model, changed in place: model.head is a NEW nn.Linear(D, num_classes) (old head's
    device and dtype); the parameters of the last k layers have requires_grad=True, all others False.
    """
    old = model.head
    model.head = nn.Linear(old.in_features, num_classes).to(device=old.weight.device, dtype=old.weight.dtype)
    layers = list(model.features) + [model.head]
    first_trained = max(0, len(layers) - k)
    for i, layer in enumerate(layers):
        layer.requires_grad_(i >= first_trained)
        if i < first_trained:
            for module in layer.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
                    module.eval()
    return model
