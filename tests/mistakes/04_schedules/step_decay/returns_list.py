# MISTAKE: returns [lr], a list as torch's scheduler.get_last_lr() does, not the number itself
def step_decay(epoch, base_lr, step_size, gamma=0.5):
    """Step decay: multiply the learning rate by gamma every step_size epochs (torch's StepLR)."""
    return [base_lr * gamma ** (epoch // step_size)]
