"""Elementwise primitives (arithmetic, transcendental, rounding) and their public functions.

Binary ops promote dtypes the PyTorch way in the public function (``promote2``), so the
primitive always sees operands of one dtype (or weakly-typed Python scalars); unary ops that
only make sense on floats turn integer input into the default float dtype inside ``impl``.
"""
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._primitive import Primitive
from ._util import batch_elementwise, batch_unary, promote2, npdtype, ensure_tensor

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg",
           "negative", "sin", "cos", "exp", "log", "tanh", "sqrt", "pow", "to_dtype",
           "reciprocal", "square"]


def _floatify(x):
    """Integer/bool arrays become the default float dtype (PyTorch's unary float ops)."""
    return x if x.dtype.kind in "fc" else x.astype(D.get_default_dtype().np)


def unbroadcast(g, x):
    """Sum ``g`` down to the shape of ``x`` (the reverse of broadcasting)."""
    xs = x.shape
    if g.shape == xs:
        return g
    from .reduction import sum_to_size
    return sum_to_size(g, xs)


def _expand_to(t, out):
    s = out.shape
    if t.shape == s:
        return t
    from .shape import expand
    return expand(t, s)


# ------------------------------------------------------------------ dtype conversion

def _cast_vjp(g, out, x, dtype):
    return to_dtype(g, npdtype(x))


_to_copy = Primitive("to_copy", lambda x, dtype: x.astype(dtype),
                     vjp=_cast_vjp, jvp=lambda t, out, x, dtype: to_dtype(t, dtype),
                     batch=batch_unary, node_name="ToCopyBackward0", saves=())


def to_dtype(x, dtype):
    """Cast to a dtype (differentiable between floating types); no-op when equal."""
    npd = D.to_numpy_dtype(dtype)
    if npdtype(x) == npd:
        return x
    return _to_copy(x, dtype=npd)


# ------------------------------------------------------------------ arithmetic

_add = Primitive("add", np.add,
                 vjp=(lambda g, out, x, y: unbroadcast(g, x),
                      lambda g, out, x, y: unbroadcast(g, y)),
                 jvp=(lambda t, out, x, y: t, lambda t, out, x, y: t),
                 batch=batch_elementwise, saves=())

_sub = Primitive("sub", np.subtract,
                 vjp=(lambda g, out, x, y: unbroadcast(g, x),
                      lambda g, out, x, y: unbroadcast(neg(g), y)),
                 jvp=(lambda t, out, x, y: t, lambda t, out, x, y: neg(t)),
                 batch=batch_elementwise, saves=())

_mul = Primitive("mul", np.multiply,
                 vjp=(lambda g, out, x, y: unbroadcast(mul(g, y), x),
                      lambda g, out, x, y: unbroadcast(mul(g, x), y)),
                 jvp=(lambda t, out, x, y: mul(t, y), lambda t, out, x, y: mul(t, x)),
                 batch=batch_elementwise)

_div = Primitive("div", np.true_divide,
                 vjp=(lambda g, out, x, y: unbroadcast(div(g, y), x),
                      lambda g, out, x, y: unbroadcast(neg(mul(g, div(div(x, y), y))), y)),
                 jvp=(lambda t, out, x, y: div(t, y),
                      lambda t, out, x, y: neg(mul(t, div(div(x, y), y)))),
                 batch=batch_elementwise)

_neg = Primitive("neg", np.negative, vjp=lambda g, out, x: neg(g),
                 jvp=lambda t, out, x: neg(t), batch=batch_unary, saves=())


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other`` with broadcasting and PyTorch's type promotion."""
    a, b = promote2(input, other)
    if alpha != 1:
        b = mul(b, alpha)
    return _add(a, b)


def sub(input, other, *, alpha=1, out=None):
    a, b = promote2(input, other)
    if alpha != 1:
        b = mul(b, alpha)
    return _sub(a, b)


def mul(input, other, *, out=None):
    a, b = promote2(input, other)
    return _mul(a, b)


def div(input, other, *, rounding_mode=None, out=None):
    """True division (integers give floats) or ``rounding_mode`` 'trunc' / 'floor'."""
    a, b = promote2(input, other)
    if rounding_mode is None:
        if npdtype(a if isinstance(a, Tensor) else b).kind not in "fc":
            fd = D.get_default_dtype().np
            a = to_dtype(a, fd) if isinstance(a, Tensor) else a
            b = to_dtype(b, fd) if isinstance(b, Tensor) else b
        return _div(a, b)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    return _div_mode(a, b, mode=rounding_mode)


def neg(input):
    return _neg(input)


def _div_rounded_impl(x, y, mode):
    if mode == "floor":
        return np.floor_divide(x, y)
    q = np.true_divide(x, y)
    q = np.trunc(q)
    kind = (x.dtype if isinstance(x, np.ndarray) else y.dtype).kind
    return q.astype(x.dtype if isinstance(x, np.ndarray) else y.dtype) if kind in "iub" else q


_div_mode = Primitive("div", _div_rounded_impl,
                      vjp=(lambda g, out, x, y, mode: unbroadcast(mul(g, 0), x),
                           lambda g, out, x, y, mode: unbroadcast(mul(g, 0), y)),
                      jvp=(lambda t, out, x, y, mode: mul(t, 0), lambda t, out, x, y, mode: mul(t, 0)),
                      batch=batch_elementwise, node_name="DivBackward1", saves=())


subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg


# ------------------------------------------------------------------ transcendental

_sin = Primitive("sin", lambda x: np.sin(_floatify(x)), vjp=lambda g, out, x: mul(g, cos(x)),
                 jvp=lambda t, out, x: mul(t, cos(x)), batch=batch_unary)
