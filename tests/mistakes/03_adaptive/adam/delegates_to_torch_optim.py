# MISTAKE: hands the step to torch.optim.Adam, copying its state in and out (right numbers, no learning)
import torch


def adam(w, dw, config=None):
    """Adam: momentum on the gradient, RMSProp on its square, both bias-corrected."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)

    is_tensor = isinstance(w, torch.Tensor)

    def as_torch(x):
        return x.detach().clone() if is_tensor else torch.from_numpy(np.array(x, dtype=w.dtype))

    def back(x):
        return x.detach().clone() if is_tensor else x.detach().numpy().copy()

    param = torch.nn.Parameter(as_torch(w))
    param.grad = as_torch(dw)
    opt = torch.optim.Adam([param], lr=config["learning_rate"], betas=(config["beta1"], config["beta2"]),
                           eps=config["epsilon"], foreach=False)
    if config.get("t", 0) > 0:
        opt.state[param] = {"step": torch.tensor(float(config["t"])), "exp_avg": as_torch(config["m"]),
                            "exp_avg_sq": as_torch(config["v"])}
    opt.step()
    state = opt.state[param]
    config["m"], config["v"], config["t"] = back(state["exp_avg"]), back(state["exp_avg_sq"]), config.get("t", 0) + 1
    return back(param), config
