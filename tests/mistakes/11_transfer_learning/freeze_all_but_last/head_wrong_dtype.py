# MISTAKE: the new head is always float32 on the CPU, whatever the model's dtype
def freeze_all_but_last(model, num_classes):
    """Freeze a TransferNet and give it a new, trainable head.

    Inputs:
    - model: a TransferNet (model.features: nn.Sequential, model.head: nn.Linear(D, C_source)).
    - num_classes: int, the number of target classes.

    Returns the same model object, changed in place: every parameter of model.features has
    requires_grad=False, and model.head is a NEW nn.Linear(D, num_classes) (fresh initialisation,
    requires_grad=True) on the old head's device and dtype.
    """
    old = model.head
    for p in model.parameters():
        p.requires_grad_(False)
    model.head = nn.Linear(old.in_features, num_classes)
    return model
