"""Ordering ops: sort, argsort, topk, kthvalue, median, and the scans cumsum, cumprod, cummax.

Ops returning (values, indices) share the selection rules of ``reduction``: the gradient is
scattered to the returned indices and the tangent gathered from them.  Sorting is always
stable (ties keep their order, also descending) and NaN sorts as the largest value, as in
PyTorch; the median's index is the stable-sorted one, which is what PyTorch returns.
"""
import numpy as np

from .. import _dtype as D
from .. import return_types as R
from .._tensor import wrap_dim
from ._primitive import Primitive
from ._util import batch_dim_shift
from .elementwise import add, mul, div
from .comparison import eq, where, logical_and
from .shape import reshape
from .reduction import (SELECT_RULES, select_vjp, evenly_rules, reduce_along, _sum, _int_acc,
                        _cast_like)

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "cumsum",
           "cumprod", "cummax", "cummin"]


def _take(a, start, stop, axis):
    return a[(slice(None),) * axis + (slice(start, stop),)]


# ------------------------------------------------------------------ sort, argsort, topk

def _sorted(x, dim, descending=False):
    """(values, indices) in stable order along ``dim``; descending keeps ties in ascending
    index order.  The fast unstable argsort gives the same indices unless the sorted values
    hold ties (or NaN, which sort last); only then is the stable (slower) argsort run."""
    v = np.sort(x, axis=dim)
    n = x.shape[dim]
    if n > 1 and ((_take(v, 1, n, dim) == _take(v, 0, n - 1, dim)).any() or
                  (v.dtype.kind in "fc" and np.isnan(v[(slice(None),) * dim + (-1,)]).any())):
        if descending:
            i = np.flip(np.flip(x, dim).argsort(axis=dim, kind="stable"), dim)
            return np.flip(v, dim), (n - 1) - i
        return v, x.argsort(axis=dim, kind="stable")
    i = x.argsort(axis=dim)
    return (np.flip(v, dim), np.flip(i, dim)) if descending else (v, i)


_sort = Primitive("sort", _sorted, **SELECT_RULES)
_argsort = Primitive("argsort", lambda x, dim, descending: _sorted(x, dim, descending)[1],
                     batch=batch_dim_shift, differentiable=False)


def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along ``dim``; stable, NaN last (first when descending)."""
    return reduce_along(_sort, R.sort, input, dim, "sort", empty_ok=True,
                        descending=bool(descending))


def argsort(input, dim=-1, descending=False, stable=False):
    if input.ndim == 0:
        wrap_dim(dim, 0, "argsort")
        return reshape(_argsort(reshape(input, (1,)), dim=0, descending=False), ())
    return _argsort(input, dim=wrap_dim(dim, input.ndim, "argsort"),
                    descending=bool(descending))


def msort(input):
    return sort(input, 0)[0]


def _topk_impl(x, k, dim, largest, sorted):
    n = x.shape[dim]
    if n >= 1024 and 4 * k < n:     # partial selection, then order only the k chosen ones
        p = np.argpartition(x, n - k if largest else k - 1, axis=dim)
        p = _take(p, n - k, n, dim) if largest else _take(p, 0, k, dim)
        v, o = _sorted(np.take_along_axis(x, p, axis=dim), dim, largest)
        return v, np.take_along_axis(p, o, axis=dim)
    v, i = _sorted(x, dim, largest)
    return _take(v, 0, k, dim), _take(i, 0, k, dim)


_topk = Primitive("topk", _topk_impl, **SELECT_RULES)


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices."""
    d = wrap_dim(dim, input.ndim, "topk")
    n = input.shape[d] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if input.ndim == 0:
        return R.topk(*_scan(_topk, input, dim, "topk", k=int(k), largest=bool(largest),
                             sorted=True))
    return R.topk(*_topk(input, k=int(k), dim=d, largest=bool(largest), sorted=True))


# ------------------------------------------------------------------ kthvalue, median

def _kth_impl(x, k, dim, keepdim):
    i = _take(np.argpartition(x, k - 1, axis=dim), k - 1, k, dim)
    v = np.take_along_axis(x, i, axis=dim)
    return (v, i) if keepdim else (v.squeeze(dim), i.squeeze(dim))


_kthvalue = Primitive("kthvalue", _kth_impl, **SELECT_RULES)


