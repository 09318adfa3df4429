# VARIANT: walks every module's own parameters (recurse=False) and skips a tensor already seen (by id), instead of model.parameters()
# KEEPS: 3 of 3: the same set of parameters, each counted once
def count_trainable_parameters(model):
    """Count a model's scalar parameters.

    Inputs:
    - model: a torch.nn.Module.

    Returns (trainable, total), two Python ints: the number of elements of the parameters with
    requires_grad=True, and of all parameters. Buffers are not counted; a shared parameter counts once.
    """
    seen, trainable, total = set(), 0, 0
    for module in model.modules():
        for p in module.parameters(recurse=False):
            if id(p) in seen:
                continue
            seen.add(id(p))
            total += p.numel()
            if p.requires_grad:
                trainable += p.numel()
    return trainable, total
