# VARIANT: torch.cos on a float64 tensor: the right numbers, returned as a 0-d tensor instead of a plain number
# KEEPS: 4.3 of 5: loses only the plain-number aspects (visible 0.3, hidden 0.4)
def cosine_annealing(epoch, base_lr, T_max, eta_min=0.0):
    """Cosine annealing from base_lr down to eta_min over T_max epochs (torch's CosineAnnealingLR)."""
    angle = torch.tensor(math.pi * epoch / T_max, dtype=torch.float64)
    return eta_min + (base_lr - eta_min) * (1 + torch.cos(angle)) / 2
