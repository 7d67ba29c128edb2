"""PyTorch's torch.func tutorials (per-sample gradients, model ensembling, neural tangent
kernels) run on ember and give PyTorch's numbers: the same weights (copied from a PyTorch
model through its state_dict) and inputs go through both.  Without PyTorch, the tutorials'
own cross-checks run (loop vs vmap, Jacobian contraction vs NTK-vector products) plus
independent ones (the mean of per-sample gradients is the batch gradient, the NTK of one
pair from explicit Jacobian rows)."""
import io
import os
import sys
import contextlib

import numpy as np
import pytest

import ember
import ember.nn.functional as EF
from ember.func import vmap

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))

import tutorial_per_sample_grads as psg  # noqa: E402
import tutorial_ensembling as ens  # noqa: E402
import tutorial_ntk as ntk  # noqa: E402

try:
    import torch
    import torch.nn as tnn
    import torch.nn.functional as TF
    import torch.func as tfunc
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the oracle) not installed")


def _quiet(fn, *args, **kwargs):
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kwargs)


def _close(actual, expected, rtol=1e-4, atol=1e-6, scale=True):
    """allclose with atol relative to the reference's magnitude (float32 sums of hundreds of
    terms), so a wrong value of any noticeable size fails."""
    a = actual.detach().numpy() if hasattr(actual, "detach") else np.asarray(actual)
    e = expected.detach().numpy() if hasattr(expected, "detach") else np.asarray(expected)
    assert a.shape == e.shape
    tol = atol * max(1.0, float(np.abs(e).max())) if scale and e.size else atol
    if not (np.abs(a - e) <= tol + rtol * np.abs(e)).all():      # fast path for big arrays
        np.testing.assert_allclose(a, e, rtol=rtol, atol=tol)


def _copy_weights(ember_model, torch_model):
    """PyTorch's state_dict -> ember tensors -> ember's load_state_dict."""
    sd = {k: ember.tensor(v.detach().numpy().copy()) for k, v in
          torch_model.state_dict().items()}
    ember_model.load_state_dict(sd)
    return ember_model


# ------------------------------------------------------------------ per-sample gradients

def _psg_batch(n, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, 1, 28, 28)).astype(np.float32),
            rng.integers(0, 10, n).astype(np.int64))


def test_per_sample_grads_loop_equals_vmap_and_mean_is_batch_grad():
    ember.manual_seed(0)
    model = psg.SimpleCNN()
    x, y = _psg_batch(8)
    data, targets = ember.tensor(x), ember.tensor(y)
    loop = psg.compute_sample_grads(model, data, targets)
    ft = psg.ft_per_sample_grads(model, data, targets)
    names = [n for n, _ in model.named_parameters()]
    assert list(ft.keys()) == names
    for (name, p), lg, fg in zip(model.named_parameters(), loop, ft.values()):
        assert tuple(fg.shape) == (8,) + tuple(p.shape), name
        _close(fg, lg, rtol=1e-5, atol=1e-6)
    # independent check: nll_loss averages over the batch, so the batch gradient is the
    # mean of the per-sample gradients
    model.zero_grad()
    psg.loss_fn(model(data), targets).backward()
    for (name, p), fg in zip(model.named_parameters(), ft.values()):
        _close(fg.mean(0), p.grad, rtol=1e-4, atol=1e-6)
    # and the samples really differ (a broadcast batch gradient would pass the mean check)
    assert not np.allclose(ft["fc2.weight"][0].numpy(), ft["fc2.weight"][1].numpy())


def test_per_sample_grads_main_runs():
    loop, ft = _quiet(psg.main, runs=1, batch_size=4)
    assert tuple(loop[0].shape) == (4, 32, 1, 3, 3) and len(ft) == 8


