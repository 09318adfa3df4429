# MISTAKE: calls the course's torch stand-in (torch.optim underneath) instead of writing the rule
from course_utils.notebook_import import torch_stand_in

_torch_sgd = torch_stand_in("sgd")


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: one step against the (mini-batch) gradient."""
    return _torch_sgd(w, dw, config)
