"""course_utils.checks: messages that name the mistake, kind/shape checks, reference paths."""

import numpy as np
import pytest
import torch

from course_utils.checks import (
    check_close,
    check_same_kind,
    check_update_signature,
    rule_path,
    to_numpy,
    torch_optimizer_path,
)


def test_to_numpy_from_tensors_arrays_and_scalars():
    t = torch.tensor([1.5, 2.5], dtype=torch.float32, requires_grad=True)
    a = to_numpy(t)
    assert isinstance(a, np.ndarray) and a.dtype == np.float64
    np.testing.assert_array_equal(a, [1.5, 2.5])
    assert to_numpy(3).dtype == np.float64 and to_numpy(3).shape == ()
    assert to_numpy([[1, 2]]).shape == (1, 2)


def test_check_close_passes_within_tolerance():
    check_close(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]))
    check_close(torch.tensor([1.0, 2.0]), np.array([1.0, 2.0]))


def test_check_close_names_the_matching_suspect():
    w, dw, lr = np.array([1.0, -2.0]), np.array([0.5, 0.5]), 0.1
    expected = w - lr * dw
    suspects = {"the step goes uphill": w + lr * dw, "the learning rate is missing": w - dw}
    with pytest.raises(AssertionError, match="next_w is wrong: the step goes uphill"):
        check_close(w + lr * dw, expected, what="next_w", suspects=suspects)
    with pytest.raises(AssertionError, match="the learning rate is missing"):
        check_close(w - dw, expected, what="next_w", suspects=suspects)


def test_check_close_without_a_matching_suspect_reports_the_difference():
    with pytest.raises(AssertionError) as info:
        check_close(np.array([1.0, 5.0]), np.array([1.0, 2.0]), what="velocity", suspects={"sign": [-1.0, -2.0]})
    msg = str(info.value)
    assert "velocity is wrong" in msg and "largest difference 3" in msg and "sign" not in msg


def test_check_close_shape_and_none_messages():
    with pytest.raises(AssertionError, match=r"has shape \(3,\), expected \(2,\)"):
        check_close(np.zeros(3), np.zeros(2), what="w")
    with pytest.raises(AssertionError, match="forget to return"):
        check_close(None, np.zeros(2))
    with pytest.raises(AssertionError):  # NaN never passes
        check_close(np.array([np.nan]), np.array([np.nan]))


def test_check_same_kind_numpy():
    ref = np.zeros(3)
    check_same_kind(np.ones(3), ref)
    with pytest.raises(AssertionError, match="numpy.ndarray"):
        check_same_kind(torch.ones(3, dtype=torch.float64), ref)
    with pytest.raises(AssertionError, match="dtype float32"):
        check_same_kind(np.ones(3, dtype=np.float32), ref)
    with pytest.raises(AssertionError, match=r"shape \(1, 3\)"):
        check_same_kind(np.ones((1, 3)), ref)


def test_check_same_kind_torch():
    ref = torch.zeros(2, 2)
    check_same_kind(torch.ones(2, 2), ref)
    with pytest.raises(AssertionError, match="np.\\* functions"):
        check_same_kind(np.ones((2, 2), dtype=np.float32), ref)
    with pytest.raises(AssertionError, match="dtype torch.float64"):
        check_same_kind(torch.ones(2, 2, dtype=torch.float64), ref)
    with pytest.raises(AssertionError, match="shape"):
        check_same_kind(torch.ones(4), ref)
    with pytest.raises(AssertionError, match="moved from cpu to meta"):
        check_same_kind(torch.ones(2, 2, device="meta"), ref)


def test_check_update_signature():
    w, config = check_update_signature((np.zeros(2), {"a": 1}), "sgd")
    assert config == {"a": 1}
    with pytest.raises(AssertionError, match="must return a pair"):
        check_update_signature(np.zeros(2), "sgd")
    with pytest.raises(AssertionError, match="config dict"):
        check_update_signature((np.zeros(2), None), "sgd")


