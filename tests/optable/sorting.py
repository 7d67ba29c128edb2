"""Rows for sort, argsort, msort, topk, kthvalue, median/nanmedian and the scans cumsum,
cumprod (with zeros), cummax, cummin."""
import numpy as np

from ._opinfo import OpInfo, S, rand


def _shapes(*shapes):
    return lambda rng: [S(rand(rng, *s)) for s in shapes]


def _one_zero(rng):
    x = rand(rng, 3, 5, lo=0.5, hi=1.5)
    x[0, 2] = x[1, 0] = x[2, 4] = 0.0
    return [S(x)]


def _two_zeros(rng):
    x = rand(rng, 2, 5, lo=0.5, hi=1.5)
    x[0, 1] = x[0, 3] = 0.0
    return [S(x)]


def _with_nans(rng):
    x = rand(rng, 3, 5)
    x[0, 1] = x[2, 2] = x[2, 4] = np.nan
    return [S(x)]


def _np_topk(x, k, dim=-1, largest=True):
    i = np.argsort(-x if largest else x, axis=dim, kind="stable")
    i = np.take(i, np.arange(k), axis=dim)
    return np.take_along_axis(x, i, dim), i


def _np_median(x, dim):
    i = np.take(np.argsort(x, axis=dim, kind="stable"), [(x.shape[dim] - 1) // 2], axis=dim)
    return np.take_along_axis(x, i, dim).squeeze(dim), i.squeeze(dim)


def _np_cummax(x, dim):
    v = np.maximum.accumulate(x, axis=dim)
    n = x.shape[dim]
    pos = np.arange(n).reshape([n if d == dim % x.ndim else 1 for d in range(x.ndim)])
    return v, np.maximum.accumulate(np.where(x == v, pos, 0), axis=dim)


_R3 = _shapes((3, 5), (2, 3, 4))
_NT = dict(output_process=tuple)

OPS = [
    OpInfo("sort", lambda T, x: T.sort(x), _R3,
           ref=lambda x: (np.sort(x, -1), np.argsort(x, -1)), **_NT),
    OpInfo("sort.descending_dim0", lambda T, x: x.sort(0, descending=True), _R3,
           ref=lambda x: (-np.sort(-x, 0), np.argsort(-x, 0)), **_NT),
    OpInfo("sort.vector", lambda T, x: T.sort(x, stable=True)[0], _shapes((7,), ()),
           ref=lambda x: np.sort(x.reshape(-1)).reshape(x.shape)),
    OpInfo("argsort", lambda T, x: T.argsort(x, 1, descending=True), _R3,
           ref=lambda x: np.argsort(-x, 1), grad=False, jvp=False),
    OpInfo("msort", lambda T, x: T.msort(x), _R3, ref=lambda x: np.sort(x, 0)),
    OpInfo("topk", lambda T, x: T.topk(x, 2), _R3, ref=lambda x: _np_topk(x, 2), **_NT),
    OpInfo("topk.smallest_dim0", lambda T, x: x.topk(2, 0, largest=False), _R3,
           ref=lambda x: _np_topk(x, 2, 0, False), **_NT),
    OpInfo("topk.partial", lambda T, x: T.topk(x, 3, dim=0), _shapes((1100, 2)),
           ref=lambda x: _np_topk(x, 3, 0), **_NT),
    OpInfo("topk.partial_smallest", lambda T, x: T.topk(x, 2, largest=False)[0],
           _shapes((1500,)), ref=lambda x: np.sort(x)[:2]),
    OpInfo("kthvalue", lambda T, x: T.kthvalue(x, 2), _R3,
           ref=lambda x: (np.sort(x, -1)[..., 1], np.argsort(x, -1)[..., 1]), **_NT),
    OpInfo("kthvalue.keepdim", lambda T, x: x.kthvalue(3, 0, keepdim=True), _shapes((4, 3)),
           ref=lambda x: (np.sort(x, 0)[2:3], np.argsort(x, 0)[2:3]), **_NT),
    OpInfo("median", lambda T, x: T.median(x), _shapes((3, 5), (4,), ()),
           ref=lambda x: np.sort(x.ravel())[(x.size - 1) // 2]),
    OpInfo("median.dim", lambda T, x: x.median(1), _shapes((3, 5), (2, 4, 3)),
           ref=lambda x: _np_median(x, 1), **_NT),
    OpInfo("median.dim_keepdim", lambda T, x: T.median(x, -1, keepdim=True)[0], _shapes((3, 4)),
           ref=lambda x: np.expand_dims(_np_median(x, -1)[0], -1)),
    OpInfo("nanmedian", lambda T, x: T.nanmedian(x), _with_nans,
           ref=lambda x: np.sort(x[~np.isnan(x)])[((~np.isnan(x)).sum() - 1) // 2]),
    OpInfo("nanmedian.dim", lambda T, x: x.nanmedian(1), _with_nans, **_NT),
    OpInfo("cumsum", lambda T, x: T.cumsum(x, 1), _R3, ref=lambda x: np.cumsum(x, 1)),
    OpInfo("cumsum.dim0_dtype", lambda T, x: x.cumsum(0, dtype=T.float64), _shapes((3, 4), ()),
           ref=lambda x: np.cumsum(x, 0, dtype=np.float64).reshape(x.shape)),
    OpInfo("cumprod", lambda T, x: T.cumprod(x, -1), _R3, ref=lambda x: np.cumprod(x, -1)),
    OpInfo("cumprod.zeros", lambda T, x: x.cumprod(1), _one_zero,
           ref=lambda x: np.cumprod(x, 1)),
    OpInfo("cumprod.two_zeros", lambda T, x: T.cumprod(x, 1), _two_zeros,
           ref=lambda x: np.cumprod(x, 1), second_order=False,
           notes="second derivative at the second zero w.r.t. the first is not propagated"),
    OpInfo("cummax", lambda T, x: T.cummax(x, 1), _R3, ref=lambda x: _np_cummax(x, 1), **_NT),
    OpInfo("cummin", lambda T, x: x.cummin(0), _R3,
           ref=lambda x: tuple(v if k else -v for k, v in enumerate(_np_cummax(-x, 0))), **_NT),
]
