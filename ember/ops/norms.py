"""Norms: linalg.vector_norm (one primitive for every ord), matrix_norm, linalg.norm, torch.norm.

A primitive rather than sqrt(sum(x**2)) so the gradient at x = 0 is 0 (not nan), ties of the
inf-norm share the gradient evenly, and the node is PyTorch's LinalgVectorNormBackward0.
Matrix norms are compositions of vector norms and singular values.
"""
import math

import numpy as np

from .._tensor import Tensor
from ._primitive import Primitive
from ._util import npdtype, norm_dims, batch_dims_shift
from .einsum import _dt_name
from . import elementwise as E, shape as SH, reduction as R

__all__ = ["vector_norm", "matrix_norm", "norm"]

_INF = math.inf


def _vnorm_impl(x, ord, dims, keepdim):
    if ord == 2:
        return np.sqrt(np.sum(x * x, axis=dims, keepdims=keepdim))
    a = np.abs(x)
    if ord == _INF:
        return np.max(a, axis=dims, keepdims=keepdim)
    if ord == -_INF:
        return np.min(a, axis=dims, keepdims=keepdim)
    if ord == 0:
        return np.sum(a != 0, axis=dims, keepdims=keepdim).astype(x.dtype)
    if ord == 1:
        return np.sum(a, axis=dims, keepdims=keepdim)
    with np.errstate(divide="ignore"):
        return np.sum(a ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)


def _sign(x):
    """sign(x) as a constant (its derivative is zero almost everywhere)."""
    from .comparison import gt, lt
    dt = npdtype(x)
    return E.sub(E.to_dtype(gt(x, 0), dt), E.to_dtype(lt(x, 0), dt))


def _direction(x, out, ord, dims, keepdim):
    """d norm / dx, shaped like x (0 where the norm or, for ord < 1, the entry is zero)."""
    from .comparison import eq, where, logical_or
    n = out if keepdim else SH.reshape(out, tuple(1 if i in dims else s
                                                  for i, s in enumerate(x.shape)))
    if ord == 0:
        from .creation import zeros_like
        return zeros_like(x)
    sgn = _sign(x)
    if ord == 1:
        return sgn
    nzero = eq(n, 0)
    if ord == 2:
        return E.div(x, where(nzero, 1.0, n))
    ax = E.mul(x, sgn)
    if ord in (_INF, -_INF):
        hit = E.to_dtype(eq(ax, n), npdtype(x))
        return E.div(E.mul(sgn, hit), R.sum(hit, dims, True))
    bad = logical_or(eq(x, 0), nzero)
    ratio = E.div(where(bad, 1.0, ax), where(nzero, 1.0, n))
    return where(bad, 0.0, E.mul(sgn, E.pow(ratio, ord - 1)))


def _expand_g(g, x, dims, keepdim):
    if not keepdim:
        g = SH.reshape(g, tuple(1 if i in dims else s for i, s in enumerate(x.shape)))
    return g


_vnorm = Primitive(
    "linalg_vector_norm", _vnorm_impl,
    vjp=lambda g, out, x, ord, dims, keepdim: E.mul(_expand_g(g, x, dims, keepdim),
                                                    _direction(x, out, ord, dims, keepdim)),
    jvp=lambda t, out, x, ord, dims, keepdim: R.sum(
        E.mul(t, _direction(x, out, ord, dims, keepdim)), dims, keepdim),
    batch=batch_dims_shift, uses_output=True)


def _float_input(op, x, dtype):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'x' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    if npdtype(x).kind not in "fc":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                           f"{_dt_name(x)}")
    return x if dtype is None else E.to_dtype(x, dtype)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The ord-norm of x over ``dim`` (all dims when None), treating it as one vector."""
    x = _float_input("linalg.vector_norm", x, dtype)
    if isinstance(ord, str) or isinstance(ord, bool):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, "
                        f"not {type(ord).__name__}")
    dims = norm_dims(None if dim in ((), []) else dim, x.ndim, "linalg.vector_norm")
    if ord < 0 and x.numel() == 0 or ord == _INF and x.numel() == 0:
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor "
                           f"because the operation does not have an identity")
    return _vnorm(x, ord=float(ord), dims=dims, keepdim=bool(keepdim))


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Frobenius, nuclear, 1/-1 (column sums), inf/-inf (row sums) or 2/-2 (singular values)."""
    A = _float_input("linalg.matrix_norm", A, dtype)
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    d = norm_dims(dim, A.ndim, "linalg.matrix_norm")
    if len(d) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                           f"{' '.join(str(x) for x in dim)}")
    d0, d1 = (dim[0] % A.ndim, dim[1] % A.ndim)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        from .spectral import svdvals
        s = svdvals(SH.movedim(A, (d0, d1), (-2, -1)))
        r = R.sum(s, -1) if ord == "nuc" else vector_norm(s, _INF if ord == 2 else -_INF, -1)
        if keepdim:
            for i in sorted((d0, d1)):
                r = SH.unsqueeze(r, i)
        return r
    if ord not in (1, -1, _INF, -_INF):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    inner, outer = (d0, d1) if ord in (1, -1) else (d1, d0)
    big = ord in (1, _INF)
    r = vector_norm(vector_norm(A, 1, inner, True), _INF if big else -_INF, outer, True)
    return r if keepdim else SH.squeeze(r, (d0, d1))


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """linalg.norm: a vector norm or, for two dims (or a 2-D input with ord), a matrix norm."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. "
                               f"Got {list(dims)}")
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    if A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.ndim}D.")
    return vector_norm(A, ord, None, keepdim, dtype=dtype)


def norm_top(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """``torch.norm``: p-norm over ``dim`` (all elements by default); 'nuc' is a matrix norm."""
    if p == "nuc":
        return matrix_norm(input, "nuc", tuple(range(input.ndim)) if dim is None else dim,
                           keepdim, dtype=dtype)
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm(): unsupported norm type '{p}'")
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


TOP = {"norm": norm_top}
