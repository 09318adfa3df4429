# MISTAKE: never stops rising: no min(epoch, total_iters)
def linear_warmup(epoch, base_lr, total_iters, start_factor=1 / 3):
    """Linear warm-up from start_factor * base_lr to base_lr over total_iters epochs (torch's LinearLR
    with end_factor=1.0); base_lr from then on.

        lr = base_lr * (start_factor + (1 - start_factor) * min(epoch, total_iters) / total_iters)

    Inputs:
    - epoch (int >= 0): the epoch whose learning rate is wanted; epoch 0 uses start_factor * base_lr.
    - base_lr (float): the learning rate reached at the end of the warm-up.
    - total_iters (int >= 1): the length of the warm-up; epoch total_iters is the first at base_lr.
    - start_factor (float, default 1/3 as in torch): the fraction of base_lr used at epoch 0, 0 < start_factor <= 1.

    Returns:
    - the learning rate at this epoch, a float.
    """
    return base_lr * (start_factor + (1 - start_factor) * epoch / total_iters)
