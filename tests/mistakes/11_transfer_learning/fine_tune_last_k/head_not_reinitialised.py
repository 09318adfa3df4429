# MISTAKE: keeps the pretrained head instead of a new one
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
    layers = list(model.features) + [model.head]
    for i, layer in enumerate(layers):
        for p in layer.parameters():
            p.requires_grad_(i >= len(layers) - k)
    return model
