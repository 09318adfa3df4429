# VARIANT: NumPy: np.power, returning a NumPy float64
# KEEPS: 4 of 4: a NumPy float is a plain number
def exponential_decay(epoch, base_lr, gamma):
    """Exponential decay: multiply the learning rate by gamma every epoch (torch's ExponentialLR)."""
    return base_lr * np.power(gamma, epoch)
