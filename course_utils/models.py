"""Small ``torch.nn`` models used across the notebooks. All return raw class scores (logits).

- :class:`LogisticRegression`: one linear layer (a linear probe, or softmax regression).
- :class:`MLP`: fully connected network, optional ``nn.Dropout`` after each hidden layer.
- :class:`SmallCNN`: two conv stages for 8x8 digits or 32x32 colour patches.
- :class:`ResidualBlock`, :class:`SmallResNet`, :func:`set_residual_gates`: a small residual
  network whose blocks each carry a ``gate`` module, the hook where stochastic depth plugs in.
- :class:`Conv1DNet`: a 1-D convolutional network for MNIST-1D signals.

Inputs of any trailing shape are flattened where a model needs vectors, so ``(N, 8, 8)`` digit
images and ``(N, 64)`` digit vectors both work with ``MLP(64, ...)``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = [
    "LogisticRegression",
    "MLP",
    "SmallCNN",
    "ResidualBlock",
    "SmallResNet",
    "set_residual_gates",
    "Conv1DNet",
]


class LogisticRegression(nn.Linear):
    """Multinomial logistic regression: ``logits = x W^T + b``.

    It *is* an ``nn.Linear`` (``.weight`` of shape ``(num_classes, in_features)``, ``.bias`` of
    shape ``(num_classes,)``) whose forward first flattens ``x`` from ``(N, ...)`` to
    ``(N, in_features)``. Train it with ``F.cross_entropy`` (softmax is inside the loss).
    """

    def __init__(self, in_features: int, num_classes: int):
        super().__init__(in_features, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.flatten(start_dim=1))


class MLP(nn.Module):
    """Fully connected network: ``[Linear -> activation -> (Dropout)] * len(hidden) -> Linear``.

    ``x``: ``(N, ...)`` flattened to ``(N, in_features)``; output ``(N, out_features)``.
    ``activation`` is a module class (``nn.ReLU``, ``nn.Tanh``, ...), instantiated once per layer.
    ``dropout`` is the probability of *dropping* a unit (torch's ``nn.Dropout``), used only when
    positive. The layers live in ``self.layers`` (an ``nn.Sequential``).
    """

    def __init__(self, in_features: int, hidden=(128,), out_features: int = 10, activation=nn.ReLU,
                 dropout: float = 0.0):
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout is a probability in [0, 1), got {dropout}")
        layers = []
        width = in_features
        for h in hidden:
            layers += [nn.Linear(width, h), activation()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, out_features))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x.flatten(start_dim=1))


class SmallCNN(nn.Module):
    """Two convolutional stages and a linear classifier.

    ``conv(3x3) -> ReLU -> conv(3x3) -> ReLU -> pool1 (2x2 max)`` with ``width`` channels, then
    ``conv(3x3) -> ReLU -> pool2 (2x2 max)`` with ``2 * width`` channels, then a linear layer.

    ``x``: ``(N, in_channels, image_size, image_size)`` (an ``(N, H, W)`` batch is given a
    channel axis); output ``(N, num_classes)``. ``image_size`` must be a multiple of 4 (8 for the
    digits, 32 for photo patches). ``pool1`` and ``pool2`` are attributes so that another pooling
    module (e.g. fractional max pooling) can replace them; ``to_head`` (adaptive average pooling to
    ``image_size // 4``, the identity when the sizes already match) keeps the classifier's input
    size fixed when a replacement pools by a different ratio.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, width: int = 16, image_size: int = 8):
        super().__init__()
        if image_size % 4 != 0 or image_size < 4:
            raise ValueError(f"image_size must be a positive multiple of 4, got {image_size}")
        self.in_channels = in_channels
        self.conv1 = nn.Conv2d(in_channels, width, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(width, width, kernel_size=3, padding=1)
        self.pool1 = nn.MaxPool2d(2)
        self.conv3 = nn.Conv2d(width, 2 * width, kernel_size=3, padding=1)
        self.pool2 = nn.MaxPool2d(2)
        side = image_size // 4
        self.to_head = nn.AdaptiveAvgPool2d(side)
        self.head = nn.Linear(2 * width * side * side, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 3:
            x = x.unsqueeze(1)  # (N, H, W) -> (N, 1, H, W)
        x = torch.relu(self.conv1(x))
        x = self.pool1(torch.relu(self.conv2(x)))
        x = self.pool2(torch.relu(self.conv3(x)))
        x = self.to_head(x)
        return self.head(x.flatten(start_dim=1))


class ResidualBlock(nn.Module):
    """``out = relu(x + gate(body(x)))`` with ``body = conv-BN-ReLU-conv-BN`` (3x3, same size).

    ``gate`` is ``nn.Identity()`` by default: a plain residual block. Replace it (directly or
    with :func:`set_residual_gates`) by a module that maps the body's output ``(N, C, H, W)`` to a
    tensor of the same shape, e.g. a stochastic-depth module that returns zeros when the block is
    dropped; the block then reduces to ``relu(x)``. Shapes: ``(N, channels, H, W)`` in and out.
    """

    def __init__(self, channels: int, kernel_size: int = 3, batch_norm: bool = True):
        super().__init__()
        pad = kernel_size // 2

        def norm():
            return nn.BatchNorm2d(channels) if batch_norm else nn.Identity()

        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, kernel_size, padding=pad, bias=not batch_norm),
            norm(),
            nn.ReLU(),
            nn.Conv2d(channels, channels, kernel_size, padding=pad, bias=not batch_norm),
            norm(),
        )
        self.gate = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x + self.gate(self.body(x)))


