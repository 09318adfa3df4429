# MISTAKE: gamma * n instead of gamma ** n: multiplies by the number of decays
def step_decay(epoch, base_lr, step_size, gamma=0.5):
    """Step decay: multiply the learning rate by gamma every step_size epochs (torch's StepLR)."""
    return base_lr * gamma * (epoch // step_size)
