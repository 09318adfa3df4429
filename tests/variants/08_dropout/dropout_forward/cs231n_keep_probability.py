# VARIANT: CS231n assignment 2 (2017+) layers.py: p read as the probability of KEEPING a unit, mask = (np.random.rand(*x.shape) < p) / p, np.random.seed for the seed, out.astype(x.dtype); the course's p is the probability of DROPPING
# KEEPS: 1.45 of 5: 29%, below 60% because the spec defines p as the drop probability (the two readings agree only at p = 0.5): loses train mode at p = 0.25 and for p in (0, 1) (visible 1, hidden 1.5), p = 0 / p = 1 (visible 0.2, hidden 0.4: 0/0 at p = 0, nothing dropped at p = 1), the visible dtype aspect (0.2), which also checks the cache's mask: (rand < p) / p stays float64 for a float32 x, against the documented 'dtype of x', and the visible randomness aspect (0.25): np.random.seed(seed) reseeds NumPy's global generator, which the spec forbids; keeps test mode, the hidden randomness aspect, the defaults and the hidden dtype and x-unchanged aspects (checked at p = 0.5)
def dropout_forward(x, dropout_param):
    """Inverted dropout, forward pass.

    Inputs:
    - x: a NumPy array of any shape (float32 or float64).
    - dropout_param: a dict with the keys
      - p (float in [0, 1], default 0.5): the probability of DROPPING each element (torch's p).
      - mode ("train" or "test", default "train").
      - seed (int, optional): when given (not None), draw the mask from np.random.default_rng(seed), so
        that equal seeds give equal masks; otherwise draw from NumPy's global generator.

    Returns a tuple (out, cache):
    - out: same shape and dtype as x. Train mode: x * mask / (1 - p), with an independent mask element
      per element of x, 1 (kept) with probability 1 - p and 0 (dropped) with probability p; all zeros
      when p == 1. Test mode: x itself.
    - cache: (dropout_param, mask), mask being the array x was multiplied by (already divided by 1 - p,
      dtype of x), or None in test mode.
    """
    dropout_param.setdefault("p", 0.5)
    dropout_param.setdefault("mode", "train")
    p, mode = dropout_param["p"], dropout_param["mode"]
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability p must be in [0, 1], got {p}")
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")

    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    mask = None
    out = None

    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    elif mode == "test":
        out = x

    out = out.astype(x.dtype, copy=False)
    cache = (dropout_param, mask)
    return out, cache