class SmallResNet(nn.Module):
    """``stem (conv-BN-ReLU) -> num_blocks ResidualBlocks -> global average pool -> linear``.

    All blocks keep ``width`` channels and the input's spatial size, so the depth ``L =
    num_blocks`` is the only thing that changes between variants. ``x``: ``(N, in_channels, H, W)``
    (any ``H, W``); output ``(N, num_classes)``. ``self.blocks`` is an ``nn.ModuleList`` of
    :class:`ResidualBlock`, numbered 1..L by :func:`set_residual_gates`.
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 10, width: int = 16, num_blocks: int = 3):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, width, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(),
        )
        self.blocks = nn.ModuleList([ResidualBlock(width) for _ in range(num_blocks)])
        self.head = nn.Linear(width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 3:
            x = x.unsqueeze(1)
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.head(x.mean(dim=(2, 3)))


def set_residual_gates(model: nn.Module, make_gate) -> nn.Module:
    """Give every :class:`ResidualBlock` of ``model`` a new gate: block ``l`` of ``L`` (1-based,
    in the order the blocks are registered) gets ``make_gate(l, L)``, which must return an
    ``nn.Module``. Returns the model (changed in place).
    """
    blocks = [m for m in model.modules() if isinstance(m, ResidualBlock)]
    if not blocks:
        raise ValueError(f"{type(model).__name__} has no ResidualBlock")
    for l, block in enumerate(blocks, start=1):
        gate = make_gate(l, len(blocks))
        if not isinstance(gate, nn.Module):
            raise TypeError(f"make_gate({l}, {len(blocks)}) returned {type(gate).__name__}, expected an nn.Module")
        block.gate = gate
    return model


class Conv1DNet(nn.Module):
    """1-D convolutional network for MNIST-1D signals.

    ``conv(k=5) -> ReLU -> conv(k=3, stride 2) -> ReLU -> conv(k=3, stride 2) -> ReLU -> linear``,
    all with ``channels`` channels. ``x``: ``(N, in_length)`` or ``(N, 1, in_length)``; output
    ``(N, num_classes)``. The two strided convolutions shrink the length to
    ``ceil(ceil(in_length / 2) / 2)`` (10 for MNIST-1D's 40).
    """

    def __init__(self, in_length: int = 40, num_classes: int = 10, channels: int = 32):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(1, channels, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.Conv1d(channels, channels, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv1d(channels, channels, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
        )
        length = math.ceil(math.ceil(in_length / 2) / 2)  # after the two stride-2 convolutions
        self.head = nn.Linear(channels * length, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            x = x.unsqueeze(1)  # (N, L) -> (N, 1, L)
        return self.head(self.features(x).flatten(start_dim=1))
