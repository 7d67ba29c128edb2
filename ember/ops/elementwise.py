"""Elementwise arithmetic primitives: add ... pow, abs, sqrt, exp/log/sin/cos/tanh.

Binary ops promote dtypes the PyTorch way in the public function (``promote_pair``: a fast
path for same-dtype tensors and tensor-with-Python-scalar, else ``promote2``), so a primitive
always sees operands of one dtype or weakly-typed Python scalars.  Unary ops that only make
sense on floats turn integer input into the default float dtype inside ``impl``.  Where
PyTorch names the backward node differently for a scalar operand (PowBackward0/1/2,
RemainderBackward0/1) the public function picks the matching variant of the primitive."""
import cmath as _cm
import math as _m

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._primitive import Primitive
from ._util import batch_elementwise, batch_unary, npdtype
from ._elementwise_base import (promote_pair, broadcast_error, unary, unary_function, variant,
                                output_gradient_primitive,
                                zero_rule, zero_tangent, not_differentiable, unsupported,
                                unbroadcast, write_out, to_dtype, to_default_float, caller_int)

__all__ = ["add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide",
           "floor_divide", "remainder", "fmod", "pow", "float_power", "neg", "negative",
           "positive", "abs", "absolute", "sign", "sgn", "sqrt", "rsqrt", "square", "reciprocal",
           "sin", "cos", "exp", "log", "tanh", "to_dtype"]

_BOOL = np.dtype(np.bool_)


# ------------------------------------------------------------------ add / sub / mul / div

def _g_x(g, out, x, y, **p):
    return unbroadcast(g, x)


def _g_y(g, out, x, y, **p):
    return unbroadcast(g, y)


def _t_id(t, out, *args, **p):
    return t


_add = Primitive("add", np.add, vjp=(_g_x, _g_y), jvp=(_t_id, _t_id), batch=batch_elementwise,
                 saves=())
def _scaled(y, alpha):
    # a Python scalar stays a Python scalar, so it keeps promoting weakly
    return np.multiply(y, alpha) if y.__class__ is np.ndarray else y * alpha


_add_alpha = Primitive(
    "add_alpha", lambda x, y, alpha: np.add(x, _scaled(y, alpha)),
    vjp=(_g_x, lambda g, out, x, y, alpha: unbroadcast(mul(g, alpha), y)),
    jvp=(_t_id, lambda t, out, x, y, alpha: mul(t, alpha)), batch=batch_elementwise,
    saves=(), node_name="AddBackward0")


def _bool_sub(*_):
    raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                       "Use the `^` or `logical_xor()` operator instead.")


def _sub_impl(x, y):
    try:
        return np.subtract(x, y)
    except TypeError:
        _bool_sub()


def _neg_g_y(g, out, x, y, **p):
    return unbroadcast(neg(g), y)


_sub = Primitive("sub", _sub_impl, vjp=(_g_x, _neg_g_y), jvp=(_t_id, lambda t, out, x, y: neg(t)),
                 batch=batch_elementwise, saves=())
_sub_alpha = Primitive(
    "sub_alpha", lambda x, y, alpha: _sub_impl(x, _scaled(y, alpha)),
    vjp=(_g_x, lambda g, out, x, y, alpha: unbroadcast(mul(g, -alpha), y)),
    jvp=(_t_id, lambda t, out, x, y, alpha: mul(t, -alpha)), batch=batch_elementwise,
    saves=(), node_name="SubBackward0")
# rsub(input, other) = other - alpha * input: PyTorch's node for ``2 - x``
_rsub = Primitive(
    "rsub", lambda x, y, alpha=1: _sub_impl(y, x if alpha == 1 else _scaled(x, alpha)),
    vjp=(lambda g, out, x, y, alpha=1: unbroadcast(_times(g, -alpha), x),
         lambda g, out, x, y, alpha=1: unbroadcast(g, y)),
    jvp=(lambda t, out, x, y, alpha=1: _times(t, -alpha), _t_id), batch=batch_elementwise, saves=())
_rsub_s = variant(_rsub, "rsub_scalar", "RsubBackward1")


def _times(v, c):
    return neg(v) if c == -1 else mul(v, c)


