# MISTAKE: counts epochs from 1: gamma ** (epoch - 1), so epoch 0 is above base_lr
def exponential_decay(epoch, base_lr, gamma):
    """Exponential decay: multiply the learning rate by gamma every epoch (torch's ExponentialLR)."""
    return base_lr * gamma ** (epoch - 1)
