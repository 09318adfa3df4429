# MISTAKE: floor division min(epoch, total_iters) // total_iters: the factor jumps from start_factor to 1 at the end
def linear_warmup(epoch, base_lr, total_iters, start_factor=1 / 3):
    """Linear warm-up from start_factor * base_lr to base_lr over total_iters epochs (torch's LinearLR)."""
    return base_lr * (start_factor + (1 - start_factor) * (min(epoch, total_iters) // total_iters))
