# MISTAKE: 'vectorised' with np.atleast_1d: returns a one-element NumPy array, not a number
def inverse_time_decay(epoch, base_lr, k):
    """1/t decay (inverse-time decay): torch's LambdaLR(lambda t: 1 / (1 + k * t))."""
    epochs = np.atleast_1d(np.asarray(epoch, dtype=float))
    return base_lr / (1 + k * epochs)
