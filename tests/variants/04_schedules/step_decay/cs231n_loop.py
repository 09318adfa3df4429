# VARIANT: CS231n's 'reduce the learning rate by some factor every few epochs' as a loop: multiply by gamma at every multiple of step_size
# KEEPS: 5 of 5: the same numbers as the closed form (a product instead of a power)
def step_decay(epoch, base_lr, step_size, gamma=0.5):
    """Step decay: multiply the learning rate by gamma every step_size epochs (torch's StepLR)."""
    lr = base_lr
    for e in range(1, epoch + 1):
        if e % step_size == 0:
            lr *= gamma
    return lr
