"""Transcendental and special functions, rounding, clamping, min/max and friends.

Each op is an elementwise primitive with PyTorch's conventions where the derivative is not
defined: clamp passes the gradient at its (inclusive) bounds, ``maximum``/``minimum`` split a
tie evenly, ``relu`` has slope 0 at 0, ``atan2(0, 0)`` has gradient 0 and ``xlogy`` has slope 0
in ``x`` where ``x == 0`` and ``y <= 0``.  Special functions come from ``scipy.special`` (float32 stays
float32); ``digamma``'s derivative is ``polygamma(1, x)``, itself differentiable.
"""
import math as _m

import numpy as np
from scipy import special as _sp

from .. import _dtype as D
from .._tensor import Tensor
from ._primitive import Primitive
from ._util import batch_elementwise, batch_unary, npdtype, result_npdtype
from ._elementwise_base import (unary, variant, zero_rule, zero_tangent, unbroadcast, write_out,
                                tensor_arg, unsupported, broadcast_error, to_dtype, promote_pair,
                                unary_function, to_default_float, caller_int,
                                output_gradient_primitive)
from .elementwise import add, sub, rsub, mul, div, neg, exp, rsqrt, reciprocal
from .comparison import _INT_OF
from .comparison import (where, eq, lt, le, gt, ge, logical_and, logical_or, isnan,
                         isfinite)

__all__ = ["exp2", "expm1", "log2", "log10", "log1p", "tan", "asin", "acos", "atan", "atan2",
           "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "asinh", "acosh", "atanh",
           "arcsinh", "arccosh", "arctanh", "sigmoid", "logit", "erf", "erfc", "erfinv",
           "lgamma", "digamma", "polygamma", "deg2rad", "rad2deg", "clamp", "clip", "clamp_min",
           "clamp_max", "maximum", "minimum", "fmax", "fmin", "lerp", "hypot", "logaddexp",
           "logaddexp2", "xlogy", "nan_to_num", "floor", "ceil", "round", "trunc", "fix", "frac",
           "relu", "relu_", "addcmul", "addcdiv"]

_LN2 = _m.log(2.0)
_LN10 = _m.log(10.0)
_2_SQRTPI = 2.0 / _m.sqrt(_m.pi)
_SQRTPI_2 = _m.sqrt(_m.pi) / 2.0
_BOOL = np.dtype(np.bool_)


def _floated(x):
    return x if x.dtype.kind in "fc" else x.astype(D.get_default_dtype().np)


def _keep(fn):
    """A scipy.special ufunc that returns the input's dtype (it has no float16 loops)."""
    def impl(x):
        r = fn(x)
        return r if r.dtype is x.dtype else r.astype(x.dtype)
    return impl


def _sigmoid_impl(x):
    # expit is stable for large |x|; it has no complex loop
    if x.dtype.kind != "f":
        return np.reciprocal(1 + np.exp(-x))
    r = _sp.expit(x)
    return r if r.dtype is x.dtype else r.astype(x.dtype)


# ------------------------------------------------------------------ unary transcendental

_exp2 = unary("exp2", np.exp2, lambda v, x, out: mul(v, mul(out, _LN2)), uses_input=False,
              uses_output=True)
_expm1 = unary("expm1", np.expm1, lambda v, x, out: mul(v, add(out, 1)), uses_input=False,
               uses_output=True)
_log2 = unary("log2", np.log2, lambda v, x, out: div(v, mul(x, _LN2)))
_log10 = unary("log10", np.log10, lambda v, x, out: div(v, mul(x, _LN10)))
_log1p = unary("log1p", np.log1p, lambda v, x, out: div(v, add(x, 1)),
               node_name="Log1PBackward0")
_tan = unary("tan", np.tan, lambda v, x, out: mul(v, add(mul(out, out), 1)), uses_input=False,
             uses_output=True)