class _TorchSimpleCNN(tnn.Module if torch else object):
    """The tutorial's model in PyTorch (with its log_softmax output)."""

    def __init__(self):
        super().__init__()
        self.conv1 = tnn.Conv2d(1, 32, 3, 1)
        self.conv2 = tnn.Conv2d(32, 64, 3, 1)
        self.fc1 = tnn.Linear(9216, 128)
        self.fc2 = tnn.Linear(128, 10)

    def forward(self, x):
        x = TF.relu(self.conv2(TF.relu(self.conv1(x))))
        x = torch.flatten(TF.max_pool2d(x, 2), 1)
        return TF.log_softmax(self.fc2(TF.relu(self.fc1(x))), dim=1)


@needs_torch
def test_per_sample_grads_match_pytorch():
    torch.manual_seed(0)
    tmodel = _TorchSimpleCNN()
    model = _copy_weights(psg.SimpleCNN(), tmodel)
    x, y = _psg_batch(64, seed=1)
    tdata, ttargets = torch.from_numpy(x), torch.from_numpy(y)

    def compute_loss(params, buffers, sample, target):
        pred = tfunc.functional_call(tmodel, (params, buffers), (sample.unsqueeze(0),))
        return TF.nll_loss(pred, target.unsqueeze(0))
    tparams = {k: v.detach() for k, v in tmodel.named_parameters()}
    tbuffers = {k: v.detach() for k, v in tmodel.named_buffers()}
    ref = tfunc.vmap(tfunc.grad(compute_loss), in_dims=(None, None, 0, 0))(
        tparams, tbuffers, tdata, ttargets)

    data, targets = ember.tensor(x), ember.tensor(y)
    ft = psg.ft_per_sample_grads(model, data, targets)
    loop = psg.compute_sample_grads(model, data, targets)
    # the per-sample losses themselves
    tl = TF.nll_loss(tmodel(tdata), ttargets, reduction="none")
    el = EF.nll_loss(model(data), targets, reduction="none")
    _close(el, tl, rtol=1e-5)
    for (name, r), e, lg in zip(ref.items(), ft.values(), loop):
        _close(e, r, rtol=2e-4, atol=1e-6)
        _close(lg, r, rtol=2e-4, atol=1e-6)


def test_per_sample_grads_with_batch_norm_patched():
    """PyTorch's "patching batch norm" recipe: replace_all_batch_norm_modules_ drops the
    running statistics, so each vmapped sample normalises with its own statistics."""
    from ember.func import replace_all_batch_norm_modules_, grad, functional_call
    ember.manual_seed(0)
    enn = ember.nn
    model = enn.Sequential(enn.Conv2d(1, 4, 3), enn.BatchNorm2d(4), enn.ReLU(), enn.Flatten(),
                           enn.Linear(144, 3))
    assert replace_all_batch_norm_modules_(model) is model
    bn = model[1]
    assert bn.running_mean is None and bn.running_var is None and not bn.track_running_stats
    assert dict(model.named_buffers()) == {}
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 3, 5)
    params = {k: v.detach() for k, v in model.named_parameters()}
    f = lambda p, xi, yi: EF.cross_entropy(functional_call(model, p, (xi[None],)), yi[None])  # noqa
    got = vmap(grad(f), in_dims=(None, 0, 0))(params, ember.tensor(x), ember.tensor(y))
    for i in range(5):              # each sample alone, through the tape
        model.zero_grad()
        EF.cross_entropy(model(ember.tensor(x[i:i + 1])), ember.tensor(y[i:i + 1])).backward()
        for k, p in model.named_parameters():
            _close(got[k][i], p.grad, rtol=1e-4)
    if torch is not None:
        tm = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4),
                                 torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(144, 3))
        tfunc.replace_all_batch_norm_modules_(tm)
        with torch.no_grad():
            for k, v in tm.named_parameters():
                v.copy_(torch.from_numpy(params[k].numpy()))
        tp = {k: v.detach() for k, v in tm.named_parameters()}
        tf_ = lambda p, xi, yi: TF.cross_entropy(  # noqa
            tfunc.functional_call(tm, p, (xi[None],)), yi[None])
        ref = tfunc.vmap(tfunc.grad(tf_), in_dims=(None, 0, 0))(
            tp, torch.from_numpy(x), torch.from_numpy(y))
        for k in ref:
            _close(got[k], ref[k], rtol=1e-4)


