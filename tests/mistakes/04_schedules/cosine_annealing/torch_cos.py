# MISTAKE: torch.cos on a float32 tensor: returns a tensor (not a plain number), in float32
def cosine_annealing(epoch, base_lr, T_max, eta_min=0.0):
    """Cosine annealing from base_lr down to eta_min over T_max epochs (torch's CosineAnnealingLR)."""
    return eta_min + (base_lr - eta_min) * (1 + torch.cos(torch.tensor(math.pi * epoch / T_max))) / 2
