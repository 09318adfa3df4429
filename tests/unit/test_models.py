"""course_utils.models: output shapes, the layers promised, and the residual gate hook."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.models import (
    MLP,
    Conv1DNet,
    LogisticRegression,
    ResidualBlock,
    SmallCNN,
    SmallResNet,
    set_residual_gates,
)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny models run far faster on one thread when 2 cores are shared (and under xdist)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def assert_trains(model, x, num_classes=10):
    """Every parameter gets a finite gradient from a cross-entropy loss."""
    out = model(x)
    assert out.shape == (x.shape[0], num_classes)
    F.cross_entropy(out, torch.arange(x.shape[0]) % num_classes).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name


def test_logistic_regression_is_one_linear_layer():
    torch.manual_seed(0)
    model = LogisticRegression(64, 10)
    assert isinstance(model, nn.Linear) and len(list(model.parameters())) == 2
    assert model.weight.shape == (10, 64) and model.bias.shape == (10,)
    x = torch.randn(5, 8, 8)
    torch.testing.assert_close(model(x), F.linear(x.reshape(5, 64), model.weight, model.bias))
    assert_trains(model, x)


def test_mlp_layers_and_shapes():
    torch.manual_seed(0)
    model = MLP(64, hidden=(32, 16), out_features=7, activation=nn.Tanh)
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(64, 32), (32, 16), (16, 7)]
    assert sum(isinstance(m, nn.Tanh) for m in model.modules()) == 2
    assert not any(isinstance(m, nn.Dropout) for m in model.modules())
    x = torch.randn(4, 64)
    # oracle: the same computation spelled out with torch.nn.functional
    h = torch.tanh(F.linear(x, linears[0].weight, linears[0].bias))
    h = torch.tanh(F.linear(h, linears[1].weight, linears[1].bias))
    torch.testing.assert_close(model(x), F.linear(h, linears[2].weight, linears[2].bias))
    assert model(x.reshape(4, 8, 8)).shape == (4, 7)  # images are flattened
    assert_trains(model, x, num_classes=7)
    assert MLP(10, hidden=()).layers[0].in_features == 10  # no hidden layer: logistic regression


def test_mlp_dropout_is_active_in_training_only():
    torch.manual_seed(0)
    model = MLP(20, hidden=(64, 64), dropout=0.5)
    drops = [m for m in model.modules() if isinstance(m, nn.Dropout)]
    assert len(drops) == 2 and all(d.p == 0.5 for d in drops)
    x = torch.randn(8, 20)
    model.train()
    assert not torch.allclose(model(x), model(x))
    model.eval()
    torch.testing.assert_close(model(x), model(x))
    with pytest.raises(ValueError):
        MLP(4, dropout=1.0)


@pytest.mark.parametrize("in_channels,image_size", [(1, 8), (3, 32), (3, 16)])
def test_small_cnn_shapes(in_channels, image_size):
    torch.manual_seed(0)
    model = SmallCNN(in_channels=in_channels, num_classes=10, width=8, image_size=image_size)
    x = torch.randn(3, in_channels, image_size, image_size)
    assert_trains(model, x)
    assert model.head.in_features == 16 * (image_size // 4) ** 2


def test_small_cnn_takes_digit_batches_without_a_channel_axis():
    torch.manual_seed(0)
    model = SmallCNN()
    x = torch.rand(6, 8, 8)
    torch.testing.assert_close(model(x), model(x.unsqueeze(1)))
    with pytest.raises(ValueError):
        SmallCNN(image_size=10)


def test_small_cnn_pooling_can_be_replaced():
    torch.manual_seed(0)
    model = SmallCNN(in_channels=3, image_size=32, width=4)
    x = torch.randn(2, 3, 32, 32)
    before = model(x)
    model.pool1 = nn.AvgPool2d(2)  # same ratio, different operation: the output must change
    assert not torch.allclose(model(x), before)
    model.pool1 = nn.AdaptiveMaxPool2d(11)  # a different ratio (as fractional pooling would give)
    assert model(x).shape == (2, 10)


class Zeros(nn.Module):
    def forward(self, x):
        return torch.zeros_like(x)


class Scale(nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return self.factor * x


def test_residual_block_forward_and_gate_hook():
    torch.manual_seed(0)
    block = ResidualBlock(4).eval()
    x = torch.randn(2, 4, 5, 5)
    assert isinstance(block.gate, nn.Identity)
    torch.testing.assert_close(block(x), torch.relu(x + block.body(x)))
    assert not torch.allclose(block(x), torch.relu(x))
    block.gate = Zeros()  # a dropped block: identity plus relu
    torch.testing.assert_close(block(x), torch.relu(x))
    block.gate = Scale(0.25)  # test-time scaling by a survival probability
    torch.testing.assert_close(block(x), torch.relu(x + 0.25 * block.body(x)))


def test_residual_block_without_batch_norm():
    block = ResidualBlock(3, batch_norm=False)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in block.modules())
    assert all(m.bias is not None for m in block.modules() if isinstance(m, nn.Conv2d))


def test_small_resnet_shapes_and_blocks():
    torch.manual_seed(0)
    model = SmallResNet(in_channels=3, num_classes=10, width=8, num_blocks=4)
    assert isinstance(model.blocks, nn.ModuleList) and len(model.blocks) == 4
    assert all(isinstance(b, ResidualBlock) for b in model.blocks)
    assert_trains(model, torch.randn(2, 3, 16, 16))
    assert SmallResNet(in_channels=1, width=4, num_blocks=1)(torch.randn(2, 8, 8)).shape == (2, 10)


def test_set_residual_gates_numbers_the_blocks():
    torch.manual_seed(0)
    model = SmallResNet(width=4, num_blocks=3)
    calls = []

    def make_gate(l, L):
        calls.append((l, L))
        return Scale(1.0 - 0.5 * l / L)

    assert set_residual_gates(model, make_gate) is model
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert [b.gate.factor for b in model.blocks] == pytest.approx([1 - 0.5 / 3, 1 - 1 / 3, 0.5])

    # all gates closed: the network reduces to stem -> relu (a no-op after the stem's relu) -> head
    set_residual_gates(model, lambda l, L: Zeros())
    model.eval()
    x = torch.randn(2, 3, 8, 8)
    torch.testing.assert_close(model(x), model.head(model.stem(x).mean(dim=(2, 3))))

    with pytest.raises(TypeError):
        set_residual_gates(model, lambda l, L: (lambda t: t))
    with pytest.raises(ValueError):
        set_residual_gates(MLP(4), lambda l, L: Zeros())


@pytest.mark.parametrize("length", [40, 37, 64])
def test_conv1dnet_shapes(length):
    torch.manual_seed(0)
    model = Conv1DNet(in_length=length, num_classes=10, channels=8)
    x = torch.randn(3, length)
    torch.testing.assert_close(model(x), model(x.unsqueeze(1)))
    assert_trains(model, x)