_asin = unary("asin", np.arcsin, lambda v, x, out: mul(v, rsqrt(rsub(mul(x, x), 1))))
_acos = unary("acos", np.arccos, lambda v, x, out: mul(v, neg(rsqrt(rsub(mul(x, x), 1)))))
_atan = unary("atan", np.arctan, lambda v, x, out: div(v, add(mul(x, x), 1)))
_sinh = unary("sinh", np.sinh, lambda v, x, out: mul(v, cosh(x)))
_cosh = unary("cosh", np.cosh, lambda v, x, out: mul(v, sinh(x)))
_asinh = unary("asinh", np.arcsinh, lambda v, x, out: mul(v, rsqrt(add(mul(x, x), 1))))
_acosh = unary("acosh", np.arccosh, lambda v, x, out: mul(v, rsqrt(sub(mul(x, x), 1))))
_atanh = unary("atanh", np.arctanh, lambda v, x, out: div(v, rsub(mul(x, x), 1)))
def _sigmoid_backward_impl(g, out):
    r = np.subtract(1, out)
    if r.__class__ is not np.ndarray:        # 0-d operands give NumPy scalars
        return g * r * out
    r *= out
    return np.multiply(g, r, out=r if r.shape == g.shape and r.dtype == g.dtype else None)


# d/d out of g out (1 - out) is g (1 - 2 out)
_sigmoid_backward = output_gradient_primitive(
    "sigmoid_backward", "SigmoidBackwardBackward0", _sigmoid_backward_impl,
    lambda G, g, out: mul(mul(G, g), rsub(mul(out, 2.0), 1)))
_sigmoid = unary("sigmoid", _sigmoid_impl, lambda v, x, out: _sigmoid_backward(v, out),
                 uses_input=False, uses_output=True)
_erf = unary("erf", _keep(_sp.erf), lambda v, x, out: mul(v, mul(exp(neg(mul(x, x))), _2_SQRTPI)))
_erfc = unary("erfc", _keep(_sp.erfc),
               lambda v, x, out: mul(v, mul(exp(neg(mul(x, x))), -_2_SQRTPI)))
_erfinv = unary("erfinv", _keep(_sp.erfinv),
                lambda v, x, out: mul(v, mul(exp(mul(out, out)), _SQRTPI_2)),
                uses_input=False, uses_output=True)
_lgamma = unary("lgamma", _keep(_sp.gammaln), lambda v, x, out: mul(v, digamma(x)))
_digamma = unary("digamma", _keep(_sp.psi), lambda v, x, out: mul(v, polygamma(1, x)))
_deg2rad = unary("deg2rad", lambda x: np.multiply(x, _m.pi / 180),
                 lambda v, x, out: mul(v, _m.pi / 180), uses_input=False,
                 node_name="Deg2RadBackward0")
_rad2deg = unary("rad2deg", lambda x: np.multiply(x, 180 / _m.pi),
                 lambda v, x, out: mul(v, 180 / _m.pi), uses_input=False,
                 node_name="Rad2DegBackward0")

exp2 = unary_function(_exp2, "exp2", "``2 ** x``.")
expm1 = unary_function(_expm1, "expm1", "``exp(x) - 1``, accurate for small ``x``.")
log2 = unary_function(_log2, "log2")
log10 = unary_function(_log10, "log10")
log1p = unary_function(_log1p, "log1p", "``log(1 + x)``, accurate for small ``x``.")
tan = unary_function(_tan, "tan")
asin = arcsin = unary_function(_asin, "asin")
acos = arccos = unary_function(_acos, "acos")
atan = arctan = unary_function(_atan, "atan")
sinh = unary_function(_sinh, "sinh")
cosh = unary_function(_cosh, "cosh")
asinh = arcsinh = unary_function(_asinh, "asinh")
acosh = arccosh = unary_function(_acosh, "acosh")
atanh = arctanh = unary_function(_atanh, "atanh")
sigmoid = unary_function(_sigmoid, "sigmoid", "``1 / (1 + exp(-x))``, stable for large ``|x|``.")
erf = unary_function(_erf, "erf")
erfc = unary_function(_erfc, "erfc", "``1 - erf(x)``, accurate in the tails.")
erfinv = unary_function(_erfinv, "erfinv")
lgamma = unary_function(_lgamma, "lgamma", "``log |Gamma(x)|``.")
digamma = unary_function(_digamma, "digamma", "``d/dx lgamma(x)``.")
deg2rad = unary_function(_deg2rad, "deg2rad")
rad2deg = unary_function(_rad2deg, "rad2deg")