# ------------------------------------------------------------------ ensembling

def test_ensembling_vmap_matches_loop():
    ember.manual_seed(0)
    models = [ens.SimpleMLP() for _ in range(4)]
    for m in models:
        m.eval()
    data = ember.randn(6, 64, 1, 28, 28)
    p1, loop1, p2, loop2 = _quiet(ens.ensemble, models, data)
    assert tuple(p1.shape) == (4, 64, 10) and tuple(p2.shape) == (4, 64, 10)
    _close(p1, loop1, rtol=1e-5)
    _close(p2, loop2, rtol=1e-5)
    # different minibatches give different predictions, the same minibatch the same input
    assert not np.allclose(p1[1].detach().numpy(), p2[1].detach().numpy())
    _close(p1[0], p2[0], rtol=1e-6)


def test_ensembling_dropout_randomness():
    ember.manual_seed(0)
    one = ens.SimpleMLP(p=0.5)
    models = [one] + [ens.SimpleMLP(p=0.5) for _ in range(3)]
    for m in models[1:]:          # identical members: only dropout can tell them apart
        m.load_state_dict(one.state_dict())
    for m in models:
        m.train()
    x = ember.randn(32, 1, 28, 28)
    different, same = _quiet(ens.dropout_ensemble, models, x)
    d, s = different.detach().numpy(), same.detach().numpy()
    for i in range(1, 4):
        np.testing.assert_array_equal(s[i], s[0])            # one mask for all
        assert not np.allclose(d[i], d[0])                    # a mask per model
    one.eval()
    assert not np.allclose(s[0], one(x).detach().numpy())     # dropout was on
    # dropout's masks under vmap: zeros or 1/(1-p), independent per model ('different')
    ones = ember.ones(10, 2000)
    out = vmap(lambda t: EF.dropout(t, 0.5), randomness="different")(ones).numpy()
    assert set(np.unique(out)) <= {0.0, 2.0}
    assert 0.45 < (out == 0).mean() < 0.55
    assert not any(np.array_equal(out[0], out[i]) for i in range(1, 10))
    out = vmap(lambda t: EF.dropout(t, 0.5), randomness="same")(ones).numpy()
    assert all(np.array_equal(out[0], out[i]) for i in range(1, 10))


def test_ensembling_main_trains_stacked_state():
    _quiet(ens.main, num_models=3)


class _TorchSimpleMLP(tnn.Module if torch else object):
    def __init__(self, p=0.1):
        super().__init__()
        self.fc1 = tnn.Linear(784, 128)
        self.fc2 = tnn.Linear(128, 128)
        self.fc3 = tnn.Linear(128, 10)
        self.dropout = tnn.Dropout(p)

    def forward(self, x):
        x = self.dropout(TF.relu(self.fc1(x.flatten(1))))
        return self.fc3(self.dropout(TF.relu(self.fc2(x))))


