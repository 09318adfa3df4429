# MISTAKE: does not skip an empty run: np.argmax([]) raises, so a sweep with an empty run beside a good one crashes
def pick_best(results, mode="max"):
    """The best run of a sweep, judged by its best validation value.

    Inputs:
    - results: dict mapping each run's name (any hashable) to its validation metric, one value per
      epoch: a list, tuple or 1-D NumPy array of floats (e.g. History.val_acc or History.val_loss).
    - mode: "max" when higher is better (accuracy), "min" when lower is better (loss).

    Rules:
    1. A run's score is its best value over all its epochs (the largest for "max", the smallest for
       "min"), not its last one.
    2. A run that has any value that is NaN or infinite (it diverged), or no values at all, is out.
    3. Among runs with exactly equal scores, the one that first reached its score at the earliest epoch
       wins; if that is equal too, the one that comes first in `results`.

    Returns:
    - (name, score, epoch), a tuple: the winner's name, its score as a float (Python or NumPy), and the
      epoch (0-based index into its values, an int) at which it first reached that score.

    Raises:
    - ValueError if no run qualifies (results is empty, or every run diverged or is empty).
    """
    sign = 1.0 if mode == "max" else -1.0
    best = None  # (signed score, epoch, name)
    for name, values in results.items():
        values = np.asarray(values, dtype=np.float64).ravel()
        if not np.all(np.isfinite(values)):  # no check for an empty run
            continue
        epoch = int(np.argmax(sign * values))  # argmax returns the first occurrence
        score = sign * float(values[epoch])
        if best is None or score > best[0] or (score == best[0] and epoch < best[1]):
            best = (score, epoch, name)
    if best is None:
        raise ValueError("no run qualifies: every run diverged (NaN or inf) or has no values")
    return best[2], sign * best[0], best[1]