def _polygamma_impl(x, n):
    x = _floated(x)
    if n == 0:
        r = _sp.psi(x)
    else:   # psi^(n)(x) = (-1)^(n+1) n! zeta(n+1, x)
        r = _sp.zeta(n + 1, x) * float((-1) ** (n + 1) * _m.factorial(n))
    return r if r.dtype is x.dtype else r.astype(x.dtype)


_polygamma = Primitive("polygamma", _polygamma_impl,
                       vjp=lambda g, out, x, n: mul(g, polygamma(n + 1, x)),
                       jvp=lambda t, out, x, n: mul(t, polygamma(n + 1, x)), batch=batch_unary)


def polygamma(n, input, *, out=None):
    """The ``n``-th derivative of digamma; differentiable to any order."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    r = _polygamma(input, n=int(n))
    return r if out is None else write_out(r, out, "polygamma")


def _logit_impl(x, eps):
    x = _floated(x)
    if eps is not None:
        x = np.minimum(np.maximum(x, eps), 1 - eps)
    r = _sp.logit(x)
    return r if r.dtype is x.dtype else r.astype(x.dtype)


def _logit_lin(v, x, out, eps):
    """``v / (x (1 - x))``; outside [eps, 1-eps] it is 0 (nan outside [0, 1] without eps)."""
    d = div(v, mul(x, rsub(x, 1)))
    if eps is None:
        return where(logical_or(lt(x, 0), gt(x, 1)), _m.nan, d)
    return where(logical_or(lt(x, eps), gt(x, 1 - eps)), 0.0, d)


_logit = Primitive("logit", _logit_impl, vjp=lambda g, out, x, eps: _logit_lin(g, x, out, eps),
                   jvp=lambda t, out, x, eps: _logit_lin(t, x, out, eps), batch=batch_unary)


def logit(input, eps=None, *, out=None):
    """``log(x / (1 - x))``, with ``x`` clamped to [eps, 1 - eps] when ``eps`` is given."""
    r = _logit(input, eps=None if eps is None else float(eps))
    return r if out is None else write_out(r, out, "logit")


# ------------------------------------------------------------------ rounding

def _rounding(fn, name):
    def impl(x):
        k = x.dtype.kind
        if k in "fc":
            return fn(x)
        if k == "b":
            unsupported(f"{name}_vml_cpu", x.dtype)
        return x.copy()     # integers are already whole
    return impl


def _round_prim(name, fn):
    return Primitive(name, _rounding(fn, name), vjp=zero_rule(0), jvp=zero_tangent,
                     batch=batch_unary, saves=())


_floor = _round_prim("floor", np.floor)
_ceil = _round_prim("ceil", np.ceil)
_trunc = _round_prim("trunc", np.trunc)
_round = _round_prim("round", np.rint)          # half to even, like PyTorch
_round_dec = Primitive("round_decimals", lambda x, decimals: np.round(x, decimals),
                       vjp=zero_rule(0), jvp=zero_tangent, batch=batch_unary, saves=(),
                       node_name="RoundBackward1")


def _frac_impl(x):
    if x.dtype.kind != "f":
        unsupported("frac_cpu", x.dtype)
    return x - np.trunc(x)


_frac = Primitive("frac", _frac_impl, vjp=lambda g, out, x: g, jvp=lambda t, out, x: t,
                  batch=batch_unary, saves=())

floor = unary_function(_floor, "floor")
ceil = unary_function(_ceil, "ceil")
trunc = fix = unary_function(_trunc, "trunc", "Round toward zero; the gradient is zero.")
frac = unary_function(_frac, "frac", "``x - trunc(x)``; the gradient passes through.")


def round(input, *, decimals=0, out=None):
    """Round half to even, optionally to ``decimals`` decimal places."""
    if decimals == 0:
        r = _round(input)
    else:
        if npdtype(input).kind not in "fc":
            unsupported("round_cpu", npdtype(input))
        r = _round_dec(input, decimals=int(decimals))
    return r if out is None else write_out(r, out, "round")


def _nan_to_num_impl(x, nan, posinf, neginf):
    if x.dtype.kind not in "fc":
        return x.copy()
    return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def _finite_only(v, x):
    return where(isfinite(x), v, 0.0)


_nan_to_num = Primitive("nan_to_num", _nan_to_num_impl,
                        vjp=lambda g, out, x, **p: _finite_only(g, x),
                        jvp=lambda t, out, x, **p: _finite_only(t, x), batch=batch_unary)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace nan/+inf/-inf (defaults: 0 and the dtype's largest/smallest finite value)."""
    r = _nan_to_num(input, nan=nan, posinf=posinf, neginf=neginf)
    return r if out is None else write_out(r, out, "nan_to_num")


