# VARIANT: computes in a float64 torch tensor and returns it (0-d): the right numbers, but not a plain number
# KEEPS: 4.3 of 5: loses only the plain-number aspects (visible 0.3, hidden 0.4); values and FunctionalScheduler are right
def step_decay(epoch, base_lr, step_size, gamma=0.5):
    """Step decay: multiply the learning rate by gamma every step_size epochs (torch's StepLR)."""
    decays = epoch // step_size
    return torch.tensor(base_lr, dtype=torch.float64) * gamma ** decays
