# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 09 · Data augmentation
#
# Notebooks 07 and 08 fought overfitting by changing the **model** (averaging several of them, dropping
# units). The lecture notes' next regularizer changes the **data** instead:
#
# > Data augmentation: another technique that makes regularization. Change the data! For example flip the
# > image, or rotate it. Example in ResNet. *Training:* sample random crops and scales: pick random $L$ in
# > range $[256, 480]$, resize the training image so that its short side is $L$, sample a random 224x244
# > patch. *Testing:* average a fixed set of crops: resize the image at 5 scales $\{224, 256, 384, 480,
# > 640\}$; for each size use 10 224x224 crops: 4 corners + center + flips. Apply colour jitter or PCA.
# > Translation, rotation, stretching.
#
# The idea in one sentence: if a transformation does not change the label (a cat mirrored is still a
# cat), then every training image stands for a whole family of images, and a network trained on the
# family cannot memorize the one picture. You implement every transformation in that list (the graded
# exercises), look at what each does to real photographs, and then **measure** on a small convolutional
# network how much of its train/validation gap augmentation closes, and what the test-time recipe
# (10 crops, 5 scales) buys.
#
# **What you will be able to do afterwards**
# - implement flips, ResNet's scale augmentation, 10-crop and multi-scale testing, colour jitter,
#   AlexNet's PCA colour augmentation, and affine transformations (translation, rotation, stretching)
#   on image tensors, reproducibly under a seed;
# - say for a data set which transformations preserve the label and which destroy it;
# - measure a generalization gap and how much an augmentation closes it, and tell when test-time
#   averaging helps and when it hurts.
#
# **Prerequisites:** tensors of shape $(N, C, H, W)$, a softmax classifier, a 3x3 eigen-decomposition.
# Running the whole notebook takes under a minute on a laptop CPU.
#
# > **Erratum in the notes.** "Sample random 224x244 patch" is a typo: ResNet (He et al., 2016, section
# > 3.4) samples a **224x224** crop, the same size as the test crops in the next line of the notes.
# > The network's input is square.
#
# ### Conventions used by every function in this notebook
#
# - An **image** is a float torch tensor of shape $(C, H, W)$ with values in $[0, 1]$ (channels RGB,
#   or a single grey channel); a **batch** has shape $(N, C, H, W)$. Every function accepts both, and
#   every function that returns images returns them in the input's layout (`ten_crop` adds one leading
#   axis of size 10), dtype (float32 or float64) and device; `predict_ten_crop` and `multiscale_predict`
#   return probabilities, $(K,)$ for an image and $(N, K)$ for a batch, and `rgb_pca` a pair (eigenvalues,
#   eigenvectors). No function modifies its input.
# - Rows run **down** (index $i$, the $H$ axis), columns run **right** (index $j$, the $W$ axis).
#   A **horizontal flip** mirrors left and right: it reverses the last axis.
# - Randomness comes from a `generator` argument, a `torch.Generator` (or `None` for torch's global
#   one), passed to every `torch.rand`/`torch.randint` call: the same seed gives the same augmented
#   images. In a batch, **every image gets its own random draw**.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import math

import numpy as np
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from tqdm.auto import tqdm

from course_utils.aspects import Aspects
from course_utils.checks import check_close, to_numpy
from course_utils.data import load_digits, load_photographs, train_val_split
from course_utils.device import seed_everything
from course_utils.exercise import experiment
from course_utils.interactive import Slider, explore
from course_utils.models import SmallCNN
from course_utils.plotting import show_images
from course_utils.quotes import quote
from course_utils.training import evaluate, fit

rng = seed_everything(0)
DEVICE = torch.device("cpu")  # the networks here are tiny: the CPU is fast and exactly reproducible
print(f"device: {DEVICE}, torch {torch.__version__}")

# %% [markdown]
# Two helpers for pictures (not exercises): photographs arrive as `uint8` arrays of shape $(H, W, 3)$;
# we turn them into $(3, H, W)$ float tensors in $[0, 1]$, and back for plotting.

# %%
def to_tensor_image(photo):
    """(H, W, 3) uint8 array -> (3, H, W) float32 tensor in [0, 1]."""
    return torch.tensor(photo).permute(2, 0, 1).float() / 255


def to_display(img):
    """(C, H, W) tensor -> (H, W, C) NumPy array in [0, 1] for show_images (grey images: (H, W))."""
    out = img.detach().cpu().clamp(0, 1).permute(1, 2, 0).numpy()
    return out[..., 0] if out.shape[-1] == 1 else out


photos = {name: to_tensor_image(p) for name, p in load_photographs().items()}
for name, p in photos.items():
    print(f"{name:13s} {tuple(p.shape)}")
fig = show_images([to_display(p) for p in photos.values()], titles=list(photos), ncols=3, size=3.2)
plt.show()

# %% [markdown]
# ## 1. The problem: a network that memorizes
#
# Augmentation is a cure, so first the disease. We train a small convolutional network (`SmallCNN`: three
# 3x3 convolutions, two max-pools, a linear layer; 12<!-- quote: n_weights_k ±0.5 --> thousand weights) on the real 8x8 handwritten digits
# that ship with scikit-learn, upsampled to 16x16 so that crops and rotations have some pixels to work
# with. To make overfitting visible in seconds we give it only **150<!-- quote: n_train --> training images** (15 per class on
# average) and keep **898<!-- quote: n_val -->** for validation; Adam, learning rate $2\cdot10^{-3}$, mini-batches of 32,
# 40 epochs. Every 10 epochs we measure the loss and accuracy on the (clean, un-augmented) training
# images and on the validation images, in evaluation mode. The **generalization gap** is the difference.

# %%
with experiment("a small CNN memorizes 150 digits"):
    X_digits, y_digits = load_digits(as_images=True)  # (1797, 8, 8) in [0, 1]
    X16 = F.interpolate(torch.tensor(X_digits)[:, None], size=(16, 16), mode="bilinear", align_corners=False)
    X_pool, X_val, y_pool, y_val = train_val_split(X16, torch.tensor(y_digits), val_fraction=0.5, seed=0)
    X_train, y_train = X_pool[:150], y_pool[:150]
    print(f"training images {tuple(X_train.shape)}, validation images {tuple(X_val.shape)}, "
          f"training images per class: {torch.bincount(y_train).tolist()}")

    class AugmentedLoader:
        """Wraps a DataLoader: yields (augment(x, generator), y), or (x, y) when augment is None."""

        def __init__(self, loader, augment, generator):
            self.loader, self.augment, self.generator = loader, augment, generator

        def __iter__(self):
            for x, y in self.loader:
                yield (x if self.augment is None else self.augment(x, self.generator)), y

        def __len__(self):
            return len(self.loader)

    def train_digits(augment=None, epochs=40, every=10, seed=0):
        """Train a SmallCNN on the 150 training digits, augmenting each batch with augment(x, generator).
        Returns the model and a dict of curves measured every `every` epochs on clean images."""
        seed_everything(seed)
        model = SmallCNN(in_channels=1, num_classes=10, width=16, image_size=16)
        optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
        shuffle = torch.Generator().manual_seed(seed)
        train_loader = AugmentedLoader(DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True,
                                                  generator=shuffle), augment, torch.Generator().manual_seed(seed + 1))
        clean_train = DataLoader(TensorDataset(X_train, y_train), batch_size=512)
        val_loader = DataLoader(TensorDataset(X_val, y_val), batch_size=512)
        curves = {k: [] for k in ("epoch", "train_loss", "train_acc", "val_loss", "val_acc")}
        for start in range(0, epochs, every):
            fit(model, optimizer, train_loader, epochs=every, progress=False)
            for name, loader in (("train", clean_train), ("val", val_loader)):
                loss, acc = evaluate(model, loader)
                curves[f"{name}_loss"].append(loss)
                curves[f"{name}_acc"].append(acc)
            curves["epoch"].append(start + every)
        model.eval()
        return model, curves

    def plot_curves(runs, title=""):
        fig, axes = plt.subplots(1, 2, figsize=(12, 3.6))
        for i, (name, c) in enumerate(runs.items()):
            axes[0].plot(c["epoch"], c["train_acc"], "--", color=f"C{i}")
            axes[0].plot(c["epoch"], c["val_acc"], "-", color=f"C{i}", label=name)
            axes[1].semilogy(c["epoch"], c["train_loss"], "--", color=f"C{i}")
            axes[1].semilogy(c["epoch"], c["val_loss"], "-", color=f"C{i}", label=name)
        axes[0].set(xlabel="epoch", ylabel="accuracy", title=f"{title} accuracy (dashed: training, solid: validation)")
        axes[1].set(xlabel="epoch", ylabel="cross-entropy", title="loss (dashed: training, solid: validation)")
        for ax in axes:
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=8)
        plt.show()

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # networks this small train fastest on one thread
    try:
        models, curves = {}, {}
        models["none"], curves["none"] = train_digits(None)
    finally:
        torch.set_num_threads(threads)
    c = curves["none"]
    print(f"no augmentation, after 40 epochs: training accuracy {c['train_acc'][-1]:.3f}, validation accuracy "
          f"{c['val_acc'][-1]:.3f}, gap {c['train_acc'][-1] - c['val_acc'][-1]:.3f}; training loss "
          f"{c['train_loss'][-1]:.4f}, validation loss {c['val_loss'][-1]:.3f}")
    first = next(i for i, a in enumerate(c["train_acc"]) if a == 1.0)
    print(f"training accuracy first reaches 1.000 after {c['epoch'][first]} epochs; validation accuracy then "
          f"{c['val_acc'][first]:.3f}, best validation accuracy {max(c['val_acc']):.3f}")
    # the numbers the text below states (course_utils.quotes: the proofreader checks them against this run)
    n_weights = sum(p.numel() for p in models["none"].parameters())
    print(f"the network has {n_weights:,} weights and biases")
    quote("n_weights_k", n_weights / 1e3)
    quote("n_weights", n_weights)
    quote("n_train", len(X_train))
    quote("n_val", len(X_val))
    quote("base_train_acc", c["train_acc"][-1])
    quote("base_first_perfect_epoch", c["epoch"][first])
    quote("base_train_loss", c["train_loss"][-1])
    quote("base_val_acc", c["val_acc"][-1])
    quote("base_val_loss", c["val_loss"][-1])
    quote("base_gap_points", 100 * (c["train_acc"][-1] - c["val_acc"][-1]))
    quote("base_val_change_30_40_points", 100 * abs(c["val_acc"][3] - c["val_acc"][2]))
    plot_curves({"no augmentation": c}, title="150 digits,")
    show_images(X_train[:16, 0].numpy(), titles=y_train[:16].tolist(), ncols=16, size=0.9, cmap="gray")
    plt.show()

# %% [markdown]
# **What we measured.** After 40 epochs the network classifies all 150 training images correctly (training accuracy
# 1.000<!-- quote: base_train_acc -->, reached by epoch 30<!-- quote: base_first_perfect_epoch ≤ --> at the latest; training loss
# below 0.005<!-- quote: base_train_loss ≤ -->) but only 89.6%<!-- quote: base_val_acc ±3 --> of the 898 validation images,
# whose loss (0.438<!-- quote: base_val_loss ±0.25 -->) is a hundred times the training loss or more: a
# **generalization gap of 10.4<!-- quote: base_gap_points ±4 --> percentage points**. These are the numbers printed above
# (seed 0); over the ten runs of the summary's claims table (eight seeds of the weights and batches, two other
# train/validation splits) the validation accuracy ranged from 86% to 92.4%, its loss from 0.32 to 0.67 and the gap
# from 7.6 to 14.0 points: the memorization and the gap are what every run shares. Once the training set is memorized,
# validation accuracy stops improving: between epochs 30 and 40 it moves by less than 1<!-- quote: base_val_change_30_40_points ≤ -->
# point. There is nothing left in the training loss to learn from.
#
# That is the problem augmentation addresses: 150 images are too few to pin down 12,250<!-- quote: n_weights --> weights, so
# the network fits them exactly, including whatever is accidental about them (the exact position,
# thickness and slant of each stroke). Nothing in the training loss tells it that a digit moved by a pixel
# is the same digit. Augmentation tells it, by showing it.

# %% [markdown]
# ## 2. Flips
#
# ### The math
#
# A horizontal flip mirrors the image about its vertical centre line. With columns $j = 0, \dots, W-1$:
#
# $$ \operatorname{hflip}(x)[c, i, j] = x[c, i, W - 1 - j] . $$
#
# It is exact (no interpolation), it is its own inverse, and it is the augmentation AlexNet, VGG and ResNet
# all use. It is **label-preserving only when the world is mirror-symmetric in distribution**: a mirrored
# photograph of a dog is a plausible photograph of a dog, but a mirrored "2" is not a "2", and mirrored text
# is not text. Whether a transformation is an augmentation or a corruption is a property of the data set.
#
# ### Exercise: `hflip`
#
# Implement `hflip(img)` for an image $(C, H, W)$ and for a batch $(N, C, H, W)$ alike. In a tensor of
# either shape the columns are the **last** axis. `torch.flip` (or the method `img.flip(dims)`) returns a
# new tensor.

# %% nbgrader={"grade": false, "grade_id": "hflip", "locked": false, "schema_version": 3, "solution": true, "task": false}
def hflip(img):
    """Mirror an image, or every image of a batch, left to right.

        out[..., i, j] = img[..., i, W - 1 - j]

    Inputs:
    - img: float tensor of shape (C, H, W) or (N, C, H, W).

    Returns:
    - a new tensor of the same shape, dtype and device (the input is not modified).
    """
    ### BEGIN SOLUTION
    return img.flip(-1)
    ### END SOLUTION


# %% [markdown]
# ### Visible tests (2 points)
#
# A $(2, 2, 3)$ image (two channels, two rows, three columns) with the values $0, \dots, 11$:
#
# | | channel 0 | channel 1 |
# | --- | --- | --- |
# | `img` | $\begin{pmatrix} 0 & 1 & 2 \\ 3 & 4 & 5 \end{pmatrix}$ | $\begin{pmatrix} 6 & 7 & 8 \\ 9 & 10 & 11 \end{pmatrix}$ |
# | `hflip(img)` | $\begin{pmatrix} 2 & 1 & 0 \\ 5 & 4 & 3 \end{pmatrix}$ | $\begin{pmatrix} 8 & 7 & 6 \\ 11 & 10 & 9 \end{pmatrix}$ |
#
# Flipping the wrong axis gives $\begin{pmatrix} 3 & 4 & 5 \\ 0 & 1 & 2 \end{pmatrix}$ (rows: upside
# down) or swaps the two channels (for a colour image: RGB becomes BGR). The test also flips a batch, where
# the axis numbers shift by one.

# %% nbgrader={"grade": true, "grade_id": "test_hflip_visible", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
_GUARD = "(this aspect also checks the flip's values, so that code doing nothing earns nothing: fix the values first)"


def _flip_guard(x):
    """hflip(x) must equal x.flip(-1): the value check of the aspects about something else."""
    ref = x.flip(-1)
    out = hflip(x)
    assert isinstance(out, torch.Tensor) and tuple(out.shape) == tuple(x.shape), (
        f"hflip returned {type(out).__name__} {tuple(getattr(out, 'shape', ()))} for shape {tuple(x.shape)} {_GUARD}")
    if not torch.allclose(out.double(), ref.double(), rtol=1e-6, atol=0):  # values first; the dtype is checked after
        raise AssertionError(f"hflip's values are wrong {_GUARD}")
    return out


def _single_flip_right():
    """Whether hflip gets the (2, 2, 3) image right (the flip(2) hint of a batch is only true then)."""
    _x = torch.arange(12.0).reshape(2, 2, 3)
    try:
        return torch.equal(torch.as_tensor(hflip(_x.clone())), _x.flip(-1))
    except Exception:  # noqa: BLE001 - the first aspect reports it
        return False


score = Aspects("hflip", points=2)
with score.aspect("the (2, 2, 3) image of the table: the columns (last axis) reversed", 1.0):
    _img = torch.arange(12.0).reshape(2, 2, 3)
    _expected = torch.tensor([[[2.0, 1, 0], [5, 4, 3]], [[8, 7, 6], [11, 10, 9]]])
    _out = hflip(_img.clone())
    assert isinstance(_out, torch.Tensor), f"hflip must return a torch.Tensor, got {type(_out).__name__}"
    assert tuple(_out.shape) == (2, 2, 3), (f"hflip returned shape {tuple(_out.shape)} for a (2, 2, 3) image: a flip "
                                            "keeps the shape (a transpose does not, and is not a flip)")
    check_close(_out, _expected, "hflip of the (2, 2, 3) image", rtol=0, atol=0, suspects={
        "you flipped the rows, upside down (a vertical flip): the columns are the last axis": _img.flip(-2),
        "you flipped the channels (RGB would become BGR): the columns are the last axis": _img.flip(0),
        "you flipped rows and columns (a 180-degree rotation): flip only the columns": _img.flip(-1).flip(-2),
        "the image came back unchanged": _img,
    })
with score.aspect("a (2, 2, 2, 3) batch: the columns of every image reversed (the axis counted from the end)", 0.5):
    _batch = torch.arange(24.0).reshape(2, 2, 2, 3)
    _out = hflip(_batch.clone())
    assert tuple(_out.shape) == (2, 2, 2, 3), f"hflip changed the shape of a (2, 2, 2, 3) batch to {tuple(_out.shape)}"
    check_close(_out, _batch.flip(-1), "hflip of a (2, 2, 2, 3) batch", rtol=0, atol=0, suspects={
        "flip(2) flips the columns of one (C, H, W) image but the ROWS of an (N, C, H, W) batch: count the axes "
        "from the end (flip(-1)) so that one line serves both": _batch.flip(2),
    } if _single_flip_right() else {})
with score.aspect("dtype and device kept: float64 stays float64, and a tensor on PyTorch's meta device (no data, "
                  "like a GPU tensor for NumPy) gives a meta tensor", 0.25):
    _out = _flip_guard(torch.rand(2, 3, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0)))
    assert _out.dtype == torch.float64, f"hflip changed the dtype float64 to {_out.dtype}"
    try:
        _meta = hflip(torch.empty(2, 3, 4, device="meta"))
    except NotImplementedError:
        raise
    except Exception as err:  # noqa: BLE001 - NumPy cannot read a meta (or GPU) tensor
        raise AssertionError(f"hflip crashed on a tensor of the meta device ({type(err).__name__}: {err}): stay in "
                             "torch (img.flip(-1)); NumPy cannot read a GPU tensor either") from None
    assert isinstance(_meta, torch.Tensor) and _meta.device.type == "meta" and tuple(_meta.shape) == (2, 3, 4), (
        f"hflip of a meta tensor gave {type(_meta).__name__} on {getattr(_meta, 'device', '?')}: keep the device")
with score.aspect("the input is not modified (hflip returns a new tensor)", 0.25):
    _img = torch.arange(12.0).reshape(2, 2, 3)
    _flip_guard(_img.clone())
    _out = hflip(_img)
    check_close(_img, torch.arange(12.0).reshape(2, 2, 3), "the input after hflip(img)", rtol=0, atol=0,
                suspects={"hflip modified its input in place: return a new tensor":
                          torch.arange(12.0).reshape(2, 2, 3).flip(-1)})
score.result()

# %% [markdown]
# ### Hidden tests (1 point)
#
# When grading, this cell checks your `hflip` against index arithmetic, `out[..., j] = img[..., W-1-j]`,
# on images and batches of several shapes (one-pixel-wide ones included), float32 and float64 (and a CUDA
# tensor when a GPU is present), and that flipping twice gives the image back (0.6 points); that shape, dtype
# and device are kept, a meta tensor included (0.2); and that the input is unchanged (0.2).

# %% nbgrader={"grade": true, "grade_id": "test_hflip_hidden", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden: hflip against index arithmetic on images and batches of several shapes, float32/float64; shape, dtype and device kept (meta too), input unchanged, hflip(hflip(x)) == x.
check_close(hflip(torch.zeros(1, 2, 3)), torch.zeros(1, 2, 3), "hflip of a black image")  # fails until hflip runs
score = Aspects("hflip", points=1)
### BEGIN HIDDEN TESTS
_devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
_shapes = [(1, 1, 1), (3, 4, 5), (1, 7, 2), (3, 2, 1), (2, 3, 6, 9), (5, 1, 8, 8), (4, 3, 1, 3), (1, 3, 5, 4)]


def _h_cases():
    gen_ = torch.Generator().manual_seed(9001)
    for shape_ in _shapes:
        for dtype_ in (torch.float32, torch.float64):
            for dev_ in _devices:
                yield shape_, dtype_, dev_, torch.rand(shape_, generator=gen_, dtype=dtype_).to(dev_)


def _h_values_ok(x_):
    out_ = hflip(x_.clone())
    W_ = x_.shape[-1]
    ref_ = to_numpy(x_)[..., [W_ - 1 - j_ for j_ in range(W_)]]
    check_close(out_, ref_, f"hflip, shape {tuple(x_.shape)} (this aspect also checks the values: fix them first)",
                rtol=1e-6, atol=0)
    return out_


with score.aspect("values against index arithmetic for every shape and dtype; hflip(hflip(x)) == x", 0.6):
    for _shape, _dtype, _dev, _x in _h_cases():
        _where = f"shape {_shape}, {_dtype}, {_dev}"
        _out = hflip(_x.clone())
        _W = _shape[-1]
        check_close(_out, to_numpy(_x)[..., [_W - 1 - _j for _j in range(_W)]], f"hflip ({_where})", rtol=1e-6, atol=0)
        check_close(hflip(_out.clone()), _x, f"hflip(hflip(x)) ({_where})", rtol=1e-6, atol=0)
with score.aspect("kind, shape, dtype and device kept (a meta tensor too)", 0.2):
    for _shape, _dtype, _dev, _x in _h_cases():
        _out = _h_values_ok(_x)
        assert tuple(_out.shape) == _shape and _out.dtype == _dtype and _out.device == _x.device, (
            f"hflip changed shape, dtype or device (shape {_shape}, {_dtype}, {_dev})")
    _meta = hflip(torch.empty(2, 3, 5, 4, device="meta", dtype=torch.float64))
    assert isinstance(_meta, torch.Tensor) and _meta.device.type == "meta" and _meta.dtype == torch.float64, \
        "hflip of a float64 meta tensor must be a float64 meta tensor"
with score.aspect("the input is left unchanged", 0.2):
    for _shape, _dtype, _dev, _x in _h_cases():
        _h_values_ok(_x)
        _copy = _x.clone()
        hflip(_x)
        assert torch.equal(_x, _copy), f"hflip modified its input (shape {_shape}, {_dtype}, {_dev})"
### END HIDDEN TESTS
score.result()

# %% [markdown]
# ### What a flip looks like, and what the wrong axes do
#
# The three `flip` calls a $(C, H, W)$ tensor allows, on a photograph and on digits.

# %%
with experiment("flips of a photograph and of digits"):
    china = F.interpolate(photos["china"][None], scale_factor=0.4, mode="bilinear", antialias=True)[0]
    show_images([to_display(china), to_display(hflip(china)), to_display(china.flip(-2)), to_display(china.flip(0))],
                titles=["original", "hflip (flip(-1)): still a plausible photo", "flip(-2): upside down",
                        "flip(0): channels RGB -> BGR"], ncols=4, size=3.4)
    plt.show()
    sample = torch.stack([X_val[(y_val == d).nonzero()[0, 0]] for d in range(10)])
    show_images(torch.cat([sample, hflip(sample)])[:, 0].numpy(), titles=[str(d) for d in range(10)] +
                [f"hflip({d})" for d in range(10)], ncols=10, size=1.0, cmap="gray")
    plt.show()

# %% [markdown]
# The mirrored photograph is as plausible as the original; the upside-down one is not (skies are up), and
# the channel flip is not a geometric operation at all. Among the digits, a mirrored 0, 1 or 8 is still
# itself, but a mirrored 2, 3, 4, 5, 6, 7 or 9 is not a digit of its class (a mirrored 3 looks like an
# epsilon, a mirrored 2 like an S). On this data set flips are a **corruption** for most classes; section 8
# measures what that costs.
#
# **Q1.** Name two image data sets for which horizontal flips are a safe augmentation, and two for which they
# are not. Is a *vertical* flip ever a safe augmentation?
#
# <details><summary>Answer</summary>
#
# Safe: natural photographs of objects and scenes (ImageNet, CIFAR-10), faces, animals: the world contains
# the mirror image of most scenes. Unsafe: digits and letters (MNIST, scanned text), anything with a
# handedness that matters (road signs with arrows, "left lung" vs "right lung" in some medical images).
# Vertical flips are safe where there is no gravity in the picture: satellite and aerial images, microscope
# slides, some medical scans; there rotations by 90 degrees are usually safe too.
# </details>

# %% [markdown]
# ## 3. Scale augmentation: ResNet's random crops and scales
#
# ### The recipe
#
# ResNet (He et al., 2016, following Simonyan and Zisserman's VGG, 2015) trains on crops of randomly
# rescaled images:
#
# 1. draw an integer $L$ uniformly from $\{256, \dots, 480\}$;
# 2. resize the image, keeping its aspect ratio, so that its **short side** is $L$: an $H \times W$ image
#    with $H \le W$ becomes $L \times \lfloor L\,W/H \rfloor$;
# 3. take a $224 \times 224$ crop at a uniformly random position: top row $t \in \{0, \dots, L - 224\}$,
#    left column $l \in \{0, \dots, \lfloor L W / H\rfloor - 224\}$ (and a horizontal flip with probability
#    1/2, which the notes list separately).
#
# A crop of side $s$ from an image whose short side is $L$ shows the object at scale $s/L$: with $L \in
# [256, 480]$ the network sees objects at every size from $224/480 = 0.47$ to $224/256 = 0.875$ of the short
# side, and at every position. On a 4:3 photograph a crop covers between $224^2/(480\cdot 640) = 16\%$ and
# $224^2/(256 \cdot 341) = 57\%$ of the image; on the 3:2 photograph of the figure below ($427 \times 640$) between
# $224^2/(480 \cdot 719) = 14.5\%$ and $224^2/(256 \cdot 383) = 51.2\%$, as the cell prints. (The notes' "224x244" is a
# typo for this $224 \times 224$.)
#
# Our images are smaller, so we keep the ratios and scale the sizes: with crop $s$ the recipe draws
# $L \in [\frac{256}{224}s, \frac{480}{224}s]$, e.g. $[146, 274]$ for $s = 128$ (the photographs below)
# or $[18, 34]$ for $s = 16$ (our digits).
#
# **Resizing.** We resize exactly as `torchvision.transforms.Resize(L)` does on tensors: the long side
# becomes `int(L * long / short)` (truncated, not rounded), and the pixels come from bilinear
# interpolation with antialiasing,
# `F.interpolate(x, size=(new_h, new_w), mode="bilinear", align_corners=False, antialias=True)`.
# `align_corners=False` treats pixels as little squares whose *centres* are sampled (the convention of
# every resize in PyTorch, PIL and OpenCV); `antialias=True` averages over the input pixels a shrinking
# output pixel covers instead of sampling only a few of them (with `align_corners=False` it changes nothing when
# enlarging; combined with `align_corners=True` it does, see the worked values below).
#
# ### Exercise: `resize_short_side` and `random_resized_short_side_crop`
#
# Both live in the answer cell below. `F.interpolate` wants a batch $(N, C, H, W)$: give a single image a
# batch axis (`img[None]`) and take it off again (`out[0]`). For the random crop, draw $L$, then the top
# row, then the left column, for each image separately; mind that `torch.randint(low, high, ...)` never
# returns `high`. That order is a suggestion, not a rule: the tests accept any order and number of draws (all of a
# batch's $L$ first, `torch.rand` scaled and floored, ...) as long as every draw goes through `generator`, every
# value in the range is equally likely and each image gets its own draws.

