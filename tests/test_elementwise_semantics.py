"""Elementwise semantics checked against PyTorch: gradients at kinks and poles, higher
derivatives, backward node names, in-place forms, ``out=``, complex forward values, the Python
operators and ``where``.  Result dtypes and error messages are in test_elementwise_dtypes.py."""
import math
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

NAN, INF = float("nan"), float("inf")


def _both(values, dtype="float64", requires_grad=False):
    e = ember.tensor(np.array(values, dtype=dtype), requires_grad=requires_grad)
    t = torch.tensor(np.array(values, dtype=dtype), requires_grad=requires_grad)
    return e, t


def _np(x):
    if isinstance(x, ember.Tensor):
        return np.asarray(x.detach().numpy())
    return x.detach().numpy()


def _same(a, b, what=""):
    a, b = _np(a), _np(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs {b.shape}"
    np.testing.assert_allclose(a.astype(np.float64) if a.dtype != bool else a,
                               b.astype(np.float64) if b.dtype != bool else b,
                               rtol=1e-6, atol=1e-7, equal_nan=True, err_msg=what)


def _grads(T, fn, args):
    xs = [T.tensor(np.array(a, dtype="float64"), requires_grad=True) for a in args]
    out = fn(T, *xs)
    gs = T.autograd.grad(out.sum(), xs, allow_unused=True)
    return [np.zeros(np.shape(a)) if g is None else _np(g) for g, a in zip(gs, args)]


# ---------------------------------------------------------------- gradients at kinks

KINKS = [
    ("abs at 0", lambda T, x: T.abs(x), [[0.0, -1.0, 2.0]]),
    ("relu at 0", lambda T, x: T.relu(x), [[0.0, -1.0, 2.0]]),
    ("relu method", lambda T, x: x.relu(), [[0.0, -0.0, 1e-300]]),
    ("clamp at bounds", lambda T, x: T.clamp(x, 0.0, 1.0), [[0.0, 1.0, 0.5, -1.0, 2.0]]),
    ("clamp min only", lambda T, x: x.clamp(min=0.0), [[0.0, 1.0, -1.0]]),
    ("clamp max only", lambda T, x: x.clamp(max=0.0), [[0.0, 1.0, -1.0]]),
    ("clamp inverted", lambda T, x: T.clamp(x, 1.0, 0.0), [[0.0, 1.0, 0.5, -1.0, 2.0]]),
    ("clamp_min at bound", lambda T, x: T.clamp_min(x, 0.5), [[0.5, 1.0, -1.0]]),
    ("clamp tensor bounds", lambda T, x, lo, hi: T.clamp(x, lo, hi),
     [[0.0, 1.0, 0.5, -1.0, 2.0], [0.0] * 5, [1.0] * 5]),
    ("clamp tensor inverted", lambda T, x, lo, hi: T.clamp(x, lo, hi),
     [[0.0, 1.0, 0.5, -1.0, 2.0], [1.0] * 5, [0.0] * 5]),
    ("clamp tensor min only", lambda T, x, lo: T.clamp(x, min=lo), [[0.0, 1.0, -1.0], [0.0] * 3]),
    ("clamp_max tensor", lambda T, x, hi: T.clamp_max(x, hi), [[0.0, 1.0, -1.0], [0.0] * 3]),
    ("maximum ties", lambda T, x, y: T.maximum(x, y),
     [[0.0, 1.0, -1.0, NAN], [0.0, 0.0, 0.0, 1.0]]),
    ("minimum ties", lambda T, x, y: T.minimum(x, y),
     [[0.0, 1.0, -1.0, 1.0], [0.0, 0.0, 0.0, NAN]]),
    ("fmax ties and nan", lambda T, x, y: T.fmax(x, y),
     [[0.0, 1.0, -1.0, NAN], [0.0, 0.0, 0.0, 1.0]]),
    ("fmin ties and nan", lambda T, x, y: T.fmin(x, y),
     [[0.0, 1.0, -1.0, NAN], [0.0, 0.0, 0.0, 1.0]]),
    ("pow scalar 0 at 0", lambda T, x: x ** 0, [[0.0, 1.0]]),
    ("pow scalar 0.5 at 0", lambda T, x: x ** 0.5, [[0.0, 1.0]]),
    ("pow scalar 2 at 0", lambda T, x: T.pow(x, 2), [[0.0, -1.0]]),
    ("pow tensor at 0", lambda T, x, y: x ** y, [[0.0, 0.0, 0.0, 2.0], [0.0, 1.0, -1.0, 0.0]]),
    ("pow scalar base 0", lambda T, y: T.pow(0.0, y), [[0.0, 1.0, -1.0]]),
    ("pow scalar base negative", lambda T, y: T.pow(-2.0, y), [[2.0, 3.0]]),
    ("xlogy at 0", lambda T, x, y: T.xlogy(x, y), [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]),
    ("sqrt at 0", lambda T, x: T.sqrt(x), [[0.0, 4.0]]),
    ("rsqrt at 0", lambda T, x: T.rsqrt(x), [[0.0, 4.0]]),
    ("reciprocal at 0", lambda T, x: T.reciprocal(x), [[0.0, 2.0]]),
    ("sign", lambda T, x: T.sign(x), [[0.0, 1.0, -2.0]]),
    ("remainder", lambda T, x, y: T.remainder(x, y), [[5.5, -5.5], [2.0, 2.0]]),
    ("fmod", lambda T, x, y: T.fmod(x, y), [[5.5, -5.5], [2.0, 2.0]]),
    ("hypot at 0", lambda T, x, y: T.hypot(x, y), [[0.0, 3.0], [0.0, 4.0]]),
    ("atan2 at 0", lambda T, y, x: T.atan2(y, x), [[0.0, 1.0], [0.0, 1.0]]),
    ("nan_to_num", lambda T, x: T.nan_to_num(x), [[NAN, INF, -INF, 1.0]]),
    ("logit no eps", lambda T, x: T.logit(x), [[0.0, 1.0, 0.5, -1.0, 2.0]]),
    ("logit eps", lambda T, x: T.logit(x, 0.1), [[0.0, 0.1, 0.5, 0.9, 1.0, 2.0]]),
    ("logaddexp infinities", lambda T, x, y: T.logaddexp(x, y),
     [[-INF, INF, 0.0], [-INF, INF, 1.0]]),
    ("frac", lambda T, x: T.frac(x), [[1.5, -1.5]]),
    ("round/floor/ceil/trunc", lambda T, x: T.round(x) + T.floor(x) + T.ceil(x) + T.trunc(x),
     [[1.5, -0.5]]),
    ("div rounding", lambda T, x, y: T.div(x, y, rounding_mode="floor") +
     T.div(x, y, rounding_mode="trunc"), [[1.5, -3.0], [2.0, 2.0]]),
    ("lerp", lambda T, x, y, w: T.lerp(x, y, w), [[1.0, 0.0], [3.0, 1.0], [0.5, 1.0]]),
    ("acosh at 1", lambda T, x: T.acosh(x), [[1.0, 2.0]]),
    ("erfinv at 1", lambda T, x: T.erfinv(x), [[1.0, 0.0]]),
    ("sigmoid saturated", lambda T, x: T.sigmoid(x), [[-800.0, 800.0, 0.0]]),
    ("digamma at 0", lambda T, x: T.digamma(x), [[0.0, 1.0]]),
]


@pytest.mark.parametrize("name,fn,args", KINKS, ids=[k[0] for k in KINKS])
def test_gradient_conventions_match_torch(name, fn, args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ge = _grads(ember, fn, args)
    gt = _grads(torch, fn, args)
    for k, (a, b) in enumerate(zip(ge, gt)):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-12, equal_nan=True,
                                   err_msg=f"{name}: d/d arg{k}")


def test_maximum_tie_splits_gradient_evenly():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = ember.tensor([1.0, 1.0], requires_grad=True)
    ember.maximum(x, y).sum().backward()
    assert x.grad.tolist() == [0.5, 1.0] and y.grad.tolist() == [0.5, 0.0]


def test_forward_mode_at_kinks_matches_reverse():
    """jvp and vjp agree at the kink (clamp bound, relu 0, abs 0, max tie)."""
    x = ember.tensor([0.0, 1.0, -1.0, 0.5], dtype=ember.float64)
    for f in (lambda v: ember.clamp(v, 0.0, 1.0), ember.relu, ember.abs,
              lambda v: ember.maximum(v, ember.zeros_like(v))):
        _, tan = ember.func.jvp(f, (x,), (ember.ones_like(x),))
        g = ember.func.vjp(f, x)[1](ember.ones_like(x))[0]
        assert tan.tolist() == g.tolist()


# ---------------------------------------------------------------- higher derivatives

def test_digamma_and_lgamma_are_differentiable_to_any_order():
    for T in (ember, torch):
        x = T.tensor([0.7, 2.5], dtype=T.float64, requires_grad=True)
        g1, = T.autograd.grad(T.lgamma(x).sum(), x, create_graph=True)
        g2, = T.autograd.grad(g1.sum(), x, create_graph=True)
        g3, = T.autograd.grad(g2.sum(), x)
        if T is ember:
            e = (g1, g2, g3)
        else:
            t = (g1, g2, g3)
    for a, b in zip(e, t):
        _same(a, b)
    hess = ember.func.hessian(lambda v: ember.digamma(v).sum())(ember.tensor([1.5, 3.0],
                                                                             dtype=ember.float64))
    _same(hess, torch.diag(torch.polygamma(2, torch.tensor([1.5, 3.0], dtype=torch.float64))))


@pytest.mark.parametrize("fn", [
    lambda T, x: T.sigmoid(x), lambda T, x: T.tan(x), lambda T, x: T.erfinv(x / 3),
    lambda T, x: T.asin(x / 3), lambda T, x: T.atanh(x / 3), lambda T, x: T.logit(x / 4 + 0.5),
    lambda T, x: T.rsqrt(x + 2), lambda T, x: T.exp2(x), lambda T, x: T.expm1(x),
    lambda T, x: T.erfc(x), lambda T, x: x ** 3.5 if T is None else T.abs(x) ** 3.5,
    lambda T, x: T.hypot(x, x * 2 + 1), lambda T, x: T.logaddexp2(x, x * x),
    lambda T, x: T.atan2(x, x * x + 1), lambda T, x: T.xlogy(x, x * x + 1),
])
def test_second_derivative_matches_torch(fn):
    vals = [0.3, -0.8, 1.1]
    res = []
    for T in (ember, torch):
        x = T.tensor(vals, dtype=T.float64, requires_grad=True)
        g, = T.autograd.grad(fn(T, x).sum(), x, create_graph=True)
        h, = T.autograd.grad((g * g).sum(), x)
        res.append(h)
    _same(*res)


# ---------------------------------------------------------------- backward node names

NAMES = [
    lambda T, x, y: x + y, lambda T, x, y: x + 1, lambda T, x, y: T.add(x, y, alpha=2),
    lambda T, x, y: x - y, lambda T, x, y: 1 - x, lambda T, x, y: T.rsub(x, y),
    lambda T, x, y: x * y, lambda T, x, y: x / y, lambda T, x, y: x / 2,
    lambda T, x, y: T.div(x, y, rounding_mode="floor"), lambda T, x, y: x % y,
    lambda T, x, y: x % 0.3, lambda T, x, y: T.fmod(x, y), lambda T, x, y: T.fmod(x, 0.3),
    lambda T, x, y: x ** 2, lambda T, x, y: x ** y, lambda T, x, y: 2 ** x,
    lambda T, x, y: T.square(x), lambda T, x, y: T.float_power(x, 2), lambda T, x, y: -x,
    lambda T, x, y: abs(x), lambda T, x, y: x.sign(), lambda T, x, y: x.sgn(),
    lambda T, x, y: x.sqrt(), lambda T, x, y: x.rsqrt(), lambda T, x, y: x.reciprocal(),
    lambda T, x, y: x.exp(), lambda T, x, y: x.exp2(), lambda T, x, y: x.expm1(),
    lambda T, x, y: x.log(), lambda T, x, y: x.log2(), lambda T, x, y: x.log10(),
    lambda T, x, y: x.log1p(), lambda T, x, y: x.sin(), lambda T, x, y: x.cos(),
    lambda T, x, y: x.tan(), lambda T, x, y: x.asin(), lambda T, x, y: x.acos(),
    lambda T, x, y: x.atan(), lambda T, x, y: T.atan2(x, y), lambda T, x, y: x.sinh(),
    lambda T, x, y: x.cosh(), lambda T, x, y: x.tanh(), lambda T, x, y: x.asinh(),
    lambda T, x, y: (x + 1).acosh(), lambda T, x, y: x.atanh(), lambda T, x, y: x.sigmoid(),
    lambda T, x, y: T.sigmoid(x), lambda T, x, y: x.logit(), lambda T, x, y: x.logit(1e-3),
    lambda T, x, y: x.erf(), lambda T, x, y: x.erfc(), lambda T, x, y: x.erfinv(),
    lambda T, x, y: x.lgamma(), lambda T, x, y: x.digamma(), lambda T, x, y: T.polygamma(2, x),
    lambda T, x, y: x.clamp(0.2, 0.5), lambda T, x, y: x.clamp(max=0.2),
    lambda T, x, y: x.clamp(y, y + 0.3), lambda T, x, y: x.clamp_min(0.2),
    lambda T, x, y: x.clamp_max(0.2), lambda T, x, y: T.clamp_min(x, y),
    lambda T, x, y: T.clip(x, -1, 1), lambda T, x, y: T.maximum(x, y),
    lambda T, x, y: T.minimum(x, y), lambda T, x, y: T.fmax(x, y), lambda T, x, y: T.fmin(x, y),
    lambda T, x, y: T.lerp(x, y, 0.3), lambda T, x, y: T.lerp(x, y, y),
    lambda T, x, y: T.hypot(x, y), lambda T, x, y: T.logaddexp(x, y),
    lambda T, x, y: T.logaddexp2(x, y), lambda T, x, y: T.xlogy(x, y),
    lambda T, x, y: T.xlogy(x, 2.0), lambda T, x, y: T.xlogy(2.0, x),
    lambda T, x, y: x.nan_to_num(), lambda T, x, y: x.floor(), lambda T, x, y: x.ceil(),
    lambda T, x, y: x.round(), lambda T, x, y: x.round(decimals=2), lambda T, x, y: x.trunc(),
    lambda T, x, y: x.fix(), lambda T, x, y: x.frac(), lambda T, x, y: x.relu(),
    lambda T, x, y: T.relu(x), lambda T, x, y: T.where(x > 0.5, x, y),
    lambda T, x, y: T.true_divide(x, y), lambda T, x, y: T.deg2rad(x),
    lambda T, x, y: x.rad2deg(), lambda T, x, y: x // y,
]


@pytest.mark.parametrize("k", range(len(NAMES)))
def test_backward_node_names(k):
    names = []
    for T in (ember, torch):
        x = T.tensor([0.3, 0.6, 0.9], dtype=T.float64, requires_grad=True) * 1
        y = T.tensor([0.4, 0.5, 0.7], dtype=T.float64, requires_grad=True) * 1
        names.append(NAMES[k](T, x, y).grad_fn.name())
    assert names[0] == names[1]


def test_floor_divide_has_no_derivative():
    x = ember.tensor([1.5, 2.5], requires_grad=True)
    y = x // 2
    assert y.requires_grad
    with pytest.raises(RuntimeError, match="derivative for aten::floor_divide is not implemented"):
        y.sum().backward()


# ---------------------------------------------------------------- in-place forms

INPLACE = [
    ("add_", (0.5,), {"alpha": 2}), ("sub_", (0.25,), {}), ("mul_", (3.0,), {}),
    ("div_", (2.0,), {}), ("div_", (0.7,), {"rounding_mode": "floor"}), ("pow_", (2,), {}),
    ("remainder_", (0.3,), {}), ("fmod_", (0.3,), {}), ("floor_divide_", (0.3,), {}),
    ("abs_", (), {}), ("neg_", (), {}), ("sign_", (), {}), ("sqrt_", (), {}),
    ("rsqrt_", (), {}), ("square_", (), {}), ("reciprocal_", (), {}), ("exp_", (), {}),
    ("log_", (), {}), ("sin_", (), {}), ("cos_", (), {}), ("tanh_", (), {}),
    ("exp2_", (), {}), ("expm1_", (), {}), ("log1p_", (), {}), ("log2_", (), {}),
    ("tan_", (), {}), ("asin_", (), {}), ("atan_", (), {}), ("sinh_", (), {}),
    ("sigmoid_", (), {}), ("logit_", (0.1,), {}), ("erf_", (), {}), ("erfinv_", (), {}),
    ("lgamma_", (), {}), ("digamma_", (), {}), ("polygamma_", (1,), {}), ("clamp_", (0.2, 0.6), {}),
    ("clip_", (None, 0.5), {}), ("clamp_min_", (0.5,), {}), ("clamp_max_", (0.5,), {}),
    ("relu_", (), {}), ("floor_", (), {}), ("ceil_", (), {}), ("round_", (), {"decimals": 1}),
    ("trunc_", (), {}), ("frac_", (), {}), ("nan_to_num_", (), {}), ("lerp_", (0.5, 0.25), {}),
    ("atan2_", (0.5,), {}), ("hypot_", (0.5,), {}), ("xlogy_", (2.0,), {}), ("deg2rad_", (), {}),
    ("eq_", (0.5,), {}), ("lt_", (0.5,), {}), ("logical_not_", (), {}), ("float_power_", (2,), {}),
    ("addcmul_", (0.5, 2.0), {"value": 3}),
]


@pytest.mark.parametrize("name,args,kwargs", INPLACE, ids=[c[0] + str(c[1]) for c in INPLACE])
def test_inplace_methods_match_torch(name, args, kwargs):
    v = [0.15, 0.4, 0.55, 0.85]
    dtype = "float64" if name == "float_power_" else "float32"
    e, t = _both(v, dtype)
    eargs = [ember.tensor(np.full(4, a, dtype=dtype)) if name in ("lerp_", "atan2_", "hypot_",
                                                                     "addcmul_") else a
             for a in args]
    targs = [torch.tensor(np.full(4, a, dtype=dtype)) if isinstance(a, float) and
             name in ("lerp_", "atan2_", "hypot_", "addcmul_") else a for a in args]
    ver = e._version
    re = getattr(e, name)(*eargs, **kwargs)
    getattr(t, name)(*targs, **kwargs)
    assert re is e and e._version == ver + 1
    assert e.dtype.name == str(t.dtype).split(".")[1]
    _same(e, t, name)


def test_inplace_operators_rebind_to_same_tensor():
    for op in ("__iadd__", "__isub__", "__imul__", "__itruediv__", "__ipow__", "__ifloordiv__",
               "__imod__"):
        e, t = _both([1.5, 2.5, 3.5])
        r = getattr(e, op)(2)
        getattr(t, op)(2)
        assert r is e
        _same(e, t, op)
    e, t = _both([3, 6, 12], "int64")
    for op, v in (("__iand__", 5), ("__ior__", 8), ("__ixor__", 3), ("__ilshift__", 1),
                  ("__irshift__", 2)):
        getattr(e, op)(v)
        getattr(t, op)(v)
        _same(e, t, op)


def test_inplace_on_int_tensor_keeps_integer_semantics():
    for T in (ember, torch):
        x = T.tensor([7, -7])
        x //= 2
        x %= 3
        x.abs_().neg_()
        x.clamp_(-1, 0)
        x.div_(2, rounding_mode="trunc")
        if T is ember:
            e = x
    _same(e, x)
    assert e.dtype == ember.int64


def test_gradient_through_inplace_chain_matches_torch():
    res = []
    for T in (ember, torch):
        a = T.tensor([0.3, -0.7, 1.2], dtype=T.float64, requires_grad=True)
        b = T.tensor([0.5, 0.5, 2.0], dtype=T.float64, requires_grad=True)
        x = a * 1
        x.mul_(b).add_(b, alpha=-2).clamp_(-0.5, 0.5)
        x.sigmoid_()
        x = x.pow(2)
        x.sub_(b).relu_()
        x.sum().backward()
        res.append((x, a.grad, b.grad))
        assert x.grad_fn.name() == ("ReluBackward0")
    for p, q in zip(*res):
        _same(p, q)


def test_inplace_on_saved_tensor_is_detected():
    x = ember.tensor([0.3, 0.5], requires_grad=True)
    y = x * 1
    z = y.sigmoid()
    z.add_(1)        # sigmoid saved its output
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


# ---------------------------------------------------------------- out=

def test_out_argument():
    o = ember.empty(3)
    r = ember.add(ember.tensor([1.0, 2.0, 3.0]), 1, out=o)
    assert r is o and o.tolist() == [2.0, 3.0, 4.0]
    ember.sin(ember.tensor([0.0, 0.0, 0.0]), out=o)
    assert o.tolist() == [0.0, 0.0, 0.0]
    oi = ember.empty(3, dtype=ember.int64)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        ember.mul(ember.tensor([1.0, 2.0, 3.0]), 2, out=oi)
    ember.clamp(ember.tensor([-3, 5, 1]), 0, 2, out=oi)
    assert oi.tolist() == [0, 2, 1]
    ob = ember.empty(2, dtype=ember.bool)
    ember.lt(ember.tensor([1, 3]), 2, out=ob)
    assert ob.tolist() == [True, False]
    small = ember.empty(2)
    with pytest.warns(UserWarning, match="resized"):
        ember.exp(ember.zeros(3), out=small)
    assert small.shape == (3,) and small.tolist() == [1.0, 1.0, 1.0]
    x = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"add\(\): functions with out=\.\.\. arguments don't "
                                           "support automatic differentiation"):
        ember.add(x, x, out=ember.empty(1))
    o1 = ember.empty(1)
    with ember.no_grad():
        ember.add(x, x, out=o1)
    assert o1.tolist() == [2.0]


