# MISTAKE: subclasses torch.nn.Dropout and calls its forward (super().forward(x)): torch's dropout, not a mask written by hand (the exercise forbids it; both test cells refuse it)
class Dropout(nn.Dropout):
    """Inverted dropout as a module, a drop-in replacement for torch.nn.Dropout(p).

    - p (float in [0, 1], default 0.5): the probability of DROPPING each element.

    forward(x): x is a tensor of any shape, dtype and device. In training mode (self.training) returns
    x * mask / (1 - p) with a fresh mask per element and per call, 1 with probability 1 - p (zeros when
    p == 1); in evaluation mode returns x. Same shape, dtype and device as x; differentiable in x.
    """

    def __init__(self, p=0.5):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability p must be in [0, 1], got {p}")
        super().__init__(p)

    def forward(self, x):
        return super().forward(x)

    def extra_repr(self):
        return f"p={self.p}"
