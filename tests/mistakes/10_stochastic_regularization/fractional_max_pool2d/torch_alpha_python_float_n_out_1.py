# MISTAKE: torch's alpha computed as the Python float (n_in - k) / (n_out - 1) with no case for n_out = 1 (ZeroDivisionError)
def fractional_max_pool2d(x, output_size, samples=None, overlapping=False, pseudo_random=False,
                          kernel_size=None, generator=None, return_intervals=False):
    """Fractional max pooling (Graham, 2014) of a batch of feature maps, and torch's variant of it.

    Every (example, channel) plane gets its own regions. Along one axis, with n_in inputs and n_out
    outputs, output i pools the half-open interval [start_i, end_i) of input indices:

    - Graham's regions (kernel_size None). Boundaries 0 = a_0 < a_1 < ... < a_{n_out} = S, every
      increment 1 or 2, with S = n_in (disjoint) or S = n_in - 1 (overlapping):
        disjoint:    [start_i, end_i) = [a_i, a_{i+1})        (1 or 2 rows; the regions tile the axis)
        overlapping: [start_i, end_i) = [a_i, a_{i+1} + 1)    (2 or 3 rows; neighbours share one row)
      random (pseudo_random False): the increments are a uniformly random arrangement of S - n_out twos
        and 2 n_out - S ones, drawn with `generator`, independently for every plane and every call;
      pseudo-random (pseudo_random True): a_i = ceil((i + u) S / n_out) - ceil(u S / n_out) for
        i < n_out, and a_{n_out} = S, with u the plane's sample for this axis (in any floating
        dtype, or exactly: the readings differ only within rounding of an integer).
      Needs n_out <= S <= 2 n_out (otherwise ValueError).
    - torch's regions (kernel_size k): fixed windows [s_i, s_i + k) with
        s_i = floor((i + u) alpha) - floor(u alpha) for i < n_out - 1, alpha = (n_in - k) / (n_out - 1),
        s_{n_out - 1} = n_in - k,
      computed in the floating dtype of x, which is also the dtype of `samples` (torch refuses samples of
      another dtype), and truncated to integers, as torch.nn.functional.fractional_max_pool2d does.
      Needs n_out + k - 1 <= n_in (otherwise ValueError). overlapping and pseudo_random are not used.

    Inputs:
    - x: torch tensor of shape (N, C, H, W), floating dtype, any device.
    - output_size: int or pair (H_out, W_out).
    - samples: None or a tensor of shape (N, C, 2) with values in [0, 1), in x's dtype and on x's device,
      torch's `_random_samples` layout:
      samples[n, c, 0] is u for the WIDTH (columns) and samples[n, c, 1] is u for the HEIGHT (rows) of
      plane (n, c). Used by the pseudo-random and torch regions. None: draw
      torch.rand(N, C, 2, generator=generator, dtype=x.dtype, device=x.device) when they are needed.
    - overlapping, pseudo_random: choose among Graham's four variants.
    - kernel_size: None (Graham's regions), or an int or a pair (kH, kW) (torch's fixed windows).
    - generator: optional torch.Generator on x's device, for every random draw.
    - return_intervals: also return the regions.

    Returns:
    - out: tensor of shape (N, C, H_out, W_out), dtype of x: out[n, c, i, j] is the max of x[n, c] over
      rows [row_start, row_end) and columns [col_start, col_end) of region (i, j). Differentiable (a
      tied maximum's gradient may go to one of the tied entries or be shared among them).
    - with return_intervals=True: (out, (row_start, row_end), (col_start, col_end)), int64 tensors of
      shapes (N, C, H_out) for the rows and (N, C, W_out) for the columns.
    """
    N, C, H, W = x.shape
    out_h, out_w = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    if kernel_size is not None:
        kernel_size = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    if samples is None and (pseudo_random or kernel_size is not None):
        samples = torch.rand(N, C, 2, generator=generator, dtype=x.dtype, device=x.device)
    dev = x.device

    def intervals(n_in, n_out, u, k):
        """start, end (int64, shape (N, C, n_out)) along one axis; u: (N, C) samples or None."""
        if k is not None:  # torch's fixed windows
            if n_out + k - 1 > n_in:
                raise ValueError(f"kernel_size {k} and output size {n_out} do not fit in an input of size {n_in}")
            start = torch.full((N, C, n_out), n_in - k, dtype=torch.long, device=dev)
            u = u.to(dev)
            alpha = (n_in - k) / (n_out - 1)
            i = torch.arange(n_out - 1, dtype=u.dtype, device=dev)
            start[..., :-1] = ((i + u[..., None]) * alpha).floor().long() - (u[..., None] * alpha).floor().long()
            return start, start + k
        span = n_in - 1 if overlapping else n_in
        if not n_out <= span <= 2 * n_out:
            raise ValueError(f"cannot pool {n_in} -> {n_out} with increments of 1 or 2 "
                             f"({'overlapping' if overlapping else 'disjoint'} regions)")
        if pseudo_random:
            i = torch.arange(n_out + 1, dtype=torch.float64, device=dev)
            u = u.to(dev).double()[..., None]
            a = (torch.ceil((i + u) * span / n_out) - torch.ceil(u * span / n_out)).long()
            a[..., -1] = span
        else:
            keys = torch.rand(N, C, n_out, generator=generator, device=dev)
            twos = keys.argsort(dim=-1).argsort(dim=-1) < span - n_out
            a = torch.cat([torch.zeros(N, C, 1, dtype=torch.long, device=dev), (1 + twos.long()).cumsum(-1)], dim=-1)
        return a[..., :-1], a[..., 1:] + int(overlapping)

    k_h, k_w = (None, None) if kernel_size is None else kernel_size
    row_start, row_end = intervals(H, out_h, None if samples is None else samples[..., 1], k_h)
    col_start, col_end = intervals(W, out_w, None if samples is None else samples[..., 0], k_w)
    K_h, K_w = int((row_end - row_start).max()), int((col_end - col_start).max())
    rows = torch.minimum(row_start[..., None] + torch.arange(K_h, device=dev), row_end[..., None] - 1)
    cols = torch.minimum(col_start[..., None] + torch.arange(K_w, device=dev), col_end[..., None] - 1)
    # a max over a rectangle is a max over rows of maxes over columns: first the columns of every row,
    picked = x.gather(3, cols.reshape(N, C, 1, out_w * K_w).expand(N, C, H, out_w * K_w))
    col_max = picked.reshape(N, C, H, out_w, K_w).max(dim=-1).values           # (N, C, H, out_w)
    # then the rows of that
    picked = col_max.gather(2, rows.reshape(N, C, out_h * K_h, 1).expand(N, C, out_h * K_h, out_w))
    out = picked.reshape(N, C, out_h, K_h, out_w).max(dim=3).values           # (N, C, out_h, out_w)
    if return_intervals:
        return out, (row_start, row_end), (col_start, col_end)
    return out
