# VARIANT: fast.ai's sched_cos, with the position pos = epoch / T_max: start + (1 + cos(pi * pos)) * (end - start) / 2
# KEEPS: 5 of 5: the same formula, arranged differently
def cosine_annealing(epoch, base_lr, T_max, eta_min=0.0):
    """Cosine annealing from base_lr down to eta_min over T_max epochs (torch's CosineAnnealingLR)."""
    pos = epoch / T_max
    return base_lr + (1 - math.cos(math.pi * pos)) * (eta_min - base_lr) / 2
