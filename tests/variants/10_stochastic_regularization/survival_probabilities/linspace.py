# VARIANT: np.linspace from the first block's 1 - (1 - p_L)/L to p_L in L steps
# KEEPS: 5 of 5: the same evenly spaced values (to rounding), a NumPy float64 array of shape (L,)
def survival_probabilities(L, p_L=0.5):
    """Linear decay as a linspace."""
    return np.linspace(1 - (1 - p_L) / L, p_L, L)