def kthvalue(input, k, dim=-1, keepdim=False):
    """The k-th smallest element along ``dim`` (1-based) and its index."""
    d = wrap_dim(dim, input.ndim, "kthvalue")
    n = input.shape[d] if input.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    return reduce_along(_kthvalue, R.kthvalue, input, dim, "kthvalue", k=int(k),
                        keepdim=bool(keepdim))


def _median_along(x, axis, ignore_nan):
    """(values, indices) of the lower median along ``axis`` with kept dims.

    The index is the stable-sorted one; with NaN the result is the first NaN (median) or
    the median of the other elements (nanmedian)."""
    n = x.shape[axis]
    order = _sorted(x, axis)[1]
    nan = np.isnan(x) if x.dtype.kind in "fc" else None
    if nan is not None and ignore_nan:
        pos = np.maximum((n - nan.sum(axis=axis, keepdims=True) - 1) // 2, 0)
        i = np.take_along_axis(order, pos, axis=axis)
    else:
        i = _take(order, (n - 1) // 2, (n - 1) // 2 + 1, axis)
        if nan is not None:
            i = np.where(nan.any(axis=axis, keepdims=True),
                         np.argmax(nan, axis=axis, keepdims=True), i)
    return np.take_along_axis(x, i, axis=axis), i


def _median_all_impl(ignore_nan):
    def impl(x, dims, keepdim):
        lead = [d for d in range(x.ndim) if d not in dims]
        n = int(np.prod([x.shape[d] for d in dims]))
        y = np.transpose(x, lead + list(dims)).reshape([x.shape[d] for d in lead] + [n])
        if y.shape[-1] == 0:
            return np.full(y.shape[:-1], np.nan, x.dtype)
        return _median_along(y, y.ndim - 1, ignore_nan)[0][..., 0]
    return impl


def _median_dim_impl(ignore_nan):
    def impl(x, dim, keepdim):
        v, i = _median_along(x, dim, ignore_nan)
        return (v, i) if keepdim else (v.squeeze(dim), i.squeeze(dim))
    return impl


_median = Primitive("median", _median_all_impl(False), **evenly_rules(True))
_nanmedian = Primitive("nanmedian", _median_all_impl(True), **evenly_rules(True))
_median_dim = Primitive("median_dim", _median_dim_impl(False), node_name="MedianBackward1",
                        **SELECT_RULES)
_nanmedian_dim = Primitive("nanmedian_dim", _median_dim_impl(True),
                           node_name="NanmedianBackward1", **SELECT_RULES)


def median(input, dim=None, keepdim=False):
    """Lower median: of all elements (ties share the gradient), or along ``dim`` ->
    (values, indices) with the gradient going to the returned index."""
    if dim is None:
        return _median(input, dims=tuple(range(input.ndim)), keepdim=False)
    return reduce_along(_median_dim, R.median, input, dim, "median", keepdim=bool(keepdim))


def nanmedian(input, dim=None, keepdim=False):
    """Median ignoring NaN."""
    if dim is None:
        return _nanmedian(input, dims=tuple(range(input.ndim)), keepdim=False)
    return reduce_along(_nanmedian_dim, R.nanmedian, input, dim, "nanmedian",
                        keepdim=bool(keepdim))


# ------------------------------------------------------------------ cumsum, cumprod

def _cumsum_impl(x, dim, reverse, dtype):
    dtype = _int_acc(x, dtype)
    if reverse:
        return np.flip(np.flip(x, dim).cumsum(axis=dim, dtype=dtype), dim)
    return x.cumsum(axis=dim, dtype=dtype)


_cumsum = Primitive(
    "cumsum", _cumsum_impl,
    vjp=lambda g, out, x, dim, reverse, dtype: _cast_like(
        _cumsum(g, dim=dim, reverse=not reverse, dtype=None), x),
    jvp=lambda t, out, x, dim, reverse, dtype: _cumsum(t, dim=dim, reverse=reverse, dtype=dtype),
    batch=batch_dim_shift, saves=())


def _scan(prim, input, dim, op, **params):
    """Run a scan along ``dim``; a 0-d input is scanned as a 1-element vector."""
    if input.ndim == 0:
        wrap_dim(dim, 0, op)
        r = prim(reshape(input, (1,)), dim=0, **params)
        return tuple(reshape(o, ()) for o in r) if isinstance(r, tuple) else reshape(r, ())
    return prim(input, dim=wrap_dim(dim, input.ndim, op), **params)


def cumsum(input, dim, *, dtype=None):
    """Cumulative sum along ``dim``; integer and bool inputs accumulate in int64."""
    npd = None if dtype is None else D.to_numpy_dtype(dtype)
    return _scan(_cumsum, input, dim, "cumsum", reverse=False, dtype=npd)


def _rcumsum(v, dim):
    return _cumsum(v, dim=dim, reverse=True, dtype=None)


def _first_zero(x, dim):
    """Masks of the first zero along ``dim`` and of the positions before it."""
    zero = eq(x, 0)
    c = _cumsum(zero, dim=dim, reverse=False, dtype=None)
    return logical_and(zero, eq(c, 1)), eq(c, 0)


def _cumprod_vjp(g, out, x, dim, dtype):
    """Exact with zeros: before the first zero ``rcumsum(g*out)/x``; at it, the same sum with
    the zero replaced by one; after it zero, written as ``x_zero * ...`` so the second
    derivative through the first zero stays exact."""
    first, before = _first_zero(x, dim)
    a = div(_rcumsum(mul(g, out), dim), where(before, x, 1.0))
    r1 = _rcumsum(mul(g, _cumprod(where(first, 1.0, x), dim=dim, dtype=None)), dim)
    xz = _sum(where(first, x, 0.0), dims=(dim,), keepdim=True, dtype=None)
    after = div(mul(xz, r1), where(eq(x, 0), 1.0, x))
    return _cast_like(where(before, a, where(first, r1, after)), x)


def _cumprod_jvp(t, out, x, dim, dtype):
    """``out * cumsum(t/x)`` before the first zero; from it on ``out' * (t_z + x_z * cumsum)``
    with out' the product with that zero replaced by one (x_z keeps the second derivative)."""
    first, before = _first_zero(x, dim)
    zero = eq(x, 0)
    q = _cumsum(where(zero, 0.0, div(t, where(zero, 1.0, x))), dim=dim, reverse=False,
                dtype=None)
    tz = _sum(where(first, t, 0.0), dims=(dim,), keepdim=True, dtype=None)
    xz = _sum(where(first, x, 0.0), dims=(dim,), keepdim=True, dtype=None)
    y1 = _cumprod(where(first, 1.0, x), dim=dim, dtype=dtype)
    return where(before, mul(out, q), mul(y1, add(tz, mul(xz, q))))


_cumprod = Primitive("cumprod", lambda x, dim, dtype: x.cumprod(axis=dim,
                                                                dtype=_int_acc(x, dtype)),
                     vjp=_cumprod_vjp, jvp=_cumprod_jvp, batch=batch_dim_shift,
                     uses_output=True)


def cumprod(input, dim, *, dtype=None):
    """Cumulative product along ``dim``, with exact gradients when the input holds zeros."""
    npd = None if dtype is None else D.to_numpy_dtype(dtype)
    return _scan(_cumprod, input, dim, "cumprod", dtype=npd)


# ------------------------------------------------------------------ cummax, cummin

def _cum_extreme_impl(ufunc):
    def impl(x, dim):
        v = ufunc.accumulate(x, axis=dim)
        shape = [1] * x.ndim
        shape[dim] = x.shape[dim]
        pos = np.arange(x.shape[dim]).reshape(shape)
        record = (x == v) | (x != x)         # a new extreme, a tie (latest wins) or NaN
        return v, np.maximum.accumulate(np.where(record, pos, 0), axis=dim).astype(np.int64)
    return impl


_CUM_RULES = dict(SELECT_RULES, vjp=lambda g, out, x, dim: select_vjp(g, out, x, dim,
                                                                      accumulate=True))
_cummax = Primitive("cummax", _cum_extreme_impl(np.maximum), **_CUM_RULES)
_cummin = Primitive("cummin", _cum_extreme_impl(np.minimum), **_CUM_RULES)


def cummax(input, dim):
    """Running maximum along ``dim`` and the index where it was (last) attained."""
    return R.cummax(*_scan(_cummax, input, dim, "cummax"))


def cummin(input, dim):
    return R.cummin(*_scan(_cummin, input, dim, "cummin"))


METHODS = {"sort": sort, "argsort": argsort, "msort": msort, "topk": topk, "kthvalue": kthvalue,
           "median": median, "nanmedian": nanmedian, "cumsum": cumsum, "cumprod": cumprod,
           "cummax": cummax, "cummin": cummin}
INPLACE = {"cumsum_": cumsum, "cumprod_": cumprod}