@needs_torch
def test_ensembling_matches_pytorch(tmp_path):
    import copy
    torch.manual_seed(0)
    tmodels = [_TorchSimpleMLP().eval() for _ in range(10)]
    models = []
    for i, tm in enumerate(tmodels):
        if i == 0:      # one model goes through a file: torch.save -> ember.load
            torch.save(tm.state_dict(), tmp_path / "m0.pt")
            m = ens.SimpleMLP()
            m.load_state_dict(ember.load(tmp_path / "m0.pt"))
        else:
            m = _copy_weights(ens.SimpleMLP(), tm)
        models.append(m.eval())
    rng = np.random.default_rng(2)
    x = rng.standard_normal((10, 64, 1, 28, 28)).astype(np.float32)

    tparams, tbuffers = tfunc.stack_module_state(tmodels)
    base = copy.deepcopy(tmodels[0]).to("meta")

    def tf_model(params, buffers, x):
        return tfunc.functional_call(base, (params, buffers), (x,))
    ref1 = tfunc.vmap(tf_model)(tparams, tbuffers, torch.from_numpy(x))
    ref2 = tfunc.vmap(tf_model, in_dims=(0, 0, None))(tparams, tbuffers, torch.from_numpy(x[0]))

    p1, _, p2, _ = _quiet(ens.ensemble, models, ember.tensor(x))
    _close(p1, ref1, rtol=1e-5)
    _close(p2, ref2, rtol=1e-5)

    # the gradient of an ensemble loss with respect to the stacked parameters
    y = rng.integers(0, 10, 64)
    TF.cross_entropy(ref2.flatten(0, 1), torch.from_numpy(y).repeat(10)).backward()
    params, buffers = ember.func.stack_module_state(models)
    _, fmodel = ens.make_fmodel(models)
    logits = vmap(fmodel, in_dims=(0, 0, None))(params, buffers, ember.tensor(x[0]))
    EF.cross_entropy(logits.flatten(0, 1), ember.tensor(y).repeat(10)).backward()
    for k in params:
        _close(params[k].grad, tparams[k].grad, rtol=1e-4, atol=1e-6)


# ------------------------------------------------------------------ neural tangent kernels

def _ntk_setup(n1, n2, seed=0):
    ember.manual_seed(seed)
    net = ntk.CNN()
    rng = np.random.default_rng(seed)
    x1 = rng.standard_normal((n1, 3, 32, 32)).astype(np.float32)
    x2 = rng.standard_normal((n2, 3, 32, 32)).astype(np.float32)
    return net, x1, x2


def test_ntk_methods_agree_and_modes_are_consistent():
    net, x1, x2 = _ntk_setup(3, 2)
    params = {k: v.detach() for k, v in net.named_parameters()}
    f = ntk.make_fnet_single(net)
    a, b = ember.tensor(x1), ember.tensor(x2)
    full_jc = ntk.empirical_ntk_jacobian_contraction(f, params, a, b, "full")
    full_vp = ntk.empirical_ntk_ntk_vps(f, params, a, b, "full")
    assert tuple(full_jc.shape) == (3, 2, 10, 10)
    _close(full_vp, full_jc, rtol=1e-4, atol=1e-6)
    fj = full_jc.numpy()
    for mode, expect in (("trace", np.einsum("NMKK->NM", fj)),
                         ("diagonal", np.einsum("NMKK->NMK", fj))):
        _close(ntk.empirical_ntk_jacobian_contraction(f, params, a, b, mode), expect,
               rtol=1e-4)
        _close(ntk.empirical_ntk_ntk_vps(f, params, a, b, mode), expect, rtol=1e-4)
    # independent: Θ(x1[0], x2[1]) from Jacobian rows built by the tape, one output at a time
    def jac_rows(x):
        out = net(ember.tensor(x)[None])[0]
        return np.stack([np.concatenate([g.numpy().ravel() for g in ember.autograd.grad(
            out[k], list(net.parameters()), retain_graph=True)]) for k in range(10)])
    theta = jac_rows(x1[0]) @ jac_rows(x2[1]).T
    _close(full_jc[0, 1], theta, rtol=1e-4)
    # the kernel of a set with itself is symmetric: Θ(x_n, x_m)_ab = Θ(x_m, x_n)_ba
    kk = ntk.empirical_ntk_jacobian_contraction(f, params, a, a, "full").numpy()
    _close(kk, kk.transpose(1, 0, 3, 2), rtol=1e-5)


