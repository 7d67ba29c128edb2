"""Generic checks for every row of the op table (tests/optable): forward against NumPy (and
PyTorch when installed), float64 gradcheck by central differences, VJP against PyTorch, JVP
against finite differences and against the VJP, vmap against a Python loop for several
in_dims (batch sizes 0, 1, 3), and double backward."""
import itertools
import os

import numpy as np
import pytest

import ember
from ember.utils._pytree import tree_flatten
from optable import all_ops

try:
    import torch
except ImportError:      # the PyTorch oracle is optional
    torch = None

OPS = all_ops()
EPS = 1e-6


def _samples(op, seed=0):
    return op.samples(np.random.default_rng(seed))


def _cases(pred=lambda op: True):
    out = []
    for op in OPS:
        if not pred(op):
            continue
        for i, s in enumerate(_samples(op)):
            out.append(pytest.param(op, i, id=f"{op.name}-{i}"))
    return out


# EMBER_TEST_DEVICE=cuda runs the checks on CuPy arrays (on a machine with a GPU)
DEVICE = os.environ.get("EMBER_TEST_DEVICE")


def _conv(T, a, dtype=None):
    if isinstance(a, np.ndarray):
        if dtype is not None and a.dtype.kind == "f":
            a = a.astype(dtype)
        return T.from_numpy(np.array(a)) if T is torch else ember.tensor(a, device=DEVICE)
    return a


def _run(op, T, args, kwargs):
    out = op.op(T, *args, **kwargs)
    return op.output_process(out) if op.output_process else out


def _arr(x):
    if isinstance(x, ember.Tensor):
        return np.asarray(x.detach().cpu().numpy())
    if torch is not None and isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def _leaves(out):
    return tree_flatten(out)[0] if not isinstance(out, (ember.Tensor,)) and not (
        torch is not None and isinstance(out, torch.Tensor)) else [out]


def _close(a, b, atol, rtol, what=""):
    a, b = _arr(a), _arr(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    if a.dtype == bool or b.dtype == bool:
        np.testing.assert_array_equal(a, b, err_msg=what)
    else:
        np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), atol=atol,
                                   rtol=rtol, err_msg=what, equal_nan=True)


# ---------------------------------------------------------------- forward

@pytest.mark.parametrize("op,i", _cases())
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_forward(op, i, dtype):
    if dtype not in op.dtypes:
        pytest.skip("dtype not covered by this op")
    s = _samples(op)[i]
    out = _run(op, ember, [_conv(ember, a, dtype) for a in s.args], s.kwargs)
    checked = False
    if op.ref is not None:
        arrs = [a.astype(dtype) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
                for a in s.args]
        exp = op.ref(*arrs, **s.kwargs)
        for o, e in zip(_leaves(out), _leaves(exp) if isinstance(exp, tuple) else [exp]):
            tol = 1e-5 if dtype == "float32" else 1e-10
            _close(o, e, max(op.atol, tol), op.rtol if dtype == "float32" else 1e-7,
                   f"{op.name} vs NumPy")
        checked = True
    if torch is not None and op.torch_compare and dtype not in op.skip_dtypes_torch:
        texp = _run(op, torch, [_conv(torch, a, dtype) for a in s.args], s.kwargs)
        for o, e in zip(_leaves(out), _leaves(texp)):
            _close(o, e, op.atol, op.rtol, f"{op.name} vs PyTorch")
            if isinstance(e, torch.Tensor):
                assert str(o.dtype) == str(e.dtype), f"{op.name}: dtype {o.dtype} vs {e.dtype}"
        checked = True
    if not checked:
        pytest.skip("no NumPy reference and PyTorch is not installed")


# ---------------------------------------------------------------- reverse mode

def _float_out(out):
    return [o for o in _leaves(out) if isinstance(o, ember.Tensor) and o.dtype.is_floating_point]


def _vjp_setup(op, i, seed=1):
    s = _samples(op)[i]
    idx = op.diff_indices(s)
    rng = np.random.default_rng(seed)
    args = [_conv(ember, a, "float64") for a in s.args]
    return s, idx, args, rng


def _numeric_vjp(op, s, idx, args, vs):
    """Central-difference <v, df/dx_i> for each differentiated argument."""
    grads = []
    for k in idx:
        base = s.args[k].astype(np.float64)
        g = np.zeros_like(base)
        for j in np.ndindex(base.shape):
            vals = []
            for sign in (1, -1):
                x = base.copy()
                x[j] += sign * EPS
                a2 = list(args)
                a2[k] = ember.tensor(x)
                outs = _float_out(_run(op, ember, a2, s.kwargs))
                vals.append(sum(float(np.sum(_arr(o) * v)) for o, v in zip(outs, vs)))
            g[j] = (vals[0] - vals[1]) / (2 * EPS)
        grads.append(g)
    return grads


