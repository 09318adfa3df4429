# VARIANT: the regions in torch, the maxima by Python loops over NumPy copies, wrapped back with torch.as_tensor: right values, cut from the autograd graph
# KEEPS: 4.4 of 5: loses only the two gradient aspects (visible 'differentiable' 0.2, hidden 'gradients' 0.4): the exercise asks for a differentiable pooling (section 8 trains through it)
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

    def intervals(n_in, n_out, u, k):
        """start, end (int64, shape (N, C, n_out)) along one axis; u: (N, C) samples or None."""
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
    xn = x.detach().cpu().numpy()
    rs, re, cs, ce = (t.cpu().numpy() for t in (row_start, row_end, col_start, col_end))
    pooled = np.empty((N, C, out_h, out_w), dtype=xn.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(out_h):
                for j in range(out_w):
                    pooled[n, c, i, j] = xn[n, c, rs[n, c, i]:re[n, c, i], cs[n, c, j]:ce[n, c, j]].max()
    out = torch.as_tensor(pooled, dtype=x.dtype, device=x.device)
    if return_intervals:
        return out, (row_start, row_end), (col_start, col_end)
    return out