# ------------------------------------------------------------------ clamp and relu

def _clamp_impl(x, lo=None, hi=None):
    if lo is not None:
        x = np.maximum(x, lo)
    if hi is not None:
        x = np.minimum(x, hi)
    return x


def _x_mask(x, lo, hi):
    """Where the gradient reaches ``x``: lo <= x <= hi (inclusive, as in PyTorch)."""
    if lo is None:
        return le(x, hi)
    if hi is None:
        return ge(x, lo)
    return logical_and(ge(x, lo), le(x, hi))


def _lo_mask(x, lo, hi):
    m = lt(x, lo)
    return m if hi is None else logical_and(m, le(lo, hi))


def _hi_mask(x, lo, hi):
    # clamp is min(max(x, lo), hi): with lo > hi the result (and gradient) is all hi's
    return gt(x if lo is None else clamp(x, min=lo), hi)


def _sel(mask, v, like):
    return unbroadcast(where(mask, v, 0.0), like)


_clamp = Primitive("clamp", lambda x, lo, hi: _clamp_impl(x, lo, hi),
                   vjp=lambda g, out, x, lo, hi: where(_x_mask(x, lo, hi), g, 0.0),
                   jvp=lambda t, out, x, lo, hi: where(_x_mask(x, lo, hi), t, 0.0),
                   batch=batch_unary, node_name="ClampBackward1")
_clamp_t = Primitive(
    "clamp_tensor", _clamp_impl,
    vjp=(lambda g, out, x, lo, hi: _sel(_x_mask(x, lo, hi), g, x),
         lambda g, out, x, lo, hi: _sel(_lo_mask(x, lo, hi), g, lo),
         lambda g, out, x, lo, hi: _sel(_hi_mask(x, lo, hi), g, hi)),
    jvp=(lambda t, out, x, lo, hi: where(_x_mask(x, lo, hi), t, 0.0),
         lambda t, out, x, lo, hi: where(_lo_mask(x, lo, hi), t, 0.0),
         lambda t, out, x, lo, hi: where(_hi_mask(x, lo, hi), t, 0.0)),
    batch=batch_elementwise, node_name="ClampBackward0")
_CLAMP = {("min", False): variant(_clamp, "clamp_min", "ClampMinBackward0"),
          ("max", False): variant(_clamp, "clamp_max", "ClampMaxBackward0"),
          ("min", True): variant(_clamp_t, "clamp_min_tensor", "ClampMinBackward1"),
          ("max", True): variant(_clamp_t, "clamp_max_tensor", "ClampMaxBackward1")}


_PY = (float, int, type(None))


