"""Optimizers and schedulers against PyTorch: 100 update steps agree to float tolerance."""
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, maximize=False)),
    ("SGD", dict(lr=0.05, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.05)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.01)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.05)),
]


def _loss(T, w, b, x, y):
    return (((x @ w + b).tanh() - y) ** 2).mean() if T is ember else \
        (((x @ w + b).tanh() - y) ** 2).mean()


@pytest.mark.parametrize("name,kw", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_100_steps_match_pytorch(name, kw):
    rng = np.random.default_rng(0)
    w0, b0 = rng.standard_normal((4, 3)), rng.standard_normal(3)
    x, y = rng.standard_normal((8, 4)), rng.standard_normal((8, 3))
    ew, eb = ember.tensor(w0, requires_grad=True), ember.tensor(b0, requires_grad=True)
    tw, tb = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    eo = getattr(ember.optim, name)([ew, eb], **kw)
    to = getattr(torch.optim, name)([tw, tb], **kw)
    ex, ey, tx, ty = ember.tensor(x), ember.tensor(y), torch.tensor(x), torch.tensor(y)
    for _ in range(100):
        eo.zero_grad()
        _loss(ember, ew, eb, ex, ey).backward()
        eo.step()
        to.zero_grad()
        _loss(torch, tw, tb, tx, ty).backward()
        to.step()
    np.testing.assert_allclose(ew.detach().numpy(), tw.detach().numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(eb.detach().numpy(), tb.detach().numpy(), rtol=1e-8, atol=1e-10)


def test_state_dict_round_trip_and_param_groups():
    w = ember.tensor(np.ones(3), requires_grad=True)
    b = ember.tensor(np.zeros(2), requires_grad=True)
    opt = ember.optim.Adam([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    (w.sum() * 2 + (b * b).sum()).backward()
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0] and sd["param_groups"][1]["lr"] == 0.5
    assert set(sd["state"]) == {0, 1} and set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    opt2 = ember.optim.Adam([{"params": [w]}, {"params": [b]}], lr=0.3)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[1]["lr"] == 0.5
    np.testing.assert_array_equal(opt2.state[w]["exp_avg"].numpy(), opt.state[w]["exp_avg"].numpy())
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [w]})
    opt.zero_grad()
    assert w.grad is None


def test_optimizer_errors():
    with pytest.raises(ValueError, match="empty parameter list"):
        ember.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        ember.optim.Adam([ember.ones(2, requires_grad=True)], lr=-1)
    with pytest.raises(ValueError, match="non-leaf"):
        ember.optim.SGD([ember.ones(2, requires_grad=True) * 2], lr=0.1)


SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 8], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1.0 / (1 + e))),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=20)),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=20, anneal_strategy="linear", three_phase=True)),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.95)),
    ("ConstantLR", dict(factor=0.5, total_iters=4)),
    ("LinearLR", dict(start_factor=0.1, end_factor=0.9, total_iters=6)),
    ("PolynomialLR", dict(total_iters=8, power=2.0)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.001)),
    ("CosineAnnealingWarmRestarts", dict(T_0=4)),
]


@pytest.mark.parametrize("name,kw", SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)])
def test_scheduler_lr_sequence_matches_pytorch(name, kw):
    ep = ember.tensor(np.ones(2), requires_grad=True)
    tp = torch.ones(2, requires_grad=True)
    eo, to = ember.optim.SGD([ep], lr=0.1, momentum=0.9), torch.optim.SGD([tp], lr=0.1, momentum=0.9)
    es = getattr(ember.optim.lr_scheduler, name)(eo, **kw)
    ts = getattr(torch.optim.lr_scheduler, name)(to, **kw)
    for _ in range(19):
        eo.step()
        to.step()
        es.step()
        ts.step()
        np.testing.assert_allclose(es.get_last_lr(), ts.get_last_lr(), rtol=1e-12)
        assert eo.param_groups[0]["momentum"] == pytest.approx(to.param_groups[0]["momentum"])


