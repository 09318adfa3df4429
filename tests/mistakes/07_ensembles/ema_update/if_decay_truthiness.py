# MISTAKE: `if decay:` picks the branch: decay = 0, a valid EMA (the average becomes the latest params), is averaged as Polyak
def ema_update(avg_params, params, decay, num_averaged):
    """One update of a running average of parameters, as torch.optim.swa_utils.AveragedModel does.

        num_averaged == 0:   avg = a copy of params                       (decay is not used)
        decay is a float:    avg = decay * avg + (1 - decay) * p           (exponential moving average)
        decay is None:       avg = avg + (p - avg) / (num_averaged + 1)    (Polyak's equal-weight mean)

    Any algebraically equal form is right: avg + (1 - decay) * (p - avg), what AveragedModel computes (a lerp),
    differs from decay * avg + (1 - decay) * p in float32 by rounding only, and both pass the tests.

    Inputs:
    - avg_params: list of NumPy arrays or torch tensors, the average so far (one per parameter); ignored,
      and may be None, when num_averaged == 0.
    - params: list of arrays or tensors of the same shapes, kinds, dtypes and devices: the current
      parameters. Never modified, and never returned (the caller's optimizer changes them in place).
    - decay (float in [0, 1], or None): the EMA decay beta, or None for Polyak averaging.
    - num_averaged (int >= 0): how many parameter sets the average already holds (AveragedModel's
      n_averaged). The caller adds 1 after each call.

    Returns:
    - the new average: a list of arrays or tensors with the kinds, shapes, dtypes and devices of params,
      sharing no memory with params. (It may be avg_params itself, updated in place.)
    """
    if num_averaged == 0:
        return [p.clone() if isinstance(p, torch.Tensor) else p.copy() for p in params]
    if decay:
        return [decay * a + (1 - decay) * p for a, p in zip(avg_params, params)]
    return [a + (p - a) / (num_averaged + 1) for a, p in zip(avg_params, params)]
