"""One small, readable training loop, an evaluation helper and a history of what happened.

Typical use::

    train_loader, val_loader = make_loaders(X, y, batch_size=64)
    model = MLP(64, hidden=(64,))
    optimizer = FunctionalOptimizer(model.parameters(), adam, lr=1e-3)
    history = fit(model, optimizer, train_loader, val_loader, epochs=10)
    print(history.summary())
    plot_history(history)

Loaders yield ``(inputs, targets)`` pairs; ``loss_fn(outputs, targets)`` returns the *mean*
loss of a batch (the default ``F.cross_entropy`` does), and accuracy is the fraction of rows
whose ``argmax`` equals the target.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

__all__ = ["History", "evaluate", "fit", "predict_proba"]


@dataclass
class History:
    """What :func:`fit` measured.

    Per epoch (one entry each): ``train_loss`` and ``train_acc`` (averages over the epoch's
    batches, measured in training mode while the weights changed), ``val_loss`` and ``val_acc``
    (after the epoch, in eval mode; empty without a validation loader), ``lr`` (the first param
    group's learning rate used during the epoch), ``epoch_time`` (wall seconds, evaluation
    included).

    Per optimizer step: ``step_loss`` (the batch's loss) and ``step_time`` (cumulative wall
    seconds spent in training steps since ``fit`` started: moving the batch, forward, backward
    and update; fetching batches and evaluation excluded), for race plots against steps and
    against time.

    ``diverged`` is True when training stopped early because the loss was not finite.
    """

    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    epoch_time: list = field(default_factory=list)
    step_loss: list = field(default_factory=list)
    step_time: list = field(default_factory=list)
    diverged: bool = False

    @property
    def epochs(self) -> int:
        """Number of epochs recorded (a partial last epoch counts)."""
        return len(self.train_loss)

    @property
    def steps(self) -> int:
        """Number of optimizer steps taken."""
        return len(self.step_loss)

    @property
    def best_val_acc(self) -> float:
        """Highest validation accuracy over the epochs (NaN without validation)."""
        return max(self.val_acc) if self.val_acc else float("nan")

    def summary(self) -> str:
        """One line: epochs, steps, final losses and accuracies, best validation accuracy, time."""
        if not self.train_loss:
            return "no epochs recorded"
        parts = [f"{self.epochs} epochs, {self.steps} steps",
                 f"train loss {self.train_loss[-1]:.4f} acc {self.train_acc[-1]:.3f}"]
        if self.val_acc:
            parts.append(f"val loss {self.val_loss[-1]:.4f} acc {self.val_acc[-1]:.3f} "
                         f"(best {self.best_val_acc:.3f})")
        parts.append(f"{sum(self.epoch_time):.1f} s")
        if self.diverged:
            parts.append("DIVERGED (non-finite loss)")
        return ", ".join(parts)


def _model_device(model) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def _correct(outputs: torch.Tensor, targets: torch.Tensor) -> int:
    return int((outputs.argmax(dim=1) == targets).sum())


@torch.no_grad()
def evaluate(model, loader, loss_fn=F.cross_entropy, device=None):
    """Mean loss and accuracy of ``model`` over every batch of ``loader``, in eval mode.

    ``device``: where to run (default: where the model's parameters are). Returns
    ``(mean_loss, accuracy)`` as floats, weighting each batch by its size. The model's
    train/eval mode is restored afterwards.
    """
    device = torch.device(device) if device is not None else _model_device(model)
    was_training = model.training
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    try:
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            outputs = model(inputs)
            n = len(targets)
            total_loss += float(loss_fn(outputs, targets)) * n
            correct += _correct(outputs, targets)
            count += n
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("the loader yielded no examples")
    return total_loss / count, correct / count


def fit(model, optimizer, train_loader, val_loader=None, epochs: int = 10, loss_fn=F.cross_entropy,
        device=None, scheduler=None, progress: bool = True, desc: str | None = None,
        max_steps: int | None = None) -> History:
    """Train ``model`` with ``optimizer`` for ``epochs`` passes over ``train_loader``.

    Each step: ``zero_grad``, forward, ``loss_fn``, backward, ``optimizer.step()``. After each
    epoch: evaluate on ``val_loader`` (if given), then ``scheduler.step()`` (if given: an epoch
    scheduler). ``device``: if given, the model is moved there; default: where the model is.
    Batches are moved to that device. ``max_steps`` stops after that many optimizer steps (the
    partial epoch is still recorded and evaluated). Training stops early, with
    ``history.diverged = True``, when a batch loss is NaN or infinite.

    ``progress`` shows a tqdm bar over epochs (loss and accuracy in its postfix) labelled
    ``desc``. Returns a :class:`History`.
    """
    if device is not None:
        device = torch.device(device)
        model.to(device)
    else:
        device = _model_device(model)
    history = History()
    train_seconds = 0.0  # cumulative time spent in training steps
    bar = tqdm(range(epochs), desc=desc, disable=not progress, unit="epoch")
    for _ in bar:
        epoch_start = time.perf_counter()
        history.lr.append(float(optimizer.param_groups[0]["lr"]))
        model.train()
        total_loss, correct, count = 0.0, 0, 0
        for inputs, targets in train_loader:
            step_start = time.perf_counter()
            inputs, targets = inputs.to(device), targets.to(device)
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = loss_fn(outputs, targets)
            loss.backward()
            optimizer.step()
            loss_value = loss.item()
            train_seconds += time.perf_counter() - step_start

            history.step_loss.append(loss_value)
            history.step_time.append(train_seconds)
            n = len(targets)
            total_loss += loss_value * n
            correct += _correct(outputs.detach(), targets)
            count += n
            if not math.isfinite(loss_value):
                history.diverged = True
                break
            if max_steps is not None and history.steps >= max_steps:
                break

        history.train_loss.append(total_loss / max(count, 1))
        history.train_acc.append(correct / max(count, 1))
        postfix = {"loss": f"{history.train_loss[-1]:.4f}", "acc": f"{history.train_acc[-1]:.3f}"}
        if val_loader is not None:
            val_loss, val_acc = evaluate(model, val_loader, loss_fn=loss_fn, device=device)
            history.val_loss.append(val_loss)
            history.val_acc.append(val_acc)
            postfix.update(val_loss=f"{val_loss:.4f}", val_acc=f"{val_acc:.3f}")
        bar.set_postfix(postfix)
        history.epoch_time.append(time.perf_counter() - epoch_start)

        stop = history.diverged or (max_steps is not None and history.steps >= max_steps)
        if stop:
            break
        if scheduler is not None:
            scheduler.step()
    bar.close()
    return history


@torch.no_grad()
def predict_proba(model, X, device=None, batch_size: int = 1024) -> np.ndarray:
    """Softmax class probabilities of ``model`` on ``X``, in eval mode.

    ``X``: NumPy array or tensor of shape ``(N, ...)`` (converted to float32). Returns a NumPy
    float32 array of shape ``(N, C)`` whose rows sum to 1. The model's mode is restored.
    """
    device = torch.device(device) if device is not None else _model_device(model)
    X = torch.as_tensor(X).float()
    was_training = model.training
    model.eval()
    try:
        chunks = [F.softmax(model(X[i : i + batch_size].to(device)), dim=1).cpu()
                  for i in range(0, len(X), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(chunks).numpy().astype(np.float32)
