# VARIANT: NumPy and scipy.optimize.minimize (L-BFGS-B) on the objective with its closed-form gradient, then the optimum copied into an nn.Linear
# KEEPS: 5 of 5: the text asks for the minimiser, by any optimizer
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
    from scipy.optimize import minimize

    F_ = features.detach().cpu().double().numpy()
    n, d = F_.shape
    c = num_classes
    Y = np.eye(c)[y.cpu().numpy()]

    def objective(theta):
        W, b = theta[:c * d].reshape(c, d), theta[c * d:]
        Z = F_ @ W.T + b
        Z = Z - Z.max(axis=1, keepdims=True)
        logp = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
        P = np.exp(logp)
        J = -(logp * Y).sum() / n + 0.5 * weight_decay * (W ** 2).sum()
        grad = np.concatenate([((P - Y).T @ F_ / n + weight_decay * W).ravel(), (P - Y).mean(axis=0)])
        return J, grad

    res = minimize(objective, np.zeros(c * (d + 1)), jac=True, method="L-BFGS-B",
                   options=dict(maxiter=max_iter, gtol=1e-10, ftol=1e-14))
    probe = nn.Linear(d, c).to(device=features.device, dtype=features.dtype)
    with torch.no_grad():
        probe.weight.copy_(torch.from_numpy(res.x[:c * d].reshape(c, d)))
        probe.bias.copy_(torch.from_numpy(res.x[c * d:]))
    return probe
