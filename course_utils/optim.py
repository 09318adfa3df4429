"""Adapters that let the course's functional update rules train real PyTorch models.

An update rule has the course's signature ``next_w, config = rule(w, dw, config)`` (see the
course spec): ``config`` holds hyperparameters (``learning_rate``, ``momentum``, ``decay_rate``,
``beta1``, ``beta2``, ``epsilon``, ``weight_decay``) and the rule's state (``velocity``,
``cache``, ``m``, ``v``, ``t``). The rules themselves are the students' exercises; this module
only plugs a rule into ``torch.optim``:

- :class:`FunctionalOptimizer` is a ``torch.optim.Optimizer`` that keeps one ``config`` dict per
  parameter and calls the rule on each parameter at every ``step()``.
- :class:`FunctionalScheduler` is a ``torch.optim.lr_scheduler.LambdaLR`` driven by a plain
  function ``schedule(epoch) -> learning rate``.
"""

from __future__ import annotations

import torch
from torch.optim.lr_scheduler import LambdaLR

__all__ = ["FunctionalOptimizer", "FunctionalScheduler"]


class FunctionalOptimizer(torch.optim.Optimizer):
    """A ``torch.optim.Optimizer`` whose update is a functional rule ``rule(w, dw, config)``.

    Args:
        params: parameters or parameter groups (dicts), as for any torch optimizer. A group may
            override ``lr`` and any hyperparameter.
        rule: ``next_w, config = rule(w, dw, config)``.
        lr: learning rate; reaches the rule as ``config["learning_rate"]``.
        **hyperparameters: everything else the rule reads from ``config`` under the course's names,
            e.g. ``momentum=0.9`` or ``beta1=0.9, beta2=0.999, epsilon=1e-8``. Hyperparameters not
            given here are left to the rule's own ``config.setdefault`` defaults.

    At every ``step()``, for each parameter ``p`` whose ``p.grad`` is not None:

    1. ``config = self.state[p]["config"]`` (an empty dict at the first step);
    2. ``config["learning_rate"] = group["lr"]`` and every hyperparameter of ``p``'s group is
       copied in, so that learning-rate schedulers and edits of ``param_groups`` take effect;
    3. ``next_w, config = rule(w, dw, config)`` where ``w`` and ``dw`` are detached *copies* of
       ``p`` and ``p.grad`` (same shape, dtype and device: CPU or CUDA), so a rule that works in
       place cannot corrupt the gradient;
    4. ``p`` is overwritten by ``next_w`` (in place, without autograd; it must be a tensor of
       ``p``'s shape on ``p``'s device, else a ``TypeError``/``ValueError`` explains what is off)
       and the returned config is stored back in ``self.state[p]["config"]``.

    The state (tensors inside ``config`` included) goes through ``state_dict()`` /
    ``load_state_dict()`` like any torch optimizer's; as with torch's own optimizers the
    returned dict shares tensors with the live state, so ``copy.deepcopy`` it (or
    ``torch.save`` it) to keep a snapshot.
    """

    def __init__(self, params, rule, lr: float = 1e-2, **hyperparameters):
        if not callable(rule):
            raise TypeError(f"rule must be a function rule(w, dw, config), got {type(rule).__name__}")
        if "learning_rate" in hyperparameters:
            raise TypeError("pass the learning rate as lr=..., as for torch optimizers")
        if lr < 0:
            raise ValueError(f"invalid learning rate: {lr}")
        # Set before Optimizer.__init__, which calls add_param_group for every group.
        self.rule = rule
        self.hyperparameter_names = set(hyperparameters)
        super().__init__(params, dict(lr=lr, **hyperparameters))

    def add_param_group(self, param_group: dict) -> None:
        """Add a group; hyperparameters named only in this group are passed to the rule too."""
        self.hyperparameter_names |= set(param_group) - {"params", "lr"}
        super().add_param_group(param_group)

    def __getstate__(self):  # torch pickles only defaults, state and param_groups
        state = super().__getstate__()
        state["rule"] = self.rule
        state["hyperparameter_names"] = self.hyperparameter_names
        return state

    @torch.no_grad()
    def step(self, closure=None):
        """Apply the rule once to every parameter that has a gradient.

        ``closure``: optional function that re-evaluates the model and returns the loss (run
        with gradients enabled). Returns that loss, or None.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()

        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise RuntimeError("FunctionalOptimizer does not support sparse gradients")
                state = self.state[p]
                config = state.setdefault("config", {})
                config["learning_rate"] = group["lr"]
                for name in self.hyperparameter_names:
                    if name in group:
                        config[name] = group[name]

                w = p.detach().clone()
                dw = p.grad.detach().clone()
                next_w, config = _unpack(self.rule(w, dw, config), self.rule)
                if not isinstance(next_w, torch.Tensor):
                    raise TypeError(
                        f"{_name(self.rule)} returned {type(next_w).__name__} for a torch.Tensor input: "
                        "a rule must return the same kind of array it receives (use +, -, *, / and "
                        "methods both NumPy and torch share, not np.* functions)"
                    )
                if next_w.shape != p.shape:
                    raise ValueError(
                        f"{_name(self.rule)} returned shape {tuple(next_w.shape)}, expected {tuple(p.shape)}"
                    )
                if next_w.device != p.device:
                    raise ValueError(
                        f"{_name(self.rule)} returned a tensor on {next_w.device} for a parameter on {p.device}: "
                        "create new tensors with torch.zeros_like(w) (or w.new_zeros) so they follow w"
                    )
                p.copy_(next_w)
                state["config"] = config
        return loss


def _unpack(result, rule):
    if not isinstance(result, tuple) or len(result) != 2 or not isinstance(result[1], dict):
        raise TypeError(f"{_name(rule)} must return a pair (next_w, config)")
    return result


def _name(rule) -> str:
    return getattr(rule, "__name__", type(rule).__name__)


class FunctionalScheduler(LambdaLR):
    """Drive the learning rate with a plain function ``schedule(epoch) -> learning rate``.

    A ``LambdaLR`` whose factor for group ``i`` is ``schedule(epoch) / base_lr_i``, so after
    ``k`` calls of ``step()`` every group's ``lr`` is ``schedule(k)`` (and ``schedule(0)`` right
    after construction, as with every torch scheduler). Call ``step()`` once per epoch, after the
    epoch's optimizer steps.

    With ``keep_ratios=True`` the groups keep their ratios instead (for discriminative learning
    rates): group ``i`` gets ``schedule(epoch) * base_lr_i / optimizer.defaults["lr"]``, so the
    group with the default ``lr`` follows ``schedule`` exactly.
    """

    def __init__(self, optimizer, schedule, keep_ratios: bool = False, last_epoch: int = -1):
        if not callable(schedule):
            raise TypeError(f"schedule must be a function epoch -> learning rate, got {type(schedule).__name__}")
        self.schedule = schedule
        self.keep_ratios = keep_ratios
        reference = optimizer.defaults.get("lr")
        factors = []
        for i, group in enumerate(optimizer.param_groups):
            base_lr = group.get("initial_lr", group["lr"])
            if keep_ratios:
                if not reference:
                    raise ValueError("keep_ratios=True needs a non-zero optimizer.defaults['lr']")
                factors.append(lambda epoch: schedule(epoch) / reference)
            else:
                if base_lr == 0:
                    raise ValueError(f"param group {i} has lr 0: its lr cannot be scaled to schedule(epoch)")
                factors.append(lambda epoch, base_lr=base_lr: schedule(epoch) / base_lr)
        super().__init__(optimizer, factors, last_epoch=last_epoch)

    def state_dict(self) -> dict:
        """LambdaLR's state without the (unpicklable) ``schedule`` function."""
        state = super().state_dict()
        state.pop("schedule", None)
        return state
