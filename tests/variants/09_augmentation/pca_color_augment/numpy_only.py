# VARIANT: rgb_pca and pca_color_augment in NumPy (np.cov, np.linalg.eigh, np.clip), converted back with torch.from_numpy
# KEEPS: 4.8 of 5: 96%: every value, shape and dtype is right on CPU tensors; loses only the two aspects that run pca_color_augment on a meta tensor (visible 'the device kept' 0.1, hidden 'a meta tensor' 0.1): NumPy cannot read a meta or GPU tensor
def rgb_pca(images):
    """Eigen-decomposition of the 3x3 covariance of the RGB values of all pixels.

    Inputs:
    - images: float tensor (3, H, W) or (N, 3, H, W); every pixel of every image is one sample (R, G, B).

    Returns:
    - eigvals: tensor (3,), the eigenvalues of the covariance (normalized by n - 1, like torch.cov and np.cov;
      dividing by n is accepted too) in DESCENDING order.
    - eigvecs: tensor (3, 3) whose COLUMN eigvecs[:, i] is the unit eigenvector of eigvals[i].
    """
    a = images.numpy()
    pixels = a.reshape(3, -1) if a.ndim == 3 else a.transpose(1, 0, 2, 3).reshape(3, -1)
    eigvals, eigvecs = np.linalg.eigh(np.cov(pixels))
    return (torch.from_numpy(eigvals[::-1].copy()).to(images.dtype),
            torch.from_numpy(eigvecs[:, ::-1].copy()).to(images.dtype))


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
    shift = (np.asarray(alpha) * np.asarray(eigvals)) @ np.asarray(eigvecs).T
    out = np.clip(img.numpy() + shift[..., None, None], 0, 1)
    return torch.from_numpy(out).to(img.dtype)
