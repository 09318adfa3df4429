# VARIANT: torch's own recursive ('chainable') form: start at base_lr and multiply by gamma once per epoch
# KEEPS: 4 of 4: the product differs from the power by rounding only
def exponential_decay(epoch, base_lr, gamma):
    """Exponential decay: multiply the learning rate by gamma every epoch (torch's ExponentialLR)."""
    lr = base_lr
    for _ in range(epoch):
        lr *= gamma
    return lr