# %% nbgrader={"grade": false, "grade_id": "random_resized_short_side_crop", "locked": false, "schema_version": 3, "solution": true, "task": false}
def resize_short_side(img, size):
    """Resize so that the short side becomes `size`, keeping the aspect ratio (torchvision's Resize(size)).

    An image with H <= W becomes size x int(size * W / H); one with H > W becomes int(size * H / W) x size
    (the long side is truncated, not rounded). The pixels are
        F.interpolate(x, size=(new_h, new_w), mode="bilinear", align_corners=False, antialias=True)
    of the batch x (a single image is given a batch axis and loses it again).

    Inputs:
    - img: float tensor (C, H, W) or (N, C, H, W).
    - size: int, the new length of the short side.

    Returns:
    - tensor (C, new_h, new_w) or (N, C, new_h, new_w), same dtype and device.
    """
    ### BEGIN SOLUTION
    H, W = img.shape[-2:]
    if H <= W:
        new_h, new_w = size, int(size * W / H)
    else:
        new_h, new_w = int(size * H / W), size
    x = img if img.dim() == 4 else img[None]
    out = F.interpolate(x, size=(new_h, new_w), mode="bilinear", align_corners=False, antialias=True)
    return out if img.dim() == 4 else out[0]
    ### END SOLUTION


def random_resized_short_side_crop(img, lo, hi, crop, generator=None):
    """Scale augmentation (ResNet): a random crop x crop window of the image resized to a random short side.

    For each image: draw L uniformly from the integers lo, lo+1, ..., hi (both included); resize so that the
    short side is L (resize_short_side); draw the top row uniformly from 0..H'-crop and the left column
    from 0..W'-crop (both ends included), where H' x W' is the resized size; return that window.

    Inputs:
    - img: float tensor (C, H, W) or (N, C, H, W).
    - lo, hi: ints, the range of the short side L, with crop <= lo <= hi.
    - crop: int, the side of the square crop.
    - generator: a torch.Generator (or None for torch's global one), used for every draw.

    Returns:
    - tensor (C, crop, crop) or (N, C, crop, crop), same dtype and device; each image of a batch gets its own
      L, top and left.
    """
    ### BEGIN SOLUTION
    if img.dim() == 4:
        return torch.stack([random_resized_short_side_crop(x, lo, hi, crop, generator) for x in img])
    L = int(torch.randint(lo, hi + 1, (1,), generator=generator))
    resized = resize_short_side(img, L)
    H, W = resized.shape[-2:]
    top = int(torch.randint(0, H - crop + 1, (1,), generator=generator))
    left = int(torch.randint(0, W - crop + 1, (1,), generator=generator))
    return resized[..., top:top + crop, left:left + crop]
    ### END SOLUTION


# %% [markdown]
# ### Visible tests (2 points)
#
# Sizes, worked by hand:
#
# | image $H \times W$ | short side | new size | why |
# | --- | --- | --- | --- |
# | $2 \times 4$ | 3 | $3 \times 6$ | $3 \cdot 4/2 = 6$ |
# | $3 \times 5$ | 4 | $4 \times 6$ | $4 \cdot 5/3 = 6.67$, truncated to 6 (rounding would give 7) |
# | $5 \times 3$ | 4 | $6 \times 4$ | portrait: the width is the short side |
# | $4 \times 4$ | 6 | $6 \times 6$ | square |
#
# Values: enlarging the $1 \times 2$ row $(0, 1)$ to short side 2 gives two rows $(0, 0.25, 0.75, 1)$: output
# column $j$ samples the input at $(j + 0.5)/2 - 0.5 = -0.25, 0.25, 0.75, 1.25$, clamped to the image
# ($0, 0.25, 0.75, 1$). With `align_corners=True` in place of `False`, PyTorch gives $(0, 0, \frac13, \frac23)$
# (with `antialias=True` kept) or $(0, \frac13, \frac23, 1)$ (without it); nearest neighbours give $(0, 0, 1, 1)$.
# A downsampling case is compared with the `F.interpolate` call of the docstring.
#
# The random crop is checked by what it returns: with $L$ fixed and the image not resized ($L$ = its short
# side), the output must be one of the $3 \times 5 = 15$ windows of size 2 of a $4 \times 6$ image, and over
# 400 draws every one of them must appear (an off-by-one never reaches the last row or column). With
# $L \in \{4, 5, 6\}$ and a $4 \times 4$ image, each output must be a window of the image resized to one of
# those sizes, and all three sizes must appear. In a batch of twelve copies of an image, the crops must not all be
# the same, nor all come from the same resized size $L$.

# %% nbgrader={"grade": true, "grade_id": "test_random_resized_short_side_crop_visible", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def _oracle_resize(x, h, w):
    """The prescribed interpolation to an explicit size (h, w)."""
    b = x if x.dim() == 4 else x[None]
    out = F.interpolate(b, size=(h, w), mode="bilinear", align_corners=False, antialias=True)
    return out if x.dim() == 4 else out[0]


def _windows(big, c):
    """All c x c windows of `big` (..., H, W) as a tensor (..., H-c+1, W-c+1, c, c)."""
    return big.unfold(-2, c, 1).unfold(-2, c, 1)


def _find_window(out, big):
    """(top, left) of a window of `big` equal to `out`, or None."""
    c = out.shape[-1]
    if big.shape[-2] < c or big.shape[-1] < c:
        return None
    w = _windows(big, c)  # (C, nT, nL, c, c)
    hit = ((w - out[:, None, None]).abs().amax(dim=(0, 3, 4)) < 1e-5).nonzero()
    return tuple(hit[0].tolist()) if len(hit) else None


_GUARD = "(this aspect also checks that each output is a window of the resized image: fix that first)"


def _crop_guard(x, lo, hi, c, generator):
    """One call whose output must be a c x c window of x resized to some L in lo..hi (the value check of the
    aspects about the randomness)."""
    out = random_resized_short_side_crop(x, lo, hi, c, generator=generator)
    imgs, outs = ([x], [out]) if x.dim() == 3 else (list(x), list(out))
    assert isinstance(out, torch.Tensor) and tuple(out.shape) == tuple(x.shape[:-2]) + (c, c), (
        f"the crop has shape {tuple(getattr(out, 'shape', ()))}, expected {tuple(x.shape[:-2]) + (c, c)} {_GUARD}")
    for im, o in zip(imgs, outs):
        H, W = im.shape[-2:]
        sizes = [(L, int(L * W / H)) if H <= W else (int(L * H / W), L) for L in range(lo, hi + 1)]
        assert any(_find_window(o, _oracle_resize(im, h, w)) is not None for h, w in sizes), (
            f"an output is not a {c}x{c} window of the image resized to a short side L in {lo}..{hi} {_GUARD}")
    return out


score = Aspects("random_resized_short_side_crop", points=2)
with score.aspect("resize_short_side: the sizes of the table (short side L, long side truncated)", 0.4):
    for (_h, _w), _size, _want in [((2, 4), 3, (3, 6)), ((3, 5), 4, (4, 6)), ((5, 3), 4, (6, 4)), ((4, 4), 6, (6, 6))]:
        _out = resize_short_side(torch.rand(1, _h, _w), _size)
        _got = tuple(_out.shape[-2:])
        _hint = {  # keyed by the table's row: the first row that fails names the mistake
            (2, 4): {(3, 3): "you resized to a square size x size: keep the aspect ratio",
                     (1, 3): "you gave `size` to the LONG side: it is the short side that becomes `size`",
                     (6, 3): "the new height and width are swapped: a landscape image (H <= W) becomes size x int(size * W / H)"},
            (3, 5): {(4, 7): "the long side was rounded (4 * 5/3 = 6.67 -> 7): torchvision truncates, int(size * long / short)"},
            (5, 3): {(4, 6): "you treated the portrait image as landscape: here the WIDTH is the short side (H > W)",
                     (4, 2): "you treated the portrait image as landscape: here the WIDTH is the short side (H > W)"},
        }.get((_h, _w), {})
        assert _got == _want, (f"resize_short_side of a {_h}x{_w} image to short side {_size} has size {_got}, expected "
                               f"{_want}" + (f": {_hint[_got]}" if _got in _hint else ""))
        assert _out.shape[0] == 1, "resize_short_side changed the number of channels"
with score.aspect("resize_short_side: the values, enlarging (0, 1) and shrinking with antialiasing; a float64 batch", 0.5):
    _row = torch.tensor([[[0.0, 1.0]]])
    check_close(resize_short_side(_row, 2), torch.tensor([[[0.0, 0.25, 0.75, 1.0]] * 2]), "resize_short_side((0, 1), 2)",
                suspects={"you used align_corners=True: the prescribed call has align_corners=False":
                              torch.tensor([[[0.0, 1 / 3, 2 / 3, 1.0]] * 2]),
                          "you used align_corners=True (with antialias=True, PyTorch then gives (0, 0, 1/3, 2/3)): the "
                          "prescribed call has align_corners=False": torch.tensor([[[0.0, 0.0, 1 / 3, 2 / 3]] * 2]),
                          "you used nearest-neighbour interpolation: use mode='bilinear'": torch.tensor([[[0.0, 0, 1, 1]] * 2])})
    _big = torch.linspace(0, 1, 48).reshape(1, 4, 12) ** 2
    check_close(resize_short_side(_big, 2), _oracle_resize(_big, 2, 6), "resize_short_side of a 4x12 image to short side 2",
                rtol=1e-5, atol=1e-6, suspects={
                    "antialias is missing: when shrinking, the prescribed call averages over the pixels each output "
                    "pixel covers (antialias=True)": F.interpolate(_big[None], size=(2, 6), mode="bilinear",
                                                                   align_corners=False)[0]})
    _b = torch.rand(3, 2, 3, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    _out = resize_short_side(_b, 4)
    assert tuple(_out.shape) == (3, 2, 4, 6), f"a (3, 2, 3, 5) batch resized to short side 4 has shape {tuple(_out.shape)}, expected (3, 2, 4, 6)"
    assert _out.dtype == torch.float64, f"resize_short_side changed the dtype float64 to {_out.dtype}"
    check_close(_out, _oracle_resize(_b, 4, 6), "resize_short_side of a float64 batch", rtol=1e-5, atol=1e-6)
with score.aspect("the crop with L fixed at the short side: a crop x crop window, every one of the 15 positions", 0.5):
    _img = torch.arange(24.0).reshape(1, 4, 6) / 24
    _gen = torch.Generator().manual_seed(0)
    _seen = set()
    for _ in range(400):
        try:
            _out = random_resized_short_side_crop(_img, 4, 4, 2, generator=_gen)
        except RuntimeError as err:
            if "from" not in str(err):
                raise
            raise AssertionError(f"random_resized_short_side_crop(img, lo=4, hi=4, ...) crashed ({err}): torch.randint(lo, "
                                 "hi) needs lo < hi because its upper bound is excluded; draw L from lo..hi with "
                                 "torch.randint(lo, hi + 1, ...)") from None
        if tuple(_out.shape) != (1, 2, 2):
            raise AssertionError(f"the crop has shape {tuple(_out.shape)}, expected (1, 2, 2)" +
                                 (": the crop must be square, crop x crop (the notes' '224x244' is a typo for 224x224)"
                                  if _out.dim() == 3 and _out.shape[-2] == 2 else ""))
        _pos = _find_window(_out, _img)
        assert _pos is not None, "the output is not a 2x2 window of the image (with L = its short side, 4, nothing is resized)"
        _seen.add(_pos)
    _missing = sorted(set((t, l) for t in range(3) for l in range(5)) - _seen)
    _bottom, _right = any(t == 2 for t, l in _seen), any(l == 4 for t, l in _seen)  # each edge on its own
    assert _bottom or _right, (
        "the crop never touches the bottom row or the right column: the top row is drawn from 0..H'-crop and the left "
        "column from 0..W'-crop, both ends included (torch.randint(0, H - crop + 1, ...))")
    assert _bottom, ("the crop never touches the bottom row (it does reach the right column): draw the top row from "
                     "0..H'-crop, both ends included (torch.randint's upper bound is excluded)")
    assert _right, ("the crop never touches the right column (it does reach the bottom row): draw the left column from "
                    "0..W'-crop, both ends included (torch.randint's upper bound is excluded)")
    assert not _missing, f"in 400 draws the windows at (top, left) = {_missing} never appeared: positions must be uniform"
with score.aspect("L in {4, 5, 6}: each output a window of the image resized to short side L, every L reached", 0.3):
    _sq = torch.rand(2, 4, 4, generator=torch.Generator().manual_seed(1))
    _gen = torch.Generator().manual_seed(2)
    _resized = {L: _oracle_resize(_sq, L, L) for L in (4, 5, 6)}
    _Ls = []
    for _ in range(120):
        try:
            _out = random_resized_short_side_crop(_sq, 4, 6, 4, generator=_gen)
        except NotImplementedError:
            raise
        except RuntimeError as err:
            if "from" not in str(err):
                raise
            raise AssertionError(f"random_resized_short_side_crop(4x4 image, lo=4, hi=6, crop=4) crashed ({err}): when "
                                 "L = 4 = crop, the only top row and left column are 0, and torch.randint(0, H' - crop) "
                                 "is torch.randint(0, 0), an empty range; draw them from 0..H'-crop, both ends included: "
                                 "torch.randint(0, H' - crop + 1, ...)") from None
        assert tuple(_out.shape) == (2, 4, 4), f"the crop has shape {tuple(_out.shape)}, expected (2, 4, 4)"
        _L = [L for L, r in _resized.items() if _find_window(_out, r) is not None]
        assert _L, ("the output is not a 4x4 window of the image resized (as in resize_short_side) to any short side L in "
                    "4..6")
        _Ls.append(_L[0])
    assert 6 in _Ls, ("L never took the value hi = 6: L is drawn from lo..hi with both ends included, and torch.randint's "
                      "upper bound is excluded (torch.randint(lo, hi + 1, ...))")
    assert 4 in _Ls and 5 in _Ls, f"in 120 draws L took only the values {sorted(set(_Ls))}: it must be uniform on 4..6"
with score.aspect("the randomness contract: two generators with the same seed give the same crops (every draw "
                  "through `generator`)", 0.15):
    _img = torch.arange(24.0).reshape(1, 4, 6) / 24
    _a = _crop_guard(_img, 4, 8, 3, torch.Generator().manual_seed(5))
    _b = _crop_guard(_img, 4, 8, 3, torch.Generator().manual_seed(5))
    _many_a = _crop_guard(_img.expand(6, 1, 4, 6), 4, 8, 3, torch.Generator().manual_seed(6))
    _many_b = _crop_guard(_img.expand(6, 1, 4, 6), 4, 8, 3, torch.Generator().manual_seed(6))
    assert torch.equal(_a, _b) and torch.equal(_many_a, _many_b), (
        "two generators with the same seed gave different crops: pass `generator` to every torch.randint/torch.rand "
        "call (torch's global generator, Python's random or NumPy's are not the caller's generator)")
with score.aspect("a batch: every image gets its own L, top and left", 0.15):
    _img = torch.arange(24.0).reshape(1, 4, 6) / 24
    _batch = _crop_guard(_img.expand(12, 1, 4, 6), 4, 8, 3, torch.Generator().manual_seed(5))
    assert len({tuple(x.flatten().tolist()) for x in _batch}) > 1, (
        "all 12 images of the batch got the same crop: each image must get its own L, top and left")
    _fits = [{L for L in range(4, 9) if _find_window(o, _oracle_resize(_img, L, int(L * 6 / 4))) is not None} for o in _batch]
    assert not set.intersection(*_fits), (
        f"all 12 images of the batch were resized to the same short side L = {min(set.intersection(*_fits))} (only top and "
        "left changed): L was drawn once for the whole batch; draw L, top and left for each image")
score.result()

# %% [markdown]
# ### Hidden tests (3 points)
#
# When grading, this cell checks `resize_short_side` against `F.interpolate` (enlarging and shrinking,
# landscape, portrait and square images, batches, float32 and float64: 1 point), and `random_resized_short_side_crop`
# over hundreds of draws on several image sizes and ranges: each output must be exactly a window of the
# image resized to some $L$ in the range, and every $L$ and the extreme positions must occur (1.2); the same seed
# must give the same crops (0.3); without a generator, repeated calls must give different crops (0.2); shapes, dtypes and value ranges must be
# kept and the input left unchanged (0.3). The order and number of your draws are yours to choose.

# %% nbgrader={"grade": true, "grade_id": "test_random_resized_short_side_crop_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Hidden: resize_short_side against F.interpolate on many shapes/dtypes; random_resized_short_side_crop: exact windows of F.interpolate-resized images, every L and extreme positions reached, seeded reproducibility, variation without a seed, shapes/dtypes/ranges.
try:
    _smoke = random_resized_short_side_crop(torch.zeros(1, 4, 4), 4, 4, 4, torch.Generator())
except NotImplementedError:
    raise
except RuntimeError as err:
    if "from" not in str(err):
        raise
    raise AssertionError(f"random_resized_short_side_crop(a 4x4 image, lo=hi=4, crop=4) crashed ({err}): with L = crop "
                         "the only top row and left column are 0; draw L from lo..hi and the top row from 0..H'-crop, "
                         "both ends included: torch.randint(lo, hi + 1, ...), torch.randint(0, H' - crop + 1, ...)") from None
assert tuple(_smoke.shape) == (1, 4, 4), "a (1, 4, 4) image, L = 4, crop 4: the shape must stay (1, 4, 4)"
score = Aspects("random_resized_short_side_crop", points=3)
### BEGIN HIDDEN TESTS
def _h_find(crop_, full_):
    k_ = crop_.shape[-1]
    if min(full_.shape[-2:]) < k_:
        return None
    wins_ = full_.unfold(-2, k_, 1).unfold(-2, k_, 1)
    where_ = ((wins_ - crop_[:, None, None]).abs().amax(dim=(0, 3, 4)) < 1e-5).nonzero()
    return tuple(where_[0].tolist()) if len(where_) > 0 else None


def _h_resize(im_, L_):
    hh_, ww_ = im_.shape[-2:]
    size_ = (L_, int(L_ * ww_ / hh_)) if hh_ <= ww_ else (int(L_ * hh_ / ww_), L_)
    four_ = im_ if im_.dim() == 4 else im_[None]
    res_ = F.interpolate(four_, size=size_, mode="bilinear", align_corners=False, antialias=True)
    return res_ if im_.dim() == 4 else res_[0]


def _h_check_windows(x_, out_, lo_, hi_, c_, note=""):
    """Each image of out_ is a c_ x c_ window of x_ resized to some L in lo_..hi_; returns [(L, top, left, H', W')]."""
    want_ = tuple(x_.shape[:-2]) + (c_, c_)
    assert isinstance(out_, torch.Tensor) and tuple(out_.shape) == want_, (
        f"crop of {tuple(x_.shape)}: shape {tuple(getattr(out_, 'shape', ()))}, expected {want_}{note}")
    found_ = []
    for o_, im_ in zip([out_] if out_.dim() == 3 else list(out_), [x_] if x_.dim() == 3 else list(x_)):
        hit_ = None
        for L_ in range(lo_, hi_ + 1):
            big_ = _h_resize(im_, L_)
            p_ = _h_find(o_, big_)
            if p_ is not None:
                hit_ = (L_, p_[0], p_[1], big_.shape[-2], big_.shape[-1])
                break
        assert hit_ is not None, (f"a crop of {tuple(x_.shape)} (L in {lo_}..{hi_}, crop {c_}) is not a window of the image "
                                  f"resized to any short side L in the range{note}")
        found_.append(hit_)
    return found_


_GUARD_H = " (this aspect also checks that the outputs are windows of the resized image: fix that first)"
_cases = [((3, 9, 12), 6, 10, 5, 250), ((1, 5, 5), 5, 8, 5, 200), ((2, 12, 7), 7, 9, 6, 200),
          ((4, 2, 7, 10), 7, 9, 6, 60), ((1, 6, 6), 6, 6, 3, 200)]

with score.aspect("resize_short_side against F.interpolate: landscape, portrait, square, batches, float32 and float64", 1.0):
    _gen = torch.Generator().manual_seed(4242)
    for _shape, _L in [((3, 9, 12), 6), ((3, 9, 12), 20), ((1, 12, 9), 7), ((2, 7, 7), 11), ((3, 10, 31), 5),
                       ((4, 3, 8, 6), 10), ((2, 1, 6, 15), 4), ((3, 427, 640), 256)]:
        for _dtype, _tol in ((torch.float32, 1e-5), (torch.float64, 1e-10)):
            _x = torch.rand(_shape, generator=_gen, dtype=_dtype)
            _out = resize_short_side(_x.clone(), _L)
            _ref = _h_resize(_x, _L)
            assert tuple(_out.shape) == tuple(_ref.shape), f"resize_short_side{_shape} to {_L}: shape {tuple(_out.shape)}, expected {tuple(_ref.shape)}"
            assert _out.dtype == _dtype, f"resize_short_side changed the dtype ({_shape}, {_dtype})"
            check_close(_out, _ref, f"resize_short_side, shape {_shape}, L {_L}, {_dtype}", rtol=_tol, atol=_tol)
with score.aspect("the crops: exact windows of the image resized to an L in lo..hi; every L, the top-left and the "
                  "bottom-right position reached", 1.2):
    _gen = torch.Generator().manual_seed(4243)
    for _shape, _lo, _hi, _c, _draws in _cases:
        for _dtype in (torch.float32, torch.float64):
            _x = torch.rand(_shape, generator=_gen, dtype=_dtype)
            _Ls, _extremes = set(), set()
            for _ in range(_draws):
                for L, t, l, Hh, Ww in _h_check_windows(_x, random_resized_short_side_crop(_x.clone(), _lo, _hi, _c, generator=_gen), _lo, _hi, _c):
                    _Ls.add(L)
                    if t == 0 and l == 0:
                        _extremes.add("top-left")
                    if t == Hh - _c and l == Ww - _c:
                        _extremes.add("bottom-right")
            assert _Ls == set(range(_lo, _hi + 1)), f"{_shape}, L in {_lo}..{_hi}: only the values {sorted(_Ls)} occurred"
            assert _extremes == {"top-left", "bottom-right"}, f"{_shape}: the crop never reached {sorted({'top-left', 'bottom-right'} - _extremes)}"
with score.aspect("the same seed gives the same crops (every draw through `generator`)", 0.3):
    _gen = torch.Generator().manual_seed(4244)
    for _shape, _lo, _hi, _c, _draws in _cases:
        _x = torch.rand(_shape, generator=_gen)
        _a = random_resized_short_side_crop(_x, _lo, _hi, _c, generator=torch.Generator().manual_seed(77))
        _h_check_windows(_x, _a, _lo, _hi, _c, _GUARD_H)
        _b = random_resized_short_side_crop(_x, _lo, _hi, _c, generator=torch.Generator().manual_seed(77))
        assert torch.equal(_a, _b), f"{_shape}: two generators with the same seed gave different crops"
with score.aspect("without a generator (torch's global one), the crops vary from call to call", 0.2):
    _x = torch.rand(3, 20, 30, generator=torch.Generator().manual_seed(4245))
    _outs = [random_resized_short_side_crop(_x, 20, 40, 16) for _ in range(6)]
    _h_check_windows(_x, _outs[0], 20, 40, 16, _GUARD_H)
    assert len({tuple(o.flatten()[:50].tolist()) for o in _outs}) > 1, "without a generator, six calls gave the same crop"
with score.aspect("shapes, dtypes and the range [0, 1] kept; the input left unchanged", 0.3):
    _gen = torch.Generator().manual_seed(4246)
    for _shape, _lo, _hi, _c, _draws in _cases:
        for _dtype in (torch.float32, torch.float64):
            _x = torch.rand(_shape, generator=_gen, dtype=_dtype)
            _copy = _x.clone()
            for _ in range(5):
                _out = random_resized_short_side_crop(_x, _lo, _hi, _c, generator=_gen)
                _h_check_windows(_copy, _out, _lo, _hi, _c, _GUARD_H)
                assert _out.dtype == _dtype, f"the crop changed the dtype ({_shape}, {_dtype})"
                assert float(_out.min()) >= -1e-6 and float(_out.max()) <= 1 + 1e-6, "crop values left [0, 1]"
            assert torch.equal(_x, _copy), "random_resized_short_side_crop modified its input"
            _r = resize_short_side(_x, _lo)
            assert torch.equal(_x, _copy), "resize_short_side modified its input"
### END HIDDEN TESTS
score.result()

# %% [markdown]
# ### Random crops and scales of a photograph
#
# Eight draws of the recipe on the China photograph with crop 128 and $L \in [146, 274]$ (ResNet's ratios),
# next to the full image resized to the extremes of the range, with the crop drawn to scale.

# %%
with experiment("ResNet-style crops of a photograph"):
    gen = torch.Generator().manual_seed(0)
    lo_p, hi_p, crop_p = 146, 274, 128
    crops = random_resized_short_side_crop(photos["china"].expand(8, -1, -1, -1), lo_p, hi_p, crop_p, generator=gen)
    show_images([to_display(c) for c in crops], titles=[f"crop {i + 1}" for i in range(8)], ncols=8, size=1.9)
    plt.show()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.3))
    for ax, L in zip(axes, (lo_p, hi_p)):
        r = resize_short_side(photos["china"], L)
        ax.imshow(to_display(r))
        ax.add_patch(plt.Rectangle((-0.5, -0.5), crop_p, crop_p, fill=False, color="yellow", lw=2))
        ax.set_title(f"short side L = {L}: {tuple(r.shape[-2:])}; a {crop_p}x{crop_p} crop covers "
                     f"{crop_p ** 2 / (r.shape[-1] * r.shape[-2]):.0%}", fontsize=9)
        ax.set_xlim(-0.5, resize_short_side(photos["china"], hi_p).shape[-1])
        ax.set_ylim(hi_p, -0.5)
        ax.set(xlabel="column (pixels)", ylabel="row (pixels)")
    plt.show()
    for L in (256, 480):
        h, w = L, int(L * 640 / 427)
        print(f"ResNet, a 427x640 photograph at L = {L}: {h}x{w}, a 224x224 crop covers {224 ** 2 / (h * w):.1%}")

