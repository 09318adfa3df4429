# VARIANT: writes the warm-up line itself instead of calling linear_warmup
# KEEPS: 5 of 5: the same numbers
def with_warmup(epoch, schedule, warmup_epochs, start_factor=1 / 3):
    """Linear warm-up for warmup_epochs epochs, then `schedule`, restarted at the milestone (torch's SequentialLR)."""
    peak = schedule(0)
    if epoch < warmup_epochs:
        return peak * (start_factor + (1 - start_factor) * epoch / warmup_epochs)
    return schedule(epoch - warmup_epochs)
