# VARIANT: freezes everything, then unfreezes the last k - 1 feature blocks counted with negative indices, and attaches the new head (trainable) last
# KEEPS: 4 of 4: the same trainable layers and the same new head
def fine_tune_last_k(model, k, num_classes):
    """Prepare a TransferNet for fine-tuning its last k layers.

    Inputs:
    - model: a TransferNet; its layers, in order, are list(model.features) + [model.head].
    - k: int >= 1, how many layers, counted from the end (the new head is the last one), are trained.
    - num_classes: int, the number of target classes.

    Returns the same model, changed in place: model.head is a NEW nn.Linear(D, num_classes) (old head's
    device and dtype); the parameters of the last k layers have requires_grad=True, all others False.
    """
    model.requires_grad_(False)
    blocks = list(model.features)
    for block in blocks[len(blocks) - min(k - 1, len(blocks)):] if k > 1 else []:
        block.requires_grad_(True)
    old = model.head
    model.head = nn.Linear(old.in_features, num_classes, device=old.weight.device, dtype=old.weight.dtype)
    return model