# ---------------------------------------------------------------- complex forward

@pytest.mark.parametrize("fn", [
    lambda T, z: z + z, lambda T, z: z * 2, lambda T, z: z / (z + 1), lambda T, z: z - 1j,
    lambda T, z: T.exp(z), lambda T, z: T.log(z), lambda T, z: T.abs(z), lambda T, z: T.sqrt(z),
    lambda T, z: z ** 2, lambda T, z: T.sin(z), lambda T, z: T.tanh(z), lambda T, z: T.sgn(z),
    lambda T, z: T.sigmoid(z), lambda T, z: T.reciprocal(z), lambda T, z: -z, lambda T, z: z == z,
    lambda T, z: T.isfinite(z), lambda T, z: z * T.tensor([1.0, 2.0]),
    lambda T, z: T.tensor([1.0, 2.0]) + 1j, lambda T, z: T.where(T.abs(z) > 1, z, 0),
])
@pytest.mark.parametrize("dt", ["complex64", "complex128"])
def test_complex_forward_matches_torch(fn, dt):
    v = np.array([1 + 2j, -0.5 + 0.25j], dtype=dt)
    re, rt = fn(ember, ember.tensor(v)), fn(torch, torch.tensor(v))
    assert str(re.dtype) == str(rt.dtype)
    np.testing.assert_allclose(_np(re), rt.numpy(), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- operators and logic

def test_python_operators_match_torch():
    a, b = [5.5, -3.0, 2.0], [2.0, 2.0, -0.75]
    ops = [lambda x, y: x + y, lambda x, y: 2 + x, lambda x, y: x - y, lambda x, y: 2 - x,
           lambda x, y: x * y, lambda x, y: 2 * x, lambda x, y: x / y, lambda x, y: 2 / x,
           lambda x, y: x // y, lambda x, y: 7 // x, lambda x, y: x % y, lambda x, y: 7 % x,
           lambda x, y: x ** 2, lambda x, y: 2 ** y, lambda x, y: abs(x) ** y, lambda x, y: -x,
           lambda x, y: +x, lambda x, y: abs(x), lambda x, y: x == y, lambda x, y: x != 2.0,
           lambda x, y: x < y, lambda x, y: 2 <= x, lambda x, y: x > 1, lambda x, y: x >= y]
    for k, op in enumerate(ops):
        _same(op(*_both(a)[:1], *_both(b)[:1]), op(_both(a)[1], _both(b)[1]), f"op {k}")
    i, j = [12, -7, 5], [3, 2, 1]
    for op in (lambda x, y: x & y, lambda x, y: x | 4, lambda x, y: 6 ^ x, lambda x, y: ~x,
               lambda x, y: x << y, lambda x, y: x >> 1, lambda x, y: 1 << y):
        _same(op(ember.tensor(i), ember.tensor(j)), op(torch.tensor(i), torch.tensor(j)))
    m, n = [True, False, True], [True, True, False]
    for op in (lambda x, y: x & y, lambda x, y: x | y, lambda x, y: x ^ y, lambda x, y: ~x,
               lambda x, y: x & True):
        r = op(ember.tensor(m), ember.tensor(n))
        assert r.dtype == ember.bool
        _same(r, op(torch.tensor(m), torch.tensor(n)))


def test_comparison_with_none_and_unhashable_results():
    x = ember.tensor([1.0])
    assert (x == None) is False and (x != None) is True    # noqa: E711
    assert hash(x) == hash(x)


def test_closeness_returns_python_bools():
    a = ember.tensor([1.0, 2.0, NAN])
    b = ember.tensor([1.0 + 1e-7, 2.0, NAN])
    assert ember.allclose(a, b, equal_nan=True) is True
    assert ember.allclose(a, b) is False
    assert ember.equal(a[:2], a[:2]) is True and ember.equal(a, b) is False
    assert ember.equal(ember.tensor([1.0, 2.0]), ember.tensor([1, 2])) is True
    assert ember.equal(ember.tensor([1.0, 2.0]), ember.tensor([[1.0, 2.0]])) is False
    assert a.isclose(b, equal_nan=True).tolist() == [True, True, True]
    assert ember.allclose(ember.tensor([1, 2]), ember.tensor([1, 2])) is True


def test_where_forms():
    c = ember.tensor([True, False, True])
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = ember.where(c, x, 0)
    assert y.grad_fn.name() == "WhereBackward0" and y.tolist() == [1.0, 0.0, 3.0]
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]
    assert [t.tolist() for t in ember.where(c)] == [[0, 2]]
    with pytest.warns(UserWarning, match="uint8 condition"):
        r = ember.where(ember.tensor([1, 0], dtype=ember.uint8), 1.0, 0.0)
    assert r.tolist() == [1.0, 0.0] and r.dtype == ember.float32
    bx = ember.func.vmap(lambda v: ember.where(v > 1.5, v, -1.0))(ember.tensor([[1.0, 2.0]] * 2))
    assert bx.tolist() == [[-1.0, 2.0]] * 2


