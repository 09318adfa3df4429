# MISTAKE: the warm-up ramp built with torch.linspace (float32) and indexed: returns a tensor, not a plain number
def with_warmup(epoch, schedule, warmup_epochs, start_factor=1 / 3):
    """Linear warm-up for warmup_epochs epochs, then `schedule`, restarted at the milestone (torch's SequentialLR)."""
    if epoch < warmup_epochs:
        ramp = torch.linspace(start_factor, 1.0, warmup_epochs + 1)
        return ramp[epoch] * schedule(0)
    return schedule(epoch - warmup_epochs)
