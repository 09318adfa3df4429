# MISTAKE: written with torch tensors: returns a torch tensor where the docstring asks for a NumPy array
def lbfgs_direction(grad, s_list, y_list):
    """The L-BFGS search direction p = -H g, by the two-loop recursion (Nocedal & Wright, Algorithm 7.4).

    H is the BFGS approximation of the inverse Hessian obtained by applying the BFGS update for each
    stored pair (s_i, y_i), oldest first, to H0 = gamma * I, where gamma = (s . y) / (y . y) is
    computed from the NEWEST pair.

    Inputs:
    - grad: the gradient g at the current point, a NumPy float64 array of shape (n,).
    - s_list: list of the stored steps s_i = w_{i+1} - w_i, OLDEST FIRST (s_list[-1] is the newest);
      each a NumPy array of shape (n,). May be empty.
    - y_list: list of the matching gradient changes y_i = g_{i+1} - g_i, same order and length.
      Every pair has s_i . y_i > 0.

    Returns:
    - p: the search direction -H g, a new NumPy array of shape (n,). With empty lists, p = -g.
      grad, s_list and y_list are not modified.
    """
    import torch
    q = torch.tensor(grad, dtype=torch.float64)  # a copy: grad stays untouched
    s_list = [torch.as_tensor(s) for s in s_list]
    y_list = [torch.as_tensor(y) for y in y_list]
    m = len(s_list)
    if m == 0:
        return -q
    rho = [1.0 / torch.dot(y, s) for s, y in zip(s_list, y_list)]
    alpha = [0.0] * m
    for i in range(m - 1, -1, -1):  # newest to oldest
        alpha[i] = rho[i] * torch.dot(s_list[i], q)
        q = q - alpha[i] * y_list[i]
    gamma = torch.dot(s_list[-1], y_list[-1]) / torch.dot(y_list[-1], y_list[-1])  # newest pair
    r = gamma * q
    for i in range(m):  # oldest to newest
        beta = rho[i] * torch.dot(y_list[i], r)
        r = r + (alpha[i] - beta) * s_list[i]
    return -r
