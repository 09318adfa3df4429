# MISTAKE: eigh's eigenvectors reversed along the rows (eigvecs.flip(0)) instead of the columns (flip(-1)): the columns stay in ascending order, each with its entries reversed
def rgb_pca(images):
    """Eigen-decomposition of the 3x3 covariance of the RGB values of all pixels.

    Inputs:
    - images: float tensor (3, H, W) or (N, 3, H, W); every pixel of every image is one sample (R, G, B).

    Returns:
    - eigvals: tensor (3,), the eigenvalues of the covariance (normalized by n - 1, like torch.cov and np.cov;
      dividing by n is accepted too) in DESCENDING order.
    - eigvecs: tensor (3, 3) whose COLUMN eigvecs[:, i] is the unit eigenvector of eigvals[i].
    """
    pixels = images.reshape(3, -1) if images.dim() == 3 else images.transpose(0, 1).reshape(3, -1)
    eigvals, eigvecs = torch.linalg.eigh(torch.cov(pixels))
    return eigvals.flip(0), eigvecs.flip(0)


def pca_color_augment(img, eigvals, eigvecs, alpha):
    """AlexNet's PCA colour augmentation: add eigvecs @ (alpha * eigvals) to every pixel, then clamp to [0, 1].

    Inputs:
    - img: float tensor (3, H, W), or (N, 3, H, W).
    - eigvals: tensor (3,); eigvecs: tensor (3, 3) with the eigenvectors as COLUMNS (as rgb_pca returns them).
    - alpha: tensor (3,) for an image, (N, 3) for a batch (one row per image): the random factors, drawn by the
      caller from N(0, 0.1^2) in AlexNet.

    Returns:
    - tensor of the same shape, dtype and device as img, values in [0, 1].
    """
    shift = (alpha * eigvals) @ eigvecs.T  # (3,) or (N, 3): row n is eigvecs @ (alpha[n] * eigvals)
    return (img + shift[..., None, None]).clamp(0, 1)
