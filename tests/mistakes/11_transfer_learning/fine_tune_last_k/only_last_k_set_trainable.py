# MISTAKE: only sets requires_grad=True on the last k layers (nn.Module.requires_grad_) and leaves the others alone: a pretrained model, all trainable, stays all trainable
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
    for layer in layers[-k:]:
        layer.requires_grad_(True)
    return model
