"""Comparison, logical and bitwise ops (no gradient) and ``where`` (differentiable selection).

Comparisons promote like arithmetic (``int_tensor == 1.5`` compares as floats) and return bool;
logical ops take any dtypes; bitwise ops and shifts are for integer and bool tensors only.
"""
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._primitive import Primitive
from ._util import batch_elementwise, batch_unary, npdtype
from ._elementwise_base import (promote_pair, write_out, unsupported, tensor_arg, unbroadcast,
                                to_dtype, broadcast_error)

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
           "not_equal", "isclose", "allclose", "equal", "isnan", "isinf", "isfinite", "isposinf",
           "isneginf", "isreal", "signbit", "logical_and", "logical_or", "logical_not",
           "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
           "bitwise_left_shift", "bitwise_right_shift", "where"]

_BOOL = np.dtype(np.bool_)


def _nodiff(name, impl, batch=batch_elementwise):
    return Primitive(name, impl, batch=batch, differentiable=False)


def _cmp(name, ufunc, promote=True):
    """A comparison (operands promoted to a common dtype first) or, with ``promote=False``, a
    logical op (NumPy reads any dtype as truth values)."""
    prim = _nodiff(name, ufunc)

    def fn(input, other, *, out=None):
        a, b = promote_pair(input, other)[:2] if promote else (input, other)
        try:
            r = prim(a, b)
        except ValueError as e:
            broadcast_error(e, name, a, b)
        return r if out is None else write_out(r, out, name)
    fn.__name__ = fn.__qualname__ = name
    return fn


eq = _cmp("eq", np.equal)
ne = not_equal = _cmp("ne", np.not_equal)
lt = less = _cmp("lt", np.less)
le = less_equal = _cmp("le", np.less_equal)
gt = greater = _cmp("gt", np.greater)
ge = greater_equal = _cmp("ge", np.greater_equal)


def _eq_op(self, other):
    return False if other is None else eq(self, other)


def _ne_op(self, other):
    return True if other is None else ne(self, other)


# ------------------------------------------------------------------ closeness

def _isclose_impl(x, y, rtol, atol, equal_nan):
    if x.dtype is _BOOL:
        return np.equal(x, y)
    return np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)


_isclose = _nodiff("isclose", _isclose_impl)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|input - other| <= atol + rtol * |other|`` elementwise (same dtypes required)."""
    tensor_arg(other, "isclose")
    da, db = npdtype(input), npdtype(other)
    if da != db:
        from .inplace import _tname
        raise RuntimeError(f"{_tname(D.NP2DT[da])} did not match {_tname(D.NP2DT[db])}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    return _isclose(input, other, rtol=float(rtol), atol=float(atol), equal_nan=bool(equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Python bool: every element ``isclose``."""
    return bool(np.all(np.asarray(isclose(input, other, rtol, atol, equal_nan))))


def equal(input, other):
    """Python bool: same shape and equal elements (dtypes may differ)."""
    tensor_arg(input, "equal", 1, "input")
    tensor_arg(other, "equal")
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool(np.all(np.asarray(eq(input, other))))


# ------------------------------------------------------------------ classification

def unary_function(name, impl):
    prim = _nodiff(name, impl, batch_unary)

    def fn(input):
        return prim(input)
    fn.__name__ = fn.__qualname__ = name
    return fn


isnan = unary_function("isnan", np.isnan)
isinf = unary_function("isinf", np.isinf)
isfinite = unary_function("isfinite", np.isfinite)
isposinf = unary_function("isposinf", lambda x: np.equal(x, np.inf))
isneginf = unary_function("isneginf", lambda x: np.equal(x, -np.inf))
isreal = unary_function("isreal", lambda x: np.imag(x) == 0 if x.dtype.kind == "c"
                   else np.ones(x.shape, bool))
signbit = unary_function("signbit", np.signbit)


# ------------------------------------------------------------------ logical

logical_and = _cmp("logical_and", np.logical_and, promote=False)
logical_or = _cmp("logical_or", np.logical_or, promote=False)
logical_xor = _cmp("logical_xor", np.logical_xor, promote=False)
_lnot = _nodiff("logical_not", np.logical_not, batch_unary)


def logical_not(input, *, out=None):
    r = _lnot(input)
    return r if out is None else write_out(r, out, "logical_not")


# ------------------------------------------------------------------ bitwise

def _bitwise(name, ufunc, kernel):
    prim = _nodiff(name, ufunc)

    def fn(input, other, *, out=None):
        a, b, dt = promote_pair(input, other)
        if dt.kind not in "biu":
            unsupported(kernel, dt)
        try:
            r = prim(a, b)
        except ValueError as e:
            broadcast_error(e, name, a, b)
        return r if out is None else write_out(r, out, name)
    fn.__name__ = fn.__qualname__ = name
    return fn


bitwise_and = _bitwise("bitwise_and", np.bitwise_and, "bitwise_and_cpu")
bitwise_or = _bitwise("bitwise_or", np.bitwise_or, "bitwise_or_cpu")
bitwise_xor = _bitwise("bitwise_xor", np.bitwise_xor, "bitwise_xor_cpu")
bitwise_left_shift = _bitwise("bitwise_left_shift", np.left_shift, "lshift_cpu")
bitwise_right_shift = _bitwise("bitwise_right_shift", np.right_shift, "rshift_cpu")
_bnot = _nodiff("bitwise_not", np.invert, batch_unary)