@pytest.mark.parametrize("op,i", _cases(lambda op: op.grad))
def test_gradcheck(op, i):
    s, idx, args, rng = _vjp_setup(op, i)
    if not idx:
        pytest.skip("no differentiable argument")
    for k in idx:
        args[k].requires_grad_(True)
    outs = _float_out(_run(op, ember, args, s.kwargs))
    vs = [rng.standard_normal(tuple(o.shape)) for o in outs]
    loss = sum((o * ember.tensor(v)).sum() for o, v in zip(outs, vs))
    grads = ember.autograd.grad(loss, [args[k] for k in idx], allow_unused=True)
    num = _numeric_vjp(op, s, idx, [a.detach() if isinstance(a, ember.Tensor) else a
                                    for a in args], vs)
    for k, g, n in zip(idx, grads, num):
        g = np.zeros_like(n) if g is None else _arr(g)
        _close(g, n, op.grad_atol, op.grad_rtol, f"{op.name}: d/d arg{k}")


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
@pytest.mark.parametrize("op,i", _cases(lambda op: op.grad and op.torch_compare))
def test_vjp_vs_torch(op, i):
    s, idx, args, rng = _vjp_setup(op, i)
    if not idx:
        pytest.skip("no differentiable argument")
    targs = [_conv(torch, a, "float64") for a in s.args]
    for k in idx:
        args[k].requires_grad_(True)
        targs[k].requires_grad_(True)
    outs = _float_out(_run(op, ember, args, s.kwargs))
    touts = [o for o in _leaves(_run(op, torch, targs, s.kwargs))
             if isinstance(o, torch.Tensor) and o.dtype.is_floating_point]
    vs = [rng.standard_normal(tuple(o.shape)) for o in outs]
    g = ember.autograd.grad(sum((o * ember.tensor(v)).sum() for o, v in zip(outs, vs)),
                            [args[k] for k in idx], allow_unused=True)
    tg = torch.autograd.grad(sum((o * torch.from_numpy(v)).sum() for o, v in zip(touts, vs)),
                             [targs[k] for k in idx], allow_unused=True)
    for k, a, b in zip(idx, g, tg):
        a = np.zeros(s.args[k].shape) if a is None else _arr(a)
        b = np.zeros(s.args[k].shape) if b is None else _arr(b)
        _close(a, b, 1e-6, 1e-5, f"{op.name}: grad arg{k} vs PyTorch")


# ---------------------------------------------------------------- forward mode

@pytest.mark.parametrize("op,i", _cases(lambda op: op.jvp))
def test_jvp(op, i):
    s, idx, args, rng = _vjp_setup(op, i)
    if not idx:
        pytest.skip("no differentiable argument")
    us = [rng.standard_normal(s.args[k].shape) for k in idx]

    def f(*d):
        a2 = list(args)
        for k, x in zip(idx, d):
            a2[k] = x
        return tuple(_float_out(_run(op, ember, a2, s.kwargs)))

    primals = tuple(args[k] for k in idx)
    out, tan = ember.func.jvp(f, primals, tuple(ember.tensor(u) for u in us))
    # finite differences along u
    plus = f(*[ember.tensor(_arr(p) + EPS * u) for p, u in zip(primals, us)])
    minus = f(*[ember.tensor(_arr(p) - EPS * u) for p, u in zip(primals, us)])
    for t, a, b in zip(tan, plus, minus):
        _close(t, (_arr(a) - _arr(b)) / (2 * EPS), op.grad_atol, op.grad_rtol,
               f"{op.name}: jvp vs finite differences")
    if op.grad:      # <v, J u> == <J^T v, u>
        vs = [rng.standard_normal(tuple(o.shape)) for o in out]
        _, vjp_fn = ember.func.vjp(f, *primals)
        g = vjp_fn(tuple(ember.tensor(v) for v in vs))
        lhs = sum(float(np.sum(_arr(t) * v)) for t, v in zip(tan, vs))
        rhs = sum(float(np.sum(_arr(gg) * u)) for gg, u in zip(g, us))
        assert abs(lhs - rhs) <= 1e-6 * max(1.0, abs(lhs)), f"{op.name}: <v,Ju> != <J'v,u>"


# ---------------------------------------------------------------- vmap

