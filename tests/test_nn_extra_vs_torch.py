"""The shrink activations, PReLU, the extra losses, distance, padding and Softmax2d modules
against PyTorch: values, gradients, reprs and error messages."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _pair(rng, *shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, size=shape)


def _run(make, args, grad_args=None):
    """Call module/function ``make(T)`` on ``args`` (numpy arrays) in both libraries; returns
    (ember out, torch out, ember grads, torch grads)."""
    grad_args = tuple(range(len(args))) if grad_args is None else grad_args
    res = []
    for T in (ember, torch):
        ts = [T.tensor(a) for a in args]
        for i in grad_args:
            ts[i].requires_grad_(True)
        mod = make(T)
        out = mod(*ts)
        out.sum().backward()
        res.append((out.detach().numpy(), [ts[i].grad.numpy() for i in grad_args], mod))
    return res


def _check(make, args, grad_args=None, atol=1e-10):
    (eo, eg, em), (to, tg, tm) = _run(make, args, grad_args)
    np.testing.assert_allclose(eo, to, atol=atol, rtol=1e-7)
    for a, b in zip(eg, tg):
        np.testing.assert_allclose(a, b, atol=atol, rtol=1e-7)
    if hasattr(em, "extra_repr"):
        assert repr(em) == repr(tm)


RED = ("mean", "sum", "none")


@pytest.mark.parametrize("name,kw", [("Hardshrink", {}), ("Hardshrink", {"lambd": 0.3}),
                                     ("Softshrink", {}), ("Softshrink", {"lambd": 1.2}),
                                     ("Softmax2d", {})])
def test_activation_modules(name, kw):
    rng = np.random.default_rng(0)
    x = _pair(rng, 2, 3, 4, 5)
    _check(lambda T: getattr(T.nn, name)(**kw), [x])


@pytest.mark.parametrize("n,shape", [(1, (4, 3)), (3, (2, 3, 4)), (3, (2, 3)), (1, ()),
                                     (2, (5, 2, 3, 3))])
def test_prelu(n, shape):
    rng = np.random.default_rng(1)
    x = _pair(rng, *shape)
    (eo, eg, em), (to, tg, tm) = _run(lambda T: T.nn.PReLU(n, init=0.3, dtype=T.float64), [x])
    np.testing.assert_allclose(eo, to, atol=1e-12)
    np.testing.assert_allclose(eg[0], tg[0], atol=1e-12)
    np.testing.assert_allclose(em.weight.grad.numpy(), tm.weight.grad.numpy(), atol=1e-5)
    assert repr(em) == repr(tm)


@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("vshape", [(3, 4), (3,), (3, 1)])
def test_gaussian_nll(reduction, full, vshape):
    rng = np.random.default_rng(2)
    var = rng.uniform(0.0, 2.0, size=vshape)
    var.flat[0] = 1e-9                          # below eps: clamped in value only
    _check(lambda T: T.nn.GaussianNLLLoss(full=full, reduction=reduction),
           [_pair(rng, 3, 4), _pair(rng, 3, 4), var], atol=1e-8)


@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll(reduction, log_input, full):
    rng = np.random.default_rng(3)
    x = _pair(rng, 3, 4) if log_input else _pair(rng, 3, 4, lo=0.1, hi=3)
    y = rng.uniform(0, 4, size=(3, 4))
    _check(lambda T: T.nn.PoissonNLLLoss(log_input=log_input, full=full, reduction=reduction),
           [x, y], grad_args=(0,))


@pytest.mark.parametrize("reduction", RED)
def test_hinge_soft_margin_multilabel(reduction):
    rng = np.random.default_rng(4)
    x = _pair(rng, 4, 5)
    t = np.where(rng.uniform(size=(4, 5)) > 0.5, 1.0, -1.0)
    _check(lambda T: T.nn.HingeEmbeddingLoss(margin=0.7, reduction=reduction), [x, t], (0,))
    _check(lambda T: T.nn.SoftMarginLoss(reduction=reduction), [x, t], (0,))
    y = (t > 0).astype(np.float64)
    w = rng.uniform(0.5, 2, size=5)
    _check(lambda T: T.nn.MultiLabelSoftMarginLoss(reduction=reduction), [x, y])
    _check(lambda T: T.nn.MultiLabelSoftMarginLoss(weight=T.tensor(w), reduction=reduction),
           [x, y])


@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("p,swap", [(2.0, False), (1.0, True), (3.0, False)])
def test_triplet(reduction, p, swap):
    rng = np.random.default_rng(5)
    a, po, n = _pair(rng, 6, 4), _pair(rng, 6, 4), _pair(rng, 6, 4)
    _check(lambda T: T.nn.TripletMarginLoss(margin=0.8, p=p, swap=swap, reduction=reduction),
           [a, po, n], atol=1e-8)


def test_distance_modules():
    rng = np.random.default_rng(6)
    a, b = _pair(rng, 3, 5, 2), _pair(rng, 3, 5, 2)
    _check(lambda T: T.nn.CosineSimilarity(dim=1), [a, b])
    _check(lambda T: T.nn.PairwiseDistance(p=1.5, keepdim=True), [a, b], atol=1e-8)
    m = ember.nn.PairwiseDistance()
    assert (m.norm, m.eps, m.keepdim) == (2.0, 1e-6, False)


@pytest.mark.parametrize("name,arg,shape", [
    ("ConstantPad1d", (2,), (2, 3, 4)), ("ConstantPad2d", ((1, 2, 0, 3),), (2, 3, 4)),
    ("ConstantPad3d", (1,), (1, 2, 3, 4, 2)), ("ZeroPad1d", ((1, 3),), (3, 4)),
    ("ZeroPad2d", (2,), (1, 2, 3, 4)), ("ZeroPad3d", ((1, 0, 2, 1, 0, 1),), (2, 2, 3, 2)),
    ("ReflectionPad1d", (2,), (2, 3, 4)), ("ReflectionPad2d", ((1, 2, 2, 0),), (1, 2, 3, 4)),
    ("ReflectionPad3d", (1,), (1, 2, 3, 3, 3)), ("ReplicationPad1d", ((3, 1),), (2, 4)),
    ("ReplicationPad2d", (2,), (2, 3, 4)), ("ReplicationPad3d", (1,), (1, 2, 2, 3, 2))])
def test_padding_modules(name, arg, shape):
    rng = np.random.default_rng(7)
    extra = (1.5,) if name.startswith("Constant") else ()
    _check(lambda T: getattr(T.nn, name)(*arg, *extra), [_pair(rng, *shape)])


def _err(call):
    """(type name, message) of the exception ``call(T)`` raises, for both libraries."""
    out = []
    for T in (ember, torch):
        with pytest.raises(Exception) as e:
            call(T)
        out.append((type(e.value).__name__, str(e.value)))
    assert out[0] == out[1], out


@pytest.mark.parametrize("call", [
    lambda T: T.nn.functional.softshrink(T.ones(3), -1.0),
    lambda T: T.nn.functional.softshrink(T.ones(3, dtype=T.float64), -2.5),
    lambda T: T.nn.functional.prelu(T.ones(3, 4), T.ones(3)),
    lambda T: T.nn.functional.prelu(T.tensor(1.0), T.ones(3)),
    lambda T: T.nn.functional.prelu(T.ones(3, 4), T.ones(1, 4)),
    lambda T: T.nn.functional.prelu(T.ones(3, 4, dtype=T.float64), T.ones(4)),
    lambda T: T.nn.functional.gaussian_nll_loss(T.ones(3, 4), T.ones(3, 4), T.ones(2)),
    lambda T: T.nn.functional.gaussian_nll_loss(T.ones(3, 4), T.ones(3, 4), -T.ones(3, 4)),
    lambda T: T.nn.functional.gaussian_nll_loss(T.ones(3, 4), T.ones(3, 4), T.ones(3, 4),
                                                reduction="foo"),
    lambda T: T.nn.functional.poisson_nll_loss(T.ones(3, 4), T.ones(3, 4), reduction="foo"),
    lambda T: T.nn.functional.hinge_embedding_loss(T.ones(3, 4), T.ones(3, 4), reduction="x"),
    lambda T: T.nn.functional.soft_margin_loss(T.ones(3, 4), T.ones(3, 4), reduction="foo"),
    lambda T: T.nn.functional.multilabel_soft_margin_loss(T.ones(3, 4), T.ones(3, 4),
                                                          reduction="foo"),
    lambda T: T.nn.functional.triplet_margin_loss(T.ones(3, 4), T.ones(3, 4), T.ones(4)),
    lambda T: T.nn.functional.triplet_margin_loss(T.ones(3, 4), T.ones(3, 4), T.ones(3, 4),
                                                  reduction="foo"),
    lambda T: T.nn.functional.triplet_margin_loss(T.ones(3, 4), T.ones(3, 4), T.ones(3, 4),
                                                  margin=-1),
    lambda T: T.nn.TripletMarginLoss(margin=-1),
    lambda T: T.nn.Softmax2d()(T.ones(3, 4)),
])
def test_errors(call):
    _err(call)


def test_defaults_and_attributes():
    for name in ["GaussianNLLLoss", "PoissonNLLLoss", "HingeEmbeddingLoss", "SoftMarginLoss",
                 "MultiLabelSoftMarginLoss", "TripletMarginLoss", "CosineSimilarity",
                 "Hardshrink", "Softshrink"]:
        e, t = getattr(ember.nn, name)(), getattr(torch.nn, name)()
        for k, v in vars(t).items():
            if not k.startswith("_") and k != "training":
                assert getattr(e, k) == v, (name, k)
        assert repr(e) == repr(t)
    w = ember.nn.PReLU(3).weight
    assert tuple(w.shape) == (3,) and np.allclose(w.detach().numpy(), 0.25)


def test_legacy_reduction_args():
    x, y = ember.ones(3), ember.ones(3)
    with pytest.warns(UserWarning):
        out = ember.nn.functional.soft_margin_loss(x, y, size_average=False)
    assert out.shape == ()