def _check_alpha(alpha, dt, op):
    if dt.kind in "biu" and isinstance(alpha, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    if isinstance(alpha, bool) and dt is not _BOOL:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other`` with broadcasting and PyTorch's type promotion."""
    a, b, dt = promote_pair(input, other)
    try:
        if alpha == 1 and alpha.__class__ is int:
            r = _add(a, b)
        else:
            _check_alpha(alpha, dt, "add")
            r = _add_alpha(a, b, alpha=alpha)
    except ValueError as e:
        broadcast_error(e, "add", a, b)
    return r if out is None else write_out(r, out, "add")


def _is_bool(v):
    return v.__class__ is bool or isinstance(v, Tensor) and npdtype(v) is _BOOL


def _no_bool_sub(x, y, dt):
    """PyTorch refuses subtraction with a bool operand (tensor or Python bool)."""
    if dt is _BOOL:
        _bool_sub()
    if _is_bool(x) or _is_bool(y):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``; bool operands are refused as in PyTorch."""
    a, b, dt = promote_pair(input, other)
    if dt is _BOOL or a is not input or b is not other or input.__class__ is bool or \
            other.__class__ is bool:
        _no_bool_sub(input, other, dt)
    try:
        if alpha == 1 and alpha.__class__ is int:
            r = _sub(a, b)
        else:
            _check_alpha(alpha, dt, "sub")
            r = _sub_alpha(a, b, alpha=alpha)
    except ValueError as e:
        broadcast_error(e, "sub", a, b)
    return r if out is None else write_out(r, out, "sub")


def rsub(input, other, *, alpha=1):
    """``other - alpha * input`` (what ``2 - x`` computes)."""
    a, b, dt = promote_pair(input, other)
    if dt is _BOOL or a is not input or b is not other or input.__class__ is bool or \
            other.__class__ is bool:
        _no_bool_sub(input, other, dt)
    prim = _rsub if isinstance(b, Tensor) else _rsub_s
    try:
        if alpha == 1 and alpha.__class__ is int:
            return prim(a, b)
        _check_alpha(alpha, dt, "rsub")
        return prim(a, b, alpha=alpha)
    except ValueError as e:
        broadcast_error(e, "rsub", a, b)


# The rules call the primitives directly: g has the output's dtype, which both operands
# already share after promotion (or the operand is a weakly typed Python scalar).
_mul = Primitive("mul", np.multiply,
                 vjp=(lambda g, out, x, y: unbroadcast(_mul(g, y), x),
                      lambda g, out, x, y: unbroadcast(_mul(g, x), y)),
                 jvp=(lambda t, out, x, y: _mul(t, y), lambda t, out, x, y: _mul(t, x)),
                 batch=batch_elementwise, saves={0: (1,), 1: (0,)})


def mul(input, other, *, out=None):
    a, b, dt = promote_pair(input, other)
    try:
        r = _mul(a, b)
    except ValueError as e:
        broadcast_error(e, "mul", a, b)
    return r if out is None else write_out(r, out, "mul")


_div = Primitive("div", np.true_divide,
                 vjp=(lambda g, out, x, y: unbroadcast(_div(g, y), x),
                      lambda g, out, x, y: unbroadcast(neg(mul(g, div(div(x, y), y))), y)),
                 jvp=(lambda t, out, x, y: _div(t, y),
                      lambda t, out, x, y: neg(mul(t, div(div(x, y), y)))),
                 batch=batch_elementwise, saves={0: (1,), 1: (0, 1)})


def _int_zero_check(x, y):
    """Integer division by zero raises in PyTorch (NumPy would warn and give 0)."""
    if (x.dtype if isinstance(x, np.ndarray) else np.asarray(y).dtype).kind in "iub" \
            and not np.all(y):
        raise RuntimeError("ZeroDivisionError")


def _trunc_div(x, y):
    _int_zero_check(x, y)
    if (x.dtype if isinstance(x, np.ndarray) else np.asarray(y).dtype).kind in "fc":
        return np.trunc(np.true_divide(x, y))
    q = np.floor_divide(x, y)
    # floor and trunc differ where the division is inexact and the signs differ
    return q + ((np.remainder(x, y) != 0) & ((np.less(x, 0)) != (np.less(y, 0))))


def _floor_div(x, y):
    _int_zero_check(x, y)
    return np.floor_divide(x, y)


_div_trunc = Primitive("div_trunc", _trunc_div, vjp=(zero_rule(0), zero_rule(1)),
                       jvp=(zero_tangent, zero_tangent), batch=batch_elementwise,
                       node_name="DivBackward2", saves=())
_div_floor = variant(_div_trunc, "div_floor", "DivBackward2", impl=_floor_div)
_fd_vjp, _fd_jvp = not_differentiable("floor_divide")
_floor_divide = Primitive("floor_divide", _floor_div, vjp=(_fd_vjp, _fd_vjp),
                          jvp=(_fd_jvp, _fd_jvp), batch=batch_elementwise, saves=(),
                          node_name="torch::autograd::NotImplemented")


def div(input, other, *, rounding_mode=None, out=None):
    """True division (integers give the default float) or ``rounding_mode`` 'trunc'/'floor'."""
    a, b, dt = promote_pair(input, other)
    try:
        if rounding_mode is None:
            if dt.kind in "biu":
                a, b = to_default_float(caller_int(input, a), caller_int(other, b))
            r = _div(a, b)
        elif rounding_mode == "trunc":
            r = _div_trunc(a, b)
        elif rounding_mode == "floor":
            r = _div_floor(a, b)
        else:
            raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or "
                               f"'floor' but found '{rounding_mode}'")
    except ValueError as e:
        broadcast_error(e, "div", a, b)
    return r if out is None else write_out(r, out, "div")


def true_divide(input, other, *, out=None):
    return div(input, other, out=out)


def floor_divide(input, other, *, out=None):
    """Division rounded toward -inf (``//``); PyTorch gives it no derivative."""
    a, b, dt = promote_pair(input, other)
    if dt is _BOOL:
        unsupported("div_floor_cpu", dt)
    try:
        r = _floor_divide(a, b)
    except ValueError as e:
        broadcast_error(e, "floor_divide", a, b)
    return r if out is None else write_out(r, out, "floor_divide")


def _rem_impl(fn):
    def impl(x, y):
        _int_zero_check(x, y)
        return fn(x, y)
    return impl


_remainder = Primitive(
    "remainder", _rem_impl(np.remainder),
    # -g * x // y, with PyTorch's floor division (inf // 1 is nan there, not inf)
    vjp=(_g_x, lambda g, out, x, y: unbroadcast(mul(neg(g), _div_floor(x, y)), y)),
    jvp=(_t_id, lambda t, out, x, y: mul(neg(t), _div_floor(x, y))),
    batch=batch_elementwise, node_name="RemainderBackward1")
_remainder_s = variant(_remainder, "remainder_scalar", "RemainderBackward0", saves=())
_fmod = Primitive(
    "fmod", _rem_impl(np.fmod),
    vjp=(_g_x, lambda g, out, x, y: unbroadcast(mul(neg(g), _trunc(div(x, y))), y)),
    jvp=(_t_id, lambda t, out, x, y: mul(neg(t), _trunc(div(x, y)))),
    batch=batch_elementwise, node_name="FmodBackward1")
_fmod_s = variant(_fmod, "fmod_scalar", "FmodBackward0", saves=())


def _floor(x):
    from .math import floor
    return floor(x)


def _trunc(x):
    from .math import trunc
    return trunc(x)


def remainder(input, other, *, out=None):
    """Python's modulus: the result has the sign of ``other``."""
    a, b, dt = promote_pair(input, other)
    if dt is _BOOL:
        unsupported("remainder_cpu", dt)
    try:
        r = (_remainder if isinstance(b, Tensor) else _remainder_s)(a, b)
    except ValueError as e:
        broadcast_error(e, "remainder", a, b)
    return r if out is None else write_out(r, out, "remainder")


def fmod(input, other, *, out=None):
    """C's fmod: the result has the sign of ``input``."""
    a, b, dt = promote_pair(input, other)
    if dt is _BOOL:
        unsupported("fmod_cpu", dt)
    try:
        r = (_fmod if isinstance(b, Tensor) else _fmod_s)(a, b)
    except ValueError as e:
        broadcast_error(e, "fmod", a, b)
    return r if out is None else write_out(r, out, "fmod")


# ------------------------------------------------------------------ pow

def _pow_impl(x, y):
    if y.__class__ is float and y == -0.5 and x.__class__ is np.ndarray and x.dtype.kind == "f":
        return np.reciprocal(np.sqrt(x))     # rsqrt, as PyTorch (-0.0 -> -inf, -inf -> nan);
        #                                      NumPy's power gives inf and 0 there
    try:
        return np.power(x, y)
    except ValueError:       # integer ** negative integer: PyTorch keeps only +-1 ** n
        ay = np.abs(y)
        return np.where((np.less(y, 0)) & (np.abs(x) != 1), 0, np.power(x, ay))


def _pow_dx(v, x, y):
    """``v * y * x**(y-1)``, zero where ``y == 0`` (so ``0**0`` has slope 0, as in PyTorch)."""
    if not isinstance(y, Tensor):
        if y == 0:
            from .creation import zeros_like
            return zeros_like(v)
        return mul(v, mul(pow(x, y - 1), y))
    from .comparison import where, eq
    return mul(v, where(eq(y, 0), 0.0, mul(y, pow(x, sub(y, 1)))))


def _pow_dy(v, x, y, out):
    """``v * x**y * log(x)``, zero where ``x == 0 and y >= 0`` (PyTorch's convention)."""
    from .comparison import where, eq, ge, logical_and
    if not isinstance(x, Tensor):
        if x == 0:
            return mul(v, where(ge(y, 0), 0.0, mul(out, -_m.inf)))
        if isinstance(x, complex):
            lx = _cm.log(x)
        else:
            lx = _m.log(x) if x > 0 else _m.nan
        return mul(v, mul(out, lx))
    return mul(v, where(logical_and(eq(x, 0), ge(y, 0)), 0.0, mul(out, log(x))))


_pow_ts = Primitive("pow_scalar", _pow_impl, vjp=lambda g, out, x, y: _pow_dx(g, x, y),
                    jvp=lambda t, out, x, y: _pow_dx(t, x, y), batch=batch_elementwise,
                    node_name="PowBackward0")
_pow_tt = Primitive("pow", _pow_impl,
                    vjp=(lambda g, out, x, y: unbroadcast(_pow_dx(g, x, y), x),
                         lambda g, out, x, y: unbroadcast(_pow_dy(g, x, y, out), y)),
                    jvp=(lambda t, out, x, y: _pow_dx(t, x, y),
                         lambda t, out, x, y: _pow_dy(t, x, y, out)),
                    batch=batch_elementwise, node_name="PowBackward1", uses_output=True)
_pow_st = Primitive("pow_scalar_base", _pow_impl,
                    vjp=(None, lambda g, out, x, y: _pow_dy(g, x, y, out)),
                    jvp=(None, lambda t, out, x, y: _pow_dy(t, x, y, out)),
                    batch=batch_elementwise, node_name="PowBackward2", uses_output=True,
                    saves=(1,))


def pow(input, exponent, *, out=None):
    """``input ** exponent``; an integer tensor to a negative Python int raises like PyTorch."""
    a, b, dt = promote_pair(input, exponent)
    if isinstance(b, Tensor):
        if dt is _BOOL and isinstance(a, Tensor):
            unsupported("pow", dt)
        try:
            r = (_pow_tt if isinstance(a, Tensor) else _pow_st)(a, b)
        except ValueError as e:
            broadcast_error(e, "pow", a, b)
    else:
        if exponent.__class__ is int and exponent < 0 and dt.kind in "biu":
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if dt is _BOOL:          # bool ** bool stays bool: x ** True is x, x ** False is True
            from .comparison import logical_or
            return logical_or(a, not b, out=out)
        r = _pow_ts(a, b)
    return r if out is None else write_out(r, out, "pow")


def float_power(input, exponent, *, out=None):
    """``pow`` computed in double precision (complex128 for complex operands)."""
    cplx = any(isinstance(v, complex) or isinstance(v, Tensor) and v.dtype.is_complex
               for v in (input, exponent))
    d = np.dtype(np.complex128 if cplx else np.float64)
    a = to_dtype(input, d) if isinstance(input, Tensor) else input
    b = to_dtype(exponent, d) if isinstance(exponent, Tensor) else exponent
    return pow(a, float(b) if b.__class__ is int else b, out=out)


def _float_power_(self, exponent):
    if self.dtype not in (D.float64, D.complex128):
        want = "ComplexDouble" if self.dtype.is_complex else "Double"
        from .inplace import _tname
        raise RuntimeError(f"the base given to float_power_ has dtype {_tname(self.dtype)} but "
                           f"the operation's result requires dtype {want}")
    return float_power(self, exponent)


# ------------------------------------------------------------------ sign, abs, neg

def _neg_impl(x):
    try:
        return np.negative(x)
    except TypeError:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.") from None


_neg = Primitive("neg", _neg_impl, vjp=lambda g, out, x: neg(g), jvp=lambda t, out, x: neg(t),
                 batch=batch_unary, saves=())


def neg(input, *, out=None):
    r = _neg(input)
    return r if out is None else write_out(r, out, "neg")


def positive(input):
    """``+x``: the input itself (refused for bool, like PyTorch)."""
    if npdtype(input) is _BOOL:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def _sign_impl(x):
    if x.dtype is _BOOL:
        return x.copy()
    if x.dtype.kind == "c":
        raise NotImplementedError("Unlike NumPy, torch.sign is not intended to support complex "
                                  "numbers. Please use torch.sgn instead.")
    r = np.asarray(np.sign(x))
    if x.dtype.kind == "f":
        np.copyto(r, 0, where=r != r)       # sign(nan) is 0 in PyTorch
    return r


def _sgn_impl(x):
    if x.dtype.kind != "c":
        return _sign_impl(x)
    a = np.abs(x)
    return np.where(a == 0, 0, x / np.where(a == 0, 1, a))


_sign = Primitive("sign", _sign_impl, vjp=zero_rule(0), jvp=zero_tangent, batch=batch_unary,
                  saves=())
_sgn = variant(_sign, "sgn", "SgnBackward0", impl=_sgn_impl)
def _abs_impl(x):
    if x.dtype is _BOOL:
        unsupported("abs_cpu", x.dtype)
    return np.abs(x)


_abs = Primitive("abs", _abs_impl, vjp=lambda g, out, x: mul(g, sgn(x)),
                 jvp=lambda t, out, x: mul(t, sgn(x)), batch=batch_unary)


def sign(input, *, out=None):
    r = _sign(input)
    return r if out is None else write_out(r, out, "sign")


def sgn(input, *, out=None):
    """``sign`` extended to complex numbers (``z / |z|``)."""
    r = _sgn(input)
    return r if out is None else write_out(r, out, "sgn")


def abs(input, *, out=None):
    """``|x|``; the gradient at 0 is 0 (PyTorch's convention); complex input gives reals."""
    r = _abs(input)
    return r if out is None else write_out(r, out, "abs")


# ------------------------------------------------------------------ powers and transcendental

_sqrt = unary("sqrt", np.sqrt, lambda v, x, out: div(v, mul(out, 2)), uses_input=False,
              uses_output=True)
_rsqrt = unary("rsqrt", lambda x: np.reciprocal(np.sqrt(x)),
               lambda v, x, out: mul(v, mul(pow(out, 3), -0.5)), uses_input=False,
               uses_output=True)
_reciprocal = unary("reciprocal", np.reciprocal, lambda v, x, out: mul(v, neg(mul(out, out))),
                    uses_input=False, uses_output=True)
_sin = unary("sin", np.sin, lambda v, x, out: mul(v, cos(x)))
_cos = unary("cos", np.cos, lambda v, x, out: mul(v, neg(sin(x))))
_exp = unary("exp", np.exp, lambda v, x, out: mul(v, out), uses_input=False, uses_output=True)
_log = unary("log", np.log, lambda v, x, out: div(v, x))


def _tanh_backward_impl(g, out):
    r = np.multiply(out, out)
    if r.__class__ is not np.ndarray:        # 0-d operands give NumPy scalars
        return g * (1 - r)
    np.subtract(1, r, out=r)
    return np.multiply(g, r, out=r if r.shape == g.shape and r.dtype == g.dtype else None)


# d/d out of g (1 - out^2) is -2 g out
_tanh_backward = output_gradient_primitive(
    "tanh_backward", "TanhBackwardBackward0", _tanh_backward_impl,
    lambda G, g, out: mul(mul(G, g), mul(out, -2.0)))
_tanh = unary("tanh", np.tanh, lambda v, x, out: _tanh_backward(v, out),
              uses_input=False, uses_output=True)


sqrt = unary_function(_sqrt, "sqrt")
rsqrt = unary_function(_rsqrt, "rsqrt", "``1 / sqrt(x)``.")
reciprocal = unary_function(_reciprocal, "reciprocal", "``1 / x``; integer input gives floats.")
sin = unary_function(_sin, "sin")
cos = unary_function(_cos, "cos")
exp = unary_function(_exp, "exp")
log = unary_function(_log, "log")
tanh = unary_function(_tanh, "tanh")


def square(input, *, out=None):
    """``x ** 2`` (PowBackward0 as in PyTorch; bool gives int64)."""
    return pow(input, 2, out=out)


subtract, multiply, divide, negative, absolute = sub, mul, div, neg, abs


def _rdiv(self, other):
    """``number / tensor`` is ``tensor.reciprocal() * number`` in PyTorch (MulBackward0 over
    ReciprocalBackward0, which saves the result, not the tensor)."""
    if other.__class__ in (int, float, bool):
        return mul(reciprocal(self), other)
    return div(other, self)


METHODS = {
    "__add__": add, "__radd__": add, "__sub__": sub, "__rsub__": rsub,
    "__mul__": mul, "__rmul__": mul, "__truediv__": div, "__rtruediv__": _rdiv,
    "__floordiv__": floor_divide, "__rfloordiv__": lambda self, other: floor_divide(other, self),
    "__mod__": remainder, "__rmod__": lambda self, other: remainder(other, self),
    "__neg__": neg, "__pos__": positive, "__abs__": abs,
    "__pow__": pow, "__rpow__": lambda self, other: pow(other, self),
    "add": add, "sub": sub, "subtract": sub, "rsub": rsub, "mul": mul, "multiply": mul,
    "div": div, "divide": div, "true_divide": true_divide, "floor_divide": floor_divide,
    "remainder": remainder, "fmod": fmod, "neg": neg, "negative": neg, "positive": positive,
    "pow": pow, "float_power": float_power, "abs": abs, "absolute": abs, "sign": sign,
    "sgn": sgn, "sqrt": sqrt, "rsqrt": rsqrt, "reciprocal": reciprocal, "square": square,
    "sin": sin, "cos": cos, "exp": exp, "log": log, "tanh": tanh,
    "float": lambda self: to_dtype(self, "float32"),
    "double": lambda self: to_dtype(self, "float64"),
    "half": lambda self: to_dtype(self, "float16"), "long": lambda self: to_dtype(self, "int64"),
    "int": lambda self: to_dtype(self, "int32"), "short": lambda self: to_dtype(self, "int16"),
    "bool": lambda self: to_dtype(self, "bool"), "byte": lambda self: to_dtype(self, "uint8"),
    "char": lambda self: to_dtype(self, "int8"),
    "type_as": lambda self, other: to_dtype(self, other.dtype),
}
INPLACE = {
    "__iadd__": add, "__isub__": sub, "__imul__": mul, "__itruediv__": div, "__ipow__": pow,
    "__ifloordiv__": floor_divide, "__imod__": remainder,
    "add_": add, "sub_": sub, "subtract_": sub, "mul_": mul, "multiply_": mul, "div_": div,
    "divide_": div, "true_divide_": true_divide, "floor_divide_": floor_divide,
    "remainder_": remainder, "fmod_": fmod, "pow_": pow, "float_power_": _float_power_,
    "neg_": neg, "negative_": neg, "abs_": abs, "absolute_": abs, "sign_": sign, "sgn_": sgn,
    "sqrt_": sqrt, "rsqrt_": rsqrt, "reciprocal_": reciprocal, "square_": square,
    "sin_": sin, "cos_": cos, "exp_": exp, "log_": log, "tanh_": tanh,
}