def test_relu_is_the_relu_primitive_under_transforms():
    x = ember.tensor([-1.0, 0.0, 2.0])
    g = ember.func.grad(lambda v: ember.relu(v).sum())(x)
    assert g.tolist() == [0.0, 0.0, 1.0]
    y = ember.tensor([-1.0, 2.0])
    assert ember.relu_(y) is y and y.tolist() == [0.0, 2.0]
    per = ember.func.vmap(ember.func.grad(lambda v: (ember.relu(v) ** 2).sum()))(
        ember.tensor([[1.0, -2.0], [3.0, 0.5]]))
    assert per.tolist() == [[2.0, 0.0], [6.0, 1.0]]


def test_perturbation_safe_nested_grad_through_pow_and_clamp():
    c = ember.tensor(1.5, dtype=ember.float64)
    # d/dx [ d/dy (x*y)^2 at y=c ] = d/dx 2 x^2 c = 4 x c
    inner = ember.func.grad(lambda y: (ember.clamp(c * y, -10, 10) ** 2))
    g = ember.func.grad(lambda x: ember.func.grad(lambda y: ember.clamp(x * y, -10, 10) ** 2)(c))(c)
    assert abs(float(g) - 4 * 1.5 * 1.5) < 1e-12
    assert abs(float(inner(c)) - 2 * 1.5 * 1.5 * 1.5) < 1e-12


