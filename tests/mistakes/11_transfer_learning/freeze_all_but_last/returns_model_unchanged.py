# MISTAKE: returns the model as it came (nothing frozen, the old head kept): must score 0
def freeze_all_but_last(model, num_classes):
    """Freeze a TransferNet and give it a new, trainable head.

    Inputs:
    - model: a TransferNet (model.features: nn.Sequential, model.head: nn.Linear(D, C_source)).
    - num_classes: int, the number of target classes.

    Returns the same model object, changed in place: every parameter of model.features has
    requires_grad=False, and model.head is a NEW nn.Linear(D, num_classes) (fresh initialisation,
    requires_grad=True) on the old head's device and dtype.
    """
    return model
