# MISTAKE: returns [lr], a list as torch's scheduler.get_last_lr() does, not the number itself
def linear_warmup(epoch, base_lr, total_iters, start_factor=1 / 3):
    """Linear warm-up from start_factor * base_lr to base_lr over total_iters epochs (torch's LinearLR)."""
    factor = start_factor + (1 - start_factor) * min(epoch, total_iters) / total_iters
    return [base_lr * factor]
