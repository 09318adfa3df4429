# VARIANT: freezes everything and attaches nn.Linear(D, num_classes) as created, without moving it to the old head's device and dtype
# KEEPS: 3 of 4: right for float32 CPU models; loses only the dtype aspects (visible 0.4, hidden 0.6), which name the old head's dtype
def freeze_all_but_last(model, num_classes):
    """Freeze a TransferNet and give it a new, trainable head.

    Inputs:
    - model: a TransferNet (model.features: nn.Sequential, model.head: nn.Linear(D, C_source)).
    - num_classes: int, the number of target classes.

    Returns the same model object, changed in place: every parameter of model.features has
    requires_grad=False, and model.head is a NEW nn.Linear(D, num_classes) (fresh initialisation,
    requires_grad=True) on the old head's device and dtype.
    """
    for p in model.parameters():
        p.requires_grad = False
    model.head = nn.Linear(model.head.in_features, num_classes)
    return model
