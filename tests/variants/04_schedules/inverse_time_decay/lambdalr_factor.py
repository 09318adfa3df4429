# VARIANT: as LambdaLR computes it: the factor 1 / (1 + k * epoch) times base_lr
# KEEPS: 4 of 4: the same numbers up to rounding
def inverse_time_decay(epoch, base_lr, k):
    """1/t decay (inverse-time decay): torch's LambdaLR(lambda t: 1 / (1 + k * t))."""
    factor = 1.0 / (1.0 + k * epoch)
    return base_lr * factor
