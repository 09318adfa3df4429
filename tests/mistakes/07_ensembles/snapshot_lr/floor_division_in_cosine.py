# MISTAKE: floor division mod(t - 1, c) // c inside the cosine: the argument is always 0, every rate is lr0
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
    cycle = math.ceil(T / M)
    return lr0 / 2 * (math.cos(math.pi * ((t - 1) % cycle // cycle)) + 1)
