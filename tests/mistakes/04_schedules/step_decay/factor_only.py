# MISTAKE: returns the factor gamma ** (epoch // step_size), without base_lr
def step_decay(epoch, base_lr, step_size, gamma=0.5):
    """Step decay: multiply the learning rate by gamma every step_size epochs (torch's StepLR)."""
    return gamma ** (epoch // step_size)
