# VARIANT: the block survives when its uniform draw is at or above 1 - survival_prob (rand >= 1 - p) instead of below p: the same probability, another side of the interval
# KEEPS: 5 of 5: the spec fixes the coin's distribution (kept with probability survival_prob, one per call) and the generator it is drawn from, not which draws keep
def stochastic_depth(x, residual_fn, survival_prob, training, generator=None):
    """Stochastic depth, the paper's rules; kept when u >= 1 - p."""
    if not training:
        return x + survival_prob * residual_fn(x)
    if float(torch.rand((), generator=generator, device=x.device)) >= 1 - survival_prob:
        return x + residual_fn(x)
    return x
