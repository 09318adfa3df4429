# VARIANT: NumPy: np.power and np.floor(epoch / step_size), returning a NumPy float64
# KEEPS: 5 of 5: a NumPy float is a plain number, and the values are the same
def step_decay(epoch, base_lr, step_size, gamma=0.5):
    """Step decay: multiply the learning rate by gamma every step_size epochs (torch's StepLR)."""
    return base_lr * np.power(gamma, np.floor(epoch / step_size))
