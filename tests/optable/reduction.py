"""Rows for the reductions: sum, mean, prod, nansum/nanmean, max/min/amax/amin, argmax,
logsumexp, var/std (+ _mean), all/any/count_nonzero, and torch.norm (from norms.py)."""
import numpy as np

from ._opinfo import OpInfo, S, rand, unary_samples


def _shapes(*shapes, lo=-2.0, hi=2.0):
    return lambda rng: [S(rand(rng, *s, lo=lo, hi=hi)) for s in shapes]


def _with_zeros(rng):
    """Slices with no zero, one zero and two zeros (prod's three gradient cases)."""
    x = rand(rng, 3, 4, lo=0.5, hi=1.5) * np.where(rng.uniform(size=(3, 4)) < 0.5, -1, 1)
    x[1, 2] = 0.0
    x[2, 0] = x[2, 3] = 0.0
    return [S(x)]


def _with_nans(rng):
    x = rand(rng, 3, 4)
    x[0, 1] = x[2, 2] = np.nan
    return [S(x)]


def _bools(rng):
    return [S(rng.uniform(size=(3, 4)) > 0.3), S(rng.uniform(size=(5,)) > 0.5)]


def _np_var(x, axis=None, ddof=1, keepdims=False):
    return np.var(x, axis=axis, ddof=ddof, keepdims=keepdims)


_R3 = _shapes((3, 4), (2, 3, 4))
_NT = dict(output_process=tuple)          # named-tuple results compare as plain tuples
_ND = dict(grad=False, jvp=False)         # integer / bool results

