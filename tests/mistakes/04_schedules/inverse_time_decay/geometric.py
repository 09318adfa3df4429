# MISTAKE: (1 + k) ** epoch in the denominator: an exponential decay
def inverse_time_decay(epoch, base_lr, k):
    """1/t decay (inverse-time decay): torch's LambdaLR(lambda t: 1 / (1 + k * t)).

        lr = base_lr / (1 + k * epoch)

    Inputs:
    - epoch (int >= 0): the epoch whose learning rate is wanted; epoch 0 uses base_lr.
    - base_lr (float): the initial learning rate.
    - k (float > 0): the decay rate; the learning rate is halved at epoch 1 / k.

    Returns:
    - the learning rate at this epoch, a float.
    """
    return base_lr / (1 + k) ** epoch
