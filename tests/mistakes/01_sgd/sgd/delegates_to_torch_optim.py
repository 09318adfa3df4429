# MISTAKE: hands the step to torch.optim.SGD instead of writing the rule (right numbers, no learning)
import torch


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: one step against the (mini-batch) gradient.

        next_w = w - learning_rate * dw
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    is_tensor = isinstance(w, torch.Tensor)
    param = torch.nn.Parameter(w.detach().clone() if is_tensor else torch.from_numpy(w.copy()))
    param.grad = dw.detach().clone() if is_tensor else torch.from_numpy(dw.copy())
    torch.optim.SGD([param], lr=config["learning_rate"]).step()
    next_w = param.detach() if is_tensor else param.detach().numpy()
    return next_w, config