def _clamp_call(input, lo, hi, op, out, kind=None):
    if lo is None and hi is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    dt = npdtype(input)
    tens = False
    if not (dt.kind == "f" and lo.__class__ in _PY and hi.__class__ in _PY):
        if dt.kind == "c":
            raise NotImplementedError("clamp is not supported for complex types")
        lo, hi = (v.item() if isinstance(v, np.generic) else v for v in (lo, hi))
        tens = isinstance(lo, Tensor) or isinstance(hi, Tensor)
        rd = result_npdtype(input, lo, hi)
        input, lo, hi = (to_dtype(v, rd) if isinstance(v, Tensor) else v for v in (input, lo, hi))
    if tens:
        prim = _CLAMP[(kind, True)] if kind else _clamp_t
        try:
            r = prim(input, lo, hi)
        except ValueError as e:
            broadcast_error(e, op, input, lo, hi)
    else:
        prim = _CLAMP[(kind, False)] if kind else _clamp
        r = prim(input, lo=lo, hi=hi)
    return r if out is None else write_out(r, out, op)


def clamp(input, min=None, max=None, *, out=None):
    """Limit to [min, max] (Python numbers or broadcastable tensors); the gradient reaches
    ``input`` where ``min <= input <= max``, and a bound where it is the result."""
    return _clamp_call(input, min, max, "clamp", out)


def clamp_min(input, min, *, out=None):
    return _clamp_call(input, min, None, "clamp_min", out, "min")


def clamp_max(input, max, *, out=None):
    return _clamp_call(input, None, max, "clamp_max", out, "max")


clip = clamp


def _relu_impl(x):
    if x.dtype is _BOOL:
        raise RuntimeError("Boolean inputs not supported for relu")
    return np.maximum(x, 0)


def _threshold_backward_impl(g, out):
    """``0 if out <= 0 else g`` (so a NaN output passes its gradient, as in PyTorch)."""
    if g.__class__ is np.ndarray and g.dtype.kind == "f" and g.shape == out.shape:
        it = _INT_OF[g.itemsize]           # branch-free select: g's bits & (-1 or 0)
        bits = np.less_equal(out, 0).astype(it)
        bits -= 1
        bits &= g.view(it)
        return bits.view(g.dtype)
    return np.where(out <= 0, 0, g).astype(g.dtype, copy=False)


# relu's gradient, g where out > 0, as one primitive: linear in g (so its rule in g is itself)
# and piecewise constant in out (no gradient there), as PyTorch's threshold_backward
_threshold_backward = Primitive(
    "threshold_backward", _threshold_backward_impl,
    vjp=(lambda G, r, g, out: _threshold_backward(G, out), None),
    jvp=(lambda t, r, g, out: _threshold_backward(t, out), None),
    batch=batch_elementwise, saves=(1,), node_name="ThresholdBackwardBackward0")

_relu = Primitive("relu", _relu_impl, vjp=lambda g, out, x: _threshold_backward(g, out),
                  jvp=lambda t, out, x: _threshold_backward(t, out), batch=batch_unary,
                  uses_output=True, saves=())


def relu(input):
    """``max(x, 0)`` with slope 0 at 0 (ReluBackward0; ``ember.nn`` uses this primitive)."""
    return _relu(input)


def relu_(input):
    return input.relu_()


# ------------------------------------------------------------------ binary

def _binary_tensors(input, other, op, floats=False):
    """Both arguments must be tensors (PyTorch's TypeError); promote; optionally to float."""
    tensor_arg(input, op, 1, "input")
    tensor_arg(other, op)
    a, b, dt = promote_pair(input, other)
    if dt.kind == "c" and op in ("maximum", "minimum", "fmax", "fmin"):
        raise RuntimeError(f"{op} not implemented for complex tensors.")
    if floats and dt.kind in "biu":
        if floats == "strict":
            unsupported(f"{op}_cpu", dt)
        a, b = to_default_float(a, b)
    return a, b


