"""More elementwise ops: copysign, heaviside, sinc, ldexp, frexp, i0.

sinc, ldexp and frexp's mantissa are composites (their gradients come from the parts; sinc's
is 0 where PyTorch's is).  copysign is a primitive with PyTorch's rule (``g * out / x``, 0
where x == 0, zeros for ``other``).  heaviside and frexp's exponent have
no gradient.  i0 is a primitive whose derivative is the order-1 Bessel function i1 (another
primitive, ``special_i1``, differentiable again).
"""
import math as _m

import numpy as np

from .. import _dtype as D
from .. import return_types as R
from .._tensor import Tensor
from ._primitive import Primitive
from ._elementwise_base import unbroadcast, variant
from ._util import batch_elementwise, batch_unary, scalar_or_tensor, result_npdtype

__all__ = ["copysign", "heaviside", "sinc", "ldexp", "frexp", "i0"]


def _E():
    import ember
    return ember


def _float_of(t):
    return t if (t.dtype.is_floating_point or t.dtype.is_complex) else \
        t.to(D.get_default_dtype())


# ------------------------------------------------------------------ copysign

def _copysign_slope(v, out, x):
    """PyTorch's rule: ``v * out / x``, 0 where x == 0 (NaN stays NaN)."""
    E = _E()
    return E.mul(v, E.where(E.eq(x, 0), 0.0, E.div(out, x)))


def _copysign_dx(g, out, x, y):
    return unbroadcast(_copysign_slope(g, out, x), x)


def _copysign_dy(g, out, x, y):
    return _E().zeros_like(y)       # the sign bit has no slope; PyTorch returns zeros


def _copysign_impl(x, y):
    return np.copysign(x, y).astype(x.dtype, copy=False)


_copysign = Primitive(
    "copysign", _copysign_impl, uses_output=True, saves=(0,),
    vjp=(_copysign_dx, _copysign_dy),
    jvp=(lambda t, out, x, y: _copysign_slope(t, out, x),
         lambda t, out, x, y: _E().zeros_like(out)),
    batch=batch_elementwise)
_copysign_s = variant(_copysign, "copysign_scalar", "CopysignBackward1")


def copysign(input, other, *, out=None):
    """``|input|`` with the sign (bit) of ``other``; integer inputs give floats."""
    other = scalar_or_tensor(other)
    npd = np.dtype(result_npdtype(input, other))
    if npd.kind not in "fc":
        npd = D.get_default_dtype().np
    dt = D.NP2DT[npd]
    x = input.to(dt)
    y = other.to(dt) if isinstance(other, Tensor) else other
    res = (_copysign if isinstance(y, Tensor) else _copysign_s)(x, y)
    if out is not None:
        out.copy_(res)
        return out
    return res


# ------------------------------------------------------------------ heaviside

def _heaviside_impl(x, v):
    return np.where(x == 0, v, (x > 0).astype(x.dtype)).astype(x.dtype, copy=False)


_heaviside = Primitive("heaviside", _heaviside_impl, differentiable=False,
                       batch=batch_elementwise)


def heaviside(input, values, *, out=None):
    """Step function: 0 where input < 0, ``values`` where input == 0, 1 where input > 0."""
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside(): argument 'values' (position 2) must be Tensor, not "
                        f"{type(values).__name__}")
    if input.dtype.is_complex or values.dtype.is_complex:
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    if input.dtype != values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different "
                           "dtypes.")
    res = _heaviside(input, values)
    if out is not None:
        out.copy_(res)
        return out
    return res


# ------------------------------------------------------------------ sinc

def sinc(input, *, out=None):
    """Normalized sinc: ``sin(pi x) / (pi x)``, 1 at 0."""
    E = _E()
    x = _float_of(input)
    zero = E.eq(x, 0)
    px = E.mul(E.where(zero, E.ones_like(x), x), _m.pi)
    res = E.where(zero, E.ones_like(x), E.div(E.sin(px), px))
    if out is not None:
        out.copy_(res)
        return out
    return res


# ------------------------------------------------------------------ ldexp

def ldexp(input, other, *, out=None):
    """``input * 2 ** other``."""
    if not isinstance(other, Tensor):
        raise TypeError(f"ldexp(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")
    E = _E()
    res = E.mul(input, E.pow(2.0, other))
    if out is not None:
        out.copy_(res)
        return out
    return res


# ------------------------------------------------------------------ frexp

_frexp_exp = Primitive("frexp_exponent", lambda x: np.frexp(x)[1].astype(np.int32),
                       differentiable=False, batch=batch_unary)


def frexp(input, *, out=None):
    """(mantissa, exponent) with ``input = mantissa * 2 ** exponent`` and
    ``0.5 <= |mantissa| < 1`` (exponent int32), as ``return_types.frexp``."""
    E = _E()
    if not input.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    e = _frexp_exp(input)
    m = E.div(input, E.pow(2.0, e).to(input.dtype))
    return R.frexp(m, e)


# ------------------------------------------------------------------ i0, i1

def _bessel_series(x, order):
    """I_0 / I_1 by their power series: all terms are positive, so summing them is stable for
    every x; the terms are built by recurrence (no overflow before the sum does)."""
    ax = np.abs(x.astype(np.float64))
    q = (ax / 2.0) ** 2
    term = np.ones_like(ax) if order == 0 else ax / 2.0
    total = term.copy()
    k = 0
    while True:
        k += 1
        term = term * q / (k * (k + order))
        total = total + term
        if not np.any(term > total * 1e-17) or k > 2000:
            break
    if order == 1:
        total = np.where(x < 0, -total, total)
    return total


def _float_out(fn):
    def impl(x):
        dt = x.dtype if x.dtype.kind == "f" else D.get_default_dtype().np
        with np.errstate(over="ignore", invalid="ignore"):
            r = fn(x)
        return np.asarray(r).astype(dt, copy=False)
    return impl


def _i1_jvp_factor(out, x):
    # i1'(x) = i0(x) - i1(x) / x, and 1/2 at 0
    E = _E()
    zero = E.eq(x, 0)
    xs = E.where(zero, E.ones_like(x), x)
    return E.where(zero, E.full_like(x, 0.5), E.sub(_i0(x), E.div(out, xs)))


_i1 = Primitive("special_i1", _float_out(lambda x: _bessel_series(x, 1)),
                vjp=lambda g, out, x: _E().mul(g, _i1_jvp_factor(out, x)),
                jvp=lambda t, out, x: _E().mul(t, _i1_jvp_factor(out, x)),
                batch=batch_unary, uses_output=True)

_i0 = Primitive("i0", _float_out(lambda x: _bessel_series(x, 0)),
                vjp=lambda g, out, x: _E().mul(g, _i1(x)),
                jvp=lambda t, out, x: _E().mul(t, _i1(x)),
                batch=batch_unary)


def i0(input, *, out=None):
    """Modified Bessel function of the first kind, order 0."""
    if input.dtype.is_complex:
        raise NotImplementedError("\"i0_cpu\" not implemented for 'ComplexFloat'")
    res = _i0(input)
    if out is not None:
        out.copy_(res)
        return out
    return res


METHODS = {"copysign": copysign, "heaviside": heaviside, "sinc": sinc, "ldexp": ldexp,
           "frexp": frexp, "i0": i0}
INPLACE = {"copysign_": copysign, "heaviside_": heaviside, "sinc_": sinc, "ldexp_": ldexp,
           "i0_": i0}
