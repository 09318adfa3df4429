# MISTAKE: the CS231n habit: a seed reseeds NumPy's global generator, np.random.seed(seed), instead of drawing from np.random.default_rng(seed); equal seeds still give equal masks, but every later call without a seed replays the masks that follow that seed
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

    mask = None
    if mode == "train":
        if dropout_param.get("seed") is not None:
            np.random.seed(dropout_param["seed"])
        keep = np.random.random(x.shape) >= p
        scale = 1.0 / (1.0 - p) if p < 1 else 0.0
        mask = (keep * scale).astype(x.dtype)
        out = x * mask
    else:
        out = x
    cache = (dropout_param, mask)
    return out, cache
