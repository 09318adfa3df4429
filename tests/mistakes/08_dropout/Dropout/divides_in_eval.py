# MISTAKE: evaluation mode divides x by 1 - p
class Dropout(nn.Module):
    """Inverted dropout as a module, a drop-in replacement for torch.nn.Dropout(p).

    - p (float in [0, 1], default 0.5): the probability of DROPPING each element.

    forward(x): x is a tensor of any shape, dtype and device. In training mode (self.training) returns
    x * mask / (1 - p) with a fresh mask per element and per call, 1 with probability 1 - p (zeros when
    p == 1); in evaluation mode returns x. Same shape, dtype and device as x; differentiable in x.
    """

    def __init__(self, p=0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x):
        if not self.training:
            return x / (1.0 - self.p)
        if self.p == 0:
            return x
        if self.p == 1:
            return x * 0.0  # everything dropped; the (zero) gradient still flows
        mask = (torch.rand_like(x) >= self.p).to(x.dtype)
        return x * mask / (1.0 - self.p)

    def extra_repr(self):
        return f"p={self.p}"