"""course_utils.optim: the adapter, driven by rules written here, must behave like torch.optim.SGD.

The rules below are test fixtures, written in the course's signature; the graded versions are the
students' exercises and do not live in course_utils.
"""

import copy
import io

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.optim import FunctionalOptimizer, FunctionalScheduler


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def sgd_rule(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


def momentum_rule(w, dw, config=None):
    """torch.optim.SGD's momentum convention: v = rho v + dw; w -= lr v."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity")
    v = config["momentum"] * (torch.zeros_like(w) if v is None else v) + dw
    config["velocity"] = v
    return w - config["learning_rate"] * v, config


def in_place_rule(w, dw, config=None):
    """Updates w in place and scribbles on dw: the adapter must hand the rule copies."""
    config = {} if config is None else config
    w -= config["learning_rate"] * dw
    dw.zero_()
    return w, config


def make_model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3)).double()


def data(seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(32, 6, generator=g, dtype=torch.float64), torch.randint(0, 3, (32,), generator=g)


def groups(model, lr_first, lr_second):
    return [
        {"params": model[0].parameters(), "lr": lr_first},
        {"params": model[2].parameters(), "lr": lr_second},
    ]


def train(model, optimizer, steps, X, y):
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def assert_same_parameters(a, b, **tol):
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        torch.testing.assert_close(p, q, msg=lambda m: f"{name}: {m}", **tol)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_matches_torch_sgd_over_100_steps_with_two_param_groups(momentum):
    X, y = data()
    ours_model, ref_model = make_model(), make_model()
    rule = momentum_rule if momentum else sgd_rule
    extra = {"momentum": momentum} if momentum else {}
    ours = FunctionalOptimizer(groups(ours_model, 0.4, 0.1), rule, lr=0.05, **extra)
    ref = torch.optim.SGD(groups(ref_model, 0.4, 0.1), lr=0.05, momentum=momentum, foreach=False)
    ours_losses = train(ours_model, ours, 100, X, y)
    ref_losses = train(ref_model, ref, 100, X, y)
    assert ours_losses[-1] < 0.75 * ours_losses[0]  # it does train
    assert ours_losses == pytest.approx(ref_losses, rel=1e-10)
    assert_same_parameters(ours_model, ref_model, rtol=1e-10, atol=1e-12)
    if momentum:
        for p_ours, p_ref in zip(ours_model.parameters(), ref_model.parameters()):
            torch.testing.assert_close(ours.state[p_ours]["config"]["velocity"], ref.state[p_ref]["momentum_buffer"],
                                       rtol=1e-10, atol=1e-12)


def test_a_different_lr_per_group_really_is_used():
    X, y = data()
    base = make_model()
    frozen_second = make_model()
    opt = FunctionalOptimizer(groups(frozen_second, 0.1, 0.0), sgd_rule)
    train(frozen_second, opt, 3, X, y)
    torch.testing.assert_close(frozen_second[2].weight, base[2].weight, rtol=0, atol=0)
    assert not torch.allclose(frozen_second[0].weight, base[0].weight)


def test_state_is_per_parameter_and_carries_the_groups_hyperparameters():
    X, y = data()
    model = make_model()
    opt = FunctionalOptimizer(groups(model, 0.1, 0.02), momentum_rule, lr=0.05, momentum=0.8)
    opt.param_groups[1]["momentum"] = 0.5
    train(model, opt, 2, X, y)
    params = list(model.parameters())
    assert len(opt.state) == len(params) == 4
    configs = [opt.state[p]["config"] for p in params]
    assert len({id(c) for c in configs}) == 4 and len({id(c["velocity"]) for c in configs}) == 4
    for p, c in zip(params, configs):
        assert c["velocity"].shape == p.shape and c["velocity"].dtype == p.dtype
    assert [c["learning_rate"] for c in configs] == [0.1, 0.1, 0.02, 0.02]
    assert [c["momentum"] for c in configs] == [0.8, 0.8, 0.5, 0.5]


def test_hyperparameters_only_in_one_group_reach_the_rule():
    model = make_model()
    opt = FunctionalOptimizer([{"params": model[0].parameters(), "momentum": 0.3},
                               {"params": model[2].parameters()}], momentum_rule, lr=0.01)
    X, y = data()
    train(model, opt, 1, X, y)
    assert opt.state[model[0].weight]["config"]["momentum"] == 0.3
    assert opt.state[model[2].weight]["config"]["momentum"] == 0.9  # the rule's own default


def test_params_without_grad_are_skipped():
    model = make_model()
    model[0].weight.requires_grad_(False)
    before = model[0].weight.clone()
    opt = FunctionalOptimizer(model.parameters(), sgd_rule, lr=0.1)
    X, y = data()
    train(model, opt, 2, X, y)
    torch.testing.assert_close(model[0].weight, before, rtol=0, atol=0)
    assert model[0].weight not in opt.state and model[0].bias in opt.state


def test_rule_gets_copies_so_in_place_rules_are_safe():
    model_a, model_b = make_model(), make_model()
    X, y = data()
    opt_a = FunctionalOptimizer(model_a.parameters(), in_place_rule, lr=0.1)
    opt_b = torch.optim.SGD(model_b.parameters(), lr=0.1, foreach=False)
    for opt, model in ((opt_a, model_a), (opt_b, model_b)):
        opt.zero_grad()
        F.cross_entropy(model(X), y).backward()
        opt.step()
    assert_same_parameters(model_a, model_b, rtol=1e-12, atol=1e-14)
    assert all(p.grad.abs().sum() > 0 for p in model_a.parameters())  # the gradients survived


def test_rule_state_never_aliases_the_parameter_and_new_configs_are_kept():
    def remembering_rule(w, dw, config):
        config = dict(config)  # a rule may return a new dict rather than the one it was given
        config["previous_w"] = w  # e.g. L-BFGS keeps w_k to form s_k = w_{k+1} - w_k
        config["count"] = config.get("count", 0) + 1
        return w - config["learning_rate"] * dw, config

    p = nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = FunctionalOptimizer([p], remembering_rule, lr=0.5)
    for _ in range(3):
        p.grad = torch.tensor([1.0, -1.0])
        opt.step()
    config = opt.state[p]["config"]
    assert config["count"] == 3
    torch.testing.assert_close(config["previous_w"], torch.tensor([0.0, 3.0]))  # w before the last step
    torch.testing.assert_close(p.detach(), torch.tensor([-0.5, 3.5]))


def test_closure_is_evaluated_with_grad_and_its_loss_returned():
    model = make_model()
    X, y = data()
    opt = FunctionalOptimizer(model.parameters(), sgd_rule, lr=0.1)

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        return loss

    first = opt.step(closure)
    second = opt.step(closure)
    assert isinstance(first, torch.Tensor) and second.item() < first.item()
    assert opt.step() is None


def test_state_dict_round_trip_continues_identically():
    X, y = data()
    model = make_model()
    opt = FunctionalOptimizer(groups(model, 0.1, 0.03), momentum_rule, lr=0.05, momentum=0.9)
    train(model, opt, 30, X, y)
    saved_model = copy.deepcopy(model.state_dict())
    buffer = io.BytesIO()
    torch.save(opt.state_dict(), buffer)  # through bytes, as a checkpoint file would be
    continued = train(model, opt, 30, X, y)

    restored = make_model(seed=99)  # different initial weights, overwritten below
    restored.load_state_dict(saved_model)
    opt2 = FunctionalOptimizer(groups(restored, 1.0, 1.0), momentum_rule, lr=1.0, momentum=0.0)
    buffer.seek(0)
    opt2.load_state_dict(torch.load(buffer))
    assert [g["lr"] for g in opt2.param_groups] == [0.1, 0.03]
    assert opt2.param_groups[0]["momentum"] == 0.9
    velocity = opt2.state[restored[0].weight]["config"]["velocity"]
    assert velocity.shape == restored[0].weight.shape and velocity.abs().sum() > 0
    assert train(restored, opt2, 30, X, y) == continued
    assert_same_parameters(restored, model, rtol=0, atol=0)


def test_a_torch_lr_scheduler_drives_config_learning_rate():
    seen = []

    def recording_rule(w, dw, config):
        seen.append(config["learning_rate"])
        return sgd_rule(w, dw, config)

    p = nn.Parameter(torch.ones(3))
    opt = FunctionalOptimizer([p], recording_rule, lr=0.8)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(5):
        p.grad = torch.ones(3)
        opt.step()
        sched.step()
    assert seen == pytest.approx([0.8, 0.8, 0.4, 0.4, 0.2])
    assert "initial_lr" not in opt.state[p]["config"]  # scheduler bookkeeping is not a hyperparameter


def test_functional_scheduler_sets_every_group_to_the_schedule():
    def schedule(epoch):  # a trivial schedule written for the test
        return 0.5 / (1 + epoch)

    model = make_model()
    opt = FunctionalOptimizer(groups(model, 0.1, 0.3), sgd_rule, lr=0.2)
    sched = FunctionalScheduler(opt, schedule)
    X, y = data()
    for epoch in range(4):
        assert [g["lr"] for g in opt.param_groups] == pytest.approx([schedule(epoch)] * 2, rel=1e-12)
        train(model, opt, 1, X, y)
        assert opt.state[model[2].weight]["config"]["learning_rate"] == pytest.approx(schedule(epoch), rel=1e-12)
        sched.step()
    assert sched.get_last_lr() == pytest.approx([schedule(4)] * 2, rel=1e-12)
    state = sched.state_dict()
    assert "schedule" not in state and state["last_epoch"] == 4
    torch.save(state, io.BytesIO())


def test_functional_scheduler_keep_ratios_and_errors():
    model = make_model()
    opt = FunctionalOptimizer(groups(model, 0.01, 0.1), sgd_rule, lr=0.1)
    FunctionalScheduler(opt, lambda epoch: 0.05, keep_ratios=True)
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.005, 0.05])
    zero = FunctionalOptimizer(groups(make_model(), 0.0, 0.1), sgd_rule, lr=0.1)
    with pytest.raises(ValueError, match="lr 0"):
        FunctionalScheduler(zero, lambda epoch: 0.1)
    with pytest.raises(TypeError):
        FunctionalScheduler(opt, 0.1)


def test_helpful_errors_for_broken_rules():
    p = nn.Parameter(torch.ones(3))
    p.grad = torch.ones(3)
    numpy_rule = lambda w, dw, config: (w.numpy() - 0.1, config)  # noqa: E731
    with pytest.raises(TypeError, match="same kind of array"):
        FunctionalOptimizer([p], numpy_rule).step()
    with pytest.raises(TypeError, match="must return a pair"):
        FunctionalOptimizer([p], lambda w, dw, config: w - dw).step()
    with pytest.raises(ValueError, match="shape"):
        FunctionalOptimizer([p], lambda w, dw, config: (w[:2], config)).step()
    with pytest.raises(ValueError, match="returned a tensor on meta for a parameter on cpu"):
        FunctionalOptimizer([p], lambda w, dw, config: (torch.empty_like(w, device="meta"), config)).step()
    with pytest.raises(TypeError, match="lr="):
        FunctionalOptimizer([p], sgd_rule, learning_rate=0.1)


def test_deepcopy_keeps_the_rule():
    p = nn.Parameter(torch.ones(2))
    opt = FunctionalOptimizer([p], sgd_rule, lr=0.5, momentum=0.1)
    clone = copy.deepcopy(opt)
    assert clone.rule is sgd_rule and clone.hyperparameter_names == {"momentum"}


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (none on this machine)")
def test_runs_on_cuda_and_matches_torch_sgd():
    X, y = (t.cuda() for t in data())
    ours_model, ref_model = make_model().cuda(), make_model().cuda()
    ours = FunctionalOptimizer(groups(ours_model, 0.1, 0.03), momentum_rule, lr=0.05, momentum=0.9)
    ref = torch.optim.SGD(groups(ref_model, 0.1, 0.03), lr=0.05, momentum=0.9, foreach=False)
    train(ours_model, ours, 20, X, y)
    train(ref_model, ref, 20, X, y)
    assert all(c["config"]["velocity"].is_cuda for c in ours.state.values())
    assert_same_parameters(ours_model, ref_model, rtol=1e-9, atol=1e-11)
    # a CUDA checkpoint loads onto a CPU model: state follows the parameters' device
    cpu_model = copy.deepcopy(ours_model).cpu()
    cpu_opt = FunctionalOptimizer(groups(cpu_model, 0.1, 0.03), momentum_rule, lr=0.05, momentum=0.9)
    cpu_opt.load_state_dict(ours.state_dict())
    assert all(not s["config"]["velocity"].is_cuda for s in cpu_opt.state.values())
