# VARIANT: written for NumPy arrays of epochs too (np.asarray): a scalar epoch gives a NumPy float64
# KEEPS: 4 of 4: a NumPy float is a plain number
def inverse_time_decay(epoch, base_lr, k):
    """1/t decay (inverse-time decay): torch's LambdaLR(lambda t: 1 / (1 + k * t))."""
    epoch = np.asarray(epoch, dtype=np.float64)
    return base_lr / (1.0 + k * epoch)
