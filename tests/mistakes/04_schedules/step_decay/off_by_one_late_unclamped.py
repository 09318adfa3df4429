# MISTAKE: decays one epoch late: counts epochs from 1, (epoch - 1) // step_size, unclamped: epoch 0 runs at base_lr / gamma
def step_decay(epoch, base_lr, step_size, gamma=0.5):
    """Step decay: multiply the learning rate by gamma every step_size epochs (torch's StepLR).

        lr = base_lr * gamma ** (epoch // step_size)

    Inputs:
    - epoch (int >= 0): the epoch whose learning rate is wanted; epoch 0 uses base_lr.
    - base_lr (float): the initial learning rate.
    - step_size (int >= 1): the number of epochs between two decays.
    - gamma (float, default 0.5): the factor the learning rate is multiplied by at each decay.

    Returns:
    - the learning rate at this epoch, a float.
    """
    return base_lr * gamma ** ((epoch - 1) // step_size)
