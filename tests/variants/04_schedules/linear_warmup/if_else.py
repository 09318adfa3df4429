# VARIANT: an if for the end of the warm-up instead of min(epoch, total_iters)
# KEEPS: 4 of 4: the same numbers
def linear_warmup(epoch, base_lr, total_iters, start_factor=1 / 3):
    """Linear warm-up from start_factor * base_lr to base_lr over total_iters epochs (torch's LinearLR)."""
    if epoch >= total_iters:
        return base_lr
    return base_lr * (start_factor + (1 - start_factor) * epoch / total_iters)