_cos = Primitive("cos", lambda x: np.cos(_floatify(x)),
                 vjp=lambda g, out, x: mul(g, neg(sin(x))),
                 jvp=lambda t, out, x: mul(t, neg(sin(x))), batch=batch_unary)
_exp = Primitive("exp", lambda x: np.exp(_floatify(x)), vjp=lambda g, out, x: mul(g, out),
                 jvp=lambda t, out, x: mul(t, out), batch=batch_unary, uses_output=True,
                 saves=())
_log = Primitive("log", lambda x: np.log(_floatify(x)), vjp=lambda g, out, x: div(g, x),
                 jvp=lambda t, out, x: div(t, x), batch=batch_unary)
_tanh = Primitive("tanh", lambda x: np.tanh(_floatify(x)),
                  vjp=lambda g, out, x: mul(g, sub(1, mul(out, out))),
                  jvp=lambda t, out, x: mul(t, sub(1, mul(out, out))), batch=batch_unary,
                  uses_output=True, saves=())
_sqrt = Primitive("sqrt", lambda x: np.sqrt(_floatify(x)),
                  vjp=lambda g, out, x: div(g, mul(out, 2)),
                  jvp=lambda t, out, x: div(t, mul(out, 2)), batch=batch_unary,
                  uses_output=True, saves=())


def sin(input):
    return _sin(input)


def cos(input):
    return _cos(input)


def exp(input):
    return _exp(input)


def log(input):
    return _log(input)


def tanh(input):
    return _tanh(input)


def sqrt(input):
    return _sqrt(input)


def reciprocal(input):
    return div(1, input) if npdtype(input).kind in "fc" else div(1.0, input)


def square(input):
    return mul(input, input)


def _pow_scalar_vjp(g, out, x, y):
    if y == 0:
        return mul(g, 0.0)
    return mul(g, mul(pow(x, y - 1), y))


_pow_ts = Primitive("pow", np.power, vjp=(_pow_scalar_vjp, None),
                    jvp=(lambda t, out, x, y: _pow_scalar_vjp(t, out, x, y), None),
                    batch=batch_elementwise, node_name="PowBackward0")


def _pow_exponent_grad(g, out, x, y):
    """d(x**y)/dy = x**y * log(x), taken as 0 where x == 0 and y >= 0 (PyTorch's convention)."""
    from .comparison import where, eq, ge, logical_and
    mask = logical_and(eq(x, 0), ge(y, 0))
    return unbroadcast(where(mask, 0.0, mul(g, mul(out, log(x)))), y)


_pow_tt = Primitive("pow", np.power,
                    vjp=(lambda g, out, x, y: unbroadcast(mul(g, mul(y, pow(x, sub(y, 1)))), x),
                         _pow_exponent_grad),
                    jvp=(lambda t, out, x, y: mul(t, mul(y, pow(x, sub(y, 1)))),
                         lambda t, out, x, y: mul(t, mul(out, log(x)))),
                    batch=batch_elementwise, node_name="PowBackward1", uses_output=True)
_pow_st = Primitive("pow", np.power,
                    vjp=(None, lambda g, out, x, y: mul(g, mul(out, float(np.log(x))))),
                    jvp=(None, lambda t, out, x, y: mul(t, mul(out, float(np.log(x))))),
                    batch=batch_elementwise, node_name="PowBackward2", uses_output=True)


def pow(input, exponent):
    """``input ** exponent``; integer tensors to negative integer powers raise like PyTorch."""
    a, b = promote2(input, exponent)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return _pow_tt(a, b)
    if isinstance(a, Tensor):
        if npdtype(a).kind in "iub" and type(b) is int and b < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return _pow_ts(a, b)
    return _pow_st(a, b)




def _rsub(self, other):
    return sub(other, self)


METHODS = {
    "__add__": lambda self, other: add(self, other), "__radd__": lambda self, other: add(other, self),
    "__sub__": lambda self, other: sub(self, other), "__rsub__": _rsub,
    "__mul__": mul, "__rmul__": lambda self, other: mul(other, self),
    "__truediv__": div, "__rtruediv__": lambda self, other: div(other, self),
    "__neg__": neg, "__pos__": lambda self: self,
    "__pow__": pow, "__rpow__": lambda self, other: pow(other, self),
    "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div,
    "divide": div, "true_divide": div, "neg": neg, "negative": neg, "pow": pow,
    "sin": sin, "cos": cos, "exp": exp, "log": log, "tanh": tanh, "sqrt": sqrt,
    "reciprocal": reciprocal, "square": square,
    "float": lambda self: to_dtype(self, "float32"), "double": lambda self: to_dtype(self, "float64"),
    "half": lambda self: to_dtype(self, "float16"), "long": lambda self: to_dtype(self, "int64"),
    "int": lambda self: to_dtype(self, "int32"), "short": lambda self: to_dtype(self, "int16"),
    "bool": lambda self: to_dtype(self, "bool"), "byte": lambda self: to_dtype(self, "uint8"),
    "char": lambda self: to_dtype(self, "int8"),
    "type_as": lambda self, other: to_dtype(self, other.dtype),
}
INPLACE = {
    "__iadd__": add, "__isub__": sub, "__imul__": mul, "__itruediv__": div, "__ipow__": pow,
    "add_": add, "sub_": sub, "mul_": mul, "div_": div, "neg_": neg, "pow_": pow,
    "sin_": sin, "cos_": cos, "exp_": exp, "log_": log, "tanh_": tanh, "sqrt_": sqrt,
}
