# VARIANT: returns a torch float64 tensor (torch.arange) instead of a NumPy array: the right values, the wrong kind
# KEEPS: 4.4 of 5: loses only the two kind aspects (visible 0.2, hidden 0.4): the docstring asks for a NumPy float64 array
def survival_probabilities(L, p_L=0.5):
    """Linear decay as a torch tensor."""
    l = torch.arange(1, L + 1, dtype=torch.float64)
    return 1 - l / L * (1 - p_L)
