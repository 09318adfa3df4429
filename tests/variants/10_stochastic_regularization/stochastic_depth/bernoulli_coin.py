# VARIANT: draws the coin with torch.bernoulli(torch.tensor(p), generator=generator) and branches on it
# KEEPS: 5 of 5: one Bernoulli(survival_prob) coin per call from the given generator, the same distribution
def stochastic_depth(x, residual_fn, survival_prob, training, generator=None):
    """Stochastic depth with a Bernoulli coin."""
    if not training:
        return x + survival_prob * residual_fn(x)
    coin = torch.bernoulli(torch.tensor(float(survival_prob), device=x.device), generator=generator)
    return x + residual_fn(x) if bool(coin) else x