def _tie_split(v, x, y, other_wins):
    """PyTorch's max/min rule: half to each side at a tie, nothing where the other wins."""
    return where(eq(x, y), mul(v, 0.5), where(other_wins, 0.0, v))


_maximum = Primitive(
    "maximum", np.maximum,
    vjp=(lambda g, out, x, y: unbroadcast(_tie_split(g, x, y, lt(x, y)), x),
         lambda g, out, x, y: unbroadcast(_tie_split(g, x, y, gt(x, y)), y)),
    jvp=(lambda t, out, x, y: _tie_split(t, x, y, lt(x, y)),
         lambda t, out, x, y: _tie_split(t, x, y, gt(x, y))), batch=batch_elementwise)
_minimum = Primitive(
    "minimum", np.minimum,
    vjp=(lambda g, out, x, y: unbroadcast(_tie_split(g, x, y, gt(x, y)), x),
         lambda g, out, x, y: unbroadcast(_tie_split(g, x, y, lt(x, y)), y)),
    jvp=(lambda t, out, x, y: _tie_split(t, x, y, gt(x, y)),
         lambda t, out, x, y: _tie_split(t, x, y, lt(x, y))), batch=batch_elementwise)


def _fpick(cmp):
    """fmax/fmin: ``x`` gets the gradient where it wins or ties, or where ``y`` is nan."""
    def x_wins(x, y):
        return logical_or(cmp(x, y), isnan(y))
    return (lambda g, out, x, y: _sel(x_wins(x, y), g, x),
            lambda g, out, x, y: unbroadcast(where(x_wins(x, y), 0.0, g), y)), \
        (lambda t, out, x, y: where(x_wins(x, y), t, 0.0),
         lambda t, out, x, y: where(x_wins(x, y), 0.0, t))


_fmax_vjp, _fmax_jvp = _fpick(ge)
_fmin_vjp, _fmin_jvp = _fpick(le)
_fmax = Primitive("fmax", np.fmax, vjp=_fmax_vjp, jvp=_fmax_jvp, batch=batch_elementwise)
_fmin = Primitive("fmin", np.fmin, vjp=_fmin_vjp, jvp=_fmin_jvp, batch=batch_elementwise)


def _binary_fn(prim, name, floats=False, doc=None):
    def fn(input, other, *, out=None):
        a, b = _binary_tensors(input, other, name, floats)
        try:
            r = prim(a, b)
        except ValueError as e:
            broadcast_error(e, name, a, b)
        return r if out is None else write_out(r, out, name)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


maximum = _binary_fn(_maximum, "maximum", doc="Elementwise max (nan propagates); a tie "
                     "sends half the gradient to each side.")
minimum = _binary_fn(_minimum, "minimum", doc="Elementwise min (nan propagates); a tie "
                     "sends half the gradient to each side.")
fmax = _binary_fn(_fmax, "fmax", doc="Elementwise max ignoring nan.")
fmin = _binary_fn(_fmin, "fmin", doc="Elementwise min ignoring nan.")


def _atan2_lin(v, y, x, num):
    den = add(mul(y, y), mul(x, x))
    return mul(v, mul(num, where(eq(den, 0), 0.0, reciprocal(den))))


_atan2 = Primitive(
    "atan2", np.arctan2,
    vjp=(lambda g, out, y, x: unbroadcast(_atan2_lin(g, y, x, x), y),
         lambda g, out, y, x: unbroadcast(_atan2_lin(g, y, x, neg(y)), x)),
    jvp=(lambda t, out, y, x: _atan2_lin(t, y, x, x),
         lambda t, out, y, x: _atan2_lin(t, y, x, neg(y))), batch=batch_elementwise)
_hypot = Primitive(
    "hypot", np.hypot,
    vjp=(lambda g, out, x, y: unbroadcast(mul(g, div(x, out)), x),
         lambda g, out, x, y: unbroadcast(mul(g, div(y, out)), y)),
    jvp=(lambda t, out, x, y: mul(t, div(x, out)), lambda t, out, x, y: mul(t, div(y, out))),
    batch=batch_elementwise, uses_output=True)


