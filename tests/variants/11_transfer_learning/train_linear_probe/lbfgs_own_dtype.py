# VARIANT: torch.optim.LBFGS in the features' own dtype (float32 stays float32 inside), from nn.Linear's default random initialisation
# KEEPS: 5 of 5: the same minimiser; float32 features reach it to float32 precision, which the tests allow
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
    X = features.detach()
    probe = nn.Linear(X.shape[1], num_classes).to(device=X.device, dtype=X.dtype)
    opt = torch.optim.LBFGS(probe.parameters(), lr=1, max_iter=max_iter, tolerance_grad=1e-12,
                            tolerance_change=1e-16, history_size=50, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(probe(X), y) + weight_decay / 2 * (probe.weight ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return probe
