"""The composition matrix: every differentiable op of the table under composed transforms
(hessian forms, vmap(grad), grad(vmap), jvp(grad), vjp(vmap), vmap(jvp), vmap(vmap)),
checked against each other, against finite differences and against torch.func."""
import numpy as np
import pytest

import ember
from ember.func import grad, vmap, jvp, vjp, jacrev, jacfwd, hessian
from optable import all_ops

try:
    import torch
    import torch.func as tf
except ImportError:
    torch = tf = None

OPS = [op for op in all_ops() if op.grad and op.jvp and op.vmap and op.second_order]


def _first_diff(op, seed=0):
    s = op.samples(np.random.default_rng(seed))[0]
    idx = op.diff_indices(s)
    return s, (idx[0] if idx else None)


def _scalar_fn(T, op, s, k, v):
    conv = (lambda a: torch.from_numpy(np.array(a))) if T is torch else ember.tensor
    args = [conv(a) if isinstance(a, np.ndarray) else a for a in s.args]
    vt = [conv(x) for x in v]

    def f(x):
        a = list(args)
        a[k] = x
        out = op.op(T, *a, **s.kwargs)
        if op.output_process:
            out = op.output_process(out)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        outs = [o for o in outs if o.dtype.is_floating_point]
        return sum((o * w).sum() for o, w in zip(outs, vt))
    return f


def _setup(op, T=ember):
    s, k = _first_diff(op)
    if k is None or s.args[k].size > 30:
        pytest.skip("no small differentiable argument")
    rng = np.random.default_rng(7)
    args = [ember.tensor(a) if isinstance(a, np.ndarray) else a for a in s.args]
    out = op.op(ember, *args, **s.kwargs)
    if op.output_process:
        out = op.output_process(out)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    v = [rng.standard_normal(tuple(o.shape)) for o in outs if o.dtype.is_floating_point]
    x = s.args[k].astype(np.float64)
    x2 = op.samples(np.random.default_rng(1))[0].args[k].astype(np.float64)
    return s, k, v, x, x2


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _close(a, b, tol=1e-6, what=""):
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol, err_msg=what)


def _params(ops):
    return [pytest.param(op, id=op.name) for op in ops]


@pytest.mark.parametrize("op", _params(OPS))
def test_hessian_forms(op):
    s, k, v, x, _ = _setup(op)
    f = _scalar_fn(ember, op, s, k, v)
    X = ember.tensor(x)
    h = hessian(f)(X)
    _close(jacrev(jacrev(f))(X), h, 1e-6, "jacrev(jacrev)")
    _close(jacfwd(jacfwd(f))(X), h, 1e-6, "jacfwd(jacfwd)")
    _close(jacrev(jacfwd(f))(X), h, 1e-6, "jacrev(jacfwd)")
    th = None
    if tf is not None and op.torch_compare:
        try:
            th = tf.hessian(_scalar_fn(torch, op, s, k, v))(torch.from_numpy(x))
        except (NotImplementedError, RuntimeError):      # PyTorch lacks a rule for this op
            th = None
    if th is not None:
        _close(h, th, 1e-6, "vs torch.func.hessian")
    else:
        g = grad(f)
        n = x.size
        num = np.zeros((n, n))
        for i in range(n):
            e = np.zeros(n)
            e[i] = 1e-6
            num[:, i] = (_np(g(ember.tensor(x + e.reshape(x.shape)))) -
                         _np(g(ember.tensor(x - e.reshape(x.shape))))).ravel() / 2e-6
        _close(_np(h).reshape(n, n), num, 1e-4, "vs finite differences")


@pytest.mark.parametrize("op", _params(OPS))
def test_vmap_grad_and_grad_vmap(op):
    s, k, v, x, x2 = _setup(op)
    f = _scalar_fn(ember, op, s, k, v)
    X = ember.tensor(np.stack([x, x2]))
    per = vmap(grad(f))(X)
    _close(per[0], grad(f)(ember.tensor(x)), 1e-7, "vmap(grad)[0]")
    _close(per[1], grad(f)(ember.tensor(x2)), 1e-7, "vmap(grad)[1]")
    _close(grad(lambda Z: vmap(f)(Z).sum())(X), per, 1e-7, "grad(vmap)")
    if tf is not None and op.torch_compare:
        try:
            tper = tf.vmap(tf.grad(_scalar_fn(torch, op, s, k, v)))(
                torch.from_numpy(np.stack([x, x2])))
        except (NotImplementedError, RuntimeError):      # PyTorch lacks a batching rule
            return
        _close(per, tper, 1e-6, "vs torch.func vmap(grad)")


@pytest.mark.parametrize("op", _params(OPS))
def test_jvp_grad_is_hvp(op):
    s, k, v, x, _ = _setup(op)
    f = _scalar_fn(ember, op, s, k, v)
    t = np.random.default_rng(3).standard_normal(x.shape)
    X, Tt = ember.tensor(x), ember.tensor(t)
    hv = jvp(grad(f), (X,), (Tt,))[1]
    h = _np(hessian(f)(X)).reshape(x.size, x.size)
    _close(_np(hv).ravel(), h @ t.ravel(), 1e-6, "jvp(grad) vs H t")
    _, fn = vjp(grad(f), X)
    _close(fn(Tt)[0], hv, 1e-6, "vjp(grad) vs jvp(grad)")


@pytest.mark.parametrize("op", _params(OPS))
def test_vjp_vmap_vmap_jvp_vmap_vmap(op):
    s, k, v, x, x2 = _setup(op)
    conv = lambda a: ember.tensor(a) if isinstance(a, np.ndarray) else a
    args = [conv(a) for a in s.args]

    def g(z):
        a = list(args)
        a[k] = z
        out = op.op(ember, *a, **s.kwargs)
        out = op.output_process(out) if op.output_process else out
        outs = out if isinstance(out, (tuple, list)) else (out,)
        return [o for o in outs if o.dtype.is_floating_point][0]
    X = ember.tensor(np.stack([x, x2]))
    out, fn = vjp(vmap(g), X)
    ct = ember.tensor(np.random.default_rng(5).standard_normal(tuple(out.shape)))
    (gx,) = fn(ct)
    for b in range(2):
        _, fb = vjp(g, X[b])
        _close(gx[b], fb(ct[b])[0], 1e-7, "vjp(vmap)")
    t = ember.tensor(np.random.default_rng(6).standard_normal(tuple(X.shape)))
    tan = vmap(lambda z, u: jvp(g, (z,), (u,))[1])(X, t)
    for b in range(2):
        _close(tan[b], jvp(g, (X[b],), (t[b],))[1], 1e-7, "vmap(jvp)")
    XX = ember.tensor(np.stack([np.stack([x, x2]), np.stack([x2, x])]))
    vv = vmap(vmap(g))(XX)
    _close(vv[1, 0], g(ember.tensor(x2)), 1e-7, "vmap(vmap)")