# %% [markdown]
# ## 4. Testing: ten crops and five scales
#
# ### The recipe
#
# A network trained on random crops has never seen a whole image, so at test time ResNet (like AlexNet
# before it) **averages over a fixed set of crops**: the four corners, the centre, and the horizontal flips of
# those five, ten crops in all. With $p_k(x)$ the softmax probabilities the network gives crop $k$,
#
# $$ \hat p(x) = \frac{1}{10} \sum_{k=1}^{10} p_k(x), \qquad \text{prediction} = \arg\max_c \hat p_c(x). $$
#
# We average **probabilities**, not logits: that is what AlexNet describes ("averaging the predictions made by
# the network's softmax layer on the ten patches"), and it keeps one very confident crop from outvoting nine
# others. ResNet's strongest results add a second average, over **scales**: resize the image so that its short
# side is each of $\{224, 256, 384, 480, 640\}$ and average the ten-crop probabilities of all five. (For its
# best numbers ResNet actually ran the network fully convolutionally on the whole resized images, following
# VGG, rather than on ten crops per scale; the notes combine the two, and so do we.)
#
# **Which ten crops, in which order.** We follow `torchvision.transforms.TenCrop` (whose documentation states
# the order `(tl, tr, bl, br, center, tl_flip, tr_flip, bl_flip, br_flip, center_flip)`, and whose
# `ten_crop` is `five_crop(img) + five_crop(hflip(img))`): first the five crops of the image, then **the same
# five crops of the flipped image**. Note what that means: crop 6, the top-left crop of the flipped image, is
# the mirror image of crop 2, the top-right crop of the original. (AlexNet's "five patches ... as well as their
# horizontal reflections" can also be read as the mirror of each of the five crops, in the same order; that is a
# different order, and here the exercise asks for torchvision's.) For the centre crop we take the top row
# $\lfloor (H - s)/2 \rfloor$ and left column $\lfloor (W - s)/2 \rfloor$ (rounded down); torchvision
# uses `int(round((H - s) / 2))`, which rounds halves to even and so differs by one pixel when $H - s$ is
# odd and $(H - s)/2$ rounds up (e.g. $H - s = 3$).

# %% nbgrader={"grade": false, "grade_id": "ten_crop", "locked": false, "schema_version": 3, "solution": true, "task": false}
def ten_crop(img, crop):
    """The ten test crops: 4 corners + centre of the image, then the same 5 crops of its horizontal flip.

    Order (torchvision's TenCrop): top-left, top-right, bottom-left, bottom-right, centre of img, then
    top-left, top-right, bottom-left, bottom-right, centre of hflip(img). The centre crop starts at row
    (H - crop) // 2 and column (W - crop) // 2.

    Inputs:
    - img: float tensor (C, H, W) or (N, C, H, W), with H >= crop and W >= crop.
    - crop: int, the side of the square crops.

    Returns:
    - tensor (10, C, crop, crop) or (10, N, C, crop, crop): the ten crops stacked along a new FIRST axis.
    """
    ### BEGIN SOLUTION
    def five(image):
        height, width = image.shape[-2:]
        top, left = (height - crop) // 2, (width - crop) // 2
        return [image[..., :crop, :crop], image[..., :crop, width - crop:], image[..., height - crop:, :crop],
                image[..., height - crop:, width - crop:], image[..., top:top + crop, left:left + crop]]

    return torch.stack(five(img) + five(img.flip(-1)))
    ### END SOLUTION


# %% [markdown]
# ### Visible tests (2 points)
#
# The $4 \times 5$ image with values $0, \dots, 19$ (one channel), crop 2. The centre starts at row
# $\lfloor (4-2)/2 \rfloor = 1$ and column $\lfloor (5-2)/2 \rfloor = 1$.
#
# | image | flipped image |
# | --- | --- |
# | $\begin{pmatrix} 0&1&2&3&4\\5&6&7&8&9\\10&11&12&13&14\\15&16&17&18&19 \end{pmatrix}$ | $\begin{pmatrix} 4&3&2&1&0\\9&8&7&6&5\\14&13&12&11&10\\19&18&17&16&15 \end{pmatrix}$ |
#
# | crop | 1 tl | 2 tr | 3 bl | 4 br | 5 centre | 6 tl of flip | 7 tr of flip | 8 bl of flip | 9 br of flip | 10 centre of flip |
# | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
# | values | $\begin{smallmatrix}0&1\\5&6\end{smallmatrix}$ | $\begin{smallmatrix}3&4\\8&9\end{smallmatrix}$ | $\begin{smallmatrix}10&11\\15&16\end{smallmatrix}$ | $\begin{smallmatrix}13&14\\18&19\end{smallmatrix}$ | $\begin{smallmatrix}6&7\\11&12\end{smallmatrix}$ | $\begin{smallmatrix}4&3\\9&8\end{smallmatrix}$ | $\begin{smallmatrix}1&0\\6&5\end{smallmatrix}$ | $\begin{smallmatrix}14&13\\19&18\end{smallmatrix}$ | $\begin{smallmatrix}11&10\\16&15\end{smallmatrix}$ | $\begin{smallmatrix}8&7\\13&12\end{smallmatrix}$ |
#
# Crop 10 is not the mirror image of crop 5 here ($W - s = 3$ is odd, so the centre of the flipped image is
# one column off the mirrored centre), which is why the order "five crops of the flipped image" matters.

# %% nbgrader={"grade": true, "grade_id": "test_ten_crop_visible", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
_img = torch.arange(20.0).reshape(1, 4, 5)
_expected = torch.tensor([[[0.0, 1], [5, 6]], [[3, 4], [8, 9]], [[10, 11], [15, 16]], [[13, 14], [18, 19]], [[6, 7], [11, 12]],
                          [[4, 3], [9, 8]], [[1, 0], [6, 5]], [[14, 13], [19, 18]], [[11, 10], [16, 15]], [[8, 7], [13, 12]]])[:, None]