def test_reduce_lr_on_plateau_matches_pytorch():
    ep = ember.tensor(np.ones(2), requires_grad=True)
    tp = torch.ones(2, requires_grad=True)
    eo, to = ember.optim.SGD([ep], lr=1.0), torch.optim.SGD([tp], lr=1.0)
    es = ember.optim.lr_scheduler.ReduceLROnPlateau(eo, patience=2, factor=0.5, cooldown=1)
    ts = torch.optim.lr_scheduler.ReduceLROnPlateau(to, patience=2, factor=0.5, cooldown=1)
    for m in [5, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3]:
        es.step(m)
        ts.step(m)
        assert eo.param_groups[0]["lr"] == to.param_groups[0]["lr"]


def _composite(T, kind, opt):
    S = T.optim.lr_scheduler
    warm = S.LinearLR(opt, start_factor=0.1, total_iters=4)
    decay = S.CosineAnnealingLR(opt, T_max=6, eta_min=0.001)
    if kind == "sequential":
        return S.SequentialLR(opt, [warm, decay, S.ExponentialLR(opt, 0.8)], milestones=[4, 9])
    return S.ChainedScheduler([S.ConstantLR(opt, factor=0.5, total_iters=3),
                               S.ExponentialLR(opt, gamma=0.9)])


@pytest.mark.parametrize("kind", ["sequential", "chained"])
def test_composite_schedulers_match_pytorch(kind):
    """Warm-up then decay (SequentialLR) and composed factors (ChainedScheduler): the lr
    sequence, and a resumed copy from a state dict, follow PyTorch's."""
    ep = ember.tensor(np.ones(2), requires_grad=True)
    tp = torch.ones(2, requires_grad=True)
    eo, to = ember.optim.SGD([ep], lr=0.1), torch.optim.SGD([tp], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # SequentialLR's step(0) deprecation notice
        es, ts = _composite(ember, kind, eo), _composite(torch, kind, to)
        assert es.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12)
        for i in range(14):
            eo.step()
            to.step()
            es.step()
            ts.step()
            np.testing.assert_allclose(es.get_last_lr(), ts.get_last_lr(), rtol=1e-12,
                                       err_msg=f"step {i}")
        state = es.state_dict()
        assert len(state["_schedulers"]) == len(ts.state_dict()["_schedulers"])


def test_warm_restarts_with_explicit_epochs_match_pytorch():
    ep = ember.tensor(np.ones(2), requires_grad=True)
    tp = torch.ones(2, requires_grad=True)
    eo, to = ember.optim.SGD([ep], lr=0.1), torch.optim.SGD([tp], lr=0.1)
    es = ember.optim.lr_scheduler.CosineAnnealingWarmRestarts(eo, T_0=2, T_mult=3)
    ts = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(to, T_0=2, T_mult=3)
    for epoch in (0.5, 1.5, 3.2, 7.9, 2.0, 10.0):
        es.step(epoch)
        ts.step(epoch)
        np.testing.assert_allclose(es.get_last_lr(), ts.get_last_lr(), rtol=1e-12)


def test_new_scheduler_argument_errors_match_pytorch():
    for T in (ember, torch):
        opt = T.optim.SGD([T.ones(2, requires_grad=True)], lr=0.1)
        S = T.optim.lr_scheduler
        with pytest.raises(ValueError, match="between 0 and 1"):
            S.ConstantLR(opt, factor=2.0)
        with pytest.raises(ValueError, match="greater than 0"):
            S.LinearLR(opt, start_factor=0.0)
        with pytest.raises(ValueError, match="positive integer T_0"):
            S.CosineAnnealingWarmRestarts(opt, T_0=0)
        with pytest.raises(ValueError, match="one more than the number of milestone"):
            S.SequentialLR(opt, [S.ConstantLR(opt)], milestones=[3])