def _lae_lin(scale):
    # d/dx log(e^x + e^y) = sigmoid(x - y): stable, and nan for two equal infinities
    def lin(v, x, y):
        d = sub(x, y)
        return mul(v, sigmoid(d if scale == 1 else mul(d, scale)))
    return lin


def _lae_prim(name, fn, scale):
    lin = _lae_lin(scale)
    return Primitive(name, fn,
                     vjp=(lambda g, out, x, y: unbroadcast(lin(g, x, y), x),
                          lambda g, out, x, y: unbroadcast(lin(g, y, x), y)),
                     jvp=(lambda t, out, x, y: lin(t, x, y), lambda t, out, x, y: lin(t, y, x)),
                     batch=batch_elementwise)


_logaddexp = _lae_prim("logaddexp", np.logaddexp, 1)
_logaddexp2 = _lae_prim("logaddexp2", np.logaddexp2, _LN2)

atan2 = arctan2 = _binary_fn(_atan2, "atan2", True, "Angle of (other, input), i.e. "
                             "``atan(input / other)`` in the right quadrant.")
hypot = _binary_fn(_hypot, "hypot", "strict", "``sqrt(x**2 + y**2)`` without overflow.")
logaddexp = _binary_fn(_logaddexp, "logaddexp", "strict", "``log(exp(x) + exp(y))``, stable.")
logaddexp2 = _binary_fn(_logaddexp2, "logaddexp2", "strict", "``log2(2**x + 2**y)``, stable.")


def _xlogy_dx(v, x, y):
    # d/dx x log y = log y, taken as 0 where x == 0 and y <= 0 (PyTorch's mask: xlogy(0, 0)
    # has slope 0, xlogy(0, 2) has slope log 2)
    d = xlogy(v, y)
    if isinstance(y, Tensor):
        return where(logical_and(eq(x, 0), le(y, 0)), 0.0, d)
    return where(eq(x, 0), 0.0, d) if y <= 0 else d


def _xlogy_impl(x, y):
    # scipy's ufunc treats a Python scalar as float64; keep the tensor's dtype
    return _sp.xlogy(x, y).astype((x if x.__class__ is np.ndarray else y).dtype, copy=False)


_xlogy = Primitive(
    "xlogy", _xlogy_impl,
    vjp=(lambda g, out, x, y: unbroadcast(_xlogy_dx(g, x, y), x),
         lambda g, out, x, y: unbroadcast(mul(g, div(x, y)), y)),
    jvp=(lambda t, out, x, y: _xlogy_dx(t, x, y), lambda t, out, x, y: mul(t, div(x, y))),
    batch=batch_elementwise)
_xlogy_sx = variant(_xlogy, "xlogy_scalar_self", "XlogyBackward1", saves=(1,))
_xlogy_sy = variant(_xlogy, "xlogy_scalar_other", "XlogyBackward2", saves=(0,))


def xlogy(input, other, *, out=None):
    """``x * log(y)``, 0 where ``x == 0`` (unless ``y`` is nan); integers give floats."""
    a, b, dt = promote_pair(input, other)
    if dt.kind in "biu":
        a, b = to_default_float(caller_int(input, a), caller_int(other, b))
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    try:
        r = (_xlogy if ta and tb else _xlogy_sy if ta else _xlogy_sx)(a, b)
    except ValueError as e:
        broadcast_error(e, "xlogy", a, b)
    return r if out is None else write_out(r, out, "xlogy")


