"""Reductions: sum, mean, sum_to_size (the reverse of broadcasting)."""
import numpy as np

from .. import _dtype as D
from ._primitive import Primitive
from ._util import norm_dims, npdtype, batch_dims_shift

__all__ = ["sum", "mean", "sum_to_size"]


def _kept_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _expand_back(g, x, dims, keepdim):
    from .shape import reshape, expand
    xs = tuple(x.shape)
    if not keepdim and dims:
        g = reshape(g, _kept_shape(xs, dims))
    return expand(g, xs)


def _sum_impl(x, dims, keepdim, dtype):
    if dtype is None and x.dtype.kind in "biu":
        dtype = np.int64
    return np.sum(x, axis=dims, keepdims=keepdim, dtype=dtype)


_sum = Primitive("sum", _sum_impl,
                 vjp=lambda g, out, x, dims, keepdim, dtype: _cast_like(
                     _expand_back(g, x, dims, keepdim), x),
                 jvp=lambda t, out, x, dims, keepdim, dtype: _sum(t, dims=dims, keepdim=keepdim,
                                                                  dtype=dtype),
                 batch=batch_dims_shift, saves=())


def _cast_like(g, x):
    from .elementwise import to_dtype
    return to_dtype(g, npdtype(x))


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim`` (int, tuple or all); integer and bool inputs sum to int64."""
    dims = norm_dims(dim, input.ndim, "sum")
    npd = D.to_numpy_dtype(dtype) if dtype is not None else None
    return _sum(input, dims=dims, keepdim=bool(keepdim), dtype=npd)


def _mean_impl(x, dims, keepdim):
    return np.mean(x, axis=dims, keepdims=keepdim)


def _count(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _mean_vjp(g, out, x, dims, keepdim):
    from .elementwise import div
    return _expand_back(div(g, _count(tuple(x.shape), dims)), x, dims, keepdim)


_mean = Primitive("mean", _mean_impl, vjp=_mean_vjp,
                  jvp=lambda t, out, x, dims, keepdim: _mean(t, dims=dims, keepdim=keepdim),
                  batch=batch_dims_shift, saves=())


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Arithmetic mean; PyTorch requires a floating (or complex) input or ``dtype``."""
    if dtype is not None:
        from .elementwise import to_dtype
        input = to_dtype(input, dtype)
    k = npdtype(input).kind
    if k not in "fc":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {D.NP2DT[npdtype(input)].name.capitalize()}")
    dims = norm_dims(dim, input.ndim, "mean")
    return _mean(input, dims=dims, keepdim=bool(keepdim))


def _sum_to_size_impl(x, shape):
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                      if s == 1 and x.shape[lead + i] != 1)
    r = np.sum(x, axis=axes, keepdims=True) if axes else x
    return r.reshape(shape)


def _sum_to_size_batch(prim, args, batched, shape):
    g = args[0]
    lead = g.ndim - 1 - len(shape)
    if lead:
        g = _sum(g, dims=tuple(range(1, 1 + lead)), keepdim=False, dtype=None)
    return prim(g, shape=(g.shape[0],) + tuple(shape))


_sum_to_size = Primitive("sum_to_size", _sum_to_size_impl,
                         vjp=lambda g, out, x, shape: _expand_to_shape(g, tuple(x.shape)),
                         jvp=lambda t, out, x, shape: _sum_to_size(t, shape=shape),
                         batch=_sum_to_size_batch, saves=(), node_name="SumBackward1")


def _expand_to_shape(g, shape):
    from .shape import expand
    return expand(g, shape)


def sum_to_size(input, *size):
    """Sum broadcast dimensions away so the result has ``size`` (reverse of expand)."""
    shape = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else tuple(size)
    if tuple(input.shape) == shape:
        return input
    return _sum_to_size(input, shape=shape)


METHODS = {"sum": sum, "mean": mean, "sum_to_size": sum_to_size}
INPLACE = {}
