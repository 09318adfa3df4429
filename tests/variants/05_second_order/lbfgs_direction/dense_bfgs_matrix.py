# VARIANT: forms the BFGS inverse-Hessian matrix explicitly (H0 = gamma I, one dense update per pair, oldest first), O(n^2) memory, instead of the two-loop recursion
# KEEPS: 5 of 5: every value is the two-loop recursion's; no test measures memory or time
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
    g = np.asarray(grad, dtype=np.float64)
    n = g.shape[0]
    if len(s_list) == 0:
        return -g
    H = np.dot(s_list[-1], y_list[-1]) / np.dot(y_list[-1], y_list[-1]) * np.eye(n)
    for s, y in zip(s_list, y_list):  # the BFGS update of section 5, oldest pair first
        rho = 1.0 / np.dot(y, s)
        V = np.eye(n) - rho * np.outer(y, s)
        H = V.T @ H @ V + rho * np.outer(s, s)
    return -(H @ g)
