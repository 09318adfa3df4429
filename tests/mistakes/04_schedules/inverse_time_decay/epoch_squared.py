# MISTAKE: the epoch squared in the denominator: base_lr / (1 + k * epoch ** 2)
def inverse_time_decay(epoch, base_lr, k):
    """1/t decay (inverse-time decay): torch's LambdaLR(lambda t: 1 / (1 + k * t))."""
    return base_lr / (1 + k * epoch ** 2)