def test_scalar_and_tensor_weights_of_lerp():
    x, y = ember.tensor([0.0, 1.0]), ember.tensor([2.0, 3.0])
    assert ember.lerp(x, y, 0.5).tolist() == [1.0, 2.0]
    assert ember.lerp(x, y, ember.tensor([0.0, 1.0])).tolist() == [0.0, 3.0]
    assert ember.lerp(x, y, ember.tensor(0.25)).grad_fn is None


def test_fast_paths_keep_weak_scalars():
    """A Python scalar never widens a float16/float32 tensor (PyTorch's weak scalars)."""
    for dt in (ember.float16, ember.float32):
        x = ember.ones(2, dtype=dt)
        for r in (x + 1.5, 2.5 * x, x - 1, x / 3, x ** 2.0, ember.add(x, 2.0, alpha=0.5),
                  ember.clamp(x, 0.5, 2.5), ember.where(x > 0, x, 0.25), ember.xlogy(x, 2.0),
                  ember.remainder(x, 0.3), ember.lerp(x, x, 0.25)):
            assert r.dtype is dt, r.dtype
    assert math.isclose(float(ember.tensor(2.0) * 3), 6.0)


# ---------------------------------------------------------------- special values

_SPECIAL = [NAN, INF, -INF, 0.0, -0.0, 1.0, -2.0]
_AT_SPECIAL = {
    "abs": lambda T, x: T.abs(x), "relu": lambda T, x: T.relu(x),
    "clamp": lambda T, x: T.clamp(x, -1, 1),
    "hardtanh": lambda T, x: T.nn.functional.hardtanh(x),
    "relu6": lambda T, x: T.nn.functional.relu6(x),
    "leaky_relu": lambda T, x: T.nn.functional.leaky_relu(x, 0.1),
    "elu": lambda T, x: T.nn.functional.elu(x), "selu": lambda T, x: T.nn.functional.selu(x),
    "celu": lambda T, x: T.nn.functional.celu(x), "sigmoid": lambda T, x: T.sigmoid(x),
    "tanh": lambda T, x: T.tanh(x), "sqrt": lambda T, x: T.sqrt(x), "exp": lambda T, x: T.exp(x),
    "log": lambda T, x: T.log(x), "sign": lambda T, x: T.sign(x),
    "maximum": lambda T, x: T.maximum(x, T.zeros_like(x)),
    "minimum": lambda T, x: T.minimum(x, T.zeros_like(x)),
    "max": lambda T, x: x.max(), "amax": lambda T, x: x.amax(),
    "softplus": lambda T, x: T.nn.functional.softplus(x),
    "silu": lambda T, x: T.nn.functional.silu(x), "gelu": lambda T, x: T.nn.functional.gelu(x),
    "mish": lambda T, x: T.nn.functional.mish(x),
    "hardswish": lambda T, x: T.nn.functional.hardswish(x),
    "hardsigmoid": lambda T, x: T.nn.functional.hardsigmoid(x),
    "softsign": lambda T, x: T.nn.functional.softsign(x),
    "logsigmoid": lambda T, x: T.nn.functional.logsigmoid(x),
    "pow2": lambda T, x: x ** 2, "pow_half": lambda T, x: x ** 0.5,
    "pow_minus_half": lambda T, x: x ** -0.5, "atan": lambda T, x: T.atan(x),
    "erf": lambda T, x: T.erf(x), "vector_norm": lambda T, x: T.linalg.vector_norm(x),
    "logsumexp": lambda T, x: T.logsumexp(x, 0), "softmax": lambda T, x: T.softmax(x, 0)[0],
    "cumsum": lambda T, x: T.cumsum(x, 0),
}


