# MISTAKE: the schedule is reversed: p_l = 1 - (L - l)/L (1 - p_L), the last block is kept most often
def survival_probabilities(L, p_L=0.5):
    """The linear-decay rule of stochastic depth (Huang et al., 2016): p_l = 1 - l / L * (1 - p_L).

    Inputs:
    - L: int >= 1, the number of residual blocks.
    - p_L: float in (0, 1], the survival probability of the last block (default 0.5, as in the paper).

    Returns: NumPy float64 array of shape (L,), element l - 1 is p_l for block l = 1, ..., L
    (so the first element is 1 - (1 - p_L) / L and the last is p_L).
    """
    l = np.arange(1, L + 1, dtype=np.float64)
    return 1.0 - (L - l) / L * (1.0 - p_L)
