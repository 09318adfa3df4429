# MISTAKE: (1 - cos) instead of (1 + cos): anneals upwards from eta_min
def cosine_annealing(epoch, base_lr, T_max, eta_min=0.0):
    """Cosine annealing from base_lr down to eta_min over T_max epochs (torch's CosineAnnealingLR).

        lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2

    Inputs:
    - epoch (int >= 0): the epoch whose learning rate is wanted; epoch 0 uses base_lr.
    - base_lr (float): the initial (largest) learning rate.
    - T_max (int >= 1): the epoch at which the learning rate reaches eta_min (half a cosine period).
      Past T_max the formula is used as it stands: the learning rate rises again, as torch's does.
    - eta_min (float, default 0.0): the smallest learning rate, reached at epoch T_max.

    Returns:
    - the learning rate at this epoch, a float.
    """
    return eta_min + (base_lr - eta_min) * (1 - math.cos(math.pi * epoch / T_max)) / 2