@pytest.mark.parametrize("name", sorted(_AT_SPECIAL))
def test_values_and_gradients_at_nan_inf_and_signed_zeros_match_torch(name):
    """PyTorch's selects decide where NaN, inf and -0.0 go (e.g. hardtanh and elu pass a NaN
    input's gradient through): forward values and gradients agree element by element."""
    f = _AT_SPECIAL[name]
    res = []
    for T in (ember, torch):
        x = T.tensor(_SPECIAL, dtype=T.float64, requires_grad=True)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            y = f(T, x)
            (y.sum() if y.ndim else y).backward()
        res.append((_np(y), _np(x.grad)))
    for k in (0, 1):
        np.testing.assert_allclose(res[0][k], res[1][k], rtol=1e-6, atol=1e-9, equal_nan=True,
                                   err_msg=("forward", "gradient")[k])


_PAIRS = [(a, b) for a in _SPECIAL for b in _SPECIAL]
_BINARY_AT_SPECIAL = {
    "add": lambda T, x, y: x + y, "sub": lambda T, x, y: x - y, "mul": lambda T, x, y: x * y,
    "div": lambda T, x, y: x / y, "maximum": lambda T, x, y: T.maximum(x, y),
    "minimum": lambda T, x, y: T.minimum(x, y), "fmax": lambda T, x, y: T.fmax(x, y),
    "fmin": lambda T, x, y: T.fmin(x, y), "atan2": lambda T, x, y: T.atan2(x, y),
    "hypot": lambda T, x, y: T.hypot(x, y), "pow": lambda T, x, y: T.pow(x, y),
    "remainder": lambda T, x, y: T.remainder(x, y), "fmod": lambda T, x, y: T.fmod(x, y),
    "copysign": lambda T, x, y: T.copysign(x, y), "xlogy": lambda T, x, y: T.xlogy(x, y),
    "logaddexp": lambda T, x, y: T.logaddexp(x, y), "lerp": lambda T, x, y: T.lerp(x, y, 0.3),
    "clamp_min_tensor": lambda T, x, y: T.clamp(x, min=y),
    "where": lambda T, x, y: T.where(x > y, x, y),
    "div_floor": lambda T, x, y: T.div(x, y, rounding_mode="floor"),
}


@pytest.mark.parametrize("name", sorted(_BINARY_AT_SPECIAL))
def test_binary_values_and_gradients_at_special_values_match_torch(name):
    f = _BINARY_AT_SPECIAL[name]
    res = []
    for T in (ember, torch):
        x = T.tensor([a for a, _ in _PAIRS], dtype=T.float64, requires_grad=True)
        y = T.tensor([b for _, b in _PAIRS], dtype=T.float64, requires_grad=True)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = f(T, x, y)
            out.sum().backward()
        res.append([_np(out)] + [None if g is None else _np(g) for g in (x.grad, y.grad)])
    for k, what in enumerate(("forward", "gradient in x", "gradient in y")):
        a, b = res[0][k], res[1][k]
        assert (a is None) == (b is None), what
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True, err_msg=what)
