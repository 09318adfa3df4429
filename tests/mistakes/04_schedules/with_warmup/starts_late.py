# MISTAKE: milestone off by one: the warm-up runs through epoch warmup_epochs and the schedule starts one epoch late
def with_warmup(epoch, schedule, warmup_epochs, start_factor=1 / 3):
    """Linear warm-up for warmup_epochs epochs, then `schedule`, restarted at the milestone: torch's
    SequentialLR([LinearLR(start_factor, total_iters=warmup_epochs), other], milestones=[warmup_epochs]).

        epoch <  warmup_epochs: lr = schedule(0) * (start_factor + (1 - start_factor) * epoch / warmup_epochs)
        epoch >= warmup_epochs: lr = schedule(epoch - warmup_epochs)

    Inputs:
    - epoch (int >= 0): the global epoch whose learning rate is wanted.
    - schedule (function epoch -> learning rate): the schedule that takes over after the warm-up, e.g.
      partial(cosine_annealing, base_lr=0.1, T_max=20). It sees its own epoch, counted from the milestone.
      The warm-up climbs towards schedule(0), the schedule's starting learning rate.
    - warmup_epochs (int >= 1): the milestone: the number of warm-up epochs.
    - start_factor (float, default 1/3 as in torch): epoch 0 uses start_factor * schedule(0).

    Returns:
    - the learning rate at this epoch, a float.
    """
    if epoch <= warmup_epochs:
        return linear_warmup(epoch, schedule(0), warmup_epochs, start_factor)
    return schedule(epoch - warmup_epochs - 1)