def _variant(x, c, centre=lambda d: d // 2, second="five of flipped", flip_dim=-1, order=(0, 1, 2, 3, 4), tr_off=0):
    """Ten crops built with explicit indices, with one convention changed (to name a mistake)."""
    def five(y):
        H, W = y.shape[-2:]
        t, l = centre(H - c), centre(W - c)
        crops = [y[..., :c, :c], y[..., :c, W - c - tr_off:W - tr_off], y[..., H - c:, :c], y[..., H - c:, W - c:],
                 y[..., t:t + c, l:l + c]]
        return [crops[i] for i in order]
    first = five(x)
    if second == "five of flipped":
        rest = five(x.flip(flip_dim))
    elif second == "flipped crops":
        rest = [f.flip(-1) for f in first]
    else:
        rest = first
    return torch.stack(first + rest)


_GUARD = "(this aspect also checks the crops' values, so that code doing nothing earns nothing: fix the values first)"


def _windows_of(x, c):
    """Every c x c window of x, of its mirror and of its upside-down image, as a (K, C, c, c) float64 tensor."""
    return torch.cat([y.double().unfold(-2, c, 1).unfold(-2, c, 1).permute(1, 2, 0, 3, 4).reshape(-1, x.shape[0], c, c)
                      for y in (x, x.flip(-1), x.flip(-2))])


def _own_single(x, c):
    """The student's own ten crops of the single image x, if each is a window of x or of a mirror of it (a
    convention slip, such as another order, is then reported once, by the first aspect); else an AssertionError."""
    out = ten_crop(x.clone(), c)
    ok = isinstance(out, torch.Tensor) and tuple(out.shape) == (10,) + tuple(x.shape[:-2]) + (c, c)
    if ok:
        wins = _windows_of(x, c)
        ok = all(((wins - o.double()[None]).abs().amax(dim=(1, 2, 3)) < 1e-6).any() for o in out)
    if not ok:
        raise AssertionError(f"ten_crop of the 4x5 image does not return ten crops of the image or of its mirror {_GUARD}")
    return out


score = Aspects("ten_crop", points=2)
with score.aspect("the 4x5 image of the table, crop 2: the ten crops in torchvision's order", 1.0):
    _out = ten_crop(_img.clone(), 2)
    assert isinstance(_out, torch.Tensor), f"ten_crop must return one tensor (torch.stack the crops), got {type(_out).__name__}"
    if tuple(_out.shape) == (5, 1, 2, 2):
        raise AssertionError("ten_crop returned 5 crops: the flips are missing (4 corners + centre, then the same 5 of the flipped image)")
    assert tuple(_out.shape) == (10, 1, 2, 2), f"ten_crop of a (1, 4, 5) image with crop 2 has shape {tuple(_out.shape)}, expected (10, 1, 2, 2)"
    check_close(_out, _expected, "ten_crop of the 4x5 image", rtol=0, atol=0, suspects={
        "the last five are the flips of the first five, in the same order; the order here (torchvision's) is the five "
        "crops OF THE FLIPPED IMAGE: crop 6 is the top-left of hflip(img), i.e. the mirror of the top-right crop":
            _variant(_img, 2, second="flipped crops"),
        "the last five crops are not flipped: they repeat the first five": _variant(_img, 2, second="none"),
        "the flips are vertical (rows reversed); the notes' and ResNet's are horizontal": _variant(_img, 2, flip_dim=-2),
        "the centre crop is one column right: its left column is (W - crop) // 2 = 1, rounded down "
        "(round(1.5) or ceil gives 2)": _variant(_img, 2, centre=lambda d: int(round(d / 2 + 1e-9))),
        "the corners are in the wrong order: top-left, top-right, bottom-left, bottom-right, then the centre":
            _variant(_img, 2, order=(0, 2, 1, 3, 4)),
        "the top-right crop is one column off (it must end at the last column, W - crop : W)": _variant(_img, 2, tr_off=1),
    })
with score.aspect("a batch of two images: shape (10, N, C, crop, crop), crop k of image n at [k, n]", 0.5):
    _batch = torch.stack([_img, _img + 100])
    _out = ten_crop(_batch.clone(), 2)
    if tuple(_out.shape) == (2, 10, 1, 2, 2):
        raise AssertionError("for a batch, stack the ten crops along a new FIRST axis: shape (10, N, C, crop, crop), not (N, 10, ...)")
    assert tuple(_out.shape) == (10, 2, 1, 2, 2), f"ten_crop of a (2, 1, 4, 5) batch has shape {tuple(_out.shape)}, expected (10, 2, 1, 2, 2)"
    check_close(_out[:, 0].double(), _own_single(_img, 2).double(), "ten_crop of the first image of a batch, against your "
                "ten_crop of that image alone", rtol=0, atol=1e-6, suspects={
                    "for a batch the last five crops are flipped upside down: flip(2) flips the columns of one (C, H, W) "
                    "image but the ROWS of an (N, C, H, W) batch; count the axes from the end (flip(-1)) so that one line "
                    "serves both": _variant(_batch, 2, flip_dim=2)[:, 0].double()})
    check_close(_out[:, 1].double(), _own_single(_img + 100, 2).double(), "ten_crop of the second image of a batch, against "
                "your ten_crop of that image alone", rtol=0, atol=1e-6)
with score.aspect("crop = the image's size (5 copies, then 5 mirrors), three channels; float64 stays float64", 0.25):
    _sq = torch.rand(3, 4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    _out = ten_crop(_sq.clone(), 4)
    assert isinstance(_out, torch.Tensor) and tuple(_out.shape) == (10, 3, 4, 4), (
        f"ten_crop of a (3, 4, 4) image with crop 4 has shape {tuple(getattr(_out, 'shape', ()))}, expected (10, 3, 4, 4)")
    check_close(_out.double(), torch.stack([_sq] * 5 + [_sq.flip(-1)] * 5), "ten_crop with crop = image size (5 copies, "
                "5 mirrors; the dtype is checked next)", rtol=0, atol=1e-6)
    assert _out.dtype == torch.float64, f"ten_crop changed the dtype float64 to {_out.dtype}: keep the input's dtype"
with score.aspect("the device kept: a tensor on PyTorch's meta device (no data, like a GPU tensor for NumPy) gives "
                  "meta crops of the right shape", 0.25):
    _own_single(_img, 2)
    try:
        _meta = ten_crop(torch.empty(2, 3, 6, 7, device="meta"), 4)
    except NotImplementedError:
        raise
    except Exception as err:  # noqa: BLE001 - NumPy cannot read a meta (or GPU) tensor
        raise AssertionError(f"ten_crop crashed on a tensor of the meta device ({type(err).__name__}: {err}): slice and "
                             "flip in torch; NumPy cannot read a GPU tensor either") from None
    assert isinstance(_meta, torch.Tensor) and _meta.device.type == "meta" and tuple(_meta.shape) == (10, 2, 3, 4, 4), (
        f"ten_crop of a (2, 3, 6, 7) meta tensor with crop 4 gave {type(_meta).__name__} "
        f"{tuple(getattr(_meta, 'shape', ()))} on {getattr(_meta, 'device', '?')}, expected (10, 2, 3, 4, 4) on meta")
score.result()

# %% [markdown]
# ### Hidden tests (2 points)
#
# When grading, this cell compares your ten crops with explicit index arithmetic (NumPy slices of the image
# and of its mirror) for many image sizes, odd and even margins, crop sizes, batches, one and three channels,
# float32 and float64 (1.2 points); checks kinds and dtypes (0.3), a meta tensor (0.2), and that the input is left
# unchanged (0.3).

# %% nbgrader={"grade": true, "grade_id": "test_ten_crop_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden: ten_crop against NumPy index arithmetic (corners, floor-rounded centre, the five crops of the mirrored image) for many sizes, odd/even margins, batches, 1 and 3 channels, float32/float64.
assert tuple(ten_crop(torch.zeros(1, 3, 3), 2).shape) == (10, 1, 2, 2), "ten_crop of a (1, 3, 3) image must have shape (10, 1, 2, 2)"
score = Aspects("ten_crop", points=2)
### BEGIN HIDDEN TESTS
def _h_cases():
    gen_ = torch.Generator().manual_seed(31337)
    for shape_, c_ in [((1, 3, 3), 1), ((3, 7, 9), 4), ((3, 8, 8), 5), ((1, 6, 11), 6), ((2, 9, 6), 3), ((3, 10, 10), 10),
                       ((4, 3, 9, 12), 7), ((2, 1, 5, 8), 2), ((1, 3, 13, 6), 6)]:
        for dtype_ in (torch.float32, torch.float64):
            yield shape_, c_, dtype_, torch.rand(shape_, generator=gen_, dtype=dtype_)


def _h_ref(x_, c_):
    a_ = to_numpy(x_)
    H_, W_ = a_.shape[-2:]
    ref_ = []
    for y_ in (a_, a_[..., ::-1]):
        for t_, l_ in [(0, 0), (0, W_ - c_), (H_ - c_, 0), (H_ - c_, W_ - c_), ((H_ - c_) // 2, (W_ - c_) // 2)]:
            ref_.append(y_[..., t_:t_ + c_, l_:l_ + c_])
    return np.stack(ref_)


def _h_values_ok(x_, c_):
    """The guard of the aspects about something else: the right shape, and every crop a window of the image or of
    a mirror of it (so that one convention slip, in the order or the centre, costs only the values aspect)."""
    out_ = ten_crop(x_.clone(), c_)
    ref_ = _h_ref(x_, c_)
    assert isinstance(out_, torch.Tensor) and tuple(out_.shape) == ref_.shape, (
        f"ten_crop, shape {tuple(x_.shape)}, crop {c_}: shape {tuple(getattr(out_, 'shape', ()))}, expected {ref_.shape} "
        "(this aspect also checks the crops: fix them first)")
    imgs_ = [x_] if x_.dim() == 3 else list(x_)
    for n_, im_ in enumerate(imgs_):
        wins_ = torch.cat([y_.double().unfold(-2, c_, 1).unfold(-2, c_, 1).permute(1, 2, 0, 3, 4).reshape(-1, im_.shape[0], c_, c_)
                           for y_ in (im_, im_.flip(-1), im_.flip(-2))])
        for k_ in range(10):
            o_ = (out_[k_] if x_.dim() == 3 else out_[k_, n_]).double()
            assert ((wins_ - o_[None]).abs().amax(dim=(1, 2, 3)) < 1e-6).any(), (
                f"ten_crop, shape {tuple(x_.shape)}, crop {c_}: crop {k_ + 1} is not a window of the image or of its mirror "
                "(this aspect also checks the crops: fix them first)")
    return out_


with score.aspect("values against NumPy index arithmetic: many sizes, odd and even margins, batches, 1 and 3 channels", 1.2):
    for _shape, _c, _dtype, _x in _h_cases():
        _out = ten_crop(_x.clone(), _c)
        _ref = _h_ref(_x, _c)
        assert tuple(_out.shape) == _ref.shape, f"ten_crop{_shape}, crop {_c}: shape {tuple(_out.shape)}, expected {_ref.shape}"
        check_close(_out, _ref, f"ten_crop, shape {_shape}, crop {_c}, {_dtype}", rtol=1e-6, atol=0)
with score.aspect("kind and dtype kept (float32 and float64)", 0.3):
    for _shape, _c, _dtype, _x in _h_cases():
        _out = _h_values_ok(_x, _c)
        assert isinstance(_out, torch.Tensor) and _out.dtype == _dtype, f"ten_crop changed the dtype ({_shape}, {_dtype})"
with score.aspect("a meta tensor (the device kept, no NumPy on the way)", 0.2):
    _h_values_ok(torch.rand(2, 3, 7, 9, generator=torch.Generator().manual_seed(1)), 4)
    _meta = ten_crop(torch.empty(3, 1, 9, 8, device="meta", dtype=torch.float64), 5)
    assert isinstance(_meta, torch.Tensor) and _meta.device.type == "meta" and tuple(_meta.shape) == (10, 3, 1, 5, 5) \
        and _meta.dtype == torch.float64, "ten_crop of a float64 meta batch must give float64 meta crops (10, N, C, crop, crop)"
with score.aspect("the input is left unchanged", 0.3):
    for _shape, _c, _dtype, _x in _h_cases():
        _h_values_ok(_x, _c)
        _copy = _x.clone()
        ten_crop(_x, _c)
        assert torch.equal(_x, _copy), f"ten_crop modified its input ({_shape})"
### END HIDDEN TESTS
score.result()

# %% [markdown]
# ### Exercise: `predict_ten_crop` and `multiscale_predict`
#
# `predict_ten_crop(model, img, crop)` runs the model on the ten crops and averages the softmax
# probabilities. Run all $10N$ crops through the model in **one** forward pass: `ten_crop` gives
# $(10, N, C, s, s)$; reshape it to $(10N, C, s, s)$, apply the model and `F.softmax(..., dim=1)`, reshape
# the probabilities back to $(10, N, K)$ and average over the first axis. (A loop over the ten crops gives the same
# probabilities and is accepted, only slower.) Work under `torch.no_grad()` (no gradients are needed at test time:
# a result that carries an autograd graph loses the points of that aspect). The caller puts the model in evaluation
# mode.
#
# `multiscale_predict(model, img, scales, crop)` resizes the image so that its short side is each
# $L \in$ `scales` (`resize_short_side`), takes the ten-crop probabilities at each scale and averages them
# over the scales, each scale with weight $1/|\text{scales}|$.

# %% nbgrader={"grade": false, "grade_id": "predict_ten_crop", "locked": false, "schema_version": 3, "solution": true, "task": false}
def predict_ten_crop(model, img, crop):
    """Average of the softmax probabilities the model gives the ten crops (ten_crop) of each image.

    Inputs:
    - model: a callable mapping a batch (B, C, crop, crop) to logits (B, K), already in eval mode.
    - img: float tensor (C, H, W) or (N, C, H, W).
    - crop: int, the side of the crops.

    Returns:
    - probabilities (K,) for an image, (N, K) for a batch: each row is the mean over the ten crops of
      softmax(logits), so it sums to 1. Computed under torch.no_grad().
    """
    ### BEGIN SOLUTION
    with torch.no_grad():  # test time: no autograd graph
        batch = img if img.dim() == 4 else img[None]
        crops = ten_crop(batch, crop)  # (10, N, C, crop, crop)
        n = batch.shape[0]
        probs = F.softmax(model(crops.reshape(10 * n, *crops.shape[2:])), dim=1)
        probs = probs.reshape(10, n, -1).mean(dim=0)
    return probs if img.dim() == 4 else probs[0]
    ### END SOLUTION


# %% [markdown]
# ### Visible tests (2 points)
#
# The $4 \times 5$ image of the table above, divided by 19, and a fixed affine "network" on the four pixels of
# a $2 \times 2$ crop $\begin{pmatrix} a & b \\ c & d \end{pmatrix}$, with logits $(4a,\; 4(1 - d),\; 4(b - a))$.
# For the top-left crop $(a, b, c, d) = (0, 1, 5, 6)/19$ the logits are $(0, 2.737, 0.211)$ and the softmax
# $(0.057, 0.874, 0.070)$; averaging the softmax over all ten crops gives $(0.4619, 0.4613, 0.0768)$. Averaging
# the *logits* first and then taking the softmax gives $(0.4486, 0.4486, 0.1028)$, an exact tie between the
# first two classes (their mean logits are equal), and the five crops without flips give $(0.4417, 0.4598, 0.0986)$,
# a different winning class.

# %% nbgrader={"grade": true, "grade_id": "test_predict_ten_crop_visible", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
class _Probe(torch.nn.Module):
    """logits (4a, 4(1 - d), 4(b - a)) of a 2x2 one-channel crop (a b; c d)."""

    def forward(self, x):
        a, b, d = x[:, 0, 0, 0], x[:, 0, 0, 1], x[:, 0, 1, 1]
        return torch.stack([4 * a, 4 * (1 - d), 4 * (b - a)], dim=1)


_probe = _Probe().eval()
_img = torch.arange(20.0).reshape(1, 4, 5) / 19
_crops = torch.tensor([[[0.0, 1], [5, 6]], [[3, 4], [8, 9]], [[10, 11], [15, 16]], [[13, 14], [18, 19]], [[6, 7], [11, 12]],
                       [[4, 3], [9, 8]], [[1, 0], [6, 5]], [[14, 13], [19, 18]], [[11, 10], [16, 15]], [[8, 7], [13, 12]]])[:, None] / 19
_logits = _probe(_crops)
_expected = F.softmax(_logits, dim=1).mean(0)
# the numbers of the text above, computed (a table worked by hand is checked, not trusted)
check_close(_logits[0], torch.tensor([0.0, 2.737, 0.211]), "the text's logits of the top-left crop", rtol=0, atol=5e-4)
check_close(F.softmax(_logits[0], dim=0), torch.tensor([0.057, 0.874, 0.070]), "the text's softmax of the top-left crop", rtol=0, atol=5e-4)
check_close(_expected, torch.tensor([0.4619, 0.4613, 0.0768]), "the test's own numbers", rtol=0, atol=5e-4)
check_close(F.softmax(_logits.mean(0), dim=0), torch.tensor([0.4486, 0.4486, 0.1028]), "the text's logit average", rtol=0, atol=5e-4)
check_close(F.softmax(_logits[:5], dim=1).mean(0), torch.tensor([0.4417, 0.4598, 0.0986]), "the text's five-crop average", rtol=0, atol=5e-4)

score = Aspects("predict_ten_crop", points=2)
with score.aspect("one (1, 4, 5) image and the probe: shape (K,), the mean of the ten crops' softmax probabilities", 1.1):
    _out = predict_ten_crop(_probe, _img.clone(), 2)
    assert isinstance(_out, torch.Tensor), f"predict_ten_crop must return a tensor, got {type(_out).__name__}"
    assert tuple(_out.shape) == (3,), f"for one (C, H, W) image the result has shape (K,) = (3,), got {tuple(_out.shape)}"
    check_close(_out, _expected, "predict_ten_crop of the 4x5 image", rtol=1e-5, atol=1e-6, suspects={
        "you averaged the logits (or the log-probabilities, which gives the same after a softmax) and then took the "
        "softmax: average the softmax PROBABILITIES of the ten crops": F.softmax(_logits.mean(0), dim=0),
        "you returned the mean of the logits, not of the probabilities": _logits.mean(0),
        "only the first five crops were used: the flips belong to the ten": F.softmax(_logits[:5], dim=1).mean(0),
        "you counted votes (one-hot argmax of each crop): average the probabilities":
            F.one_hot(_logits.argmax(1), 3).double().mean(0),
        "the softmax was taken over the crops (dim 0) instead of over the classes (dim 1)":
            F.softmax(_logits, dim=0).mean(0),
    })


def _ten_by_hand(x, c):
    """The ten crops (10, ..., c, c) by explicit slicing (independent of your ten_crop)."""
    H, W = x.shape[-2:]
    pos = [(0, 0), (0, W - c), (H - c, 0), (H - c, W - c), ((H - c) // 2, (W - c) // 2)]
    return torch.stack([y[..., t:t + c, l:l + c] for y in (x, x.flip(-1)) for t, l in pos])


_imgs = torch.stack([_img, 1 - _img, _img ** 2])  # three different rows of expected probabilities
with score.aspect("a batch of three images: shape (N, K), row n the result for image n alone; rows sum to 1", 0.6):
    _out = predict_ten_crop(_probe, _imgs.clone(), 2)
    assert tuple(_out.shape) == (3, 3), f"for a (3, 1, 4, 5) batch the result has shape (N, K) = (3, 3), got {tuple(_out.shape)}"
    _p = F.softmax(_probe(_ten_by_hand(_imgs, 2).reshape(30, 1, 2, 2)), dim=1)  # crop k of image n is row 3k + n
    _exp = _p.reshape(10, 3, 3).mean(0)
    check_close(_out, _exp, "predict_ten_crop of a batch of 3 (row n must be the result for image n alone)", rtol=1e-5, atol=1e-6,
                suspects={"the probabilities of the 10N crops were reshaped as (N, 10, K): ten_crop's crops come as (10, N), "
                          "so reshape to (10, N, K) and average over the first axis": _p.reshape(3, 10, 3).mean(1)})
    check_close(_out.sum(1), torch.ones(3), "each row of probabilities summed", rtol=1e-5, atol=1e-6)
with score.aspect("test time: no autograd graph is recorded (torch.no_grad()), even for a model with parameters", 0.3):
    _lin = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3))
    with torch.no_grad():
        _lin[1].weight.copy_(torch.tensor([[1.0, 0, 0, 0], [0, 0, 0, -1], [-1, 1, 0, 0]]) * 4)
        _lin[1].bias.copy_(torch.tensor([0.0, 4, 0]))
    _lin.eval()
    _out = predict_ten_crop(_lin, _img.clone(), 2)
    check_close(_out, _expected, "predict_ten_crop with the probe written as a Linear layer (this aspect also checks the "
                "values: fix them first)", rtol=1e-5, atol=1e-6)
    assert not _out.requires_grad, ("the result carries gradients (requires_grad is True): compute it under "
                                    "torch.no_grad(), as test-time code should (no graph, less memory)")
score.result()

# %% [markdown]
# ### Hidden tests (1 point)
#
# When grading, this cell compares `predict_ten_crop` with an explicit loop over the ten crops (made by NumPy
# slicing, not by your `ten_crop`) for a linear model and a small convolutional network, batches of several
# sizes (where reshaping $(10N, K)$ as $(N, 10, K)$ instead of $(10, N, K)$ mixes up the images), one and three
# channels, and single images, and checks that the rows sum to 1 (0.8 points) and that no gradient is recorded (0.2).

# %% nbgrader={"grade": true, "grade_id": "test_predict_ten_crop_hidden", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden: predict_ten_crop against an explicit loop over NumPy-sliced crops, for a linear model and a small CNN, batches of 1-5 images, 1 and 3 channels; rows sum to 1; no gradients.
assert tuple(predict_ten_crop(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2)), torch.zeros(1, 3, 3), 2).shape) == (2,), "one image: shape (K,)"
score = Aspects("predict_ten_crop", points=1)
### BEGIN HIDDEN TESTS
def _h_crops(x, c):
    a = to_numpy(x)
    H, W = a.shape[-2:]
    out = []
    for y in (a, a[..., ::-1]):
        for t, l in [(0, 0), (0, W - c), (H - c, 0), (H - c, W - c), ((H - c) // 2, (W - c) // 2)]:
            out.append(np.ascontiguousarray(y[..., t:t + c, l:l + c]))
    return out


def _h_cases():
    torch.manual_seed(123)
    gen_ = torch.Generator().manual_seed(123)
    for C_, c_, K_ in [(1, 4, 3), (3, 5, 10), (3, 6, 4)]:
        models_ = [torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(C_ * c_ * c_, K_)),
                   torch.nn.Sequential(torch.nn.Conv2d(C_, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(),
                                       torch.nn.Linear(4 * c_ * c_, K_))]
        for model_ in models_:
            model_.eval()
            for N_, H_, W_ in [(1, c_ + 2, c_ + 3), (2, c_ + 1, c_ + 4), (5, c_ + 3, c_ + 3)]:
                x_ = torch.rand(N_, C_, H_, W_, generator=gen_)
                ref_ = []
                for n_ in range(N_):
                    with torch.no_grad():  # the oracle needs no graph
                        ps_ = F.softmax(model_(torch.tensor(np.stack(_h_crops(x_[n_], c_)), dtype=torch.float32)), dim=1)
                    ref_.append(ps_.mean(0))
                yield model_, x_, c_, K_, torch.stack(ref_)


with score.aspect("values against an explicit loop: batches of 1 to 5, one image alone, a linear model and a small "
                  "CNN, 1 and 3 channels; rows sum to 1", 0.8):
    for _model, _x, _c, _K, _ref in _h_cases():
        _N = _x.shape[0]
        _out = predict_ten_crop(_model, _x.clone(), _c)
        assert tuple(_out.shape) == (_N, _K), f"predict_ten_crop of {tuple(_x.shape)}: shape {tuple(_out.shape)}, expected {(_N, _K)}"
        check_close(_out, _ref, f"predict_ten_crop, batch {tuple(_x.shape)}, crop {_c}", rtol=1e-4, atol=1e-6)
        check_close(_out.sum(1), torch.ones(_N), "rows of probabilities summed", rtol=1e-5, atol=1e-5)
        _one = predict_ten_crop(_model, _x[0].clone(), _c)
        assert tuple(_one.shape) == (_K,), f"for one image the result has shape (K,), got {tuple(_one.shape)}"
        check_close(_one, _ref[0], "predict_ten_crop of one image", rtol=1e-4, atol=1e-6)
with score.aspect("no gradient recorded (for models with parameters)", 0.2):
    for _model, _x, _c, _K, _ref in _h_cases():
        _out = predict_ten_crop(_model, _x.clone(), _c)
        check_close(_out, _ref, f"predict_ten_crop, batch {tuple(_x.shape)} (this aspect also checks the values: fix them first)",
                    rtol=1e-4, atol=1e-6)
        assert not _out.requires_grad, "predict_ten_crop recorded gradients: compute it under torch.no_grad()"
### END HIDDEN TESTS
score.result()

# %% nbgrader={"grade": false, "grade_id": "multiscale_predict", "locked": false, "schema_version": 3, "solution": true, "task": false}
def multiscale_predict(model, img, scales, crop):
    """Ten-crop probabilities averaged over several scales.

    For each L in scales: resize so that the short side is L (resize_short_side), then predict_ten_crop.
    Return the mean of those probabilities over the scales (each scale weighs 1/len(scales)).

    Inputs:
    - model: a callable mapping (B, C, crop, crop) to logits (B, K), already in eval mode.
    - img: float tensor (C, H, W) or (N, C, H, W).
    - scales: a sequence of ints, the short sides, each >= crop.
    - crop: int, the side of the crops.

    Returns:
    - probabilities (K,) or (N, K), rows summing to 1.
    """
    ### BEGIN SOLUTION
    return torch.stack([predict_ten_crop(model, resize_short_side(img, L), crop) for L in scales]).mean(dim=0)
    ### END SOLUTION


# %% [markdown]
# ### Visible tests (2 points)
#
# A $4 \times 6$ image with values $0, \dots, 23$ divided by 23, the linear probe of the previous test, crop 2
# and scales $(3, 4, 6)$. The image is resized to $3 \times 4$ (since $\lfloor 3 \cdot 6/4 \rfloor = 4$),
# $4 \times 6$ (itself) and $6 \times 9$; the expected value is the mean of the three ten-crop averages. The
# test names the result you would get by resizing to squares $L \times L$, by giving $L$ to the long side, by
# keeping only the last scale, by ignoring the scales, or by summing instead of averaging.

# %% nbgrader={"grade": true, "grade_id": "test_multiscale_predict_visible", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
class _Probe2(torch.nn.Module):
    """logits (4a, 4(1 - d), 4(b - a)) of a 2x2 one-channel crop (a b; c d)."""

    def forward(self, x):
        a, b, d = x[:, 0, 0, 0], x[:, 0, 0, 1], x[:, 0, 1, 1]
        return torch.stack([4 * a, 4 * (1 - d), 4 * (b - a)], dim=1)


def _ten_probs(model, x, c):
    """Mean softmax over the ten crops of one (C, H, W) image, by explicit slicing."""
    H, W = x.shape[-2:]
    pos = [(0, 0), (0, W - c), (H - c, 0), (H - c, W - c), ((H - c) // 2, (W - c) // 2)]
    crops = torch.stack([y[..., t:t + c, l:l + c] for y in (x, x.flip(-1)) for t, l in pos])
    return F.softmax(model(crops), dim=1).mean(0)


def _at(x, h, w):
    return F.interpolate(x[None], size=(h, w), mode="bilinear", align_corners=False, antialias=True)[0]


_probe = _Probe2().eval()
_img = torch.arange(24.0).reshape(1, 4, 6) / 23
score = Aspects("multiscale_predict", points=2)
with score.aspect("one 4x6 image, scales (3, 4, 6): the mean over the scales of the ten-crop probabilities", 1.3):
    _per_scale = [_ten_probs(_probe, _at(_img, h, w), 2) for h, w in [(3, 4), (4, 6), (6, 9)]]
    _expected = torch.stack(_per_scale).mean(0)
    _out = multiscale_predict(_probe, _img.clone(), (3, 4, 6), 2)
    assert isinstance(_out, torch.Tensor) and tuple(_out.shape) == (3,), (
        f"multiscale_predict of one image must return a tensor of shape (K,) = (3,), got {getattr(_out, 'shape', type(_out))}")
    check_close(_out, _expected, "multiscale_predict at scales (3, 4, 6)", rtol=1e-5, atol=1e-6, suspects={
        "you resized to squares L x L: keep the aspect ratio (resize_short_side)":
            torch.stack([_ten_probs(_probe, _at(_img, L, L), 2) for L in (3, 4, 6)]).mean(0),
        "you gave L to the LONG side: the short side becomes L (resize_short_side)":
            torch.stack([_ten_probs(_probe, _at(_img, h, w), 2) for h, w in [(2, 3), (2, 4), (4, 6)]]).mean(0),
        "only the last scale counted: average over all the scales (did the loop overwrite the result?)": _per_scale[-1],
        "the scales were ignored: the image was never resized": _ten_probs(_probe, _img, 2),
        "you summed over the scales: average them (the rows must sum to 1)": torch.stack(_per_scale).sum(0),
    })
with score.aspect("a batch of two images, scales [2, 4] (a list): shape (N, K), each row its own image's result", 0.7):
    _b = torch.stack([_img, 1 - _img])
    _outb = multiscale_predict(_probe, _b.clone(), [2, 4], 2)
    assert tuple(_outb.shape) == (2, 3), f"multiscale_predict of a (2, 1, 4, 6) batch must have shape (2, 3), got {tuple(_outb.shape)}"
    check_close(_outb[0], (_ten_probs(_probe, _at(_img, 2, 3), 2) + _ten_probs(_probe, _img, 2)) / 2,
                "multiscale_predict of the first image of a batch, scales [2, 4]", rtol=1e-5, atol=1e-6)
    check_close(_outb[1], (_ten_probs(_probe, _at(1 - _img, 2, 3), 2) + _ten_probs(_probe, 1 - _img, 2)) / 2,
                "multiscale_predict of the second image of a batch, scales [2, 4]", rtol=1e-5, atol=1e-6)
score.result()

# %% [markdown]
# ### Hidden tests (1 point)
#
# When grading, this cell compares `multiscale_predict` with an explicit computation (the `F.interpolate`
# oracle for the resizing, NumPy-sliced crops, a loop over scales) for landscape, portrait and square images,
# batches and one to five scales, and checks that the rows sum to 1 (0.7 points), and for single images (0.3).

# %% nbgrader={"grade": true, "grade_id": "test_multiscale_predict_hidden", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden: multiscale_predict against an explicit computation (F.interpolate resizing, NumPy-sliced crops, a loop over scales) for landscape/portrait/square images, batches, 1-5 scales; rows sum to 1.
assert tuple(multiscale_predict(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2)), torch.zeros(1, 3, 3), [3], 2).shape) == (2,), "one image: shape (K,)"
score = Aspects("multiscale_predict", points=1)
### BEGIN HIDDEN TESTS
def _h_probs(model, x, c):
    a = to_numpy(x)
    H, W = a.shape[-2:]
    crops = [np.ascontiguousarray(y[..., t:t + c, l:l + c]) for y in (a, a[..., ::-1])
             for t, l in [(0, 0), (0, W - c), (H - c, 0), (H - c, W - c), ((H - c) // 2, (W - c) // 2)]]
    with torch.no_grad():  # the oracle needs no graph
        return F.softmax(model(torch.tensor(np.stack(crops), dtype=torch.float32)), dim=1).mean(0)


def _h_resized(im_, L_):
    hh_, ww_ = im_.shape[-2:]
    size_ = (L_, int(L_ * ww_ / hh_)) if hh_ <= ww_ else (int(L_ * hh_ / ww_), L_)
    return F.interpolate(im_[None], size=size_, mode="bilinear", align_corners=False, antialias=True)[0]


def _h_cases():
    torch.manual_seed(321)
    gen_ = torch.Generator().manual_seed(321)
    for C_, c_, K_ in [(1, 3, 4), (3, 4, 5)]:
        model_ = torch.nn.Sequential(torch.nn.Conv2d(C_, 3, 3, padding=1), torch.nn.Tanh(), torch.nn.Flatten(),
                                     torch.nn.Linear(3 * c_ * c_, K_)).eval()
        for N_, H_, W_, scales_ in [(1, 5, 8, [3, 4, 5, 6, 7]), (3, 9, 6, [4, 6]), (2, 7, 7, [c_]), (4, 6, 11, [5, 9, 4])]:
            scales_ = [max(s_, c_) for s_ in scales_]
            x_ = torch.rand(N_, C_, H_, W_, generator=gen_)
            ref_ = torch.stack([torch.stack([_h_probs(model_, _h_resized(x_[n_], L_), c_) for L_ in scales_]).mean(0)
                                for n_ in range(N_)])
            yield model_, x_, scales_, c_, K_, ref_


with score.aspect("batches: landscape, portrait and square images, one to five scales; rows sum to 1", 0.7):
    for _model, _x, _scales, _c, _K, _ref in _h_cases():
        _N = _x.shape[0]
        _out = multiscale_predict(_model, _x.clone(), _scales, _c)
        assert tuple(_out.shape) == (_N, _K), f"multiscale_predict of {tuple(_x.shape)}: shape {tuple(_out.shape)}, expected {(_N, _K)}"
        check_close(_out, _ref, f"multiscale_predict, batch {tuple(_x.shape)}, scales {_scales}", rtol=1e-4, atol=1e-6)
        check_close(_out.sum(1), torch.ones(_N), "rows of probabilities summed", rtol=1e-5, atol=1e-5)
with score.aspect("single images: shape (K,) and the same values", 0.3):
    for _model, _x, _scales, _c, _K, _ref in _h_cases():
        _one = multiscale_predict(_model, _x[-1].clone(), _scales, _c)
        assert tuple(_one.shape) == (_K,), f"multiscale_predict of one image: shape {tuple(_one.shape)}, expected {(_K,)}"
        check_close(_one, _ref[-1], "multiscale_predict of one image", rtol=1e-4, atol=1e-6)
### END HIDDEN TESTS
score.result()

# %% [markdown]
# ### The ten crops of a photograph
#
# The flower photograph at short side 146 and its ten $128 \times 128$ crops, in `ten_crop`'s order. ResNet's
# five test scales, relative to the crop, are $\{1, 1.14, 1.71, 2.14, 2.86\}$: at the largest scale, a crop
# sees about a twelfth of this 3:2 photograph ($224^2/(640 \cdot 959) = 8\%$, as the cell prints; of a 4:3 image,
# $224^2/(640 \cdot 853) = 9\%$, about an eleventh).

# %%
with experiment("the ten crops of a photograph"):
    flower = resize_short_side(photos["flower"], 146)
    crops = ten_crop(flower, 128)
    names = ["top-left", "top-right", "bottom-left", "bottom-right", "centre"]
    show_images([to_display(c) for c in crops], titles=names + [f"{n}, of flip" for n in names], ncols=5, size=2.0)
    plt.show()
    for L in (224, 256, 384, 480, 640):
        h, w = L, int(L * 640 / 427)
        print(f"ResNet test scale {L}: a 427x640 photograph becomes {h}x{w}; the ten 224x224 crops cover "
              f"{224 ** 2 / (h * w):.0%} of it each")

# %% [markdown]
# ## 5. Measured: scale augmentation and test-time averaging on the digits
#
# Back to the network of section 1. We train it again, identically (same initialization, same batches), but
# every training batch now goes through `random_resized_short_side_crop` with crop 16:
#
# - $L \in [16, 20]$: a gentle range (objects at scale 0.8 to 1 of the short side);
# - $L \in [18, 34]$: ResNet's ratios $[256/224, 480/224]$ applied to our crop of 16.
#
# At test time we compare, for each model: the plain $16 \times 16$ image (what section 1 measured), the centre
# crop of the image resized to the middle of the training range, and the average over five crops (no flips) and
# over ten crops (with flips) at that scale. For the $[16, 20]$ model we add the ten-crop average over the scales
# 16, 18 and 20, and for the $[18, 34]$ model the one over ResNet's five scales $\{224, 256, 384, 480, 640\} \cdot
# 16/224 \approx \{16, 18, 27, 34, 46\}$. Each costs ten (or fifty) forward passes per image, so these protocols use
# every third validation image (300).

# %%
with experiment("scale augmentation and test-time averaging on the digits"):
    X_tta, y_tta = X_val[::3], y_val[::3]  # every third validation image (300): test-time averaging is expensive

    def accuracy(probs, labels):
        return float((probs.argmax(dim=1) == labels).float().mean())

    def test_protocols(model, L_mid, scales=None, resnet=False):
        """Accuracy on X_tta under several test-time protocols (the multi-scale ones only when asked)."""
        with torch.no_grad():
            crops = ten_crop(resize_short_side(X_tta, L_mid), 16)  # (10, N, 1, 16, 16)
            p = F.softmax(model(crops.reshape(-1, 1, 16, 16)), dim=1).reshape(10, len(X_tta), -1)
            res = {"full 16x16 image": accuracy(model(X_tta), y_tta),
                   f"centre crop at L={L_mid}": accuracy(p[4], y_tta),
                   f"5 crops (no flips) at L={L_mid}": accuracy(p[:5].mean(0), y_tta),
                   f"10 crops at L={L_mid}": accuracy(p.mean(0), y_tta)}
            if scales:
                res[f"10 crops x scales {tuple(scales)}"] = accuracy(multiscale_predict(model, X_tta, scales, 16), y_tta)
            if resnet:
                res["10 crops x ResNet's 5 scales"] = accuracy(multiscale_predict(model, X_tta, (16, 18, 27, 34, 46), 16), y_tta)
        return res

    settings = {"scale 16-20": (16, 20), "scale 18-34 (ResNet's ratios)": (18, 34)}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for name, (lo, hi) in tqdm(settings.items(), desc="training", leave=False):
            models[name], curves[name] = train_digits(
                lambda x, g, lo=lo, hi=hi: random_resized_short_side_crop(x, lo, hi, 16, generator=g))
        protocols = {"none": test_protocols(models["none"], 18),
                     "scale 16-20": test_protocols(models["scale 16-20"], 18, (16, 18, 20)),
                     "scale 18-34 (ResNet's ratios)": test_protocols(models["scale 18-34 (ResNet's ratios)"], 26, resnet=True)}
    finally:
        torch.set_num_threads(threads)
    print(f"{'training augmentation':30s} {'train acc':>9s} {'val acc':>8s} {'gap':>6s} {'train loss':>10s} {'val loss':>8s}")
    for name in ["none", *settings]:
        c = curves[name]
        print(f"{name:30s} {c['train_acc'][-1]:9.3f} {c['val_acc'][-1]:8.3f} {c['train_acc'][-1] - c['val_acc'][-1]:6.3f} "
              f"{c['train_loss'][-1]:10.4f} {c['val_loss'][-1]:8.3f}")
    print(f"\ntest-time protocols, accuracy on {len(X_tta)} validation images (L: the middle of the training range; "
          "18 for the model trained without augmentation)")
    for name, res in protocols.items():
        print(f"  {name}")
        for k, v in res.items():
            print(f"    {k:40s} {v:.3f}")
    short = {"none": "base", "scale 16-20": "scale", "scale 18-34 (ResNet's ratios)": "resnet"}
    for name, key in short.items():
        c = curves[name]
        quote(f"{key}_train_acc", c["train_acc"][-1])
        quote(f"{key}_val_acc", c["val_acc"][-1])
        quote(f"{key}_gap_points", 100 * (c["train_acc"][-1] - c["val_acc"][-1]))
        quote(f"{key}_train_loss", c["train_loss"][-1])
        quote(f"{key}_val_loss", c["val_loss"][-1])
    pn, ps, pr = protocols["none"], protocols["scale 16-20"], protocols["scale 18-34 (ResNet's ratios)"]
    quote("five_vs_centre_max_points", 100 * max(abs(p["5 crops (no flips) at L=18"] - p["centre crop at L=18"]) for p in (pn, ps)))
    quote("mirror_cost_scale_points", 100 * (ps["5 crops (no flips) at L=18"] - ps["10 crops at L=18"]))
    quote("mirror_cost_none_points", 100 * (pn["5 crops (no flips) at L=18"] - pn["10 crops at L=18"]))
    quote("scale_tencrop_acc", ps["10 crops at L=18"])
    quote("scale_multiscale_acc", ps["10 crops x scales (16, 18, 20)"])
    quote("scale_full_acc", ps["full 16x16 image"])
    quote("scale_full_behind_best_points", 100 * (max(ps.values()) - ps["full 16x16 image"]))
    quote("resnet_centre_acc", pr["centre crop at L=26"])
    quote("resnet_corner_cost_points", 100 * (pr["centre crop at L=26"] - pr["5 crops (no flips) at L=26"]))
    quote("resnet_tencrop_acc", pr["10 crops at L=26"])
    quote("resnet_multiscale_acc", pr["10 crops x ResNet's 5 scales"])
    plot_curves({k: curves[k] for k in ["none", *settings]}, title="digits:")

# %% [markdown]
# **What we measured** (the numbers are this run's, seed 0; where the runs differ, the range over our ten runs follows in
# parentheses; the claims table in the summary has every seed). Scale augmentation with $L \in [16, 20]$ lowers the
# **validation loss** to 0.23<!-- quote: scale_val_loss ±0.06 --> (0.19 to 0.40), below the unaugmented network's in every
# one of our ten runs, and narrows the gap to 6.9<!-- quote: scale_gap_points ±3 --> points (4.5 to 9.9; narrower than
# without augmentation in nine of ten runs). The validation **accuracy** moves less than the loss: it ends at
# 0.931<!-- quote: scale_val_acc ±0.04 --> (0.89 to 0.94), but its change
# against no augmentation ranged from $-2.7$ to $+3.5$ points over the runs, about the noise of one seed, so on 150
# digits this augmentation buys better-calibrated predictions more surely than more correct ones. The training images are
# still almost all classified correctly (training accuracy 1.000<!-- quote: scale_train_acc ±0.02 --> here, 0.98 to 1.000
# over the seeds), but the training loss is ten times higher or more (0.04<!-- quote: scale_train_loss ±0.03 -->, 0.04 to
# 0.08 over the runs):
# the network can no longer memorize them pixel by pixel.
#
# ResNet's own ratios, $L \in [18, 34]$, are too strong for digits that fill their frame: training accuracy falls to
# 0.853<!-- quote: resnet_train_acc ±0.06 --> (0.82 to 0.93; training loss 0.48<!-- quote: resnet_train_loss ±0.08 -->, 0.52
# with another correct draw order) and validation accuracy to 0.804<!-- quote: resnet_val_acc ±0.05 --> (0.79 to 0.87),
# *worse* than no augmentation in every run. Its gap is no
# guide here: about 5<!-- quote: resnet_gap_points ±5 --> points in this run, it ranged from 1 to 10 points over the seeds,
# sometimes below and sometimes above the gap of $[16, 20]$. A gap can shrink because the network fits nothing well; that
# is underfitting, not regularization, and only the validation accuracy and loss tell the two apart.
#
# **Test-time averaging** (300 validation images, so differences under about 3 points are noise) does not reproduce
# the gains reported for ImageNet. For none of these three models did ten crops beat the best single view, with any
# seed. The five unflipped crops at $L = 18$ agree with the centre crop (within 2<!-- quote: five_vs_centre_max_points ≤ -->
# points, for the scale-augmented model and the unaugmented one alike); adding the five mirrored crops **costs points**,
# 5<!-- quote: mirror_cost_scale_points ±4 --> for the scale-augmented model (3 to 8 over the seeds and the draw orders) and
# 6.7<!-- quote: mirror_cost_none_points ±5 --> without augmentation (5 to 15), because neither network has ever seen a
# mirrored digit. Averaging over the scales 16, 18 and 20 (ten crops each, mirrors included) did not help either
# (0.87<!-- quote: scale_multiscale_acc ±0.03 -->, 0.84 to 0.89, below the plain image in every run), and the plain $16 \times 16$
# image was at most 3<!-- quote: scale_full_behind_best_points ≤ --> points behind the best protocol. For the model
# trained with ResNet's ratios, the corner crops at $L = 26$ cut off large parts of the digit (five crops score below the
# centre crop in every run, by 3 to 31 points, 8<!-- quote: resnet_corner_cost_points ±8 --> here), ten crops fall to about
# 0.5<!-- quote: resnet_tencrop_acc ±0.1 --> (0.37 to 0.73 over the ten runs), and ResNet's five scales bring it back to about
# 0.76<!-- quote: resnet_multiscale_acc ±0.1 -->, not clearly above its centre crop (0.76<!-- quote: resnet_centre_acc ±0.06 --> here,
# 0.76 to 0.88 over the ten runs): over the runs and the correct draw orders we tried, the five scales ranged from 20
# points below the centre crop to 1.3 above it, within the noise of 300 images. So on this data the notes' test-time recipe **does not help**; section 8 checks whether it does once the network
# has been trained with flips.
#
# **Q2.** Why does the range $[18, 34]$, ResNet's own ratios, hurt here when it helps on ImageNet?
#
# <details><summary>Answer</summary>
#
# An ImageNet photograph shows its object somewhere in a larger scene, at all sorts of sizes; a crop of half the
# short side usually still contains (most of) the object, and learning to recognize objects at several scales is
# exactly what the test images require. A scikit-learn digit fills its $8 \times 8$ frame: at $L = 34$ a
# $16 \times 16$ crop shows less than half of the digit's height, often not enough to tell a 3 from an 8, so many
# training examples become ambiguous or wrongly labelled, and the scales seen in training (0.47 to 0.89) no longer
# contain the scale of the test images (1). A good augmentation range produces images that could plausibly occur
# at test time with the same label.
# </details>
#
# **Q3.** The ten-crop average helped none of the three models here, and the flips in it hurt. Why, and when would you
# expect ten crops to help?
#
# <details><summary>Answer</summary>
#
# Half of the ten crops are mirrored digits, which the networks never saw in training and which for most classes
# look like no digit (section 2): averaging in five corrupted opinions can only dilute the five good ones. The five
# unflipped crops barely differ from each other (they are shifted by at most a pixel or two at $L = 18$), so
# their average adds little over the centre crop. Ten-crop testing pays off when (i) the flips are label-preserving
# and were used in training, and (ii) the crops genuinely see different parts of a larger image, so that a
# mistake on one crop is not repeated on the others: the situation of ImageNet classification with $224 \times
# 224$ crops of $256 \times 341$ images. It costs ten forward passes per image (fifty with five scales).
# </details>

# %% [markdown]
# ## 6. Colour: jitter and PCA
#
# ### Colour jitter
#
# The colour of an object depends on the light. Colour jitter changes brightness, contrast and saturation by
# random factors near 1; we use the definitions of `torchvision.transforms.functional` (`adjust_brightness`,
# `adjust_contrast`, `adjust_saturation`), each a blend of the image $x$ with a reference image, clamped to
# $[0, 1]$:
#
# $$ \operatorname{blend}(x, r, f) = \operatorname{clamp}_{[0,1]}\big(f\,x + (1 - f)\,r\big), \qquad
#    \operatorname{gray}(x) = 0.2989\,R + 0.587\,G + 0.114\,B , $$
#
# | adjustment | reference $r$ | factor $f = 0$ gives | $f = 1$ | $f > 1$ |
# | --- | --- | --- | --- | --- |
# | brightness | black, $0$ | black | $x$ | brighter |
# | contrast | the mean of $\operatorname{gray}(x)$ over the whole image (one number per image) | flat grey | $x$ | more contrast |
# | saturation | $\operatorname{gray}(x)$, pixel by pixel | greyscale | $x$ | more vivid colours |
#
# The weights of $\operatorname{gray}$ are ITU-R 601's luma (the eye is most sensitive to green). For a
# one-channel image, $\operatorname{gray}(x) = x$. We apply the three in that order (brightness, contrast,
# saturation), **clamping after each**, as the three torchvision functions do; a random jitter draws each factor
# uniformly from $[1 - \delta, 1 + \delta]$ (`torchvision.transforms.ColorJitter(0.4, 0.4, 0.4)` uses $\delta = 0.4$
# and also applies the three in a random order; only given a fourth argument, `hue`, does it change the hue too).
#
# ### Exercise: `color_jitter`
#
# Implement `color_jitter(img, brightness, contrast, saturation)` with the three **factors** given (the
# randomness lives in the caller). Keep the colour axis: for an image it is axis 0, for a batch axis 1; in
# both it is `-3`, and the contrast mean is over the last three axes (`dim=(-3, -2, -1)`, one mean per image).

# %% nbgrader={"grade": false, "grade_id": "color_jitter", "locked": false, "schema_version": 3, "solution": true, "task": false}
def color_jitter(img, brightness=1.0, contrast=1.0, saturation=1.0):
    """Adjust brightness, then contrast, then saturation by the given factors (torchvision's definitions).

        blend(x, r, f) = clamp(f * x + (1 - f) * r, 0, 1)
        gray(x)        = 0.2989 R + 0.587 G + 0.114 B  (x itself for a one-channel image), shape (..., 1, H, W)
        x = blend(x, 0, brightness)
        x = blend(x, mean of gray(x) over each image (one number per image), contrast)
        x = blend(x, gray(x), saturation)

    Inputs:
    - img: float tensor (C, H, W) or (N, C, H, W) in [0, 1], with C = 3 (RGB) or C = 1.
    - brightness, contrast, saturation: non-negative floats; 1 leaves the image unchanged.

    Returns:
    - tensor of the same shape, dtype and device, values in [0, 1].
    """
    ### BEGIN SOLUTION
    def gray(x):
        if x.shape[-3] == 1:
            return x
        r, g, b = x.unbind(dim=-3)
        return (0.2989 * r + 0.587 * g + 0.114 * b).unsqueeze(-3)

    def blend(x, ref, f):
        return (f * x + (1 - f) * ref).clamp(0, 1)

    out = blend(img, torch.zeros_like(img), brightness)
    out = blend(out, gray(out).mean(dim=(-3, -2, -1), keepdim=True), contrast)
    out = blend(out, gray(out), saturation)
    return out
    ### END SOLUTION


# %% [markdown]
# ### Visible tests (2 points)
#
# Worked by hand (one row, or one or two pixels):
#
# | image | factors (b, c, s) | result | why |
# | --- | --- | --- | --- |
# | grey row $(0.2, 0.4, 0.8)$ | $(1.5, 1, 1)$ | $(0.3, 0.6, 1.0)$ | $1.5 \cdot 0.8 = 1.2$ is clamped to 1 |
# | pixels red $(1, 0, 0)$ and blue $(0, 0, 1)$ | $(1, 0.5, 1)$ | red $(0.603, 0.103, 0.103)$, blue $(0.103, 0.103, 0.603)$ | gray: $0.2989$ and $0.114$, mean $m = 0.2064$; $0.5\,x + 0.5\,m$ |
# | red $(1, 0, 0)$ | $(1, 1, 0)$ | $(0.2989, 0.2989, 0.2989)$ | saturation 0 is greyscale |
# | red $(1, 0, 0)$ | $(1, 1, 2)$ | $(1, 0, 0)$ | $2x - 0.2989$ clamps to $(1, 0, 0)$ |
# | orange $(0.8, 0.4, 0)$ | $(2, 0.5, 1)$ | $(0.884, 0.784, 0.384)$ | brightness gives $(1.6, 0.8, 0)$, clamped to $(1, 0.8, 0)$; gray $0.7685$; $0.5\,x + 0.5 \cdot 0.7685$ |
# | pixels $(0.9, 0.6, 0.2)$ and $(0.2, 0.3, 0.5)$ | $(1, 2, 0.5)$ | $(0.864, 0.730, 0.364)$ and $(0.069, 0.135, 0.335)$ | gray $0.644$ and $0.293$, mean $0.4684$; contrast: $2x - 0.4684$, clamped to $(1, 0.732, 0)$ and $(0, 0.132, 0.532)$; their gray, recomputed: $0.728$ and $0.138$; $0.5\,x + 0.5\,\operatorname{gray}$ |
#
# In the orange row, clamping only at the very end would give $(1, 0.874, 0.474)$ instead: clamping after each
# step matters; and the contrast mean is the gray of the image **after** brightness (taken from the original
# orange, gray $0.474$, it would give $(0.737, 0.637, 0.237)$). In the last row, leaving out the clamp after the
# contrast step gives $(1, 0.776, 0.376)$ and $(0.024, 0.124, 0.324)$, and using for the saturation step the gray of
# the image before the contrast step ($0.644$ and $0.293$) gives $(0.822, 0.688, 0.322)$ and $(0.146, 0.212, 0.412)$:
# each step takes its reference from the image the previous step returned. The contrast mean is per image: a batch
# of two images must give each image its own mean.

# %% nbgrader={"grade": true, "grade_id": "test_color_jitter_visible", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def _jitter_steps(x, b, c, s, *, contrast_clamp=True, contrast_mean_of=None, contrast_per_pixel=False,
                  saturation_gray_of=None, saturation_channel_mean=False):
    """The three blends written out (the test's own oracle); a keyword changes one step into a named mistake."""
    def gray(v):
        return v if v.shape[-3] == 1 else 0.2989 * v[..., 0:1, :, :] + 0.587 * v[..., 1:2, :, :] + 0.114 * v[..., 2:3, :, :]
    y = (b * x).clamp(0, 1)
    ref = gray(y if contrast_mean_of is None else contrast_mean_of)
    y = c * y + (1 - c) * (ref if contrast_per_pixel else ref.mean(dim=(-3, -2, -1), keepdim=True))
    y = y.clamp(0, 1) if contrast_clamp else y
    ref = y.mean(dim=-3, keepdim=True) if saturation_channel_mean else gray(y if saturation_gray_of is None else saturation_gray_of)
    return (s * y + (1 - s) * ref).clamp(0, 1)


# the table above, computed (a table worked by hand is checked, not trusted): the red/blue contrast row, the orange
# row with the clamp after each step and only at the end, and the two-pixel row with its named mistakes
_cl = torch.tensor([1.0, 0.8, 0.0])
_gl = float(0.2989 * _cl[0] + 0.587 * _cl[1] + 0.114 * _cl[2])
check_close(torch.tensor([0.5 + 0.5 * (0.2989 + 0.114) / 2, 0.5 * (0.2989 + 0.114) / 2]), torch.tensor([0.603, 0.103]),
            "the table's contrast row", rtol=0, atol=5e-4)
check_close(torch.tensor([_gl]), torch.tensor([0.7685]), "the table's gray of the clamped orange", rtol=0, atol=5e-5)
check_close(0.5 * _cl + 0.5 * _gl, torch.tensor([0.884, 0.784, 0.384]), "the table's orange row", rtol=0, atol=5e-4)
check_close((0.8 * torch.tensor([1.0, 0.5, 0.0]) + 0.5 * (0.2989 * 1.6 + 0.587 * 0.8)).clamp(0, 1), torch.tensor([1.0, 0.874, 0.474]),
            "the text's clamp-at-the-end value", rtol=0, atol=5e-4)
_two_px = torch.tensor([[0.9, 0.2], [0.6, 0.3], [0.2, 0.5]]).reshape(3, 1, 2)  # two pixels, (0.9, 0.6, 0.2) and (0.2, 0.3, 0.5)
_orange = torch.tensor([0.8, 0.4, 0.0]).reshape(3, 1, 1)
for _got, _want, _what in [
        (_jitter_steps(_two_px, 1.0, 2.0, 0.5), [[0.864, 0.069], [0.730, 0.135], [0.364, 0.335]], "the table's two-pixel row"),
        (_jitter_steps(_two_px, 1.0, 2.0, 0.5, contrast_clamp=False), [[1.0, 0.024], [0.776, 0.124], [0.376, 0.324]],
         "the text's value without the clamp after contrast"),
        (_jitter_steps(_two_px, 1.0, 2.0, 0.5, saturation_gray_of=_two_px), [[0.822, 0.146], [0.688, 0.212], [0.322, 0.412]],
         "the text's value with the gray of the image before contrast"),
        (_jitter_steps(_orange, 2.0, 0.5, 1.0, contrast_mean_of=_orange), [[0.737], [0.637], [0.237]],
         "the text's value with the contrast mean of the original orange"),
        (_jitter_steps(_orange, 2.0, 0.5, 1.0), [[0.884], [0.784], [0.384]], "the table's orange row (the oracle)")]:
    check_close(_got, torch.tensor(_want).reshape(_got.shape), _what, rtol=0, atol=5e-4)
_MEAN_AFTER = "the contrast mean must be taken after the brightness step, from the adjusted (and clamped) image, not the original"
_GRAY_AGAIN = ("gray(x) must be recomputed after the contrast step, for the saturation step (you reused the gray of the image "
               "before contrast)")
score = Aspects("color_jitter", points=2)
_rb = torch.tensor([[[1.0, 0.0]], [[0.0, 0.0]], [[0.0, 1.0]]])  # (3, 1, 2): a red and a blue pixel
_m = (0.2989 + 0.114) / 2
_red = torch.tensor([1.0, 0.0, 0.0]).reshape(3, 1, 1)
with score.aspect("brightness 1.5 on the grey row (0.2, 0.4, 0.8): multiplied, clamped to [0, 1]", 0.3):
    _row = torch.tensor([0.2, 0.4, 0.8]).reshape(1, 1, 3).repeat(3, 1, 1)  # an RGB grey row: R = G = B

    def _rgb(values):
        return torch.tensor(values).reshape(1, 1, 3).repeat(3, 1, 1)

    _out = color_jitter(_row.clone(), 1.5, 1.0, 1.0)
    assert isinstance(_out, torch.Tensor) and tuple(_out.shape) == (3, 1, 3), f"color_jitter changed the shape of a (3, 1, 3) image"
    check_close(_out, _rgb([0.3, 0.6, 1.0]), "brightness 1.5 on the grey row (0.2, 0.4, 0.8)", atol=1e-6, suspects={
        "the values were not clamped to [0, 1] (1.5 * 0.8 = 1.2)": _rgb([0.3, 0.6, 1.2]),
        "brightness was added (x + (f - 1)) instead of multiplied (f * x)": _rgb([0.7, 0.9, 1.0]),
        "brightness was added and not clamped": _rgb([0.7, 0.9, 1.3]),
    })
with score.aspect("contrast 0.5 on a red and a blue pixel: blended with ONE number, the mean of gray(x)", 0.4):
    check_close(color_jitter(_rb.clone(), 1.0, 0.5, 1.0), 0.5 * _rb + 0.5 * _m, "contrast 0.5 on a red and a blue pixel", atol=1e-6, suspects={
        "the contrast reference is the mean of each colour channel; it is ONE number per image, the mean of gray(x)":
            0.5 * _rb + 0.5 * _rb.mean(dim=(-2, -1), keepdim=True),
        "the contrast reference is the plain mean of all values; it is the mean of gray(x) = 0.2989 R + 0.587 G + 0.114 B":
            0.5 * _rb + 0.5 * _rb.mean(),
        "the contrast reference is gray(x) pixel by pixel; that is saturation. Contrast uses the MEAN of gray(x)":
            0.5 * _rb + 0.5 * torch.tensor([[[0.2989, 0.114]]]),
    })
with score.aspect("saturation 0 and 2 on a red pixel: greyscale with the luma weights; clamped", 0.3):
    check_close(color_jitter(_red.clone(), 1.0, 1.0, 0.0), torch.full((3, 1, 1), 0.2989), "saturation 0 on a red pixel (greyscale)", atol=1e-6, suspects={
        "gray(x) used equal weights (the channel mean); the luma weights are 0.2989 R + 0.587 G + 0.114 B": torch.full((3, 1, 1), 1 / 3),
        "saturation 0 should give gray(x) in every channel": _red,
    })
    check_close(color_jitter(_red.clone(), 1.0, 1.0, 2.0), _red, "saturation 2 on a red pixel", atol=1e-6, suspects={
        "the values were not clamped to [0, 1]": 2 * _red - 0.2989,
    })
with score.aspect("the order brightness, contrast, saturation, with a clamp after EACH step (the orange pixel)", 0.3):
    _orange = torch.tensor([0.8, 0.4, 0.0]).reshape(3, 1, 1)
    _clamped = torch.tensor([1.0, 0.8, 0.0]).reshape(3, 1, 1)
    _g = 0.2989 * 1.0 + 0.587 * 0.8
    _g_unclamped = 0.2989 * 1.6 + 0.587 * 0.8
    check_close(color_jitter(_orange.clone(), 2.0, 0.5, 1.0), 0.5 * _clamped + 0.5 * _g, "brightness 2 then contrast 0.5 on an orange pixel", atol=1e-6, suspects={
        "you clamped only at the end, or applied contrast before brightness (the two give the same here): the order is "
        "brightness, contrast, saturation, with a clamp to [0, 1] after EACH (as torchvision's adjust_* functions do)":
            (0.5 * 2 * _orange + 0.5 * _g_unclamped).clamp(0, 1),
        _MEAN_AFTER: _jitter_steps(_orange, 2.0, 0.5, 1.0, contrast_mean_of=_orange),
    })
    check_close(color_jitter(_two_px.clone(), 1.0, 2.0, 0.5), _jitter_steps(_two_px, 1.0, 2.0, 0.5),
                "contrast 2 then saturation 0.5 on two pixels (0.9, 0.6, 0.2) and (0.2, 0.3, 0.5)", atol=1e-6, suspects={
                    "the values were not clamped after the contrast step (2x - 0.4684 leaves [0, 1]): clamp to [0, 1] after "
                    "EACH step, contrast included": _jitter_steps(_two_px, 1.0, 2.0, 0.5, contrast_clamp=False),
                    _GRAY_AGAIN: _jitter_steps(_two_px, 1.0, 2.0, 0.5, saturation_gray_of=_two_px),
                    "the contrast reference is gray(x) pixel by pixel; that is saturation. Contrast uses the MEAN of gray(x)":
                        _jitter_steps(_two_px, 1.0, 2.0, 0.5, contrast_per_pixel=True),
                    "saturation blends with the plain channel mean; its reference is gray(x) = 0.2989 R + 0.587 G + 0.114 B":
                        _jitter_steps(_two_px, 1.0, 2.0, 0.5, saturation_channel_mean=True),
                })
with score.aspect("a batch of two images: each image its own contrast mean", 0.3):
    _two = torch.stack([_rb, 0.5 * torch.ones(3, 1, 2)])  # a batch of two images
    try:
        _out = color_jitter(_two.clone(), 1.0, 0.5, 1.0)
    except NotImplementedError:
        raise
    except (RuntimeError, IndexError, ValueError) as err:
        raise AssertionError(f"color_jitter crashed on a (2, 3, 1, 2) batch ({type(err).__name__}: {err}): take the "
                             "channels from the channel axis counted from the end, x[..., 0:1, :, :] or x.unbind(-3) "
                             "(x[0] is the first IMAGE of a batch)") from None
    assert tuple(_out.shape) == (2, 3, 1, 2), f"color_jitter changed the shape of a (2, 3, 1, 2) batch to {tuple(_out.shape)}"
    check_close(_out[1], 0.5 * torch.ones(3, 1, 2), "contrast 0.5 on the second (flat grey) image of a batch", atol=1e-4, suspects={
        "the contrast mean was taken over the whole batch: each image has its own mean (dim=(-3, -2, -1))":
            torch.full((3, 1, 2), 0.25 + 0.5 * float((_two[:, :1] * 0.2989 + _two[:, 1:2] * 0.587 + _two[:, 2:] * 0.114).mean())),
    })
    check_close(_out[0], 0.5 * _rb + 0.5 * _m, "contrast 0.5 on the first image of a batch", atol=1e-6)
with score.aspect("factors 1 are the identity; float64 stays float64; a one-channel image (gray(x) = x)", 0.1):
    _x = torch.rand(3, 4, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    check_close(color_jitter(_x.clone()), _x, "color_jitter with all factors 1 (the identity)", atol=1e-12)
    _o = color_jitter(_x.clone(), 1.2, 0.8, 1.3)
    assert _o.dtype == torch.float64, f"color_jitter changed the dtype float64 to {_o.dtype}"
    check_close(color_jitter(torch.tensor([[[0.2, 0.6]]]), 1.0, 0.5, 3.0), torch.tensor([[[0.3, 0.5]]]),
                "a one-channel image (gray(x) = x): contrast 0.5, saturation has no effect", atol=1e-6, suspects={
                    _GRAY_AGAIN: _jitter_steps(torch.tensor([[[0.2, 0.6]]]), 1.0, 0.5, 3.0,
                                               saturation_gray_of=torch.tensor([[[0.2, 0.6]]]))})
with score.aspect("the device kept: a tensor on PyTorch's meta device (no data, like a GPU tensor for NumPy) gives a "
                  "meta tensor", 0.1):
    check_close(color_jitter(_red.clone(), 1.0, 1.0, 0.0), torch.full((3, 1, 1), 0.2989), "saturation 0 on a red pixel "
                "(this aspect also checks the values: fix them first)", atol=1e-6)
    try:
        _meta = color_jitter(torch.empty(2, 3, 4, 5, device="meta"), 1.2, 0.8, 1.3)
    except NotImplementedError:
        raise
    except Exception as err:  # noqa: BLE001 - NumPy cannot read a meta (or GPU) tensor
        raise AssertionError(f"color_jitter crashed on a tensor of the meta device ({type(err).__name__}: {err}): stay in "
                             "torch (clamp, mean, unbind); NumPy cannot read a GPU tensor either") from None
    assert isinstance(_meta, torch.Tensor) and _meta.device.type == "meta" and tuple(_meta.shape) == (2, 3, 4, 5), (
        f"color_jitter of a (2, 3, 4, 5) meta tensor gave {type(_meta).__name__} {tuple(getattr(_meta, 'shape', ()))} on "
        f"{getattr(_meta, 'device', '?')}: keep the shape and the device")
with score.aspect("the input is not modified (color_jitter returns a new tensor)", 0.2):
    _orange = torch.tensor([0.8, 0.4, 0.0]).reshape(3, 1, 1)
    _o = color_jitter(_orange, 2.0, 0.5, 1.5)
    _g = 0.2989 * 1.0 + 0.587 * 0.8
    _c = 0.5 * torch.tensor([1.0, 0.8, 0.0]).reshape(3, 1, 1) + 0.5 * _g
    _gc = 0.2989 * _c[0] + 0.587 * _c[1] + 0.114 * _c[2]
    _ce = 2.0 * torch.tensor([0.8, 0.4, 0.0]).reshape(3, 1, 1)  # clamped only at the end: brightness not clamped
    _ce = 0.5 * _ce + 0.5 * (0.2989 * _ce[0] + 0.587 * _ce[1] + 0.114 * _ce[2])
    _ce = (1.5 * _ce - 0.5 * (0.2989 * _ce[0] + 0.587 * _ce[1] + 0.114 * _ce[2])).clamp(0, 1)
    _fresh = torch.tensor([0.8, 0.4, 0.0]).reshape(3, 1, 1)  # the orange pixel, whatever color_jitter did to _orange
    check_close(_o, (1.5 * _c - 0.5 * _gc).clamp(0, 1), "color_jitter(orange, 2, 0.5, 1.5) (this aspect also checks "
                "the values: fix them first)", atol=1e-6, suspects={
                    "you clamped only at the end: clamp to [0, 1] after EACH step (brightness, contrast, saturation), "
                    "as the aspect on the order says; fix the values first": _ce,
                    f"{_MEAN_AFTER}; fix the values first": _jitter_steps(_fresh, 2.0, 0.5, 1.5, contrast_mean_of=_fresh),
                    f"{_GRAY_AGAIN}; fix the values first":
                        _jitter_steps(_fresh, 2.0, 0.5, 1.5, saturation_gray_of=(2.0 * _fresh).clamp(0, 1))})
    check_close(_orange, torch.tensor([0.8, 0.4, 0.0]).reshape(3, 1, 1), "the input after color_jitter(img, 2, 0.5, 1.5)",
                atol=1e-6, suspects={
                    "color_jitter modified its input in place (x.mul_, clamp_, x *= ...): work on a new tensor":
                        torch.tensor([1.0, 0.8, 0.0]).reshape(3, 1, 1)})  # what an in-place brightness step leaves
score.result()

# %% [markdown]
# ### Hidden tests (2 points)
#
# When grading, this cell compares `color_jitter` with an independent NumPy implementation of the three blends
# for random images and batches (RGB and grey, float32 and float64) and random factors in $[0, 2]$, including
# factors that push values out of range and factors of exactly 0 (1.4 points), checks shapes, dtypes and that every
# output lies in $[0, 1]$ (0.2), a float64 tensor on the meta device (0.1), and that the input is left unchanged (0.3).

# %% nbgrader={"grade": true, "grade_id": "test_color_jitter_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden: color_jitter against a NumPy implementation for random RGB/grey images and batches, float32/float64, random factors in [0, 2]; outputs in [0, 1], shapes and dtypes kept.
check_close(color_jitter(torch.full((3, 2, 2), 0.5), 1.0, 1.0, 1.0), torch.full((3, 2, 2), 0.5), "color_jitter of a grey image, factors 1")
score = Aspects("color_jitter", points=2)
### BEGIN HIDDEN TESTS
def _h_jitter(a, b, c, s):
    def _luma(v_):
        return v_ if v_.shape[-3] == 1 else (0.2989 * v_[..., 0:1, :, :] + 0.587 * v_[..., 1:2, :, :] + 0.114 * v_[..., 2:3, :, :])
    v_ = np.clip(b * a, 0, 1)
    v_ = np.clip(c * v_ + (1 - c) * _luma(v_).mean(axis=(-3, -2, -1), keepdims=True), 0, 1)
    return np.clip(s * v_ + (1 - s) * _luma(v_), 0, 1)


def _h_cases():
    rs_ = np.random.default_rng(2718)
    for shape_ in [(3, 5, 7), (1, 6, 4), (4, 3, 6, 6), (2, 1, 3, 9), (3, 1, 1), (5, 3, 2, 3)]:
        for dtype_ in (torch.float32, torch.float64):
            for k_ in range(8):
                a_ = rs_.random(shape_)
                f_ = rs_.uniform(0, 2, size=3)
                if k_ == 0:
                    f_[rs_.integers(3)] = 0.0  # a factor of exactly 0 is valid (gray, flat, or black), not "off"
                yield shape_, dtype_, a_, f_


def _h_tol(dtype_):
    return (1e-4, 1e-5) if dtype_ == torch.float32 else (1e-9, 1e-10)


with score.aspect("values against NumPy: random RGB and grey images and batches, factors in [0, 2] (0 included)", 1.4):
    for _shape, _dtype, _a, _f in _h_cases():
        _out = color_jitter(torch.tensor(_a, dtype=_dtype), float(_f[0]), float(_f[1]), float(_f[2]))
        _rt, _at = _h_tol(_dtype)
        check_close(_out, _h_jitter(_a, *_f), f"color_jitter, shape {_shape}, factors {np.round(_f, 3)}", rtol=_rt, atol=_at)
with score.aspect("shape, dtype and the range [0, 1] kept", 0.2):
    for _shape, _dtype, _a, _f in _h_cases():
        _out = color_jitter(torch.tensor(_a, dtype=_dtype), float(_f[0]), float(_f[1]), float(_f[2]))
        _rt, _at = _h_tol(_dtype)
        check_close(_out, _h_jitter(_a, *_f), f"color_jitter, shape {_shape} (this aspect also checks the values: fix "
                    "them first)", rtol=max(_rt, 1e-4), atol=max(_at, 1e-5))
        assert tuple(_out.shape) == _shape and _out.dtype == _dtype, f"color_jitter changed shape or dtype ({_shape}, {_dtype})"
        assert float(_out.min()) >= 0 and float(_out.max()) <= 1, f"color_jitter left [0, 1] ({_shape}, factors {_f})"
with score.aspect("a meta tensor (the device and dtype kept, no NumPy on the way)", 0.1):
    for _shape, _dtype, _a, _f in list(_h_cases())[:16]:
        _out = color_jitter(torch.tensor(_a, dtype=_dtype), float(_f[0]), float(_f[1]), float(_f[2]))
        _rt, _at = _h_tol(_dtype)
        check_close(_out, _h_jitter(_a, *_f), f"color_jitter, shape {_shape} (this aspect also checks the values: fix "
                    "them first)", rtol=max(_rt, 1e-4), atol=max(_at, 1e-5))
    for _shape in [(3, 5, 7), (2, 1, 3, 9)]:
        _meta = color_jitter(torch.empty(_shape, device="meta", dtype=torch.float64), 1.3, 0.7, 0.0)
        assert isinstance(_meta, torch.Tensor) and _meta.device.type == "meta" and _meta.dtype == torch.float64 \
            and tuple(_meta.shape) == _shape, f"color_jitter of a float64 meta tensor {_shape} must be a float64 meta tensor {_shape}"
with score.aspect("the input is left unchanged", 0.3):
    for _shape, _dtype, _a, _f in _h_cases():
        _x = torch.tensor(_a, dtype=_dtype)
        _out = color_jitter(_x, float(_f[0]), float(_f[1]), float(_f[2]))
        _rt, _at = _h_tol(_dtype)
        check_close(_out, _h_jitter(_a, *_f), f"color_jitter, shape {_shape} (this aspect also checks the values: fix "
                    "them first)", rtol=max(_rt, 1e-4), atol=max(_at, 1e-5))
        assert torch.equal(_x, torch.tensor(_a, dtype=_dtype)), "color_jitter modified its input"
### END HIDDEN TESTS
score.result()

# %% [markdown]
# ### PCA colour augmentation (AlexNet's "fancy PCA")
#
# Krizhevsky et al. (2012) perturb colours along the directions in which the colours of natural images actually
# vary. Treat every pixel of the training set as a sample $x \in \mathbb{R}^3$ of (R, G, B), and compute the
# $3 \times 3$ covariance matrix of those samples and its eigen-decomposition,
#
# $$ \Sigma = \frac{1}{n - 1} \sum_{\text{pixels}} (x - \bar x)(x - \bar x)^\top = P \Lambda P^\top, \qquad
#    P = [p_1, p_2, p_3], \quad \Lambda = \operatorname{diag}(\lambda_1 \ge \lambda_2 \ge \lambda_3) . $$
#
# The eigenvectors $p_i$ are the **columns** of $P$. For each training image (each time it is used) draw
# $\alpha_i \sim \mathcal N(0, 0.1^2)$, $i = 1, 2, 3$, and add the same colour offset to every pixel:
#
# $$ x \leftarrow x + [p_1, p_2, p_3]\,[\alpha_1 \lambda_1, \alpha_2 \lambda_2, \alpha_3 \lambda_3]^\top
#      = P\,(\alpha \odot \lambda) . $$
#
# The offset moves the image's colour mostly along $p_1$, the direction of largest variation, which for natural
# images is close to $(1, 1, 1)/\sqrt3$: overall intensity. AlexNet credits it with "over 1%" lower top-1 error
# on ImageNet (a claim we cannot test offline). The paper worked with mean-subtracted 0-255 pixels; with our
# $[0, 1]$ pixels we clamp the result to $[0, 1]$. Note that the offset is $\alpha_i \lambda_i$, an eigen**value**
# times a random factor (not a standard deviation $\sqrt{\lambda_i}$): we follow the paper's formula, and measure
# below what size of shift it produces on $[0, 1]$ images.
#
# ### Exercise: `rgb_pca` and `pca_color_augment`
#
# `rgb_pca(images)` computes $\lambda$ (descending) and $P$ (columns) for an image $(3, H, W)$ or a batch
# $(N, 3, H, W)$: arrange the pixels as an $(n, 3)$ matrix (for a batch, move the colour axis first:
# `images.transpose(0, 1).reshape(3, -1)` is $(3, n)$), then `torch.cov` or the formula above, then
# `torch.linalg.eigh`, which returns the eigenvalues in **ascending** order (reverse them, and the columns of $P$
# with them). `pca_color_augment(img, eigvals, eigvecs, alpha)` adds $P(\alpha \odot \lambda)$ to every pixel
# and clamps; for a batch, `alpha` has one row per image.

# %% nbgrader={"grade": false, "grade_id": "pca_color_augment", "locked": false, "schema_version": 3, "solution": true, "task": false}
def rgb_pca(images):
    """Eigen-decomposition of the 3x3 covariance of the RGB values of all pixels.

    Inputs:
    - images: float tensor (3, H, W) or (N, 3, H, W); every pixel of every image is one sample (R, G, B).

    Returns:
    - eigvals: tensor (3,), the eigenvalues of the covariance (normalized by n - 1, like torch.cov and np.cov;
      dividing by n is accepted too) in DESCENDING order.
    - eigvecs: tensor (3, 3) whose COLUMN eigvecs[:, i] is the unit eigenvector of eigvals[i].
    """
    ### BEGIN SOLUTION
    pixels = images.reshape(3, -1) if images.dim() == 3 else images.transpose(0, 1).reshape(3, -1)
    eigvals, eigvecs = torch.linalg.eigh(torch.cov(pixels))
    return eigvals.flip(0), eigvecs.flip(1)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    shift = (alpha * eigvals) @ eigvecs.T  # (3,) or (N, 3): row n is eigvecs @ (alpha[n] * eigvals)
    return (img + shift[..., None, None]).clamp(0, 1)
    ### END SOLUTION


# %% [markdown]
# ### Visible tests (2 points)
#
# **`rgb_pca`.** Four pixels, the mean grey $(0.5, 0.5, 0.5)$ plus $\pm 0.3\,(1, 1, 1)$ and $\pm 0.1\,(1, -1, 0)$.
# The covariance is $\frac13\big[2 \cdot 0.09\,(1,1,1)(1,1,1)^\top + 2 \cdot 0.01\,(1,-1,0)(1,-1,0)^\top\big]$; its
# eigenvectors are $(1,1,1)/\sqrt3$ with $\lambda_1 = \frac13 \cdot 2 \cdot 0.09 \cdot 3 = 0.18$,
# $(1,-1,0)/\sqrt2$ with $\lambda_2 = \frac13 \cdot 2 \cdot 0.01 \cdot 2 = 0.01\overline{3}$, and
# $(1,1,-2)/\sqrt6$ with $\lambda_3 = 0$. (Dividing by $n = 4$ instead of $n - 1$ gives $0.135$ and $0.01$; the
# test accepts both, as the difference vanishes on real images.) Eigenvectors are compared up to sign; reversing
# `eigh`'s eigenvector matrix along its rows (`flip(0)`) instead of its columns leaves the columns in ascending order,
# each with its entries reversed, and the test names that mistake. The same
# four pixels split over a batch of two $1 \times 2$ images, shape $(2, 3, 1, 2)$, must give the same eigenvalues:
# for a batch the colour axis is the second one.
#
# **`pca_color_augment`.** With $\lambda = (0.2, 0.1, 0.05)$, the eigenvectors $p_1 = (0, 0, 1)$, $p_2 = (1, 0, 0)$,
# $p_3 = (0, 1, 0)$ as the columns of $P = \begin{pmatrix} 0&1&0\\0&0&1\\1&0&0 \end{pmatrix}$ and
# $\alpha = (1, -1, 2)$: the offset is $0.2\,p_1 - 0.1\,p_2 + 0.1\,p_3 = (-0.1, 0.1, 0.2)$, so a grey $0.5$
# image becomes $(0.4, 0.6, 0.7)$. Taking the rows of $P$ as eigenvectors would give the offset
# $(0.1, 0.2, -0.1)$; forgetting the eigenvalues, $P\alpha = (-1, 2, 1)$.

# %% nbgrader={"grade": true, "grade_id": "test_pca_color_augment_visible", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
_u = torch.tensor([1.0, 1, 1])
_v = torch.tensor([1.0, -1, 0])
_pixels = torch.stack([0.5 + 0.3 * _u, 0.5 - 0.3 * _u, 0.5 + 0.1 * _v, 0.5 - 0.1 * _v])  # (4, 3)
_img = _pixels.T.reshape(3, 2, 2).contiguous()
_unbiased, _biased = torch.tensor([0.18, 0.04 / 3, 0.0]), torch.tensor([0.135, 0.01, 0.0])
score = Aspects("pca_color_augment", points=2)
with score.aspect("rgb_pca: the eigenvalues of the four-pixel image, descending (n - 1 or n)", 0.4):
    _result = rgb_pca(_img.clone())
    assert isinstance(_result, tuple) and len(_result) == 2, "rgb_pca must return a pair (eigvals, eigvecs)"
    _vals, _vecs = _result
    assert tuple(_vals.shape) == (3,) and tuple(_vecs.shape) == (3, 3), (
        f"eigvals must have shape (3,) and eigvecs (3, 3); got {tuple(_vals.shape)} and {tuple(_vecs.shape)}: is the covariance "
        "3x3 (between the colour channels), not between pixels?")
    if not torch.allclose(torch.as_tensor(_vals).double(), _biased.double(), atol=1e-6):
        check_close(_vals, _unbiased, "eigvals of the four-pixel image", atol=1e-6, suspects={
            "the eigenvalues are in ascending order (torch.linalg.eigh's): return them in DESCENDING order":
                _unbiased.flip(0),
            "the eigenvalues are in ascending order (and divided by n)": _biased.flip(0),
            "the mean colour was not subtracted: that is the matrix of second moments, not the covariance":
                torch.linalg.eigvalsh(_pixels.T @ _pixels / 3).flip(0),
            "the pixels were arranged wrongly: for a (3, H, W) image the samples are the columns of img.reshape(3, -1) "
            "(img.reshape(-1, 3) mixes channels and pixels)": torch.linalg.eigvalsh(torch.cov(_img.reshape(-1, 3).T)).flip(0),
        })
with score.aspect("rgb_pca: the eigenvectors as the COLUMNS of eigvecs, in the order of the eigenvalues (up to sign)", 0.3):
    _vals, _vecs = rgb_pca(_img.clone())
    _eig = [_u / 3 ** 0.5, _v / 2 ** 0.5, torch.tensor([1.0, 1, -2]) / 6 ** 0.5]
    if all(abs(float(torch.as_tensor(_vecs)[:, _i].double() @ _eig[2 - _i].flip(0).double())) > 1 - 1e-5 for _i in range(3)):
        raise AssertionError("you reversed the rows of eigh's eigenvectors (flip(0)); the eigenvectors are its columns: "
                             "reverse them with flip(-1) (eigvecs.flip(1)), as the eigenvalues with flip(0)")
    for _i, _e in enumerate(_eig):
        _col, _row = torch.as_tensor(_vecs)[:, _i].double(), torch.as_tensor(_vecs)[_i, :].double()
        if abs(float(_col @ _e.double())) < 1 - 1e-5:
            _msg = (" (the ROWS of your eigvecs hold the eigenvectors: return them as COLUMNS, eigvecs[:, i])"
                    if abs(float(_row @ _e.double())) > 1 - 1e-5 else
                    " (or the columns are not in the order of the descending eigenvalues)")
            raise AssertionError(f"eigvecs[:, {_i}] is {_col.numpy().round(4)}, expected ±{_e.numpy().round(4)}{_msg}")
with score.aspect("rgb_pca of a batch (N, 3, H, W): the same four pixels split over two images give the same eigenvalues", 0.2):
    _pair = _img.reshape(3, 2, 1, 2).transpose(0, 1).contiguous()  # (2, 3, 1, 2): image k holds row k of the 2x2 image
    _vals_b = torch.as_tensor(rgb_pca(_pair.clone())[0])
    assert tuple(_vals_b.shape) == (3,), f"rgb_pca of a (2, 3, 1, 2) batch returned eigenvalues of shape {tuple(_vals_b.shape)}, expected (3,)"
    if not torch.allclose(_vals_b.double(), _biased.double(), atol=1e-6):
        check_close(_vals_b, _unbiased, "eigvals of the four pixels given as a (2, 3, 1, 2) batch", atol=1e-6, suspects={
            "the batch's pixels were arranged wrongly: images.reshape(3, -1) of an (N, 3, H, W) batch mixes images and "
            "channels; move the colour axis first, images.transpose(0, 1).reshape(3, -1)":
                torch.linalg.eigvalsh(torch.cov(_pair.reshape(3, -1))).flip(0),
            "the batch's pixels were arranged wrongly (and divided by n): images.reshape(3, -1) of an (N, 3, H, W) batch "
            "mixes images and channels; move the colour axis first, images.transpose(0, 1).reshape(3, -1)":
                torch.linalg.eigvalsh(torch.cov(_pair.reshape(3, -1), correction=0)).flip(0),
        })

_P = torch.tensor([[0.0, 1, 0], [0, 0, 1], [1, 0, 0]])
_lam = torch.tensor([0.2, 0.1, 0.05])
_alpha = torch.tensor([1.0, -1, 2])
_grey = torch.full((3, 2, 2), 0.5)
_exp = torch.tensor([0.4, 0.6, 0.7])[:, None, None].expand(3, 2, 2)
with score.aspect("pca_color_augment: the offset eigvecs @ (alpha * eigvals) added to a grey image", 0.5):
    _out = pca_color_augment(_grey.clone(), _lam, _P, _alpha)
    assert isinstance(_out, torch.Tensor) and tuple(_out.shape) == (3, 2, 2), "pca_color_augment changed the shape of a (3, 2, 2) image"
    check_close(_out, _exp, "pca_color_augment of a grey image", atol=1e-6, suspects={
        "the ROWS of eigvecs were used as eigenvectors: they are the COLUMNS (offset = eigvecs @ (alpha * eigvals))":
            (0.5 + torch.tensor([0.1, 0.2, -0.1]))[:, None, None].expand(3, 2, 2),
        "the eigenvalues are missing: the offset is eigvecs @ (alpha * eigvals), not eigvecs @ alpha":
            (0.5 + _P @ _alpha).clamp(0, 1)[:, None, None].expand(3, 2, 2),
        "the eigenvalues are missing and the result was not clamped": (0.5 + _P @ _alpha)[:, None, None].expand(3, 2, 2),
        "you scaled by sqrt(eigvals): AlexNet's (and the notes') offset uses the eigenvalues themselves, alpha_i * lambda_i":
            (0.5 + _P @ (_alpha * _lam.sqrt())).clamp(0, 1)[:, None, None].expand(3, 2, 2),
    })
def _pca_named_mistakes(base, shape):
    """The named mistakes of the offset, for a flat image of value `base` with _lam, _P and _alpha (clamped)."""
    def flat(shift):
        return (base + shift).clamp(0, 1)[:, None, None].expand(shape)
    return {"the ROWS of eigvecs were used as eigenvectors: they are the COLUMNS (offset = eigvecs @ (alpha * eigvals))":
                flat(torch.tensor([0.1, 0.2, -0.1])),
            "the eigenvalues are missing: the offset is eigvecs @ (alpha * eigvals), not eigvecs @ alpha": flat(_P @ _alpha),
            "you scaled by sqrt(eigvals): AlexNet's (and the notes') offset uses the eigenvalues themselves, alpha_i * lambda_i":
                flat(_P @ (_alpha * _lam.sqrt()))}


with score.aspect("pca_color_augment: the result clamped to [0, 1] (near white)", 0.1):
    _bright = torch.full((3, 1, 1), 0.95)
    check_close(pca_color_augment(_bright.clone(), _lam, _P, _alpha), torch.tensor([0.85, 1.0, 1.0])[:, None, None],
                "pca_color_augment near white", atol=1e-6,
                suspects={"the result was not clamped to [0, 1]": torch.tensor([0.85, 1.05, 1.15])[:, None, None],
                          **_pca_named_mistakes(0.95, (3, 1, 1))})
with score.aspect("the device kept: a tensor on PyTorch's meta device (no data, like a GPU tensor for NumPy) gives a "
                  "meta tensor", 0.1):
    check_close(pca_color_augment(_grey.clone(), _lam, _P, _alpha), _exp, "pca_color_augment of a grey image (this aspect "
                "also checks the values: fix them first)", atol=1e-6, suspects=_pca_named_mistakes(0.5, (3, 2, 2)))
    try:
        _meta = pca_color_augment(torch.empty(2, 3, 4, 5, device="meta"), _lam.to("meta"), _P.to("meta"),
                                  torch.empty(2, 3, device="meta"))
    except NotImplementedError:
        raise
    except Exception as err:  # noqa: BLE001 - NumPy cannot read a meta (or GPU) tensor
        raise AssertionError(f"pca_color_augment crashed on tensors of the meta device ({type(err).__name__}: {err}): "
                             "stay in torch (@, clamp); NumPy cannot read a GPU tensor either") from None
    assert isinstance(_meta, torch.Tensor) and _meta.device.type == "meta" and tuple(_meta.shape) == (2, 3, 4, 5), (
        f"pca_color_augment of a (2, 3, 4, 5) meta batch gave {type(_meta).__name__} "
        f"{tuple(getattr(_meta, 'shape', ()))} on {getattr(_meta, 'device', '?')}: keep the shape and the device")
with score.aspect("pca_color_augment of a batch: row n of alpha belongs to image n", 0.2):
    _batch = torch.stack([_grey, _grey])
    _alphas = torch.tensor([[1.0, -1, 2], [0.0, 0, 0]])
    _out = pca_color_augment(_batch.clone(), _lam, _P, _alphas)
    assert tuple(_out.shape) == (2, 3, 2, 2), f"pca_color_augment of a (2, 3, 2, 2) batch returned shape {tuple(_out.shape)}"
    check_close(_out[1], _grey, "pca_color_augment of the second image of a batch, whose alpha is 0", atol=1e-6,
                suspects={"every image got the first image's alpha: row n of alpha belongs to image n": _exp})
    check_close(_out[0], _exp, "pca_color_augment of the first image of a batch", atol=1e-6,
                suspects=_pca_named_mistakes(0.5, (3, 2, 2)))
with score.aspect("the inputs are not modified (rgb_pca's images, pca_color_augment's img); float64 stays float64", 0.2):
    _g = _grey.clone().double()
    _out = pca_color_augment(_g, _lam.double(), _P.double(), _alpha.double())
    check_close(_out, _exp, "pca_color_augment of a float64 grey image (this aspect also checks the values: fix them "
                "first)", atol=1e-6, suspects={k: v.double() for k, v in _pca_named_mistakes(0.5, (3, 2, 2)).items()})
    assert _out.dtype == torch.float64, f"pca_color_augment changed the dtype float64 to {_out.dtype}"
    check_close(_g, _grey, "the image after pca_color_augment(img, ...)", atol=1e-6, suspects={
        "pca_color_augment modified its input in place (img += ..., clamp_): return a new tensor": _exp})
    _im = _img.clone()
    rgb_pca(_im)
    check_close(_im, _img, "the image after rgb_pca(img)", atol=0, rtol=0)
score.result()

# %% [markdown]
# ### Hidden tests (3 points)
#
# When grading, this cell compares `rgb_pca` with NumPy (`np.cov` and `np.linalg.eigh`) on random images and
# batches whose colours are correlated: the eigenvalues (0.7 points; dividing by $n$ instead of $n - 1$ is accepted)
# and, up to sign, the eigenvectors, orthonormal (0.5); and `pca_color_augment` with the closed form
# $\operatorname{clamp}(x + P(\alpha \odot \lambda))$ computed in NumPy for random $\lambda$, orthonormal $P$ and
# $\alpha$, images and batches, float32 and float64 (1.3); shapes, dtypes and the range $[0, 1]$ (0.15); a float64
# batch on the meta device (0.1); the input left unchanged (0.25).

# %% nbgrader={"grade": true, "grade_id": "test_pca_color_augment_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Hidden: rgb_pca against np.cov + np.linalg.eigh (values; vectors up to sign; orthonormal) on correlated random images and batches; pca_color_augment against the closed form clamp(x + P (alpha * lambda)) in NumPy; shapes, dtypes, ranges.
check_close(pca_color_augment(torch.full((3, 1, 1), 0.5), torch.ones(3), torch.eye(3), torch.zeros(3)), torch.full((3, 1, 1), 0.5), "no shift")
score = Aspects("pca_color_augment", points=3)
### BEGIN HIDDEN TESTS
def _h_pca_cases():
    rs_ = np.random.default_rng(1618)
    for shape_ in [(3, 20, 30), (4, 3, 10, 12), (1, 3, 7, 7), (3, 64, 48), (6, 3, 5, 9)]:
        for dtype_ in (torch.float32, torch.float64):
            mix_ = rs_.normal(size=(3, 3)) * np.array([0.3, 0.1, 0.03])[:, None]
            n_ = int(np.prod(shape_)) // 3
            pix_ = np.clip(0.5 + rs_.normal(size=(n_, 3)) @ mix_, 0, 1)  # correlated colours, (n, 3)
            if len(shape_) == 3:
                a_ = pix_.T.reshape(shape_)
            else:
                a_ = pix_.reshape(shape_[0], -1, 3).transpose(0, 2, 1).reshape(shape_)
            ev_, P_ = np.linalg.eigh(np.cov(pix_.T))
            yield shape_, dtype_, n_, a_, ev_[::-1], P_[:, ::-1]


def _h_aug_cases():
    rs_ = np.random.default_rng(1619)
    for shape_ in [(3, 4, 5), (2, 3, 3, 3), (5, 3, 1, 7), (3, 1, 1)]:
        for dtype_ in (torch.float32, torch.float64):
            for _k in range(10):
                a_ = rs_.random(shape_)
                P_ = np.linalg.qr(rs_.normal(size=(3, 3)))[0]
                lam_ = np.sort(rs_.uniform(0, 0.5, size=3))[::-1].copy()
                alpha_ = rs_.normal(0, 0.5, size=(3,) if len(shape_) == 3 else (shape_[0], 3))
                ref_ = np.clip(a_ + ((alpha_ * lam_) @ P_.T)[..., :, None, None], 0, 1)
                yield shape_, dtype_, a_, P_, lam_, alpha_, ref_


def _h_aug(a_, P_, lam_, alpha_, dtype_):
    return pca_color_augment(torch.tensor(a_, dtype=dtype_), torch.tensor(lam_, dtype=dtype_), torch.tensor(P_, dtype=dtype_),
                             torch.tensor(alpha_, dtype=dtype_))


with score.aspect("rgb_pca: the eigenvalues against np.cov + np.linalg.eigh, descending", 0.7):
    for _shape, _dtype, _n, _a, _ev, _P in _h_pca_cases():
        _vals, _vecs = rgb_pca(torch.tensor(_a, dtype=_dtype))
        _tol = 1e-3 if _dtype == torch.float32 else 1e-6
        check_close(_vals, _ev, f"rgb_pca eigenvalues, shape {_shape}, {_dtype}", rtol=max(_tol, 4.0 / _n), atol=1e-7)
with score.aspect("rgb_pca: the eigenvectors (columns, up to sign), orthonormal", 0.5):
    for _shape, _dtype, _n, _a, _ev, _P in _h_pca_cases():
        _vals, _vecs = rgb_pca(torch.tensor(_a, dtype=_dtype))
        _tol = 1e-3 if _dtype == torch.float32 else 1e-6
        _V = to_numpy(_vecs)
        check_close(_V.T @ _V, np.eye(3), "eigvecs^T eigvecs (orthonormal columns)", atol=10 * _tol)
        check_close(np.abs(np.sum(_V * _P, axis=0)), np.ones(3), f"|<eigvecs[:, i], numpy's i-th eigenvector>|, shape {_shape}", atol=10 * _tol)
with score.aspect("pca_color_augment against the closed form clamp(x + P (alpha * lambda)): images and batches", 1.3):
    for _shape, _dtype, _a, _P, _lam, _alpha, _ref in _h_aug_cases():
        _out = _h_aug(_a, _P, _lam, _alpha, _dtype)
        check_close(_out, _ref, f"pca_color_augment, shape {_shape}, {_dtype}", rtol=1e-5, atol=1e-6 if _dtype == torch.float32 else 1e-12)
with score.aspect("pca_color_augment keeps shape and dtype and stays in [0, 1]", 0.15):
    for _shape, _dtype, _a, _P, _lam, _alpha, _ref in _h_aug_cases():
        _out = _h_aug(_a, _P, _lam, _alpha, _dtype)
        check_close(_out, _ref, f"pca_color_augment, shape {_shape} (this aspect also checks the values: fix them first)",
                    rtol=1e-5, atol=1e-6)
        assert tuple(_out.shape) == _shape and _out.dtype == _dtype, f"pca_color_augment changed shape or dtype ({_shape}, {_dtype})"
        assert float(_out.min()) >= 0 and float(_out.max()) <= 1, "pca_color_augment left [0, 1]"
with score.aspect("pca_color_augment of a meta tensor (the device and dtype kept, no NumPy on the way)", 0.1):
    for _shape, _dtype, _a, _P, _lam, _alpha, _ref in list(_h_aug_cases())[:20]:
        check_close(_h_aug(_a, _P, _lam, _alpha, _dtype), _ref, f"pca_color_augment, shape {_shape} (this aspect also "
                    "checks the values: fix them first)", rtol=1e-5, atol=1e-6)
    for _shape, _ashape in [((3, 5, 7), (3,)), ((4, 3, 2, 6), (4, 3))]:
        _meta = pca_color_augment(torch.empty(_shape, device="meta", dtype=torch.float64),
                                  torch.empty(3, device="meta", dtype=torch.float64),
                                  torch.empty(3, 3, device="meta", dtype=torch.float64),
                                  torch.empty(_ashape, device="meta", dtype=torch.float64))
        assert isinstance(_meta, torch.Tensor) and _meta.device.type == "meta" and _meta.dtype == torch.float64 \
            and tuple(_meta.shape) == _shape, f"pca_color_augment of a float64 meta tensor {_shape} must be a float64 meta tensor {_shape}"
with score.aspect("the inputs are left unchanged (pca_color_augment's img, rgb_pca's images)", 0.25):
    for _shape, _dtype, _a, _P, _lam, _alpha, _ref in _h_aug_cases():
        _x = torch.tensor(_a, dtype=_dtype)
        _out = pca_color_augment(_x, torch.tensor(_lam, dtype=_dtype), torch.tensor(_P, dtype=_dtype), torch.tensor(_alpha, dtype=_dtype))
        check_close(_out, _ref, f"pca_color_augment, shape {_shape} (this aspect also checks the values: fix them first)",
                    rtol=1e-5, atol=1e-6)
        assert torch.equal(_x, torch.tensor(_a, dtype=_dtype)), "pca_color_augment modified its input"
    for _shape, _dtype, _n, _a, _ev, _P in _h_pca_cases():
        _x = torch.tensor(_a, dtype=_dtype)
        rgb_pca(_x)
        assert torch.equal(_x, torch.tensor(_a, dtype=_dtype)), "rgb_pca modified its input"
### END HIDDEN TESTS
score.result()

# %% [markdown]
# ### Colour augmentations of real photographs
#
# First the principal colour directions of our three photographs, pooled (a $128 \times 128$ crop of each, resized
# to short side 128 first, to keep it quick), then jittered and PCA-augmented versions of one photograph. For PCA we show AlexNet's
# $\alpha \sim \mathcal N(0, 0.1^2)$ and, to make the direction of the shifts visible, ten times that.

# %%
with experiment("colour augmentation of photographs"):
    small = torch.cat([resize_short_side(p, 128)[..., :128, :128][None] for p in photos.values()])
    eigvals, eigvecs = rgb_pca(small)
    total = float(eigvals.sum())
    print("pooled RGB covariance of the photographs' pixels (values in [0, 1]):")
    for i in range(3):
        print(f"  lambda_{i + 1} = {float(eigvals[i]):.5f} ({float(eigvals[i]) / total:5.1%} of the variance), "
              f"p_{i + 1} = {np.round(eigvecs[:, i].numpy(), 3)}")
    print(f"  angle between p_1 and (1, 1, 1)/sqrt(3): "
          f"{math.degrees(math.acos(abs(float(eigvecs[:, 0].sum()) / 3 ** 0.5))):.1f} degrees")

    gen = torch.Generator().manual_seed(0)
    flower = resize_short_side(photos["flower"], 128)
    factors = 1 + 0.4 * (2 * torch.rand(7, 3, generator=gen) - 1)  # ColorJitter(0.4, 0.4, 0.4)'s ranges
    jittered = [color_jitter(flower, *map(float, f)) for f in factors]
    show_images([to_display(flower)] + [to_display(j) for j in jittered],
                titles=["original"] + [f"b {f[0]:.2f} c {f[1]:.2f} s {f[2]:.2f}" for f in factors.tolist()], ncols=8, size=1.9)
    plt.show()

    alphas = torch.randn(7, 3, generator=gen) * 0.1
    for scale in (1, 10):
        shifted = pca_color_augment(flower.expand(7, -1, -1, -1), eigvals, eigvecs, scale * alphas)
        show_images([to_display(flower)] + [to_display(s) for s in shifted],
                    titles=["original"] + [f"PCA, alpha ~ N(0, {0.1 * scale:g}²)"] * 7, ncols=8, size=1.9)
        plt.show()

    # The size of AlexNet's shift on [0, 1] images: apply it to many copies of a one-pixel mid-grey image.
    alphas = torch.randn(20000, 3, generator=gen, dtype=torch.float64) * 0.1
    shifts = pca_color_augment(torch.full((20000, 3, 1, 1), 0.5, dtype=torch.float64), eigvals.double(),
                               eigvecs.double(), alphas)[..., 0, 0] - 0.5
    predicted = eigvecs.double() @ torch.diag(0.01 * eigvals.double() ** 2) @ eigvecs.double().T
    print(f"\nAlexNet's offset on [0, 1] pixels, 20000 draws: standard deviation per channel (R, G, B) "
          f"{np.round(shifts.std(0).numpy(), 5)}")
    print(f"  predicted sqrt(diag(P diag(0.01 lambda^2) P^T)) = {np.round(predicted.diagonal().sqrt().numpy(), 5)}")
    for i, ch in enumerate("rgb"):
        quote(f"pca_shift_sd_{ch}", shifts.std(0)[i])
        quote(f"pca_pred_sd_{ch}", predicted.diagonal().sqrt()[i])
        quote(f"pca_p1_{ch}", float(eigvecs[i, 0] * eigvecs[0, 0].sign()))  # the sign chosen so that R is positive
        quote(f"pca_p2_{ch}", float(eigvecs[i, 1] * eigvecs[0, 1].sign()))
        quote(f"pca_lambda{i + 1}", eigvals[i])
        quote(f"pca_share{i + 1}", eigvals[i] / total)
    quote("pca_angle_deg", math.degrees(math.acos(abs(float(eigvecs[:, 0].sum())) / 3 ** 0.5)))
    quote("pca_grey_levels", float(shifts.std(0).mean()) * 255)
    quote("pca_sd_p1", eigvals[0].sqrt())
    print(f"  that is {float(shifts.std(0).mean()) * 255:.2f} grey levels out of 255; the pixels' own standard "
          f"deviation along p_1 is {float(eigvals[0].sqrt()):.3f} ({float(eigvals[0].sqrt()) * 255:.0f} grey levels)")

# %% [markdown]
# **What we measured.** The colours of the photographs vary mostly along one direction: $p_1 = \pm$(0.63<!-- quote: pca_p1_r ±0.005 -->,
# 0.55<!-- quote: pca_p1_g ±0.005 -->, 0.54<!-- quote: pca_p1_b ±0.005 -->), 3.9<!-- quote: pca_angle_deg ±0.1 -->° from
# $(1, 1, 1)/\sqrt3$, carries **84.5%<!-- quote: pca_share1 ±0.1 -->** of the variance ($\lambda_1$ =
# 0.229<!-- quote: pca_lambda1 ±0.001 -->); $p_2 \approx \pm$(0.71<!-- quote: pca_p2_r ±0.005 -->,
# −0.14<!-- quote: pca_p2_g ±0.005 -->, −0.69<!-- quote: pca_p2_b ±0.005 -->), a red-blue axis (colour temperature),
# 14.3%<!-- quote: pca_share2 ±0.1 -->; $p_3$, green against magenta, 1.2%<!-- quote: pca_share3 ±0.1 -->. So AlexNet's
# augmentation is mostly a change of brightness plus a little warming or cooling, as the exaggerated row shows.
# At AlexNet's $\alpha \sim \mathcal N(0, 0.1^2)$ the offset is small: its standard deviation per channel is
# 0.0148<!-- quote: pca_shift_sd_r ±0.0003 -->, 0.0127<!-- quote: pca_shift_sd_g ±0.0003 --> and
# 0.0128<!-- quote: pca_shift_sd_b ±0.0003 --> (the prediction $\sqrt{\operatorname{diag}(P \operatorname{diag}(0.01\,\lambda^2)
# P^\top)}$ = 0.0147<!-- quote: pca_pred_sd_r ±0.0001 -->, 0.0127<!-- quote: pca_pred_sd_g ±0.0001 -->,
# 0.0127<!-- quote: pca_pred_sd_b ±0.0001 --> agrees), **about 3.4<!-- quote: pca_grey_levels ±0.15 --> grey levels out of
# 255**, hardly visible in the middle row, against the pixels' own spread of 0.478<!-- quote: pca_sd_p1 ±0.001 --> along
# $p_1$. Because the offset is $\alpha_i\lambda_i$ with $\lambda_i$ a variance, its size depends on the pixel scale;
# implementations apply it to $[0, 1]$ pixels as we do (the ImageNet eigenvalues used by fb.resnet.torch's `Lighting`
# transform, $0.2175, 0.0188, 0.0045$, are on the same scale as ours, 0.229<!-- quote: pca_lambda1 ±0.001 -->,
# 0.039<!-- quote: pca_lambda2 ±0.001 -->, 0.003<!-- quote: pca_lambda3 ±0.0005 -->). Colour jitter with factors in
# $[0.6, 1.4]$ changes the image far more.
# We do not measure either on the digits: they have one channel, and brightness and contrast there are nearly
# constant by construction (scikit-learn's digits are normalized scans).
#
# **Q4.** Why does the PCA augmentation add the *same* offset to every pixel of an image, instead of independent
# noise per pixel?
#
# <details><summary>Answer</summary>
#
# It models a change of illumination (the colour and intensity of the light), which affects the whole image
# alike; AlexNet's motivation is that "object identity is invariant to changes in the intensity and color of the
# illumination". Independent per-pixel noise would model sensor noise instead, a different (and for natural
# images much weaker) invariance, and would mostly destroy fine texture.
# </details>

# %% [markdown]
# ## 7. Translation, rotation, stretching
#
# ### The math
#
# The notes' last line names the geometric augmentations. All three are **affine maps** of the pixel
# coordinates. Measure positions in pixels from the image centre, $x$ to the right and $y$ **down**, with pixel
# $(i, j)$ at $(x, y) = (j - \frac{W-1}{2},\; i - \frac{H-1}{2})$. We move the content of the image by
#
# $$ \begin{pmatrix} x' \\ y' \end{pmatrix} = R_\theta \begin{pmatrix} s_x & 0 \\ 0 & s_y \end{pmatrix}
#    \begin{pmatrix} x \\ y \end{pmatrix} + \begin{pmatrix} t_x \\ t_y \end{pmatrix}, \qquad
#    R_\theta = \begin{pmatrix} \cos\theta & \sin\theta \\ -\sin\theta & \cos\theta \end{pmatrix} : $$
#
# first stretch by $s_x$ horizontally and $s_y$ vertically, then rotate by $\theta$ **counter-clockwise as
# seen on the screen** (with $y$ pointing down, $R_\theta$ takes the right-pointing $(1, 0)$ to the up-pointing
# $(\cos\theta, -\sin\theta)$ for $\theta = 90°$), then shift by $(t_x, t_y)$ pixels (right and down).
#
# **Sampling runs backwards.** To fill output pixel $p'$ we need the input position that lands there,
# $p = S^{-1} R_\theta^{-1} (p' - t)$, with $R_\theta^{-1} = R_\theta^\top$, and we interpolate the input there
# (bilinearly; positions outside the image read 0). PyTorch does this in two calls: `F.affine_grid(theta, size,
# align_corners=False)` turns a $2 \times 3$ matrix `theta` per image into the sampling positions, and
# `F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)` interpolates. `theta` maps
# **output** to **input** positions in **normalized** coordinates, where $-1$ and $+1$ are the left/right (or
# top/bottom) edges: $x_n = 2x/W$, $y_n = 2y/H$, i.e. $p_n = D p$ with $D = \operatorname{diag}(2/W, 2/H)$. So
#
# $$ \theta = \big[\, D S^{-1} R_\theta^\top D^{-1} \;\big|\; -D S^{-1} R_\theta^\top t \,\big] . $$
#
# Three traps: `theta` is the **inverse** map (writing the forward one rotates the wrong way, shifts the wrong
# way and shrinks instead of stretching); translations are in normalized units, where one pixel is $2/W$, not
# $1/W$; and the factors $D, D^{-1}$ matter for non-square images, where a rotation written directly in normalized
# coordinates becomes a rotation plus a shear.
#
# ### Exercise: `affine` and `random_affine`
#
# Build `theta` in float64 (e.g. with `torch.tensor` and `@`), convert it to the image's dtype, give it the batch
# dimension ($N, 2, 3$, the same matrix for every image of the batch), and call the two functions.
# `random_affine` draws, for each image separately, $\theta \sim U[-\text{degrees}, \text{degrees}]$,
# $t_x, t_y \sim U[-\text{translate}, \text{translate}]$ pixels and $s_x, s_y \sim U[1 - \text{stretch},
# 1 + \text{stretch}]$ independently, and applies `affine`. The order and number of the draws are yours (the tests
# accept any), as long as every draw goes through `generator` and each image gets its own.

# %% nbgrader={"grade": false, "grade_id": "random_affine", "locked": false, "schema_version": 3, "solution": true, "task": false}
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
    ### BEGIN SOLUTION
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
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    if img.dim() == 4:
        return torch.stack([random_affine(x, degrees, translate, stretch, generator) for x in img])
    u = (2 * torch.rand(5, generator=generator, dtype=torch.float64) - 1).tolist()
    return affine(img, u[0] * degrees, (u[1] * translate, u[2] * translate), (1 + u[3] * stretch, 1 + u[4] * stretch))
    ### END SOLUTION


# %% [markdown]
# ### Visible tests (2 points)
#
# | input | call | output | why |
# | --- | --- | --- | --- |
# | $\begin{pmatrix} 0&1&2\\3&4&5\\6&7&8 \end{pmatrix}$ | `angle=90` | $\begin{pmatrix} 2&5&8\\1&4&7\\0&3&6 \end{pmatrix}$ | counter-clockwise: the right column becomes the top row (`torch.rot90(img, 1, (-2, -1))`); clockwise would give $\begin{pmatrix} 6&3&0\\7&4&1\\8&5&2 \end{pmatrix}$ |
# | $\begin{pmatrix} 1&2&3&4&5\\6&7&8&9&10\\11&12&13&14&15 \end{pmatrix}$ | `translate=(1, 0)` | $\begin{pmatrix} 0&1&2&3&4\\0&6&7&8&9\\0&11&12&13&14 \end{pmatrix}$ | one pixel right; zeros come in |
# | the same | `translate=(0, 1)` | $\begin{pmatrix} 0&0&0&0&0\\1&2&3&4&5\\6&7&8&9&10 \end{pmatrix}$ | one pixel down (a one-pixel shift is $2/W$ across, $2/H$ down, in normalized units) |
# | $(0, 4, 8, 12)$ | `stretch=(2, 1)` | $(3, 5, 7, 9)$ | output pixel $j$ reads the input at $1.5 + (j - 1.5)/2 = 0.75, 1.25, 1.75, 2.25$ |
# | $\begin{pmatrix} 0&1&2&3\\4&5&6&7 \end{pmatrix}$ | `angle=90` | $\begin{pmatrix} 0&2&6&0\\0&1&5&0 \end{pmatrix}$ | non-square: output $(x, y)$ reads the input at $(-y, x)$; the outer columns read outside the image |
#
# Stretch first, then rotate: `affine(angle=90, stretch=(2, 1))` of a $4 \times 4$ image is the horizontally
# stretched image turned by 90 degrees (rotating first and stretching after gives another image).
#
# For `random_affine`: all ranges 0 is the identity; the same seed gives the same images; a batch of identical
# images comes out different, and a batch of six copies of a dot turned with `degrees=90` (no shift) gets six
# different angles; a single bright pixel shifted with `translate=2` stays within two pixels of
# where it was, reaching both ends of the range over many draws, with $t_x \ne t_y$; a dot 3 pixels right of the
# centre turned with `degrees=90` stays within $\pm 90$ degrees and gets beyond $\pm 60$; and two pairs of dots
# stretched with `stretch=0.5` show factors in $[0.5, 1.5]$ (up to interpolation), reaching below 0.7 and above 1.3,
# with $s_x \ne s_y$.

# %% nbgrader={"grade": true, "grade_id": "test_random_affine_visible", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def _wrong_theta(x, theta):
    """grid_sample with a given (wrong) theta: the values a mistaken affine gives."""
    b = x[None]
    grid = F.affine_grid(torch.tensor(theta, dtype=x.dtype)[None], list(b.shape), align_corners=False)
    return F.grid_sample(b, grid, mode="bilinear", padding_mode="zeros", align_corners=False)[0]


_GUARD = "(this aspect also checks that the images are transformed as affine prescribes: fix affine first)"
score = Aspects("random_affine", points=2)
_img = torch.arange(9.0).reshape(1, 3, 3)
with score.aspect("affine(angle=90) and affine(angle=30) of a 3x3 image: counter-clockwise, in degrees", 0.35):
    _out = affine(_img.clone(), angle=90)
    assert isinstance(_out, torch.Tensor) and tuple(_out.shape) == (1, 3, 3), "affine changed the shape of a (1, 3, 3) image"
    check_close(_out, torch.tensor([[[2.0, 5, 8], [1, 4, 7], [0, 3, 6]]]), "affine(angle=90) of the 3x3 image", atol=1e-5, suspects={
        "the image turned clockwise: theta is the INVERSE map (output -> input), so it contains R^T, not R":
            torch.tensor([[[6.0, 3, 0], [7, 4, 1], [8, 5, 2]]]),
        "nothing happened: is the rotation part of theta (the product of the matrices), and is the angle converted "
        "with math.radians?": _img,
        "the angle was used as radians: convert degrees with math.radians":
            _wrong_theta(_img, [[math.cos(90), -math.sin(90), 0], [math.sin(90), math.cos(90), 0]]),
    })
    _out = affine(_img.clone(), angle=30.0)
    check_close(_out, _wrong_theta(_img, [[math.cos(math.pi / 6), -math.sin(math.pi / 6), 0], [math.sin(math.pi / 6), math.cos(math.pi / 6), 0]]),
                "affine(angle=30) of the 3x3 image", atol=1e-5, suspects={
                    "the angle was used as radians: convert degrees with math.radians":
                        _wrong_theta(_img, [[math.cos(30), -math.sin(30), 0], [math.sin(30), math.cos(30), 0]])})
_r = torch.arange(1.0, 16).reshape(1, 3, 5)  # H = 3, W = 5: a mistake that mixes up H and W shows
_right, _down = torch.zeros_like(_r), torch.zeros_like(_r)
_right[..., 1:], _down[..., 1:, :] = _r[..., :-1], _r[..., :-1, :]
_left, _up = torch.zeros_like(_r), torch.zeros_like(_r)
_left[..., :-1], _up[..., :-1, :] = _r[..., 1:], _r[..., 1:, :]
_SWAPPED_D = ("the shift is normalized by the wrong side (D has H and W swapped): x (columns) goes with the width W, "
              "y (rows) with the height H, D = diag(2/W, 2/H)")
with score.aspect("affine(translate=(1, 0)) and (0, 1): one pixel right, one pixel down, zeros coming in", 0.3):
    check_close(affine(_r.clone(), translate=(1, 0)), _right, "affine(translate=(1, 0)) of a 3x5 image", atol=1e-5, suspects={
        "the content moved LEFT: theta maps output to input positions, so its shift is -t (in normalized units)": _left,
        "the shift is half a pixel: in normalized coordinates one pixel is 2/W, not 1/W": _wrong_theta(_r, [[1, 0, -1 / 5], [0, 1, 0]]),
        "the shift was not normalized (pixels used as normalized units, where the image is 2 wide)":
            _wrong_theta(_r, [[1, 0, -1.0], [0, 1, 0]]),
        _SWAPPED_D: _wrong_theta(_r, [[1, 0, -2 / 3], [0, 1, 0]]),
        "the translation moved the image vertically: translate is (tx, ty), tx to the right": _down,
    })
    check_close(affine(_r.clone(), translate=(0, 1)), _down, "affine(translate=(0, 1)) of a 3x5 image", atol=1e-5, suspects={
        "the content moved UP: y points down, and theta's shift is -t": _up,
        _SWAPPED_D: _wrong_theta(_r, [[1, 0, 0], [0, 1, -2 / 5]]),
    })
with score.aspect("affine(stretch=(2, 1)) of (0, 4, 8, 12): stretched horizontally about the centre; stretch, "
                  "then rotate (angle=90, stretch=(2, 1) on a 4x4 image)", 0.2):
    _line = torch.tensor([[[0.0, 4, 8, 12]]])
    check_close(affine(_line.clone(), stretch=(2, 1)), torch.tensor([[[3.0, 5, 7, 9]]]), "affine(stretch=(2, 1)) of (0, 4, 8, 12)", atol=1e-5, suspects={
        "the content shrank instead of stretching: the inverse map divides by s (theta has 1/s)": torch.tensor([[[0.0, 2, 10, 0]]]),
        "the stretch was applied vertically: stretch is (sx, sy)": _wrong_theta(_line, [[1, 0, 0], [0, 0.5, 0]]),
    })
    _sq4 = torch.arange(16.0).reshape(1, 4, 4)
    check_close(affine(_sq4.clone(), angle=90, stretch=(2, 1)),
                torch.rot90(_wrong_theta(_sq4, [[0.5, 0, 0], [0, 1, 0]]), 1, (-2, -1)),
                "affine(angle=90, stretch=(2, 1)) of a 4x4 image", atol=1e-5, suspects={
                    "the image was rotated first and stretched after: the content is stretched by (sx, sy) first, then "
                    "rotated, R @ diag(sx, sy); the inverse map theta is diag(1/sx, 1/sy) @ R^T (in that order)":
                        _wrong_theta(torch.rot90(_sq4, 1, (-2, -1)), [[0.5, 0, 0], [0, 1, 0]]),
                })
with score.aspect("affine(angle=90) of a non-square 2x4 image (the aspect-ratio factors D and D^-1)", 0.2):
    _wide = torch.arange(8.0).reshape(1, 2, 4)
    check_close(affine(_wide.clone(), angle=90), torch.tensor([[[0.0, 2, 6, 0], [0, 1, 5, 0]]]), "affine(angle=90) of a 2x4 image", atol=1e-5, suspects={
        "the rotation was written in normalized coordinates without the aspect-ratio factors D and D^-1: on a "
        "non-square image that is a rotation plus a shear": _wrong_theta(_wide, [[0, -1, 0], [1, 0, 0]]),
        "D has H and W swapped: x (columns) goes with the width W, y (rows) with the height H, D = diag(2/W, 2/H)":
            _wrong_theta(_wide, [[0, -2.0, 0], [0.5, 0, 0]]),
    })
with score.aspect("affine of a float64 batch: every image rotated, float64 kept", 0.15):
    _b = torch.rand(2, 3, 5, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    _out = affine(_b.clone(), angle=90)
    assert tuple(_out.shape) == (2, 3, 5, 5) and _out.dtype == torch.float64, "affine of a float64 (2, 3, 5, 5) batch changed shape or dtype"
    check_close(_out, torch.rot90(_b, 1, (-2, -1)), "affine(angle=90) of a batch", atol=1e-9)


def _shift_of(o):
    """(x, y) shift of the centre of mass of a 9x9 image whose bright pixel sat at the centre."""
    ys, xs = torch.meshgrid(torch.arange(9.0), torch.arange(9.0), indexing="ij")
    return float((o * xs).sum() / o.sum()) - 4, float((o * ys).sum() / o.sum()) - 4


_dot = torch.zeros(1, 9, 9)
_dot[0, 4, 4] = 1.0
with score.aspect("random_affine: all ranges 0 is the identity; translate=2 shifts a bright pixel by up to 2 pixels, "
                  "reaching both ends of the range in x and in y, tx and ty drawn independently", 0.2):
    check_close(affine(_dot.clone(), translate=(1, 0)), _dot.roll(1, -1), f"affine(translate=(1, 0)) of a dot {_GUARD}",
                atol=1e-5)
    _x = torch.rand(3, 6, 7, generator=torch.Generator().manual_seed(1))
    check_close(random_affine(_x.clone(), generator=torch.Generator().manual_seed(0)), _x, "random_affine with all ranges 0", atol=1e-5)
    _gen = torch.Generator().manual_seed(7)
    _shifts = np.array([_shift_of(random_affine(_dot.clone(), translate=2.0, generator=_gen)[0]) for _ in range(200)])
    assert np.abs(_shifts).max() <= 2 + 1e-4, f"a shift of {np.abs(_shifts).max():.2f} pixels with translate=2: draw tx, ty from U[-2, 2]"
    assert _shifts.min(0).max() < -1.5 and _shifts.max(0).min() > 1.5, (
        f"over 200 draws the shifts stayed within {np.round(_shifts.min(0), 2)}..{np.round(_shifts.max(0), 2)}: draw tx and ty "
        "uniformly from [-translate, translate], independently")
    assert np.abs(_shifts[:, 0] - _shifts[:, 1]).max() > 0.1, (
        "in 200 draws tx and ty were always equal: they came from one draw; draw them independently")


_pairs = torch.zeros(2, 9, 9)
_pairs[0, 4, 2] = _pairs[0, 4, 6] = 1.0  # channel 0: two dots 2 pixels left and right of the centre
_pairs[1, 2, 4] = _pairs[1, 6, 4] = 1.0  # channel 1: two dots 2 pixels above and below it
_ys, _xs = torch.meshgrid(torch.arange(9.0), torch.arange(9.0), indexing="ij")
with score.aspect("random_affine: angles in [-degrees, degrees] (degrees, not radians); stretches in "
                  "[1 - stretch, 1 + stretch], sx and sy drawn independently", 0.2):
    for _a in (90.0, -60.0):
        _dot7 = torch.zeros(1, 9, 9)
        _dot7[0, 4, 7] = 1.0
        _o = affine(_dot7, angle=_a)[0]
        _ang = math.degrees(math.atan2(-(float((_o * _ys).sum() / _o.sum()) - 4), float((_o * _xs).sum() / _o.sum()) - 4))
        assert abs(_ang - _a) < 2, (f"affine(angle={_a:g}) turned a dot 3 pixels right of the centre by {_ang:.1f} degrees "
                                    f"{_GUARD}")
    _gen = torch.Generator().manual_seed(8)
    _angles = []
    for _ in range(100):
        _o = random_affine(_dot7.clone(), degrees=90.0, generator=_gen)[0]
        assert float(_o.sum()) > 0.5, "random_affine(degrees=90) lost a dot 3 pixels from the centre: it must only rotate it"
        _angles.append(math.degrees(math.atan2(-(float((_o * _ys).sum() / _o.sum()) - 4), float((_o * _xs).sum() / _o.sum()) - 4)))
    _angles = np.array(_angles)
    assert np.abs(_angles).max() <= 92, f"a rotation by {np.abs(_angles).max():.1f} degrees with degrees=90: draw the angle from U[-degrees, degrees]"
    assert _angles.min() < -60 and _angles.max() > 60, (
        f"over 100 draws with degrees=90 the angles stayed within {_angles.min():.1f}..{_angles.max():.1f} degrees: draw "
        "the angle uniformly from [-degrees, degrees], in degrees (affine converts to radians; do not convert it twice)")
    _o = affine(_pairs, stretch=(1.5, 0.5))
    _sx = float((_o[0] * (_xs - 4).abs()).sum() / _o[0].sum()) / 2 if float(_o[0].sum()) > 0.5 else float("nan")
    _sy = float((_o[1] * (_ys - 4).abs()).sum() / _o[1].sum()) / 2 if float(_o[1].sum()) > 0.5 else float("nan")
    assert abs(_sx - 1.5) < 0.1 and abs(_sy - 0.5) < 0.1, (
        f"affine(stretch=(1.5, 0.5)) moved two dots 2 pixels from the centre to ({_sx:.2f}, {_sy:.2f}) times their "
        f"distance, expected (1.5, 0.5) {_GUARD}")
    _gen = torch.Generator().manual_seed(9)
    _s = []
    for _ in range(100):
        _o = random_affine(_pairs.clone(), stretch=0.5, generator=_gen)
        assert float(_o[0].sum()) > 0.5 and float(_o[1].sum()) > 0.5, (
            "random_affine(stretch=0.5) made two dots vanish: the factors are 1 + U[-stretch, stretch], never near 0")
        _s.append((float((_o[0] * (_xs - 4).abs()).sum() / _o[0].sum()) / 2, float((_o[1] * (_ys - 4).abs()).sum() / _o[1].sum()) / 2))
    _s = np.array(_s)
    assert _s.min() > 0.4 and _s.max() < 1.6, (
        f"with stretch=0.5 the stretch factors ranged over {_s.min():.2f}..{_s.max():.2f}: draw sx, sy from "
        "U[1 - stretch, 1 + stretch], i.e. 1 + U[-stretch, stretch]")
    assert _s.min(0).max() < 0.7 and _s.max(0).min() > 1.3, (
        f"over 100 draws the stretch factors stayed within {np.round(_s.min(0), 2)}..{np.round(_s.max(0), 2)}: draw sx and "
        "sy uniformly from [1 - stretch, 1 + stretch]")
    assert np.abs(_s[:, 0] - _s[:, 1]).max() > 0.1, (
        "in 100 draws sx and sy were always equal: they came from one draw; draw them independently")


def _translated_guard(out, x):
    """Each image of out must be x shifted by at most 2 pixels (the value check of the randomness aspects)."""
    for o in (out if out.dim() == 4 else out[None]):
        dx, dy = _shift_of(o[0])
        assert abs(dx) <= 2 + 1e-4 and abs(dy) <= 2 + 1e-4 and o.sum() > 0.5, f"random_affine(translate=2) moved the dot by ({dx:.2f}, {dy:.2f}) {_GUARD}"
        assert torch.allclose(o.double(), affine(x, 0.0, (dx, dy)).double(), atol=1e-4), (
            f"random_affine(translate=2) of a dot is not the dot shifted by ({dx:.2f}, {dy:.2f}) {_GUARD}")


with score.aspect("the randomness contract: two generators with the same seed give the same images (every draw "
                  "through `generator`)", 0.2):
    _a = random_affine(_dot.clone(), 0, 2.0, 0, generator=torch.Generator().manual_seed(3))
    _translated_guard(_a, _dot)
    _c = random_affine(_dot.clone(), 0, 2.0, 0, generator=torch.Generator().manual_seed(3))
    _many_a = random_affine(_dot.expand(4, 1, 9, 9).clone(), 0, 2.0, 0, generator=torch.Generator().manual_seed(4))
    _many_c = random_affine(_dot.expand(4, 1, 9, 9).clone(), 0, 2.0, 0, generator=torch.Generator().manual_seed(4))
    assert tuple(_a.shape) == (1, 9, 9), f"random_affine changed the shape to {tuple(_a.shape)}"
    assert torch.equal(_a, _c) and torch.equal(_many_a, _many_c), (
        "two generators with the same seed gave different images: pass `generator` to every torch.rand call (torch's "
        "global generator, Python's random or NumPy's are not the caller's generator)")
with score.aspect("a batch: every image gets its own angle and shift", 0.2):
    _x = torch.rand(3, 6, 7, generator=torch.Generator().manual_seed(1))
    _many = random_affine(_x.expand(6, 3, 6, 7).clone(), 20, 2, 0, generator=torch.Generator().manual_seed(3))
    assert tuple(_many.shape) == (6, 3, 6, 7), f"random_affine of a (6, 3, 6, 7) batch returned shape {tuple(_many.shape)}"
    _moved = random_affine(_dot.expand(6, 1, 9, 9).clone(), 0, 2.0, 0, generator=torch.Generator().manual_seed(5))
    _translated_guard(_moved, _dot)
    assert len({tuple(m.flatten().tolist()) for m in _moved}) == 6, "images of a batch got the same shift: draw for each image"
    assert len({tuple(m.flatten()[:20].tolist()) for m in _many}) == 6, "images of a batch got the same rotation and shift: draw for each image"
    _dot7 = torch.zeros(1, 9, 9)
    _dot7[0, 4, 7] = 1.0  # 3 pixels right of the centre
    _turned = random_affine(_dot7.expand(6, 1, 9, 9).clone(), 90.0, 0.0, 0.0, generator=torch.Generator().manual_seed(6))
    assert tuple(_turned.shape) == (6, 1, 9, 9), f"random_affine of a (6, 1, 9, 9) batch returned shape {tuple(_turned.shape)}"
    _angles = []
    for _o in _turned[:, 0]:
        assert float(_o.sum()) > 0.5, f"random_affine(degrees=90) lost a dot 3 pixels from the centre {_GUARD}"
        _cx, _cy = float((_o * _xs).sum() / _o.sum()) - 4, float((_o * _ys).sum() / _o.sum()) - 4
        assert abs(math.hypot(_cx, _cy) - 3) < 0.5, (f"random_affine(degrees=90, translate=0) moved a dot 3 pixels right "
                                                     f"of the centre to ({_cx:.2f}, {_cy:.2f}) {_GUARD}")
        _angles.append(math.degrees(math.atan2(-_cy, _cx)))
    assert max(_angles) - min(_angles) > 1, (
        f"with translate=0 every image of a batch of six was turned by the same angle ({_angles[0]:.1f} degrees): the "
        "angle (and the stretch) was drawn once for the whole batch; draw the angle, the shift and the stretch for each "
        "image")
score.result()

# %% [markdown]
# ### Hidden tests (3 points)
#
# When grading, this cell compares `affine` with an independent oracle, `scipy.ndimage.affine_transform` (bilinear,
# zeros outside) fed the inverse map in pixel coordinates, for square and non-square images and batches, many
# angles, shifts and stretches, float32 and float64 (1.5 points), and checks that shape and dtype are kept and the
# input left unchanged (0.2); and `random_affine`'s ranges: rotations of a point (0.4) and stretches of a bar (0.3),
# reproducibility under a seed (0.2), variation without one (0.1) and per-image draws (0.2) and the dtype (0.1).
# The order and number of your draws are yours to choose.

# %% nbgrader={"grade": true, "grade_id": "test_random_affine_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Hidden: affine against scipy.ndimage.affine_transform (order 1, zeros outside) on square/non-square images and batches, many angles/shifts/stretches, float32/float64; random_affine: ranges of angles and stretches, seeded reproducibility, variation without a seed, per-image draws.
check_close(affine(torch.ones(1, 3, 3), 0.0, (0.0, 0.0), (1.0, 1.0)), torch.ones(1, 3, 3), "affine with no transformation")  # fails until affine runs
score = Aspects("random_affine", points=3)
### BEGIN HIDDEN TESTS
import scipy.ndimage as _ndi


def _h_affine(a, angle, t, s):
    H, W = a.shape[-2:]
    r = math.radians(angle)
    m = np.diag([1 / s[0], 1 / s[1]]) @ np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]])  # (x, y)
    mi = m[::-1, ::-1].copy()  # the same map in (row, col) = (y, x) index order
    ctr = np.array([(H - 1) / 2, (W - 1) / 2])
    off = ctr - mi @ (ctr + np.array([t[1], t[0]]))
    flat = a.reshape(-1, H, W)
    out = np.stack([_ndi.affine_transform(ch, mi, offset=off, order=1, mode="grid-constant", cval=0.0) for ch in flat])
    return out.reshape(a.shape)


def _h_cases():
    rs_ = np.random.default_rng(5772)
    for shape_ in [(1, 5, 5), (3, 6, 9), (2, 8, 5), (4, 2, 7, 7), (2, 3, 5, 10)]:
        for dtype_ in (torch.float32, torch.float64):
            for angle_, t_, s_ in [(0, (0, 0), (1, 1)), (37, (0, 0), (1, 1)), (-120, (1.5, -0.5), (1, 1)), (0, (2.3, 1.1), (1, 1)),
                                   (0, (0, 0), (1.6, 0.7)), (15, (-1, 2), (0.8, 1.3)), (180, (0.5, 0.5), (1.1, 0.9)), (275, (3, -2), (1.4, 1.4))]:
                yield shape_, dtype_, angle_, t_, s_, rs_.random(shape_)


_GUARD_H = " (this aspect also checks the values: fix them first)"
with score.aspect("affine against scipy.ndimage.affine_transform: square and non-square images and batches, many "
                  "angles, shifts and stretches, float32 and float64", 1.5):
    for _shape, _dtype, _angle, _t, _s, _a in _h_cases():
        _out = affine(torch.tensor(_a, dtype=_dtype), _angle, _t, _s)
        assert tuple(_out.shape) == _shape, f"affine changed the shape ({_shape}, {_dtype})"
        check_close(_out, _h_affine(_a, _angle, _t, _s), f"affine, shape {_shape}, angle {_angle}, translate {_t}, stretch {_s}, {_dtype}",
                    rtol=1e-4, atol=1e-5 if _dtype == torch.float32 else 1e-9)
with score.aspect("affine keeps the dtype and leaves its input unchanged", 0.2):
    for _shape, _dtype, _angle, _t, _s, _a in _h_cases():
        _x = torch.tensor(_a, dtype=_dtype)
        _out = affine(_x, _angle, _t, _s)
        check_close(_out, _h_affine(_a, _angle, _t, _s), f"affine, shape {_shape}{_GUARD_H}", rtol=1e-4, atol=1e-5)
        assert _out.dtype == _dtype, f"affine changed the dtype ({_shape}, {_dtype})"
        assert torch.equal(_x, torch.tensor(_a, dtype=_dtype)), "affine modified its input"
# random_affine: rotation range, via the angle of a single bright pixel off centre.
_dot = torch.zeros(1, 21, 21)
_dot[0, 10, 16] = 1.0  # 6 pixels right of the centre
_ys, _xs = torch.meshgrid(torch.arange(21.0) - 10, torch.arange(21.0) - 10, indexing="ij")


def _h_angle(o_):
    return math.degrees(math.atan2(-float((o_ * _ys).sum()), float((o_ * _xs).sum())))


def _h_rotated_guard(out_, x_):
    """The images of out_ must be the point turned about the centre by angles in [-30, 30], not all (nearly) 0: the
    randomness aspects' value check."""
    angles_ = []
    for o_ in (out_ if out_.dim() == 4 else out_[None]):
        a_ = _h_angle(o_[0])
        r_ = math.hypot(float((o_[0] * _xs).sum() / o_[0].sum()), float((o_[0] * _ys).sum() / o_[0].sum()))
        assert abs(a_) <= 30.5 and abs(r_ - 6) < 0.5, (f"random_affine(degrees=30) moved a point 6 pixels right of the "
                                                      f"centre to radius {r_:.2f}, angle {a_:.1f} degrees{_GUARD_H}")
        angles_.append(a_)
    assert len(angles_) == 1 or max(abs(a_) for a_ in angles_) > 1, f"random_affine(degrees=30) turned nothing{_GUARD_H}"


with score.aspect("random_affine: rotations uniform in [-degrees, degrees] (a point 6 pixels off centre, 300 draws)", 0.4):
    _gen = torch.Generator().manual_seed(99)
    _angles = np.array([_h_angle(random_affine(_dot.clone(), degrees=30.0, generator=_gen)[0]) for _ in range(300)])
    assert np.abs(_angles).max() <= 30.5, f"a rotation of {np.abs(_angles).max():.1f} degrees with degrees=30"
    assert _angles.min() < -26 and _angles.max() > 26, f"rotations stayed within {_angles.min():.1f}..{_angles.max():.1f} degrees"
with score.aspect("random_affine: stretches in [1 - stretch, 1 + stretch] (the width of a bar, 300 draws)", 0.3):
    _bar = torch.zeros(1, 9, 31)
    _bar[0, 4, 10:21] = 1.0
    _gen = torch.Generator().manual_seed(98)
    _ws = []
    for _ in range(300):
        _o = random_affine(_bar.clone(), stretch=0.3, generator=_gen)[0]
        _profile = _o.sum(0)  # column profile: a plateau about 11 * sx wide
        _ws.append(float(_profile.sum()) / float(_profile.max()))
    _ws = np.array(_ws) / 11
    assert _ws.min() > 0.65 and _ws.max() < 1.35, f"widths changed by factors {_ws.min():.2f}..{_ws.max():.2f} with stretch=0.3"
    assert _ws.min() < 0.77 and _ws.max() > 1.23, f"with stretch=0.3 the widths only changed by {_ws.min():.2f}..{_ws.max():.2f}"
with score.aspect("random_affine: the same seed gives the same images", 0.2):
    _a = random_affine(_dot.expand(3, 1, 21, 21).clone(), 30.0, 0, 0, torch.Generator().manual_seed(5))
    _h_rotated_guard(_a, _dot)
    assert torch.equal(_a, random_affine(_dot.expand(3, 1, 21, 21).clone(), 30.0, 0, 0, torch.Generator().manual_seed(5))), \
        "two generators with the same seed gave different images"
with score.aspect("random_affine without a generator (torch's global one): the images vary from call to call", 0.1):
    _o1, _o2 = random_affine(_dot.clone(), 30.0, 0, 0), random_affine(_dot.clone(), 30.0, 0, 0)
    _h_rotated_guard(_o1, _dot)
    assert not torch.equal(_o1, _o2), "without a generator two calls gave the same images"
with score.aspect("random_affine: per-image draws in a batch; float64 kept", 0.3):
    _same = random_affine(_dot.expand(4, 1, 21, 21).clone(), 30.0, 0, 0, torch.Generator().manual_seed(6))
    _h_rotated_guard(_same, _dot)
    assert len({tuple(m.flatten().tolist()) for m in _same}) == 4, "a batch of identical images got identical transformations"
    _o = random_affine(_dot.double(), 30.0, 0, 0, torch.Generator().manual_seed(7))
    assert _o.dtype == torch.float64, "random_affine changed the dtype"
### END HIDDEN TESTS
score.result()

# %% [markdown]
# ### What the geometric augmentations look like

# %%
with experiment("random affine transformations of a photograph and of digits"):
    gen = torch.Generator().manual_seed(0)
    grace = resize_short_side(photos.get("grace_hopper", photos["china"]), 128)
    moved = random_affine(grace.expand(7, -1, -1, -1), degrees=15, translate=12, stretch=0.15, generator=gen)
    show_images([to_display(grace)] + [to_display(m) for m in moved], titles=["original"] + ["random_affine"] * 7,
                ncols=8, size=1.9)
    plt.show()
    digits8 = X_train[:8]
    show_images(torch.cat([digits8, random_affine(digits8, 10, 1.0, 0.1, generator=gen),
                           random_affine(random_resized_short_side_crop(digits8, 16, 20, 16, generator=gen), 10, 1.0, 0.1,
                                         generator=gen)])[:, 0].numpy(),
                titles=[f"{int(d)}" for d in y_train[:8]] + ["affine"] * 8 + ["scale + affine"] * 8, ncols=8, size=1.0, cmap="gray")
    plt.show()

# %% [markdown]
# ### Try it: augmentation strength
#
# How strong should augmentation be? Seven augmented copies of a photograph, made by your
# `color_jitter`, `pca_color_augment` and `random_affine` with the strengths on the sliders (the
# random draws are fixed, so only the strength changes): colour jitter factors drawn from
# $[1-s, 1+s]$, PCA's $\alpha \sim \mathcal N(0, \sigma^2)$ (AlexNet: $\sigma = 0.1$), and rotation,
# translation and stretching ranges. Push each until the picture stops looking like a plausible photo
# of the same thing: that is roughly where augmentation starts to teach the network the wrong
# invariances. (Sliders need JupyterLab with ipywidgets; elsewhere the picture is static.)

# %%
with experiment("sliders: augmentation strength"):
    photo = resize_short_side(photos["flower"], 128)
    photo_vals, photo_vecs = rgb_pca(photo)
    draws = torch.Generator().manual_seed(1)
    unit_jitter = 2 * torch.rand(7, 3, generator=draws) - 1  # U[-1, 1], scaled by the slider
    unit_alpha = torch.randn(7, 3, generator=draws)

    def draw_augmentations(jitter, pca_sigma, degrees, translate, stretch):
        out = []
        for k in range(7):
            x = color_jitter(photo, *map(float, 1 + jitter * unit_jitter[k]))
            x = pca_color_augment(x, photo_vals, photo_vecs, pca_sigma * unit_alpha[k])
            out.append(x)
        out = random_affine(torch.stack(out), degrees=degrees, translate=translate, stretch=stretch,
                            generator=torch.Generator().manual_seed(2))
        return show_images([to_display(photo)] + [to_display(x) for x in out],
                           titles=["original"] + [f"augmented {k + 1}" for k in range(7)], ncols=8, size=1.9)

    explore(draw_augmentations, jitter=Slider(0.0, 0.9, 0.4, step=0.05, label="colour jitter s"),
            pca_sigma=Slider(0.0, 2.0, 0.1, step=0.05, label="PCA sigma"),
            degrees=Slider(0.0, 90.0, 15.0, step=5.0, label="rotation (degrees)"),
            translate=Slider(0.0, 40.0, 12.0, step=2.0, label="translation (pixels)"),
            stretch=Slider(0.0, 0.5, 0.15, step=0.05, label="stretch"))


# %% [markdown]
# ## 8. Measured: the whole recipe on the digits
#
# Two more runs of the network of section 1, same initialization and batches: scale augmentation ($L \in [16,
# 20]$) followed by a random affine map (rotation up to $\pm 10°$, shift up to $\pm 1$ pixel, stretch up to
# $\pm 10\%$); and the same plus horizontal flips with probability 1/2, the notes' first example. Then the table of
# every run of this notebook.

# %%
with experiment("augmentation recipes on the digits"):
    def scale_affine(x, g):
        return random_affine(random_resized_short_side_crop(x, 16, 20, 16, generator=g), 10, 1.0, 0.1, generator=g)

    def scale_affine_flip(x, g):
        x = scale_affine(x, g)
        coin = torch.rand(len(x), generator=g) < 0.5
        return torch.where(coin[:, None, None, None], hflip(x), x)

    # one quick call of the test-time function first: while it (or ten_crop, predict_ten_crop) is unfinished, section
    # 5 stopped before its results, and this cell is skipped at once with the usual note instead of training first
    multiscale_predict(models["none"], X_val[:1], (16,), 16)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for name, aug in tqdm({"scale 16-20 + affine": scale_affine, "scale + affine + flips": scale_affine_flip}.items(),
                              desc="training", leave=False):
            models[name], curves[name] = train_digits(aug)
        protocols["scale 16-20 + affine"] = test_protocols(models["scale 16-20 + affine"], 18)
        protocols["scale + affine + flips"] = test_protocols(models["scale + affine + flips"], 18, (16, 18, 20))
    finally:
        torch.set_num_threads(threads)

    print(f"{'training augmentation':30s} {'train acc':>9s} {'val acc':>8s} {'gap':>6s} {'val loss':>8s} "
          f"{'centre crop':>11s} {'10 crops':>8s}  (the last two: at the middle of the training range, {len(X_tta)} images)")
    for name, c in curves.items():
        p = list(protocols[name].values())
        print(f"{name:30s} {c['train_acc'][-1]:9.3f} {c['val_acc'][-1]:8.3f} {c['train_acc'][-1] - c['val_acc'][-1]:6.3f} "
              f"{c['val_loss'][-1]:8.3f} {p[1]:11.3f} {p[3]:8.3f}")
    for name in ("scale 16-20 + affine", "scale + affine + flips"):
        print(f"\n  {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in protocols[name].items()))
    for name, key in {"scale 16-20 + affine": "affine", "scale + affine + flips": "flips"}.items():
        c = curves[name]
        quote(f"{key}_train_acc", c["train_acc"][-1])
        quote(f"{key}_val_acc", c["val_acc"][-1])
        quote(f"{key}_gap_points", 100 * (c["train_acc"][-1] - c["val_acc"][-1]))
        quote(f"{key}_val_loss", c["val_loss"][-1])
    quote("flips_cost_points", 100 * (curves["scale 16-20 + affine"]["val_acc"][-1] - curves["scale + affine + flips"]["val_acc"][-1]))
    quote("flips_below_none_points", 100 * (curves["none"]["val_acc"][-1] - curves["scale + affine + flips"]["val_acc"][-1]))
    pf = protocols["scale + affine + flips"]
    quote("flips_tencrop_gain_points", 100 * (pf["10 crops at L=18"] - pf["centre crop at L=18"]))
    quote("flips_multiscale_acc", pf["10 crops x scales (16, 18, 20)"])
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.6))
    names = list(curves)
    gaps = [100 * (curves[n]["train_acc"][-1] - curves[n]["val_acc"][-1]) for n in names]
    axes[0].barh(names, gaps, color=[f"C{i}" for i in range(len(names))])
    axes[0].set(xlabel="training accuracy - validation accuracy (percentage points)", title="generalization gap after 40 epochs")
    axes[0].invert_yaxis()
    for i, n in enumerate(names):
        axes[1].plot(curves[n]["epoch"], curves[n]["val_acc"], color=f"C{i}", label=n)
    axes[1].set(xlabel="epoch", ylabel="validation accuracy", title="validation accuracy (full 16x16 images)",
                ylim=(min(min(curves[n]["val_acc"]) for n in names) - 0.05, 1.0))
    axes[1].legend(fontsize=8)
    for ax in axes:
        ax.grid(True, alpha=0.3)
    plt.tight_layout()
    plt.show()

# %% [markdown]
# **What we measured** (this run's numbers, seed 0, with the range over our ten runs in parentheses). Adding random
# affine maps to the scale augmentation narrows the gap to 3.3<!-- quote: affine_gap_points ±3 --> points (2.5 to 9.4;
# training accuracy 0.967<!-- quote: affine_train_acc ±0.03 -->, 0.966 to 1.000; validation accuracy
# 0.933<!-- quote: affine_val_acc ±0.03 -->, 0.88 to 0.94; validation loss 0.23<!-- quote: affine_val_loss ±0.05 -->, 0.18
# to 0.45). Over ten runs its gap was narrower than without augmentation every
# time and narrower than with scale augmentation alone in eight; its validation loss was the lowest of the notebook in
# six of ten (in the others scale augmentation alone was as low), and its validation accuracy was above the unaugmented
# network's by $-0.4$ to $+3.7$ points: on this small validation set the gain in accuracy is real but of the size of the
# noise of one seed. Whether the augmented runs are still improving at epoch 40 (right) depends on the seed: an
# augmented network needs more epochs to fit its harder, larger family of images, and sometimes gains from them.
#
# **Flips**, the notes' first example, undo it on digits: validation accuracy falls to
# 0.847<!-- quote: flips_val_acc ±0.03 --> (0.847 to 0.891), 8.6<!-- quote: flips_cost_points ±3 --> points below the same
# recipe without flips (3 to 9 points over the runs and draw orders, lower in every run) and below the network trained with
# no augmentation at all in every run; the validation loss rises to 0.42<!-- quote: flips_val_loss ±0.05 -->, 1.2 to 2.1
# times that of the recipe without flips. The gap is back at 8.6<!-- quote: flips_gap_points ±3 --> points in this run
# (the left panel), now with a training accuracy of only 0.933<!-- quote: flips_train_acc ±0.04 --> (0.96 with another
# correct draw order): the network spends capacity on telling mirrored digits apart that never
# occur. For this network the ten crops are finally harmless: they score $-0.3$<!-- quote: flips_tencrop_gain_points ±2.5 -->
# points against its centre crop in this run, between $-0.3$ and $+4$ over the seeds (with three scales about
# 0.87<!-- quote: flips_multiscale_acc ±0.03 -->). Whether an augmentation regularizes or corrupts depends on whether the
# data set is invariant to it.
#
# **Q5.** Training accuracy is measured on the clean training images. Why does augmentation lower it, and why
# is a lower training accuracy not a problem here?
#
# <details><summary>Answer</summary>
#
# The network now has to classify a whole family of transformed versions of each image with one set of weights;
# it can no longer spend its capacity on the exact pixels of 150 pictures, which is the memorization we wanted to
# prevent. A regularizer trades training fit for validation performance: the quantity that matters is the
# validation accuracy (and loss), and the gap tells how much of the training fit was memorization. (An
# augmentation that lowers *both*, like the flips here or the too-wide scale range, is not regularizing; it is
# corrupting the labels.)
# </details>
#
# **Q6.** You have a fixed budget of GPU hours. Which costs more, augmentation at training time or at test time,
# and when is each worth paying?
#
# <details><summary>Answer</summary>
#
# Training-time augmentation costs (almost) nothing per step: the transformations are cheap next to a forward and
# backward pass, and they run on the CPU while the GPU trains; what it costs is that the network needs more epochs
# to fit the harder, larger family of images. Test-time augmentation multiplies the cost of *every* prediction:
# 10 times for ten crops, 50 times for ten crops at five scales, for every user, forever. It is worth it for a
# benchmark or an offline batch job, rarely for a deployed model, and only when the averaged views are
# label-preserving and were seen in training.
# </details>

# %% [markdown]
# ## Summary
#
# - **The problem** (measured): a small CNN trained on 150 digits fits them perfectly (training accuracy 1.000,
#   loss below 0.005) and reaches 89.6%<!-- quote: base_val_acc ±3 --> on validation: a gap of
#   10.4<!-- quote: base_gap_points ±4 --> points in this run (7.6 to 14.0 over ten runs).
# - **Flips** $x[c, i, W-1-j]$ are exact and cheap, and label-preserving only for mirror-symmetric data: on digits
#   they cost 8.6<!-- quote: flips_cost_points ±3 --> points of validation accuracy in this run (3 to 9 over the runs, a
#   cost in every run).
# - **Scale augmentation** (ResNet: short side $L \sim U\{256, \dots, 480\}$, random $224 \times 224$ crop; the
#   notes' "224x244" is a typo): with a range suited to the data ($L \in [16, 20]$ for crop 16) the validation loss fell
#   in every run (to 0.23<!-- quote: scale_val_loss ±0.06 --> in this one) and the gap narrowed in nine of ten, while the
#   validation accuracy changed by no more than the noise of one seed; ResNet's ratios copied blindly ($[18, 34]$) made
#   it worse (0.804<!-- quote: resnet_val_acc ±0.05 --> in this run, 0.79 to 0.87) on digits that fill their frame, in
#   every run.
# - **Translation, rotation, stretching** (affine maps via `affine_grid`/`grid_sample`, whose `theta` is the inverse
#   map in normalized coordinates): with scale augmentation, a gap of 3.3<!-- quote: affine_gap_points ±3 --> points in
#   this run (2.5 to 9.4), narrower than without augmentation in every run, and validation accuracy
#   0.933<!-- quote: affine_val_acc ±0.03 --> (0.88 to 0.94).
# - **Ten crops and five scales at test time** average softmax probabilities over
#   (tl, tr, bl, br, centre) of the image and of its mirror (torchvision's order) at each scale. On our digits they
#   never beat the best single view of a network trained without flips, and the mirrored crops cost 3 to 15 points
#   there; with flips in training they were harmless (between $-0.3$ and $+4$ points against the centre crop). The gains
#   reported for ImageNet need mirror-symmetric data and crops that see genuinely different parts of a larger image;
#   they cost 10 to 50 forward passes per image.
# - **Colour**: jitter blends with black, the mean grey and the greyscale image (torchvision's definitions, clamped
#   after each step); AlexNet's PCA augmentation adds $P(\alpha \odot \lambda)$, mostly a brightness change
#   ($p_1$ is 3.9<!-- quote: pca_angle_deg ±0.1 -->° from grey and carries 84.5%<!-- quote: pca_share1 ±0.1 --> of the
#   colour variance of our photographs) of about 3.4<!-- quote: pca_grey_levels ±0.15 --> grey levels.
# - A good augmentation produces images that could occur at test time with the same label. Whether a transformation
#   is one is a property of the data, and the validation set, not the notes, decides.
#
# ### Claims checked over seeds
#
# Ten runs of sections 1, 5 and 8: seeds 0-7 of the weights, batches and augmentation draws on the notebook's split (seed
# 0 is the run above), and seed 0 on two other train/validation splits. Points are accuracy points; the full table is in
# the course's `docs/claims.md`.
#
# | claim | numbers over the ten runs | verdict |
# | --- | --- | --- |
# | 150 digits are memorized: a gap of about 10 points | gap 10.4, 8.2, 9.5, 8.4, 7.6, 8.2, 8.0, 8.1 (14.0, 8.8) | holds; the text gives this run's 10.4, then the range 7.6 to 14.0 |
# | scale augmentation $[16, 20]$ lowers the validation loss and narrows the gap | loss lower in 10 of 10; gap narrower in 9 of 10; validation accuracy $-2.7$ to $+3.5$ | loss and gap hold; "raises validation accuracy to 0.931" **flipped**: within noise |
# | ResNet's ratios $[18, 34]$ hurt on digits | validation accuracy below no augmentation in 10 of 10 (by 5 to 13 points) | holds |
# | ... and their gap is small (underfitting) | gap 4.9, 4.5, 7.1, 5.8, 6.7, 0.9, 3.1, 10.0 (9.4, 1.2) | **flipped**: from 1 to 10 points; the text now says the gap is no guide |
# | ten crops never beat the best single view (no flips in training) | 0 of 30 model-runs | holds |
# | the mirrored crops cost points (no flips in training) | 3 to 8 (scale model), 5 to 15 (no augmentation) | holds; "5 to 6 points" was seed 0's |
# | scale + affine narrows the gap (narrower than no augmentation); lowest validation loss | gap narrower than none 10 of 10, than scale alone only 8 of 10; lowest loss 6 of 10 | "narrower than no augmentation" holds; "narrows it most" does not (8 of 10); "lowest loss" **flipped** to "in six of ten" |
# | augmented runs still improving at epoch 40 | scale 4 of 10, scale + affine 6 of 10 | **flipped**: depends on the seed |
# | flips hurt on digits | $-2.8$ to $-8.6$ points against the same recipe without flips, below no augmentation in 10 of 10 | holds; the text gives this run's 8.6 points and the range 3 to 9 |
# | ten crops are harmless after training with flips | $-0.3$ to $+4$ points against the centre crop | holds |
# | ResNet-ratio model: five scales bring it back to the centre crop | five scales minus centre crop: $-20.3$ to 0 over the ten runs; $+1.3$ with a reader's correct draw order | "never above" **flipped** to "not clearly above" (within the noise of 300 images) |
# | the verdicts above with other correct answers (the corpus's draw-order variants, seed 0) | every number inside the ranges above after widening three: ResNet-ratio training loss 0.52, flips' training accuracy 0.96, mirror cost 8 | hold, with the wider ranges |
#
# ### Errata and clarifications to the notes
#
# - "Sample random 224x244 patch" is a typo for **224x224** (He et al., 2016, section 3.4).
# - "For example flip the image, or rotate it": only when the label survives. Horizontal flips are right for
#   natural photographs and wrong for digits and text (measured above); vertical flips are wrong for most photographs.
# - The test recipe as the notes state it (ten crops at each of five scales, averaged) is a combination: ResNet's
#   ten-crop results use one scale, and its multi-scale results apply the network fully convolutionally to whole
#   images (following VGG). Both average softmax probabilities.
# - "Apply colour jitter or PCA": the PCA augmentation is AlexNet's (Krizhevsky et al., 2012), $x \mathrel{+}=
#   P(\alpha \odot \lambda)$ with $\alpha_i \sim \mathcal N(0, 0.1^2)$ drawn once per image, eigenvectors as the
#   columns of $P$.
#
# ### References
#
# - A. Krizhevsky, I. Sutskever and G. Hinton, *ImageNet classification with deep convolutional neural networks*,
#   NeurIPS 2012 (section 4.1: crops, flips, ten-crop testing, PCA colour augmentation).
# - K. Simonyan and A. Zisserman, *Very deep convolutional networks for large-scale image recognition*, ICLR 2015
#   (scale jittering, multi-scale and dense testing).
# - K. He, X. Zhang, S. Ren and J. Sun, *Deep residual learning for image recognition*, CVPR 2016 (section 3.4).
# - A. G. Howard, *Some improvements on deep convolutional neural network based image classification*, 2013 (colour
#   jitter: brightness, contrast, saturation).
# - H. Touvron, A. Vedaldi, M. Douze and H. Jégou, *Fixing the train-test resolution discrepancy*, NeurIPS 2019
#   (why the scales seen in training must match those at test time).
# - torchvision documentation: `transforms.Resize`, `TenCrop`, `ColorJitter`, `functional.adjust_contrast`,
#   `functional.rgb_to_grayscale`; PyTorch documentation: `F.interpolate`, `F.affine_grid`, `F.grid_sample`.