def _vmap_variants(op, s):
    tens = [k for k, a in enumerate(s.args) if isinstance(a, np.ndarray)]
    variants = [("all0", {k: 0 for k in tens})]
    if len(tens) > 1:
        variants += [(f"only{k}", {k: 0}) for k in tens]
    variants.append(("last", {k: -1 for k in tens}))
    return variants


def _vmap_cases():
    out = []
    for op in OPS:
        if not op.vmap:
            continue
        for i, s in enumerate(_samples(op)):
            for name, _ in _vmap_variants(op, s):
                for B in (3, 1):
                    if B == 1 and name != "all0":
                        continue
                    out.append(pytest.param(op, i, name, B, id=f"{op.name}-{i}-{name}-B{B}"))
    return out


@pytest.mark.parametrize("op,i,variant,B", _vmap_cases())
def test_vmap(op, i, variant, B):
    per = [_samples(op, seed)[i] for seed in range(B)]
    s0 = per[0]
    dims = dict(_vmap_variants(op, s0))[variant]
    args, in_dims = [], []
    for k, a in enumerate(s0.args):
        if k in dims:
            stacked = np.stack([p.args[k] for p in per], axis=0)
            if dims[k] == -1:
                stacked = np.moveaxis(stacked, 0, -1)
            args.append(ember.tensor(stacked))
            in_dims.append(dims[k])
        else:
            args.append(_conv(ember, a))
            in_dims.append(None)
    res = ember.vmap(lambda *a: _run(op, ember, a, s0.kwargs), in_dims=tuple(in_dims))(*args)
    for b in range(B):
        a_b = [_conv(ember, per[b].args[k]) if k in dims else _conv(ember, a)
               for k, a in enumerate(s0.args)]
        exp = _run(op, ember, a_b, s0.kwargs)
        for r, e in zip(_leaves(res), _leaves(exp)):
            _close(_arr(r)[b], e, 1e-6, 1e-5, f"{op.name}: vmap[{b}] vs loop")


@pytest.mark.parametrize("op,i", _cases(lambda op: op.vmap))
def test_vmap_empty_batch(op, i):
    s = _samples(op)[i]
    args = [ember.tensor(np.zeros((0,) + a.shape, a.dtype)) if isinstance(a, np.ndarray) else a
            for a in s.args]
    dims = tuple(0 if isinstance(a, np.ndarray) else None for a in s.args)
    res = ember.vmap(lambda *a: _run(op, ember, a, s.kwargs), in_dims=dims)(*args)
    one = _run(op, ember, [_conv(ember, a) for a in s.args], s.kwargs)
    for r, e in zip(_leaves(res), _leaves(one)):
        assert tuple(r.shape) == (0,) + tuple(e.shape)


# ---------------------------------------------------------------- second order

@pytest.mark.parametrize("op,i", _cases(lambda op: op.grad and op.second_order))
def test_double_backward(op, i):
    s, idx, args, rng = _vjp_setup(op, i)
    if not idx:
        pytest.skip("no differentiable argument")
    outs0 = _float_out(_run(op, ember, args, s.kwargs))
    vs = [ember.tensor(rng.standard_normal(tuple(o.shape))) for o in outs0]
    ws = [rng.standard_normal(s.args[k].shape) for k in idx]

    def h(*xs):       # <w, J(x)^T v>, a scalar function of x
        a2 = list(args)
        for k, x in zip(idx, xs):
            a2[k] = x
        outs = _float_out(_run(op, ember, a2, s.kwargs))
        g = ember.autograd.grad(sum((o * v).sum() for o, v in zip(outs, vs)), xs,
                                create_graph=True, allow_unused=True)
        return sum((gg * ember.tensor(w)).sum() for gg, w in zip(g, ws) if gg is not None)

    xs = [ember.tensor(s.args[k].astype(np.float64), requires_grad=True) for k in idx]
    val = h(*xs)
    if not isinstance(val, ember.Tensor) or not val.requires_grad:
        return      # linear op: the second derivative is zero
    gg = ember.autograd.grad(val, xs, allow_unused=True)
    for n, (k, g) in enumerate(zip(idx, gg)):
        base = s.args[k].astype(np.float64)
        num = np.zeros_like(base)
        for j in np.ndindex(base.shape):
            vals = []
            for sign in (1, -1):
                x = base.copy()
                x[j] += sign * 1e-5
                x2 = [ember.tensor(_arr(t), requires_grad=True) for t in xs]
                x2[n] = ember.tensor(x, requires_grad=True)
                vals.append(float(_arr(h(*x2))))
            num[j] = (vals[0] - vals[1]) / 2e-5
        got = np.zeros_like(num) if g is None else _arr(g)
        _close(got, num, 1e-4, 1e-3, f"{op.name}: second derivative arg{k}")
