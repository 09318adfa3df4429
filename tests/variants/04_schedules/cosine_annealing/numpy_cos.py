# VARIANT: NumPy: np.cos and np.pi, returning a NumPy float64
# KEEPS: 5 of 5: a NumPy float is a plain number
def cosine_annealing(epoch, base_lr, T_max, eta_min=0.0):
    """Cosine annealing from base_lr down to eta_min over T_max epochs (torch's CosineAnnealingLR)."""
    return eta_min + (base_lr - eta_min) * (1 + np.cos(np.pi * epoch / T_max)) / 2
