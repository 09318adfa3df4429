# MISTAKE: epoch 0 already annealed: cos(pi * (epoch + 1) / T_max)
def cosine_annealing(epoch, base_lr, T_max, eta_min=0.0):
    """Cosine annealing from base_lr down to eta_min over T_max epochs (torch's CosineAnnealingLR)."""
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * (epoch + 1) / T_max)) / 2
