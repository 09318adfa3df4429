# MISTAKE: the amplitude (base_lr - eta_min) is right but eta_min is not added back
def cosine_annealing(epoch, base_lr, T_max, eta_min=0.0):
    """Cosine annealing from base_lr down to eta_min over T_max epochs (torch's CosineAnnealingLR)."""
    return (base_lr - eta_min) * (1 + math.cos(math.pi * epoch / T_max)) / 2
