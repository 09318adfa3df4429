# MISTAKE: computes in a float32 torch tensor and returns it (not a plain number, and float32 precision)
def exponential_decay(epoch, base_lr, gamma):
    """Exponential decay: multiply the learning rate by gamma every epoch (torch's ExponentialLR)."""
    return base_lr * torch.tensor(gamma) ** epoch
