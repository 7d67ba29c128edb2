"""Helpers shared by the elementwise op families (elementwise, math, comparison).

``promote_pair`` is PyTorch's binary type promotion with a fast path for the common cases;
``unary`` builds a unary primitive from an array function and its derivative; ``write_out``
implements ``out=``; the error helpers give PyTorch's exception types and messages.
"""
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from .._state import STATE
from ._primitive import Primitive
from ._util import batch_unary, batch_elementwise, promote2, npdtype

_BOOL = np.dtype(np.bool_)
_I64 = np.dtype(np.int64)
_I64_HALF = 1 << 63


def _dt(a, b=None):
    """NumPy dtype of the (first) tensor among already-promoted operands."""
    x = a if isinstance(a, Tensor) else b
    return x._data.dtype if x.__class__ is Tensor else x.dtype.np


def _array_dtype(t):
    """NumPy dtype of a tensor, looking through transform wrappers to the array they wrap."""
    while t._is_wrapper:
        t = t._inner
    return t._data.dtype


def promote_pair(a, b):
    """PyTorch promotion of two operands; returns ``(a, b, result NumPy dtype)``.  Same-dtype
    plain tensors and a float tensor with a Python number skip the general rules.  A Python
    int out of an integer result dtype's range wraps around into it, as in PyTorch
    (``uint8_tensor + -3`` adds 253); ops that compute in floats use the original scalar."""
    if a.__class__ is Tensor and b.__class__ is Tensor:
        da = a._data.dtype
        if b._data.dtype is da:
            return a, b, da
    if isinstance(a, Tensor):
        da = _array_dtype(a)
        cb = b.__class__
        if cb is Tensor or isinstance(b, Tensor):
            if _array_dtype(b) is da:
                return a, b, da
        elif cb is float:
            if da.kind in "fc":
                return a, b, da
        elif cb is int:
            if da.kind in "fc" or da is _I64 and -_I64_HALF <= b < _I64_HALF:
                return a, b, da
    a, b = promote2(a, b)
    dt = _dt(a, b)
    if dt.kind in "iu":
        if a.__class__ is int:
            a = wrap_int(a, dt)
        elif b.__class__ is int:
            b = wrap_int(b, dt)
    return a, b, dt


def wrap_int(s, dt):
    """A Python int outside an integer dtype's range wraps around, as in PyTorch
    (``uint8_tensor + -3`` adds 253); NumPy would raise OverflowError instead."""
    bits = 8 * dt.itemsize
    if dt.kind == "u":
        return s % (1 << bits) if not 0 <= s < (1 << bits) else s
    half = 1 << (bits - 1)
    return (s + half) % (1 << bits) - half if not -half <= s < half else s


def broadcast_error(exc, op, *xs):
    """Re-raise NumPy's broadcasting ValueError as PyTorch's RuntimeError (naming the op and
    the shapes); any other ValueError propagates unchanged."""
    from ._util import broadcast_shapes
    broadcast_shapes(*(tuple(x.shape) for x in xs if isinstance(x, Tensor)), op=op)
    raise exc


def tensor_arg(x, op, pos=2, name="other"):
    """PyTorch's TypeError for ops whose argument must be a Tensor (maximum, atan2 ...)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def float_impl(fn, op):
    """``fn`` on arrays, computing integer/bool input in the default float dtype (PyTorch's
    rule for sin, exp, sqrt ...); a non-tensor input gets PyTorch's TypeError."""
    def impl(x):
        try:
            k = x.dtype.kind
        except AttributeError:
            raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(x).__name__}") from None
        if k not in "fc":
            x = x.astype(D.get_default_dtype().np)
        return fn(x)
    impl.__name__ = op
    return impl


def unary(name, fn, lin, *, uses_input=True, uses_output=False, node_name=None, floats=True):
    """A unary elementwise primitive.  ``lin(v, x, out)`` multiplies ``v`` by the derivative;
    for real elementwise ops the reverse and forward rules are the same product."""
    return Primitive(name, float_impl(fn, name) if floats else fn,
                     vjp=lambda g, out, x: lin(g, x, out), jvp=lambda t, out, x: lin(t, x, out),
                     batch=batch_unary, uses_output=uses_output,
                     saves=None if uses_input else (), node_name=node_name)


