# MISTAKE: the loop runs max_iter + 1 times (iterations 0 to max_iter included)
def lbfgs(f, grad_f, w0, history_size=10, max_iter=200, tol=1e-6, c1=1e-4, shrink=0.5, max_backtracks=50):
    """Minimize f with L-BFGS and a backtracking (Armijo) line search, in full batch.

    Each iteration k (w_k, f_k = f(w_k) and g_k = grad_f(w_k) known):
      1. stop if ||g_k|| <= tol (2-norm): converged;
      2. p = lbfgs_direction(g_k, s_list, y_list);
      3. alpha = 1, then alpha *= shrink until f(w_k + alpha p) <= f_k + c1 * alpha * (g_k . p);
         a NaN loss fails this test (shrink again). At most max_backtracks trials, alpha = 1
         included; if none passes, stop ("line search failed") without a step;
      4. w_{k+1} = w_k + alpha p, g_{k+1} = grad_f(w_{k+1});
      5. s = w_{k+1} - w_k, y = g_{k+1} - g_k. If s . y > 1e-10 * ||s|| * ||y||, append (s, y) to the
         lists, dropping the oldest pair when more than history_size are stored; otherwise skip the
         pair and clear both lists (the next direction is then -g).
    At most max_iter iterations.

    Inputs:
    - f: function w -> loss (a float), for w a NumPy float64 array of shape (n,).
    - grad_f: function w -> gradient of f at w, a NumPy array of shape (n,).
    - w0: the starting point, array-like of shape (n,); not modified.
    - history_size (int, default 10): m, the most curvature pairs kept.
    - max_iter (int, default 200): the most iterations (accepted steps).
    - tol (float, default 1e-6): stop when the 2-norm of the gradient is <= tol.
    - c1 (float, default 1e-4): the constant of Armijo's condition.
    - shrink (float in (0, 1), default 0.5): the factor that shortens a rejected step.
    - max_backtracks (int, default 50): the most trial steps in one line search, the first one
      (alpha = 1) included: max_backtracks=3 tries alpha = 1, shrink, shrink**2.

    f is called once at w0 and once per trial step; grad_f once at w0 and once per accepted point.

    Returns:
    - w: the last point, a NumPy float64 array of shape (n,).
    - info: a dict with the keys
      - "iterations" (int): K, the number of accepted steps;
      - "loss_history" (list of K + 1 floats): f(w_0), ..., f(w_K);
      - "grad_norm_history" (list of K + 1 floats): ||g_0||, ..., ||g_K||;
      - "path" (list of K + 1 arrays): copies of w_0, ..., w_K;
      - "function_evals" (int): the number of calls of f;
      - "skipped_pairs" (int): the pairs that failed the curvature test;
      - "s_list", "y_list" (lists of arrays): the pairs held at the end, oldest first;
      - "converged" (bool): whether ||g_K|| <= tol;
      - "message" (str): "converged" whenever converged is True (also when the max_iter-th step
        converges), otherwise "line search failed" or "max_iter reached".
    """
    w = np.array(w0, dtype=np.float64)  # a copy
    loss, g = float(f(w)), np.asarray(grad_f(w), dtype=np.float64)
    s_list, y_list = [], []
    info = {"iterations": 0, "loss_history": [loss], "grad_norm_history": [float(np.linalg.norm(g))],
            "path": [w.copy()], "function_evals": 1, "skipped_pairs": 0}
    message = "max_iter reached"
    for _ in range(max_iter + 1):  # iterations 0, ..., max_iter
        if np.linalg.norm(g) <= tol:
            break
        p = lbfgs_direction(g, s_list, y_list)
        slope = float(g @ p)
        alpha, accepted = 1.0, False
        for _ in range(max_backtracks):
            w_new = w + alpha * p
            loss_new = float(f(w_new))
            info["function_evals"] += 1
            if loss_new <= loss + c1 * alpha * slope:  # Armijo (a NaN loss fails it too)
                accepted = True
                break
            alpha *= shrink
        if not accepted:
            message = "line search failed"
            break
        g_new = np.asarray(grad_f(w_new), dtype=np.float64)
        s, y = w_new - w, g_new - g
        if s @ y > 1e-10 * np.linalg.norm(s) * np.linalg.norm(y):
            s_list.append(s)
            y_list.append(y)
            if len(s_list) > history_size:
                s_list.pop(0)
                y_list.pop(0)
        else:  # not convex along the step: skip the pair and forget the stale ones
            info["skipped_pairs"] += 1
            s_list, y_list = [], []
        w, loss, g = w_new, loss_new, g_new
        info["iterations"] += 1
        info["loss_history"].append(loss)
        info["grad_norm_history"].append(float(np.linalg.norm(g)))
        info["path"].append(w.copy())
    info["converged"] = bool(np.linalg.norm(g) <= tol)
    info["message"] = "converged" if info["converged"] else message
    info["s_list"], info["y_list"] = s_list, y_list
    return w, info
