# VARIANT: also puts every BatchNorm layer of model.features in eval mode (the text allows it: the function need not touch any mode, the training loop decides)
# KEEPS: 4 of 4: the parameters, the new head and its dtype are the same; the tests set the mode themselves before training
def freeze_all_but_last(model, num_classes):
    """Freeze a TransferNet and give it a new, trainable head.

    Inputs:
    - model: a TransferNet (model.features: nn.Sequential, model.head: nn.Linear(D, C_source)).
    - num_classes: int, the number of target classes.

    Returns the same model object, changed in place: every parameter of model.features has
    requires_grad=False, and model.head is a NEW nn.Linear(D, num_classes) (fresh initialisation,
    requires_grad=True) on the old head's device and dtype.
    """
    model.features.requires_grad_(False)
    for module in model.features.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.eval()
    old = model.head
    model.head = nn.Linear(old.in_features, num_classes, device=old.weight.device, dtype=old.weight.dtype)
    return model
