# MISTAKE: reverses s_list and y_list in place for the newest-first loop and leaves them reversed: the caller's memory is now newest first
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
    q = np.array(grad, dtype=np.float64)  # a copy: grad stays untouched
    m = len(s_list)
    if m == 0:
        return -q
    rho = [1.0 / np.dot(y, s) for s, y in zip(s_list, y_list)]
    alpha = [0.0] * m
    gamma = np.dot(s_list[-1], y_list[-1]) / np.dot(y_list[-1], y_list[-1])  # newest pair
    s_list.reverse()  # newest first, for the first loop
    y_list.reverse()
    rho.reverse()
    for i in range(m):  # newest to oldest
        alpha[i] = rho[i] * np.dot(s_list[i], q)
        q = q - alpha[i] * y_list[i]
    r = gamma * q
    for i in range(m - 1, -1, -1):  # oldest to newest
        beta = rho[i] * np.dot(y_list[i], r)
        r = r + (alpha[i] - beta) * s_list[i]
    return -r