OPS = [
    OpInfo("sum", lambda T, x: T.sum(x), unary_samples(), ref=np.sum),
    OpInfo("sum.dim", lambda T, x: T.sum(x, dim=1, keepdim=True), _R3,
           ref=lambda x: np.sum(x, axis=1, keepdims=True)),
    OpInfo("sum.dims", lambda T, x: x.sum((0, -1)), _shapes((2, 3, 4)),
           ref=lambda x: np.sum(x, axis=(0, 2))),
    OpInfo("sum.dtype", lambda T, x: x.sum(-1, dtype=T.float64), _shapes((3, 4)),
           ref=lambda x: np.sum(x, -1, dtype=np.float64)),
    OpInfo("mean", lambda T, x: T.mean(x), unary_samples(), ref=np.mean),
    OpInfo("mean.dim", lambda T, x: x.mean(-1), _shapes((3, 4)), ref=lambda x: np.mean(x, -1)),
    OpInfo("mean.dims_keepdim", lambda T, x: T.mean(x, (0, 2), keepdim=True), _shapes((2, 3, 4)),
           ref=lambda x: np.mean(x, (0, 2), keepdims=True)),
    OpInfo("prod", lambda T, x: T.prod(x), _shapes((3, 4), (5,), (), lo=0.5, hi=1.5),
           ref=np.prod),
    OpInfo("prod.dim", lambda T, x: x.prod(1, keepdim=True), _R3,
           ref=lambda x: np.prod(x, 1, keepdims=True)),
    OpInfo("prod.zeros", lambda T, x: x.prod(1), _with_zeros, ref=lambda x: np.prod(x, 1)),
    OpInfo("prod.zeros_all", lambda T, x: x[1:2].prod(), _with_zeros,
           ref=lambda x: np.prod(x[1:2])),
    OpInfo("nansum", lambda T, x: T.nansum(x, 1), _with_nans, ref=lambda x: np.nansum(x, 1)),
    OpInfo("nanmean", lambda T, x: T.nanmean(x, -1, keepdim=True), _with_nans,
           ref=lambda x: np.nanmean(x, -1, keepdims=True)),
    OpInfo("max", lambda T, x: T.max(x), unary_samples(), ref=np.max),
    OpInfo("max.dim", lambda T, x: T.max(x, 1), _R3,
           ref=lambda x: (np.max(x, 1), np.argmax(x, 1)), **_NT),
    OpInfo("max.dim_keepdim", lambda T, x: x.max(dim=-1, keepdim=True), _R3,
           ref=lambda x: (np.max(x, -1, keepdims=True), np.argmax(x, -1, keepdims=True)), **_NT),
    OpInfo("min", lambda T, x: x.min(), unary_samples(), ref=np.min),
    OpInfo("min.dim", lambda T, x: T.min(x, 0), _R3,
           ref=lambda x: (np.min(x, 0), np.argmin(x, 0)), **_NT),
    OpInfo("amax", lambda T, x: T.amax(x), unary_samples(), ref=np.max),
    OpInfo("amax.dims", lambda T, x: T.amax(x, (0, -1)), _shapes((2, 3, 4)),
           ref=lambda x: np.max(x, (0, 2))),
    OpInfo("amin.dims_keepdim", lambda T, x: x.amin((1, 2), keepdim=True), _shapes((2, 3, 4)),
           ref=lambda x: np.min(x, (1, 2), keepdims=True)),
    OpInfo("argmax", lambda T, x: T.argmax(x), unary_samples(), ref=np.argmax, **_ND),
    OpInfo("argmax.dim", lambda T, x: x.argmax(1, keepdim=True), _R3,
           ref=lambda x: np.argmax(x, 1, keepdims=True), **_ND),
    OpInfo("argmin.dim", lambda T, x: T.argmin(x, -1), _R3, ref=lambda x: np.argmin(x, -1),
           **_ND),
    OpInfo("logsumexp", lambda T, x: T.logsumexp(x, 1), _R3,
           ref=lambda x: np.log(np.sum(np.exp(x), 1))),
    OpInfo("logsumexp.dims_keepdim", lambda T, x: x.logsumexp((0, 2), keepdim=True),
           _shapes((2, 3, 4)), ref=lambda x: np.log(np.sum(np.exp(x), (0, 2), keepdims=True))),
    OpInfo("logsumexp.large", lambda T, x: T.logsumexp(x, -1), _shapes((3, 4), lo=500, hi=800),
           ref=lambda x: np.max(x, -1) + np.log(np.sum(np.exp(x - np.max(x, -1, keepdims=True)),
                                                       -1))),
    OpInfo("var", lambda T, x: T.var(x), _shapes((3, 4), (5,)), ref=_np_var),
    OpInfo("var.dim", lambda T, x: x.var(1), _R3, ref=lambda x: _np_var(x, 1)),
    OpInfo("var.correction0", lambda T, x: T.var(x, (0, 2), correction=0, keepdim=True),
           _shapes((2, 3, 4)), ref=lambda x: _np_var(x, (0, 2), 0, True)),
    OpInfo("std", lambda T, x: x.std(), _shapes((3, 4), (5,)), ref=lambda x: np.std(x, ddof=1)),
    OpInfo("std.dim_unbiased_false", lambda T, x: T.std(x, -1, False, True), _R3,
           ref=lambda x: np.std(x, -1, keepdims=True)),
    OpInfo("var_mean", lambda T, x: T.var_mean(x, 1), _R3,
           ref=lambda x: (_np_var(x, 1), np.mean(x, 1))),
    OpInfo("std_mean", lambda T, x: T.std_mean(x, (0, 1), correction=2), _shapes((3, 4)),
           ref=lambda x: (np.std(x, (0, 1), ddof=2), np.mean(x, (0, 1)))),
    OpInfo("torch.norm", lambda T, x: T.norm(x), unary_samples(),
           ref=lambda x: np.sqrt(np.sum(x * x))),
    OpInfo("torch.norm.fro_dims", lambda T, x: x.norm("fro", dim=(0, 2)), _shapes((2, 3, 4)),
           ref=lambda x: np.sqrt(np.sum(x * x, (0, 2)))),
    OpInfo("torch.norm.p1", lambda T, x: T.norm(x, 1, dim=1), _R3,
           ref=lambda x: np.sum(np.abs(x), 1)),
    OpInfo("torch.norm.inf", lambda T, x: x.norm(float("inf"), dim=-1, keepdim=True), _R3,
           ref=lambda x: np.max(np.abs(x), -1, keepdims=True)),
    OpInfo("torch.norm.neg_inf", lambda T, x: T.norm(x, float("-inf")), _shapes((3, 4)),
           ref=lambda x: np.min(np.abs(x))),
    OpInfo("torch.norm.p3", lambda T, x: T.norm(x, 3, 1), _R3,
           ref=lambda x: np.sum(np.abs(x) ** 3, 1) ** (1 / 3)),
    OpInfo("torch.norm.p_half", lambda T, x: T.norm(x, 0.5), _shapes((3, 4)),
           ref=lambda x: np.sum(np.abs(x) ** 0.5) ** 2),
    OpInfo("all", lambda T, x: T.all(x), _bools, ref=np.all, **_ND),
    OpInfo("all.dim", lambda T, x: x.all(0), _bools, ref=lambda x: np.all(x, 0), **_ND),
    OpInfo("any.dim_keepdim", lambda T, x: T.any(x, -1, keepdim=True), _bools,
           ref=lambda x: np.any(x, -1, keepdims=True), **_ND),
    OpInfo("count_nonzero", lambda T, x: T.count_nonzero(x, 0), _bools,
           ref=lambda x: np.count_nonzero(x, 0), **_ND),
]
