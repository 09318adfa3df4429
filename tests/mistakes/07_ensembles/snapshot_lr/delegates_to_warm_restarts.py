# MISTAKE: reads the rate off torch's CosineAnnealingWarmRestarts (the hidden tests' oracle) instead of computing the formula
def snapshot_lr(t, T, M, lr0=0.1):
    """Learning rate of iteration t in the snapshot-ensemble schedule (Huang et al., 2017, eq. 2).

        alpha(t) = lr0 / 2 * (cos(pi * mod(t - 1, ceil(T / M)) / ceil(T / M)) + 1)

    Inputs:
    - t (int, 1 <= t <= T): the iteration about to be taken, counted from 1: t = 1 uses lr0.
    - T (int >= 1): the total number of iterations (mini-batch updates) of the run.
    - M (int >= 1): the number of cycles, i.e. of snapshots.
    - lr0 (float, default 0.1): alpha_0, the learning rate at the start of every cycle.

    Every cycle lasts ceil(T / M) iterations; the snapshot of cycle k is taken after iteration
    t = k * ceil(T / M) (and after t = T if T is not a multiple of M), where the rate is lowest.
    torch's CosineAnnealingWarmRestarts(optimizer, T_0=ceil(T / M), T_mult=1, eta_min=0), stepped once
    after every iteration, gives the same rates.

    Returns:
    - the learning rate, a float.
    """
    import warnings
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr0)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=math.ceil(T / M), T_mult=1, eta_min=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheduler.step(t - 1)  # jump straight to iteration t
    return float(optimizer.param_groups[0]["lr"])
