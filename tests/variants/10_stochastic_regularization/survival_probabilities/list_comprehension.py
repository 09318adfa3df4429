# VARIANT: a Python list comprehension over l = 1..L, turned into an array
# KEEPS: 5 of 5: the same values, a NumPy float64 array
def survival_probabilities(L, p_L=0.5):
    """Linear decay, one block at a time."""
    return np.array([1 - l / L * (1 - p_L) for l in range(1, L + 1)])
