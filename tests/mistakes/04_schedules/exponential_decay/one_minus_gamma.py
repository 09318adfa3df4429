# MISTAKE: uses (1 - gamma) as the factor per epoch
def exponential_decay(epoch, base_lr, gamma):
    """Exponential decay: multiply the learning rate by gamma every epoch (torch's ExponentialLR).

        lr = base_lr * gamma ** epoch

    Inputs:
    - epoch (int >= 0): the epoch whose learning rate is wanted; epoch 0 uses base_lr.
    - base_lr (float): the initial learning rate.
    - gamma (float): the factor per epoch, 0 < gamma <= 1 (e.g. 0.9: the learning rate loses 10% per epoch).

    Returns:
    - the learning rate at this epoch, a float.
    """
    return base_lr * (1 - gamma) ** epoch
