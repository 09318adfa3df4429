# MISTAKE: returns (0, 0): must score 0
def count_trainable_parameters(model):
    """Count a model's scalar parameters.

    Inputs:
    - model: a torch.nn.Module.

    Returns (trainable, total), two Python ints: the number of elements of the parameters with
    requires_grad=True, and of all parameters. Buffers are not counted; a shared parameter counts once.
    """
    return 0, 0