def sgd_momentum_in_place(w, dw, config=None):
    """Momentum SGD written in the test (torch.optim.SGD's convention), updating w in place."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 0.1)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v + dw
    w -= config["learning_rate"] * v
    config["velocity"] = v
    return w, config


def test_rule_path_matches_torch_optimizer_path_and_copies_iterates():
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(4)
    grads = [rng.standard_normal(4) for _ in range(6)]
    ours, config = rule_path(sgd_momentum_in_place, w0.copy(), grads)
    theirs, opt = torch_optimizer_path(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), w0, grads)
    assert len(ours) == len(theirs) == 6
    # the in-place rule returns the same array every step: the iterates must still differ
    assert not np.allclose(ours[0], ours[-1])
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    buffer = opt.state[opt.param_groups[0]["params"][0]]["momentum_buffer"]
    np.testing.assert_allclose(config["velocity"], to_numpy(buffer))


# --- check_own_implementation: a rule that hands the step to torch.optim fails, with the reason ---

def _own_sgd(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


def _torch_sgd(w, dw, config=None):
    p = torch.nn.Parameter(torch.as_tensor(w).clone())
    p.grad = torch.as_tensor(dw).clone()
    torch.optim.SGD([p], lr=0.01).step()
    return p.detach().numpy(), config


def _functional_adam(w, dw, config=None):
    from torch.optim.adam import adam as functional_adam

    p, g = torch.as_tensor(w).clone(), torch.as_tensor(dw).clone()
    functional_adam([p], [g], [torch.zeros_like(p)], [torch.zeros_like(p)], [], [torch.tensor(0.0)],
                    amsgrad=False, beta1=0.9, beta2=0.999, lr=1e-3, weight_decay=0.0, eps=1e-8, maximize=False)
    return p.numpy(), config


def test_check_own_implementation_passes_a_hand_written_rule_through():
    from course_utils.checks import check_own_implementation

    w, dw = np.array([1.0, -2.0]), np.array([0.5, 0.5])
    next_w, config = check_own_implementation(_own_sgd, "sgd", w, dw, {"learning_rate": 0.5})
    np.testing.assert_allclose(next_w, [0.75, -2.25])
    assert config == {"learning_rate": 0.5}


@pytest.mark.parametrize("rule", ["optimizer", "stand_in", "functional"])
def test_check_own_implementation_refuses_torch_optim_and_puts_it_back(rule):
    from course_utils.checks import check_own_implementation
    from course_utils.notebook_import import torch_stand_in

    fn = {"optimizer": _torch_sgd, "stand_in": torch_stand_in("sgd"), "functional": _functional_adam}[rule]
    before = (torch.optim.Optimizer.__init__, torch.optim._functional.adam)
    with pytest.raises(AssertionError, match="write the update rule yourself"):
        check_own_implementation(fn, "sgd", np.array([1.0, -2.0]), np.array([0.5, 0.5]))
    assert (torch.optim.Optimizer.__init__, torch.optim._functional.adam) == before, "torch.optim not restored"
    next_w, _ = fn(np.array([1.0, -2.0]), np.array([0.5, 0.5]))  # and works again afterwards
    assert next_w.shape == (2,)


def test_check_own_implementation_lets_the_rules_own_errors_through():
    from course_utils.checks import check_own_implementation

    def broken(w, dw, config=None):
        raise NotImplementedError("Not implemented yet")

    with pytest.raises(NotImplementedError):
        check_own_implementation(broken, "sgd", np.ones(2), np.ones(2))


def test_check_runs_on_meta_tells_numpy_functions_from_operators():
    import numpy as np
    import torch

    from course_utils.checks import check_runs_on_meta

    def operators(w, dw, config=None):
        config = config or {}
        v = config.get("v")
        v = (torch.zeros_like(w) if isinstance(w, torch.Tensor) else np.zeros_like(w)) if v is None else v
        config["v"] = 0.9 * v + dw
        return w - 0.1 * config["v"] / (config["v"] * config["v"] + 1.0) ** 0.5, config

    def numpy_root(w, dw, config=None):
        return w - np.sqrt(dw * dw), config or {}

    def numpy_state(w, dw, config=None):
        config = config or {}
        config.setdefault("v", np.zeros(3))
        return w - dw, config

    def stub(w, dw, config=None):
        raise NotImplementedError("write sgd")

    check_runs_on_meta(operators, "rule")
    for bad, words in ((numpy_root, "NumPy cannot read"), (numpy_state, r"config\['v'\] is a NumPy array")):
        with pytest.raises(AssertionError, match=words):
            check_runs_on_meta(bad, "rule")
    with pytest.raises(NotImplementedError, match="write sgd"):
        check_runs_on_meta(stub, "rule")


def test_the_meta_message_does_not_pass_on_torchs_cpu_advice_and_names_state_only_for_stateful_rules():
    from course_utils.checks import check_runs_on_meta

    def stateless_numpy(w, dw, config=None):
        return np.subtract(w, 0.1 * dw), config or {}

    def stateful_numpy(w, dw, config=None):
        config = config or {}
        config["v"] = np.zeros_like(w) if "v" not in config else config["v"]
        return np.subtract(w, config["v"] + dw), config

    with pytest.raises(AssertionError) as stateless:
        check_runs_on_meta(stateless_numpy, "sgd")
    with pytest.raises(AssertionError) as stateful:
        check_runs_on_meta(stateful_numpy, "sgd_momentum")
    for err in (stateless, stateful):
        assert "Use Tensor.cpu()" not in str(err.value) and "not the fix" in str(err.value)
    assert "state" not in str(stateless.value) and "torch.zeros_like(w)" not in str(stateless.value)
    assert "the state started as a NumPy array" in str(stateful.value)


def test_the_torch_optim_gate_fails_only_a_delegating_rule_and_cannot_tell_a_stub():
    from course_utils.aspects import NotChecked
    from course_utils.checks import check_not_torch_optim

    def own(w, dw, config=None):
        return w - 0.1 * dw, config or {}

    def delegates(w, dw, config=None):
        p = torch.nn.Parameter(torch.as_tensor(w, dtype=torch.float64).clone())
        torch.optim.SGD([p], lr=0.1)
        return w, config

    def crashes(w, dw, config=None):
        raise TypeError("a bug of its own")

    def stub(w, dw, config=None):
        raise NotImplementedError

    check_not_torch_optim(own, "sgd", {"learning_rate": 0.1})
    check_not_torch_optim(crashes, "sgd", {"learning_rate": 0.1})  # the aspects report it
    with pytest.raises(AssertionError, match="write the update rule yourself"):
        check_not_torch_optim(delegates, "sgd", {"learning_rate": 0.1})
    with pytest.raises(NotChecked, match="still raises NotImplementedError"):
        check_not_torch_optim(stub, "sgd", {"learning_rate": 0.1})
    assert torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1), "torch.optim is put back"


def test_refusing_refuses_what_it_names_and_puts_everything_back():
    import torch.nn.functional as F

    from course_utils.aspects import NotChecked
    from course_utils.checks import check_not_delegated, targets, torch_dropout_targets

    x = torch.ones(4, 4)
    dropout, vf_had = F.dropout, "dropout" in vars(torch._VF)

    def said(what):
        return f"called {what}"

    with pytest.raises(AssertionError, match="called torch.nn.functional.dropout"):
        check_not_delegated(lambda: F.dropout(x, 0.5), torch_dropout_targets(), said, "Dropout")
    with pytest.raises(AssertionError, match="torch._VF.dropout"):
        check_not_delegated(lambda: torch._VF.dropout(x, 0.5, True), torch_dropout_targets(), said, "Dropout")
    with pytest.raises(AssertionError, match="torch.nn.Dropout.forward"):
        check_not_delegated(lambda: torch.nn.Dropout(0.5)(x), torch_dropout_targets(), said, "Dropout")
    check_not_delegated(lambda: x * (torch.rand_like(x) >= 0.5) / 0.5, torch_dropout_targets(), said, "Dropout")
    check_not_delegated(lambda: 1 / 0, torch_dropout_targets(), said, "Dropout")  # a crash: the aspects' business
    with pytest.raises(NotChecked):
        check_not_delegated(lambda: (_ for _ in ()).throw(NotImplementedError()), torch_dropout_targets(), said, "D")
    assert F.dropout is dropout and ("dropout" in vars(torch._VF)) == vf_had
    assert F.dropout(x, 0.5, training=False).equal(x)
    assert targets("torch.optim.lr_scheduler.StepLR.__init__", "torch.no.such.thing") == [
        (torch.optim.lr_scheduler.StepLR, "__init__", "torch.optim.lr_scheduler.StepLR.__init__")]