def bitwise_not(input, *, out=None):
    dt = npdtype(input)
    if dt.kind not in "biu":
        unsupported("bitwise_not_cpu", dt)
    r = _bnot(input)
    return r if out is None else write_out(r, out, "bitwise_not")


def _invert(self):
    if npdtype(self).kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return _bnot(self)


def _swap(fn):
    return lambda self, other: fn(other, self)


# ------------------------------------------------------------------ where

def _where_vjp(which):
    def rule(g, out, c, x, y):
        sel = _where(c, g, 0.0) if which == 1 else _where(c, 0.0, g)
        return unbroadcast(sel, x if which == 1 else y)
    return rule


def _where_impl(c, x, y):
    """np.where, with a branch-free fast path for ``where(c, x, 0)`` on floats (the shape of
    relu/clamp/mask gradients): np.where is ~10x slower there on unpredictable masks."""
    if (y.__class__ is float or y.__class__ is int) and y == 0 and x.__class__ is np.ndarray \
            and x.dtype.kind == "f" and c.__class__ is np.ndarray and x.shape == c.shape:
        it = _INT_OF[x.dtype.itemsize]
        bits = c.astype(it)
        np.negative(bits, out=bits)
        np.bitwise_and(bits, x.view(it), out=bits)
        return bits.view(x.dtype)
    return np.where(c, x, y)


_INT_OF = {2: np.int16, 4: np.int32, 8: np.int64}

_where = Primitive("where", _where_impl, vjp=(None, _where_vjp(1), _where_vjp(2)),
                   jvp=(None, lambda t, out, c, x, y: _where(c, t, 0.0),
                        lambda t, out, c, x, y: _where(c, 0.0, t)),
                   batch=batch_elementwise, saves=(0,))


def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` else ``other``, broadcast and promoted (Python numbers
    stay weakly typed); the one-argument form is ``nonzero(condition, as_tuple=True)``."""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' (position 1) must be Tensor, not "
                        f"{type(condition).__name__}")
    cd = npdtype(condition)
    if cd is not _BOOL:
        if cd != np.uint8:
            from .inplace import _tname
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {_tname(D.NP2DT[cd])}")
        import warnings
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated "
                      "and will be removed in a future version of PyTorch. Use a boolean "
                      "condition instead.", UserWarning, stacklevel=2)
        condition = to_dtype(condition, _BOOL)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        from .creation import tensor
        input = tensor(input, dtype=D.result_dtype([], [], [D._scalar_dtype(input),
                                                            D._scalar_dtype(other)]))
    a, b, dt = promote_pair(input, other)
    try:
        r = _where(condition, a, b)
    except ValueError as e:
        broadcast_error(e, "where", condition, a, b)
    return r if out is None else write_out(r, out, "where")


METHODS = {
    "__eq__": _eq_op, "__ne__": _ne_op, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge, "greater": gt,
    "greater_equal": ge, "less": lt, "less_equal": le, "not_equal": ne,
    "isclose": isclose, "allclose": allclose, "equal": equal, "isnan": isnan, "isinf": isinf,
    "isfinite": isfinite, "isposinf": isposinf, "isneginf": isneginf, "isreal": isreal,
    "signbit": signbit,
    "logical_and": logical_and, "logical_or": logical_or, "logical_not": logical_not,
    "logical_xor": logical_xor, "bitwise_and": bitwise_and, "bitwise_or": bitwise_or,
    "bitwise_xor": bitwise_xor, "bitwise_not": bitwise_not,
    "bitwise_left_shift": bitwise_left_shift, "bitwise_right_shift": bitwise_right_shift,
    "__and__": bitwise_and, "__rand__": bitwise_and, "__or__": bitwise_or,
    "__ror__": bitwise_or, "__xor__": bitwise_xor, "__rxor__": bitwise_xor,
    "__invert__": _invert, "__lshift__": bitwise_left_shift,
    "__rlshift__": _swap(bitwise_left_shift), "__rshift__": bitwise_right_shift,
    "__rrshift__": _swap(bitwise_right_shift),
    "where": lambda self, condition, other: where(condition, self, other),
}
INPLACE = {
    "eq_": eq, "ne_": ne, "lt_": lt, "le_": le, "gt_": gt, "ge_": ge, "greater_": gt,
    "greater_equal_": ge, "less_": lt, "less_equal_": le, "not_equal_": ne,
    "logical_and_": logical_and, "logical_or_": logical_or, "logical_xor_": logical_xor,
    "logical_not_": logical_not, "bitwise_and_": bitwise_and, "bitwise_or_": bitwise_or,
    "bitwise_xor_": bitwise_xor, "bitwise_not_": bitwise_not,
    "bitwise_left_shift_": bitwise_left_shift, "bitwise_right_shift_": bitwise_right_shift,
    "__iand__": bitwise_and, "__ior__": bitwise_or, "__ixor__": bitwise_xor,
    "__ilshift__": bitwise_left_shift, "__irshift__": bitwise_right_shift,
}
