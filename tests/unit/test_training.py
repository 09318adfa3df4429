"""course_utils.training: fit learns the digits, the history is consistent, evaluate and
predict_proba agree with direct torch computations."""

import math
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils.data import load_digits, make_loaders
from course_utils.models import MLP
from course_utils.training import History, evaluate, fit, predict_proba


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    return X, y, make_loaders(X, y, batch_size=64, val_fraction=0.2, seed=0)


def test_fit_learns_the_digits_quickly(digits):
    _, _, (train_loader, val_loader) = digits
    torch.manual_seed(0)
    model = MLP(64, hidden=(64,))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    start = time.perf_counter()
    history = fit(model, optimizer, train_loader, val_loader, epochs=8, progress=False)
    elapsed = time.perf_counter() - start
    assert history.best_val_acc > 0.90 and history.val_acc[-1] > 0.90
    assert history.train_loss[-1] < history.train_loss[0] / 3
    assert history.train_acc[-1] > 0.9 and history.train_acc[-1] > history.train_acc[0]
    assert elapsed < 20
    assert model.training  # evaluate restored the training mode


def test_history_lengths_and_timing_are_consistent(digits):
    _, _, (train_loader, val_loader) = digits
    torch.manual_seed(0)
    model = MLP(64, hidden=(16,))
    history = fit(model, torch.optim.SGD(model.parameters(), lr=0.1), train_loader, val_loader, epochs=3,
                  progress=False)
    steps_per_epoch = len(train_loader)
    for name in ("train_loss", "train_acc", "val_loss", "val_acc", "lr", "epoch_time"):
        assert len(getattr(history, name)) == 3, name
    assert history.epochs == 3
    assert history.steps == len(history.step_loss) == len(history.step_time) == 3 * steps_per_epoch
    assert np.all(np.diff(history.step_time) >= 0) and history.step_time[0] > 0
    assert history.step_time[-1] <= sum(history.epoch_time)
    assert all(0 <= a <= 1 for a in history.train_acc + history.val_acc)
    # the epoch's train loss is the size-weighted mean of its step losses
    n = len(train_loader.dataset)
    sizes = [min(64, n - i) for i in range(0, n, 64)]
    expected = np.dot(history.step_loss[:steps_per_epoch], sizes) / n
    assert history.train_loss[0] == pytest.approx(expected, rel=1e-9)
    assert history.lr == [0.1, 0.1, 0.1]
    # the last validation entries are what evaluate says about the final model
    val_loss, val_acc = evaluate(model, val_loader)
    assert history.val_loss[-1] == pytest.approx(val_loss, rel=1e-6) and history.val_acc[-1] == val_acc


def test_history_summary_and_best_val_acc():
    h = History(train_loss=[1.0, 0.5], train_acc=[0.5, 0.75], val_loss=[1.2, 0.9], val_acc=[0.6, 0.55],
                epoch_time=[1.0, 2.5])
    assert h.best_val_acc == 0.6
    s = h.summary()
    assert "2 epochs" in s and "val loss 0.9000 acc 0.550 (best 0.600)" in s and "3.5 s" in s
    assert math.isnan(History().best_val_acc)
    assert History().summary() == "no epochs recorded"


def test_fit_without_validation_max_steps_and_scheduler(digits):
    _, _, (train_loader, _) = digits
    torch.manual_seed(0)
    model = MLP(64, hidden=(8,))
    opt = torch.optim.SGD(model.parameters(), lr=0.2)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    h = fit(model, opt, train_loader, epochs=3, scheduler=sched, progress=False)
    assert h.val_loss == [] and h.val_acc == [] and math.isnan(h.best_val_acc)
    assert h.lr == pytest.approx([0.2, 0.1, 0.05])  # stepped once per epoch, recorded before the step
    assert opt.param_groups[0]["lr"] == pytest.approx(0.025)

    steps_per_epoch = len(train_loader)
    h = fit(model, torch.optim.SGD(model.parameters(), lr=0.1), train_loader, epochs=10,
            max_steps=steps_per_epoch + 5, progress=False)
    assert h.steps == steps_per_epoch + 5 and h.epochs == 2


def test_fit_stops_when_the_loss_diverges(digits):
    _, _, (train_loader, val_loader) = digits
    calls = []

    def exploding_loss(outputs, targets):  # finite for two steps, then infinite
        calls.append(1)
        loss = F.cross_entropy(outputs, targets)
        return loss if len(calls) <= 2 else loss * float("inf")

    torch.manual_seed(0)
    model = MLP(64, hidden=(16,))
    h = fit(model, torch.optim.SGD(model.parameters(), lr=0.1), train_loader, epochs=5, loss_fn=exploding_loss,
            progress=False)
    assert h.diverged and h.steps == 3 and h.epochs == 1
    assert math.isfinite(h.step_loss[1]) and not math.isfinite(h.step_loss[2])
    assert "DIVERGED" in h.summary()


def test_fit_uses_train_mode_and_evaluate_uses_eval_mode():
    modes = []

    class Spy(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(4, 3)

        def forward(self, x):
            modes.append(self.training)
            return self.linear(x)

    X, y = torch.randn(20, 4), torch.randint(0, 3, (20,))
    loader = DataLoader(TensorDataset(X, y), batch_size=10)
    model = Spy().eval()  # fit must switch to training mode itself
    fit(model, torch.optim.SGD(model.parameters(), lr=0.1), loader, loader, epochs=2, progress=False)
    assert modes == [True, True, False, False] * 2
    model.train()
    evaluate(model, loader)
    assert model.training  # mode restored


def test_evaluate_matches_a_direct_computation(digits):
    X, y, _ = digits
    torch.manual_seed(0)
    model = MLP(64, hidden=(32,), dropout=0.3)
    loader = DataLoader(TensorDataset(torch.as_tensor(X), torch.as_tensor(y)), batch_size=100)  # last batch: 97
    loss, acc = evaluate(model, loader)
    model.eval()
    with torch.no_grad():
        logits = model(torch.as_tensor(X))
    assert loss == pytest.approx(F.cross_entropy(logits, torch.as_tensor(y)).item(), rel=1e-5)
    assert acc == pytest.approx((logits.argmax(1).numpy() == y).mean())
    with pytest.raises(ValueError):
        evaluate(model, [])


def test_predict_proba_is_the_softmax_in_eval_mode(digits):
    X, _, _ = digits
    torch.manual_seed(0)
    model = MLP(64, hidden=(32,), dropout=0.5)
    model.train()
    probs = predict_proba(model, X[:300], batch_size=128)
    assert model.training
    assert isinstance(probs, np.ndarray) and probs.shape == (300, 10) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    model.eval()
    with torch.no_grad():
        expected = F.softmax(model(torch.as_tensor(X[:300])), dim=1).numpy()
    np.testing.assert_allclose(probs, expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(predict_proba(model, torch.as_tensor(X[:5])), expected[:5], rtol=1e-5, atol=1e-7)


def test_fit_with_a_progress_bar_and_an_explicit_device(digits, capsys):
    _, _, (train_loader, val_loader) = digits
    torch.manual_seed(0)
    model = MLP(64, hidden=(8,))
    h = fit(model, torch.optim.SGD(model.parameters(), lr=0.1), train_loader, val_loader, epochs=1,
            device="cpu", progress=True, desc="mlp")
    assert h.epochs == 1
    err = capsys.readouterr().err
    assert "mlp" in err and "val_acc" in err
