# MISTAKE: returns the number of frozen parameters as the trainable count
def count_trainable_parameters(model):
    """Count a model's scalar parameters.

    Inputs:
    - model: a torch.nn.Module.

    Returns (trainable, total), two Python ints: the number of elements of the parameters with
    requires_grad=True, and of all parameters. Buffers are not counted; a shared parameter counts once.
    """
    trainable = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return int(trainable), int(total)
