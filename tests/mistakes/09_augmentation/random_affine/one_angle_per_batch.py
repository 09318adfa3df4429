# MISTAKE: one angle and one stretch drawn for the whole batch; only the shift is drawn for each image
def affine(img, angle=0.0, translate=(0.0, 0.0), stretch=(1.0, 1.0)):
    """Stretch, rotate and shift the content of an image about its centre (bilinear, zeros outside).

    A content point at (x, y) pixels from the centre (x right, y down) moves to
        R(angle) @ diag(sx, sy) @ (x, y) + (tx, ty),   R(a) = [[cos a, sin a], [-sin a, cos a]],
    i.e. stretched by (sx, sy), rotated by `angle` degrees counter-clockwise on the screen, shifted by
    (tx, ty) pixels right and down. Computed with F.affine_grid and F.grid_sample (mode="bilinear",
    padding_mode="zeros", align_corners=False).

    Inputs:
    - img: float tensor (C, H, W) or (N, C, H, W); a batch gets the same transformation for every image.
    - angle: float, degrees.
    - translate: (tx, ty) in pixels.
    - stretch: (sx, sy), positive factors.

    Returns:
    - tensor of the same shape, dtype and device.
    """
    H, W = img.shape[-2:]
    a = math.radians(angle)
    rot_t = torch.tensor([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], dtype=torch.float64)  # R^T
    s_inv = torch.diag(torch.tensor([1 / stretch[0], 1 / stretch[1]], dtype=torch.float64))
    d = torch.diag(torch.tensor([2 / W, 2 / H], dtype=torch.float64))
    d_inv = torch.diag(torch.tensor([W / 2, H / 2], dtype=torch.float64))
    m = d @ s_inv @ rot_t
    shift = -m @ torch.tensor([float(translate[0]), float(translate[1])], dtype=torch.float64)
    theta = torch.cat([m @ d_inv, shift[:, None]], dim=1).to(dtype=img.dtype, device=img.device)
    x = img if img.dim() == 4 else img[None]
    grid = F.affine_grid(theta.expand(x.shape[0], 2, 3), list(x.shape), align_corners=False)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return out if img.dim() == 4 else out[0]


def random_affine(img, degrees=0.0, translate=0.0, stretch=0.0, generator=None):
    """Random rotation, translation and stretching, drawn independently for each image.

    angle ~ U[-degrees, degrees] (degrees); tx, ty ~ U[-translate, translate] (pixels);
    sx, sy ~ U[1 - stretch, 1 + stretch]; then affine(img, angle, (tx, ty), (sx, sy)).

    Inputs:
    - img: float tensor (C, H, W) or (N, C, H, W).
    - degrees, translate, stretch: non-negative floats (0 disables that part).
    - generator: a torch.Generator (or None for torch's global one), used for every draw.

    Returns:
    - tensor of the same shape, dtype and device.
    """
    u = (2 * torch.rand(3, generator=generator, dtype=torch.float64) - 1).tolist()
    angle, s = u[0] * degrees, (1 + u[1] * stretch, 1 + u[2] * stretch)
    images = img if img.dim() == 4 else img[None]
    out = []
    for x in images:
        t = (2 * torch.rand(2, generator=generator, dtype=torch.float64) - 1).tolist()
        out.append(affine(x, angle, (t[0] * translate, t[1] * translate), s))
    out = torch.stack(out)
    return out if img.dim() == 4 else out[0]