def output_gradient_primitive(name, node_name, impl, d_out):
    """``impl(g, out)``: an activation's derivative times ``g``, written on its output, as one
    primitive (the training loop's backward runs it every step).  It is linear in ``g``, so
    its rule in ``g`` is itself; ``d_out(G, g, out)`` is its rule in ``out``."""
    def rule_g(G, r, g, out):
        return unbroadcast(prim(G, out), g)

    def rule_out(G, r, g, out):
        return unbroadcast(d_out(G, g, out), out)

    def tangent_g(t, r, g, out):
        return prim(t, out)

    def tangent_out(t, r, g, out):
        return d_out(t, g, out)
    prim = Primitive(name, impl, vjp=(rule_g, rule_out), jvp=(tangent_g, tangent_out),
                     batch=batch_elementwise, saves={0: (1,), 1: (0, 1)}, node_name=node_name)
    return prim


def variant(prim, name, node_name, impl=None, **kw):
    """The same rules under another name and backward-node name (PyTorch names scalar
    overloads apart: PowBackward0/1/2), optionally with another ``impl``."""
    opts = dict(vjp=prim.vjp, jvp=prim.jvp, batch=prim.batch, saves=prim.saves,
                uses_output=prim.uses_output)
    opts.update(kw)
    return Primitive(name, impl or prim.impl, node_name=node_name, **opts)


def zero_rule(k):
    """Gradient for argument ``k`` of a piecewise-constant op (floor, sign ...): zeros."""
    def rule(g, out, *args, **params):
        from .creation import zeros_like
        return zeros_like(args[k])
    return rule


def zero_tangent(t, out, *args, **params):
    from .creation import zeros_like
    return zeros_like(out)


def not_differentiable(op):
    """Rules of an op PyTorch does not differentiate (floor_divide): raise when reached."""
    def vjp(*args, **params):
        raise RuntimeError(f"derivative for aten::{op} is not implemented")

    def jvp(*args, **params):
        raise RuntimeError(f"Trying to use forward AD with {op} that does not support it")
    return vjp, jvp


def unsupported(op, npd):
    """PyTorch's error for a dtype an op has no kernel for."""
    from .inplace import _tname
    raise NotImplementedError(f'"{op}" not implemented for \'{_tname(D.NP2DT[npd])}\'')


def unbroadcast(g, x):
    """Sum ``g`` down to the shape of ``x`` (the reverse of broadcasting)."""
    if g.__class__ is Tensor and x.__class__ is Tensor and g._data.shape == x._data.shape:
        return g
    xs = x.shape
    if g.shape == xs:
        return g
    from .reduction import sum_to_size
    return sum_to_size(g, xs)


def write_out(res, out, op):
    """PyTorch's ``out=``: check grad and dtype, resize an out of the wrong shape, write."""
    from .inplace import assign, _tname
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if STATE.grad_enabled and (res.requires_grad or out.requires_grad):
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if res.dtype._cat > out.dtype._cat:
        raise RuntimeError(f"result type {_tname(res.dtype)} can't be cast to the desired "
                           f"output type {_tname(out.dtype)}")
    shape = tuple(res.shape)
    if tuple(out.shape) != shape:
        if out.numel():
            import warnings
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(out.shape)}, which does not match the required output shape "
                          f"{list(shape)}. This behavior is deprecated, and in a future PyTorch "
                          "release outputs will not be resized unless they have zero elements. "
                          "You can explicitly reuse an out tensor t by resizing it, inplace, to "
                          "zero elements with t.resize_(0).", UserWarning, stacklevel=3)
        out._data = np.empty(shape, out._data.dtype)
    assign(out, res, op)
    return out


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


def caller_int(x, a):
    """The caller's Python int instead of its integer-wrapped form (for float results)."""
    return x if x.__class__ is int else a


def to_default_float(a, b):
    fd = D.get_default_dtype().np
    return (to_dtype(a, fd) if isinstance(a, Tensor) else a,
            to_dtype(b, fd) if isinstance(b, Tensor) else b)


def unary_function(prim, name, doc=None):
    """Public function of a unary primitive (with ``out=``)."""
    def fn(input, *, out=None):
        r = prim(input)
        return r if out is None else write_out(r, out, name)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn
