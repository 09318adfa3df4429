# VARIANT: Pythonic: one key per qualifying run, (score, first epoch, position), and min() over them
# KEEPS: 5 of 5: the same rule written as a sort key
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
    sign = -1.0 if mode == "max" else 1.0
    candidates = []
    for position, (name, values) in enumerate(results.items()):
        values = [float(v) for v in values]
        if not values or not all(math.isfinite(v) for v in values):
            continue
        best = max(values) if mode == "max" else min(values)
        candidates.append((sign * best, values.index(best), position, name, best))
    if not candidates:
        raise ValueError("no run qualifies: every run diverged or is empty")
    _, epoch, _, name, best = min(candidates, key=lambda c: c[:3])
    return name, best, epoch
