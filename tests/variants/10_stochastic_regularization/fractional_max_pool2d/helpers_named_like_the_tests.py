# VARIANT: the solution split into module-level helpers named like the visible test's own (_bounds for the windows, _pool for the max over them): a test cell that defined its _bounds or _pool in the student's namespace would replace them
# KEEPS: 5 of 5: test cells run in a namespace of their own (the grader) and a kernel puts a replaced helper back (course_utils.aspects), so the student's function keeps calling its own helpers
def _bounds(n_in, n_out, u, k, N, C, dev, overlapping, pseudo_random, generator):
    """My helper: start, end (int64, shape (N, C, n_out)) of the windows along one axis; u: (N, C) samples or None."""
    if k is not None:  # torch's fixed windows
        if n_out + k - 1 > n_in:
            raise ValueError(f"kernel_size {k} and output size {n_out} do not fit in an input of size {n_in}")
        start = torch.full((N, C, n_out), n_in - k, dtype=torch.long, device=dev)
        if n_out > 1:
            u = u.to(dev)
            alpha = torch.tensor(float(n_in - k), dtype=u.dtype, device=dev) / (n_out - 1)
            i = torch.arange(n_out - 1, dtype=u.dtype, device=dev)
            start[..., :-1] = ((i + u[..., None]) * alpha).floor().long() - (u[..., None] * alpha).floor().long()
        return start, start + k
    span = n_in - 1 if overlapping else n_in
    if not n_out <= span <= 2 * n_out:
        raise ValueError(f"cannot pool {n_in} -> {n_out} with increments of 1 or 2 "
                         f"({'overlapping' if overlapping else 'disjoint'} regions)")
    if pseudo_random:
        alpha = span / n_out  # a rounded float64 ratio, multiplied afterwards
        i = torch.arange(n_out + 1, dtype=torch.float64, device=dev)
        u = u.to(dev).double()[..., None]
        a = (torch.ceil(alpha * (i + u)) - torch.ceil(alpha * u)).long()
        a[..., -1] = span
    else:
        keys = torch.rand(N, C, n_out, generator=generator, device=dev)
        twos = keys.argsort(dim=-1).argsort(dim=-1) < span - n_out
        a = torch.cat([torch.zeros(N, C, 1, dtype=torch.long, device=dev), (1 + twos.long()).cumsum(-1)], dim=-1)
    return a[..., :-1], a[..., 1:] + int(overlapping)


def _pool(x, row_start, row_end, col_start, col_end):
    """My helper: the max of x (N, C, H, W) over each window (rows [row_start, row_end) x columns [col_start, col_end))."""
    N, C, H, W = x.shape
    out_h, out_w, dev = row_start.shape[-1], col_start.shape[-1], x.device
    K_h, K_w = int((row_end - row_start).max()), int((col_end - col_start).max())
    rows = torch.minimum(row_start[..., None] + torch.arange(K_h, device=dev), row_end[..., None] - 1)
    cols = torch.minimum(col_start[..., None] + torch.arange(K_w, device=dev), col_end[..., None] - 1)
    # a max over a rectangle is a max over rows of maxes over columns: first the columns of every row,
    picked = x.gather(3, cols.reshape(N, C, 1, out_w * K_w).expand(N, C, H, out_w * K_w))
    col_max = picked.reshape(N, C, H, out_w, K_w).max(dim=-1).values           # (N, C, H, out_w)
    # then the rows of that
    picked = col_max.gather(2, rows.reshape(N, C, out_h * K_h, 1).expand(N, C, out_h * K_h, out_w))
    out = picked.reshape(N, C, out_h, K_h, out_w).max(dim=3).values           # (N, C, out_h, out_w)
    return out


def fractional_max_pool2d(x, output_size, samples=None, overlapping=False, pseudo_random=False,
                          kernel_size=None, generator=None, return_intervals=False):
    """Fractional max pooling (Graham, 2014) and torch's variant of it."""
    N, C, H, W = x.shape
    out_h, out_w = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    if kernel_size is not None:
        kernel_size = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    if samples is None and (pseudo_random or kernel_size is not None):
        samples = torch.rand(N, C, 2, generator=generator, dtype=x.dtype, device=x.device)
    dev = x.device

    k_h, k_w = (None, None) if kernel_size is None else kernel_size
    row_start, row_end = _bounds(H, out_h, None if samples is None else samples[..., 1], k_h, N, C, dev, overlapping, pseudo_random, generator)
    col_start, col_end = _bounds(W, out_w, None if samples is None else samples[..., 0], k_w, N, C, dev, overlapping, pseudo_random, generator)
    out = _pool(x, row_start, row_end, col_start, col_end)
    if return_intervals:
        return out, (row_start, row_end), (col_start, col_end)
    return out