_lerp = Primitive(
    "lerp", lambda x, y, w: x + w * (y - x),
    vjp=(lambda g, out, x, y, w: unbroadcast(mul(g, rsub(w, 1)), x),
         lambda g, out, x, y, w: unbroadcast(mul(g, w), y),
         lambda g, out, x, y, w: unbroadcast(mul(g, sub(y, x)), w)),
    jvp=(lambda t, out, x, y, w: mul(t, rsub(w, 1)), lambda t, out, x, y, w: mul(t, w),
         lambda t, out, x, y, w: mul(t, sub(y, x))),
    batch=batch_elementwise, node_name="LerpBackward1")
_lerp_s = variant(_lerp, "lerp_scalar", "LerpBackward0", saves=())
_CNAME = {"float32": "float", "float64": "double", "float16": "c10::Half",
          "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def lerp(input, end, weight, *, out=None):
    """``input + weight * (end - input)``; input, end (and a tensor weight) share a dtype."""
    tensor_arg(end, "lerp", 2, "end")
    dt = npdtype(input)
    if dt.kind not in "fc":
        unsupported("lerp_kernel_scalar" if not isinstance(weight, Tensor)
                    else "lerp_kernel_tensor", dt)
    for name, v in (("end", end), ("weight", weight)):
        if isinstance(v, Tensor) and npdtype(v) != dt:
            raise RuntimeError(f"expected dtype {_CNAME.get(dt.name, dt.name)} for `{name}` but "
                               f"got dtype {_CNAME.get(npdtype(v).name, npdtype(v).name)}")
    try:
        if isinstance(weight, Tensor):
            r = _lerp(input, end, weight)
        else:
            r = _lerp_s(input, end, float(weight) if dt.kind == "f" else weight)
    except ValueError as e:
        broadcast_error(e, "lerp", input, end, weight)
    return r if out is None else write_out(r, out, "lerp")


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 * tensor2`` (used by optimizers)."""
    return add(input, mul(tensor1, tensor2), alpha=value, out=out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 / tensor2``; integer division is refused as in PyTorch."""
    if npdtype(tensor1).kind in "biu" and npdtype(tensor2).kind in "biu":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a "
                           "future release addcdiv will perform a true division of tensor1 and "
                           "tensor2. The historic addcdiv behavior can be implemented as "
                           "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) "
                           "for integer inputs and as (input + value * tensor1 / tensor2) for "
                           "float inputs. The future addcdiv behavior is just the latter "
                           "implementation: (input + value * tensor1 / tensor2), for all dtypes.")
    return add(input, div(tensor1, tensor2), alpha=value, out=out)


METHODS = {
    "exp2": exp2, "expm1": expm1, "log2": log2, "log10": log10, "log1p": log1p, "tan": tan,
    "asin": asin, "acos": acos, "atan": atan, "arcsin": asin, "arccos": acos, "arctan": atan,
    "atan2": atan2, "arctan2": atan2, "sinh": sinh, "cosh": cosh, "asinh": asinh,
    "acosh": acosh, "atanh": atanh, "arcsinh": asinh, "arccosh": acosh, "arctanh": atanh,
    "sigmoid": sigmoid, "logit": logit, "erf": erf, "erfc": erfc, "erfinv": erfinv,
    "lgamma": lgamma, "digamma": digamma, "polygamma": lambda self, n: polygamma(n, self),
    "deg2rad": deg2rad, "rad2deg": rad2deg, "clamp": clamp, "clip": clamp,
    "clamp_min": clamp_min, "clamp_max": clamp_max, "maximum": maximum, "minimum": minimum,
    "fmax": fmax, "fmin": fmin, "lerp": lerp, "hypot": hypot, "logaddexp": logaddexp,
    "logaddexp2": logaddexp2, "xlogy": xlogy, "nan_to_num": nan_to_num, "floor": floor,
    "ceil": ceil, "round": round, "trunc": trunc, "fix": trunc, "frac": frac, "relu": relu,
    "addcmul": addcmul, "addcdiv": addcdiv,
}
INPLACE = {name + "_": fn for name, fn in METHODS.items()
           if name not in ("maximum", "minimum", "fmax", "fmin", "logaddexp", "logaddexp2")}
