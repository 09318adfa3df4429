# VARIANT: draws the coin with Python's random.random() < p: the right distribution, but ignores the generator (and torch's seeding)
# KEEPS: 4.4 of 5: loses only the two randomness aspects (visible 0.3, hidden 0.3): the spec draws the coin with the generator it is given
import random


def stochastic_depth(x, residual_fn, survival_prob, training, generator=None):
    """Stochastic depth with Python's random module."""
    if not training:
        return x + survival_prob * residual_fn(x)
    if random.random() < survival_prob:
        return x + residual_fn(x)
    return x
