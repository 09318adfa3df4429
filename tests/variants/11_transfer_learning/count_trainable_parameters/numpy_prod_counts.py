# VARIANT: counts each parameter's elements with np.prod(p.shape) and sums them with NumPy: the right counts, returned as NumPy integers
# KEEPS: 2.4 of 3: loses only the 'Python ints' aspects (visible 0.4, hidden 0.2), which say to return int(...)
def count_trainable_parameters(model):
    """Count a model's scalar parameters.

    Inputs:
    - model: a torch.nn.Module.

    Returns (trainable, total), two Python ints: the number of elements of the parameters with
    requires_grad=True, and of all parameters. Buffers are not counted; a shared parameter counts once.
    """
    sizes = np.array([np.prod(p.shape) for p in model.parameters()], dtype=np.int64)
    flags = np.array([p.requires_grad for p in model.parameters()], dtype=bool)
    return sizes[flags].sum(), sizes.sum()
