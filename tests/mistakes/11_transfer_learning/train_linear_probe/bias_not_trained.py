# MISTAKE: only W is optimised: the bias stays at its initial 0 (LBFGS given [probe.weight] alone)
def train_linear_probe(features, y, num_classes, weight_decay=1e-3, max_iter=500):
    """Multinomial logistic regression on fixed features, trained to its optimum.

    Inputs:
    - features: torch tensor (N, D), float32 or float64 (no gradient needed).
    - y: torch int64 tensor (N,), labels in 0..num_classes-1 (some classes may be absent).
    - num_classes: int, C.
    - weight_decay: float lambda >= 0: minimise mean cross-entropy + lambda/2 * ||W||^2 (the bias is
      not penalised).
    - max_iter: int, an iteration budget for the optimizer.

    Returns an nn.Linear(D, C) in the dtype and on the device of features, at the minimiser.
    """
    X = features.detach().double()
    probe = nn.Linear(X.shape[1], num_classes).to(device=X.device, dtype=torch.float64)
    nn.init.zeros_(probe.weight)
    nn.init.zeros_(probe.bias)
    opt = torch.optim.LBFGS([probe.weight], lr=1, max_iter=max_iter, tolerance_grad=1e-9,
                            tolerance_change=1e-14, history_size=20, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(probe(X), y) + 0.5 * weight_decay * probe.weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return probe.to(features.dtype)
