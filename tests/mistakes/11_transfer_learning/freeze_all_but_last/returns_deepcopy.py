# MISTAKE: freezes and re-heads a deep copy and returns it; the model passed in is unchanged
def freeze_all_but_last(model, num_classes):
    """Freeze a TransferNet and give it a new, trainable head.

    Inputs:
    - model: a TransferNet (model.features: nn.Sequential, model.head: nn.Linear(D, C_source)).
    - num_classes: int, the number of target classes.

    Returns the same model object, changed in place: every parameter of model.features has
    requires_grad=False, and model.head is a NEW nn.Linear(D, num_classes) (fresh initialisation,
    requires_grad=True) on the old head's device and dtype.
    """
    model = copy.deepcopy(model)
    old = model.head
    for p in model.parameters():
        p.requires_grad_(False)
    model.head = nn.Linear(old.in_features, num_classes).to(device=old.weight.device, dtype=old.weight.dtype)
    return model