def test_ntk_main_runs():
    out = _quiet(ntk.main, n_train=2, n_test=1)
    assert tuple(out["full"][1].shape) == (1, 2, 10, 10)
    assert tuple(out["trace"][0].shape) == (1, 2)
    assert tuple(out["diagonal"][1].shape) == (1, 2, 10)


@needs_torch
def test_ntk_matches_pytorch():
    torch.manual_seed(0)

    class TorchCNN(tnn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = tnn.Conv2d(3, 32, (3, 3))
            self.conv2 = tnn.Conv2d(32, 32, (3, 3))
            self.conv3 = tnn.Conv2d(32, 32, (3, 3))
            self.fc = tnn.Linear(21632, 10)

        def forward(self, x):
            x = self.conv2(self.conv1(x).relu()).relu()
            return self.fc(self.conv3(x).flatten(1))
    tnet = TorchCNN()
    net = _copy_weights(ntk.CNN(), tnet)
    _, x1, x2 = _ntk_setup(4, 2, seed=3)
    tparams = {k: v.detach() for k, v in tnet.named_parameters()}

    def tf_single(params, x):
        return tfunc.functional_call(tnet, params, (x.unsqueeze(0),)).squeeze(0)
    t1, t2 = torch.from_numpy(x1), torch.from_numpy(x2)
    tjac = tfunc.vmap(tfunc.jacrev(tf_single), (None, 0))
    j1 = [j.flatten(2) for j in tjac(tparams, t1).values()]
    j2 = [j.flatten(2) for j in tjac(tparams, t2).values()]
    ref = torch.stack([torch.einsum("Naf,Mbf->NMab", a, b) for a, b in zip(j1, j2)]).sum(0)

    params = {k: v.detach() for k, v in net.named_parameters()}
    f = ntk.make_fnet_single(net)
    a, b = ember.tensor(x1), ember.tensor(x2)
    _close(ntk.empirical_ntk_jacobian_contraction(f, params, a, b), ref, rtol=1e-4)
    _close(ntk.empirical_ntk_ntk_vps(f, params, a, b), ref, rtol=1e-4)
    _close(ntk.empirical_ntk_ntk_vps(f, params, a, b, "trace"),
           torch.einsum("NMKK->NM", ref), rtol=1e-4)
    _close(ntk.empirical_ntk_jacobian_contraction(f, params, a, b, "diagonal"),
           torch.einsum("NMKK->NMK", ref), rtol=1e-4)


# ------------------------------------------------------------------ the benchmarks' NumPy floor

def test_benchmark_closed_forms_compute_the_same_gradients():
    """benchmarks/nn.py times hand-written NumPy against ember: both must compute the same."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    from benchmarks import nn as bn
    from ember.func import grad, functional_call
    rng = np.random.default_rng(5)
    ember.manual_seed(0)
    for model, shape, loss, np_fn in (
            (bn.SimpleCNN(), (1, 28, 28), EF.nll_loss, bn.np_cnn_grads),
            (bn._mlp_e((784, 128, 10)), (784,), EF.cross_entropy, bn.np_mlp_per_sample)):
        x = rng.standard_normal((4,) + shape).astype(np.float32)
        y = rng.integers(0, 10, 4)
        params = {k: v.detach() for k, v in model.named_parameters()}
        f = lambda p, xi, yi: loss(functional_call(model, p, (xi[None],)), yi[None])  # noqa
        got = vmap(grad(f), in_dims=(None, 0, 0))(params, ember.tensor(x), ember.tensor(y))
        ref = np_fn(bn._np_params(model), x, y)
        for k in got:
            _close(got[k], ref[k], rtol=1e-4)
    m = bn.SimpleCNN()
    x = rng.standard_normal((3, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 3)
    EF.nll_loss(m(ember.tensor(x)), ember.tensor(y)).backward()
    ref = bn.np_cnn_grads(bn._np_params(m), x, y, per_sample=False)
    for k, p in m.named_parameters():
        _close(p.grad, ref[k], rtol=1e-4)
