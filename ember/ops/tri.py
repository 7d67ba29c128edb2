"""Diagonals and triangles: diagonal (a view), diag_embed, diag, trace, tril, triu.

``diagonal`` and ``diag_embed`` are each other's adjoint, so one scatter primitive serves as
``diag_embed`` and as the gradient of ``diagonal``.  NumPy's linalg-style functions (tril, trace
over the last two axes) already work on stacks, so their batching rules are trivial.
"""
import numpy as np

from .._tensor import wrap_dim, make_tensor
from ._primitive import Primitive
from ._util import batch_unary, npdtype

__all__ = ["diagonal", "diag_embed", "diag", "trace", "tril", "triu"]


def _diagonal_impl(x, offset, dim1, dim2):
    d = np.diagonal(x, offset, dim1, dim2)
    if x.flags.writeable:           # NumPy hands out a read-only view; PyTorch's is writable
        d.flags.writeable = True
    return d


def _embed_impl(x, shape, offset, dim1, dim2):
    out = np.zeros(shape, x.dtype)
    _diagonal_impl(out, offset, dim1, dim2)[...] = x
    return out


_diagonal = Primitive(
    "diagonal", _diagonal_impl,
    vjp=lambda g, out, x, offset, dim1, dim2: _diag_embed(
        g, shape=tuple(x.shape), offset=offset, dim1=dim1, dim2=dim2),
    jvp=lambda t, out, x, offset, dim1, dim2: _diagonal(t, offset=offset, dim1=dim1, dim2=dim2),
    batch=lambda prim, args, batched, offset, dim1, dim2: prim(
        args[0], offset=offset, dim1=dim1 + 1, dim2=dim2 + 1),
    saves=(), is_view=True)

_diag_embed = Primitive(
    "diag_embed", _embed_impl,
    vjp=lambda g, out, x, shape, offset, dim1, dim2: _diagonal(
        g, offset=offset, dim1=dim1, dim2=dim2),
    jvp=lambda t, out, x, shape, offset, dim1, dim2: _diag_embed(
        t, shape=shape, offset=offset, dim1=dim1, dim2=dim2),
    batch=lambda prim, args, batched, shape, offset, dim1, dim2: prim(
        args[0], shape=(args[0].shape[0],) + shape, offset=offset, dim1=dim1 + 1,
        dim2=dim2 + 1),
    saves=())


def diagonal(input, offset=0, dim1=0, dim2=1):
    """View of the diagonal ``offset`` of the (dim1, dim2) planes, appended as the last dim."""
    nd = input.ndim
    d1, d2 = wrap_dim(dim1, nd, "diagonal"), wrap_dim(dim2, nd, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return _diagonal(input, offset=int(offset), dim1=d1, dim2=d2)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Place the last dim of ``input`` on the diagonal of new (dim1, dim2) planes."""
    nd = input.ndim + 1
    d1, d2 = wrap_dim(dim1, nd, "diag_embed"), wrap_dim(dim2, nd, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    shape = tuple(input.shape)
    m = shape[-1] + abs(int(offset))
    rest = iter(shape[:-1])
    full = tuple(m if i in (d1, d2) else next(rest) for i in range(nd))
    return _diag_embed(input, shape=full, offset=int(offset), dim1=d1, dim2=d2)


def diag(input, diagonal=0, *, out=None):
    """1-D input: a matrix with it on diagonal ``diagonal``; 2-D input: that diagonal (a copy)."""
    nd = input.ndim
    if nd == 1:
        return diag_embed(input, diagonal, 0, 1)
    if nd == 2:
        from .copy import clone
        return clone(_diagonal(input, offset=int(diagonal), dim1=0, dim2=1))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


def _eye_like(x):
    n, m = x.shape[-2], x.shape[-1]
    return make_tensor(np.eye(n, m, dtype=npdtype(x)))


def _trace_impl(x):
    r = np.trace(x, axis1=-2, axis2=-1)
    return r.astype(np.int64) if r.dtype.kind in "biu" else r


def _trace_vjp(g, out, x):
    from .elementwise import mul
    from .shape import reshape
    return mul(reshape(g, tuple(g.shape) + (1, 1)), _eye_like(x))


_trace = Primitive("trace", _trace_impl, vjp=_trace_vjp,
                   jvp=lambda t, out, x: _trace(t), batch=batch_unary, saves=())


def trace(input):
    """Sum of the main diagonal of a matrix."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return _trace(input)


def _tri(name, fn):
    prim = Primitive(name, lambda x, k: fn(x, k),
                     vjp=lambda g, out, x, k: prim(g, k=k),
                     jvp=lambda t, out, x, k: prim(t, k=k),
                     batch=batch_unary, saves=())

    def public(input, diagonal=0, *, out=None):
        if input.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return prim(input, k=int(diagonal))
    public.__name__ = name
    public.__doc__ = (f"{'Lower' if name == 'tril' else 'Upper'} triangle of the last two dims "
                      f"(others zeroed); ``diagonal`` shifts the boundary.")
    return public


tril = _tri("tril", np.tril)
triu = _tri("triu", np.triu)


METHODS = {"diagonal": diagonal, "diag_embed": diag_embed, "diag": diag, "trace": trace,
           "tril": tril, "triu": triu}
INPLACE = {"tril_": tril, "triu_": triu}
