# MISTAKE: k in the wrong place: base_lr / (k + epoch)
def inverse_time_decay(epoch, base_lr, k):
    """1/t decay (inverse-time decay): torch's LambdaLR(lambda t: 1 / (1 + k * t))."""
    return base_lr / (k + epoch)
