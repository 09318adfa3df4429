# MISTAKE: the kept block adds f(x) to x in place (x += f(x)): the caller's x is changed
def stochastic_depth(x, residual_fn, survival_prob, training, generator=None):
    """One residual block's sum with stochastic depth (Huang et al., 2016), the paper's rules.

    Training: one coin for the whole call (the whole mini-batch), b = 1 with probability survival_prob,
    drawn as torch.rand((), generator=generator, device=x.device) < survival_prob:
        b = 1: return x + residual_fn(x)
        b = 0: return x, WITHOUT calling residual_fn (the block is skipped, its compute saved).
    Test: return x + survival_prob * residual_fn(x).

    Inputs:
    - x: torch tensor of any shape (the block's input, e.g. (N, C, H, W)).
    - residual_fn: callable mapping x to a tensor of x's shape (the residual branch f_l, e.g. conv-BN-ReLU-conv-BN).
    - survival_prob: float in [0, 1], p_l, the probability that the block is KEPT during training.
    - training: bool, True for the training rule, False for the test rule.
    - generator: an optional torch.Generator on x's device for the coin (None: torch's global one).

    Returns: tensor of x's shape (the sum before the block's ReLU).
    """
    if not training:
        return x + survival_prob * residual_fn(x)
    if torch.rand((), generator=generator, device=x.device).item() < survival_prob:
        x += residual_fn(x)
        return x
    return x
