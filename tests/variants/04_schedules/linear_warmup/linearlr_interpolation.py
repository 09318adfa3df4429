# VARIANT: as torch's LinearLR describes it: interpolate the factor from start_factor to end_factor = 1
# KEEPS: 4 of 4: the same numbers
def linear_warmup(epoch, base_lr, total_iters, start_factor=1 / 3):
    """Linear warm-up from start_factor * base_lr to base_lr over total_iters epochs (torch's LinearLR)."""
    end_factor = 1.0
    progress = min(epoch, total_iters) / total_iters
    return base_lr * (start_factor + (end_factor - start_factor) * progress)
