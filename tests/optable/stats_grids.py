"""Rows for grids (meshgrid, cartesian_prod, combinations, block_diag, vander), searching and
counting (searchsorted, bucketize, bincount, histc, unique), statistics (diff, aminmax, cov,
corrcoef, quantile, mode, cdist, dist, trapezoid, logcumsumexp, renorm) and the elementwise
extras (copysign, heaviside, sinc, ldexp, frexp, i0)."""
import numpy as np

from ._opinfo import OpInfo, S, rand, unary_samples, binary_samples


_NT = dict(output_process=tuple)          # named-tuple results compare as plain tuples


def _distinct(rng, *shape):
    """Distinct values (so selections such as mode's are stable under perturbation)."""
    n = int(np.prod(shape)) if shape else 1
    return (rng.permutation(n).reshape(shape) * 0.37 + rng.uniform(-0.1, 0.1, size=shape)
            - n * 0.15)


def _repeats(rng, *shape):
    return rng.integers(0, 3, size=shape).astype(np.float64)


def _lcse_ref(x, dim):
    return np.logaddexp.accumulate(x, axis=dim)


def _cdist_ref(a, b, p):
    d = np.abs(a[..., :, None, :] - b[..., None, :, :])
    if p == np.inf:
        return d.max(-1)
    return (d ** p).sum(-1) ** (1 / p)


def _vander_ref(x, N, inc):
    return np.vander(x, N, increasing=inc)


OPS = [
    # ---------------------------------------------------------------- grids
    OpInfo("meshgrid.ij", lambda T, a, b: T.meshgrid(a, b, indexing="ij"),
           lambda rng: [S(rand(rng, 3), rand(rng, 4)), S(rand(rng), rand(rng, 2))],
           ref=lambda a, b: tuple(np.meshgrid(a, b, indexing="ij"))),
    OpInfo("meshgrid.xy", lambda T, a, b, c: T.meshgrid(a, b, c, indexing="xy"),
           lambda rng: [S(rand(rng, 3), rand(rng, 4), rand(rng, 2))],
           ref=lambda a, b, c: tuple(np.meshgrid(a, b, c, indexing="xy"))),
    OpInfo("cartesian_prod", lambda T, a, b: T.cartesian_prod(a, b),
           lambda rng: [S(rand(rng, 3), rand(rng, 2))]),
    OpInfo("combinations", lambda T, x, r, w: T.combinations(x, r, w),
           lambda rng: [S(rand(rng, 4), 2, False), S(rand(rng, 3), 3, True),
                        S(rand(rng, 4), 1, False)]),
    OpInfo("block_diag", lambda T, a, b, c: T.block_diag(a, b, c),
           lambda rng: [S(rand(rng, 2, 3), rand(rng), rand(rng, 2)),
                        S(rand(rng, 1, 1), rand(rng, 3, 2), rand(rng, 0, 2))]),
    OpInfo("vander", lambda T, x, N, inc: T.vander(x, N, inc),
           lambda rng: [S(rand(rng, 4), None, False), S(rand(rng, 3), 5, True),
                        S(np.array([0.5, 1.5, -2.0]), 3, False)],
           ref=_vander_ref, torch_compare=False,
           notes="PyTorch's own vander backward raises (in-place modified cumprod input)"),
    OpInfo("vander.zero", lambda T, x: T.vander(x, 4), lambda rng: [S(np.array([0.0, 1.5, -2.0]))],
           ref=lambda x: np.vander(x, 4), torch_compare=False, second_order=False),
    # ---------------------------------------------------------------- search, sets, counting
    OpInfo("searchsorted", lambda T, s, v, r: T.searchsorted(s, v, right=r),
           lambda rng: [S(np.sort(rand(rng, 6)), rand(rng, 2, 3), False),
                        S(np.sort(rand(rng, 2, 5), -1), rand(rng, 2, 3), True)],
           grad=False, jvp=False),
    OpInfo("searchsorted.sorter", lambda T, s, v, o: T.searchsorted(s, v, sorter=o),
           # one fixed shuffle, so the sorter of every sample (vmap stacks them) is valid for all
           lambda rng: [S(x := np.sort(rand(rng, 5))[[3, 0, 4, 1, 2]], rand(rng, 4),
                          np.argsort(x))],
           grad=False, jvp=False),
    OpInfo("bucketize", lambda T, v, b: T.bucketize(v, b, right=True),
           lambda rng: [S(rand(rng, 3, 2), np.sort(rand(rng, 4)))], grad=False, jvp=False),
    OpInfo("bincount", lambda T, x: T.bincount(x, minlength=5),
           lambda rng: [S(rng.integers(0, 5, size=(7,)))], grad=False, jvp=False,
           ref=lambda x: np.bincount(x, minlength=5)),
    OpInfo("bincount.weights", lambda T, x, w: T.bincount(x, w, minlength=4),
           lambda rng: [S(rng.integers(0, 4, size=(6,)), rand(rng, 6))], grad=False, jvp=False,
           ref=lambda x, w: np.bincount(x, w, minlength=4)),
    OpInfo("histc", lambda T, x: T.histc(x, bins=5),
           lambda rng: [S(rand(rng, 20)), S(rand(rng, 3, 4))], grad=False, jvp=False),
    OpInfo("histc.range", lambda T, x: T.histc(x, bins=4, min=-1, max=1.5),
           lambda rng: [S(rand(rng, 30))], grad=False, jvp=False),
    OpInfo("unique", lambda T, x: T.unique(x, return_inverse=True, return_counts=True),
           lambda rng: [S(_repeats(rng, 3, 4))], grad=False, jvp=False, vmap=False),
    OpInfo("unique.dim", lambda T, x: T.unique(x, dim=1, return_inverse=True),
           lambda rng: [S(_repeats(rng, 2, 5))], grad=False, jvp=False, vmap=False),
    OpInfo("unique_consecutive", lambda T, x: T.unique_consecutive(
        x, return_inverse=True, return_counts=True), lambda rng: [S(_repeats(rng, 8))],
        grad=False, jvp=False, vmap=False),
    # ---------------------------------------------------------------- statistics
    OpInfo("diff", lambda T, x, n, d: T.diff(x, n, d),
           lambda rng: [S(rand(rng, 3, 5), 1, -1), S(rand(rng, 4, 3), 2, 0),
                        S(rand(rng, 3), 4, 0)],
           ref=lambda x, n, d: np.diff(x, n, d)),
    OpInfo("diff.prepend_append", lambda T, x, p, a: T.diff(x, dim=1, prepend=p, append=a),
           lambda rng: [S(rand(rng, 2, 3), rand(rng, 2, 1), rand(rng, 2, 2))]),
    OpInfo("aminmax", lambda T, x: T.aminmax(x, dim=1, keepdim=True),
           lambda rng: [S(_distinct(rng, 3, 4))], **_NT),
    OpInfo("aminmax.all", lambda T, x: T.aminmax(x), lambda rng: [S(_distinct(rng, 2, 3))], **_NT),
    OpInfo("cov", lambda T, x: T.cov(x), lambda rng: [S(rand(rng, 3, 5)), S(rand(rng, 4))],
           ref=lambda x: np.cov(x)),
    OpInfo("cov.weights", lambda T, x, a, f: T.cov(x, correction=2, aweights=a, fweights=f),
           lambda rng: [S(rand(rng, 2, 5), rand(rng, 5, lo=0.5, hi=2),
                          rng.integers(1, 4, size=(5,)))], diff_args=(0, 1)),
    OpInfo("corrcoef", lambda T, x: T.corrcoef(x), lambda rng: [S(rand(rng, 3, 6))],
           ref=lambda x: np.corrcoef(x)),
    OpInfo("quantile", lambda T, x, q, d, k, i: T.quantile(x, q, d, k, interpolation=i),
           lambda rng: [S(_distinct(rng, 3, 5), 0.3, 1, False, "linear"),
                        S(_distinct(rng, 7), 0.5, None, False, "midpoint"),
                        S(_distinct(rng, 4, 3), 0.75, 0, True, "lower"),
                        S(_distinct(rng, 2, 5), 0.4, -1, False, "higher"),
                        S(_distinct(rng, 2, 6), 0.62, 1, True, "nearest")]),
    OpInfo("quantile.tensor_q", lambda T, x, q: T.quantile(x, q, dim=0, keepdim=True),
           lambda rng: [S(_distinct(rng, 5, 2), np.array([0.1, 0.5, 0.93]))], diff_args=(0,)),
    OpInfo("nanquantile", lambda T, x: T.nanquantile(x, 0.4, dim=1),
           lambda rng: [S(np.where(np.arange(12).reshape(3, 4) % 5 == 1, np.nan,
                                   _distinct(rng, 3, 4)))],
           ref=lambda x: np.nanquantile(x, 0.4, axis=1)),
    OpInfo("mode", lambda T, x: T.mode(x, 1), lambda rng: [S(_distinct(rng, 3, 4))], **_NT),
    OpInfo("mode.repeats", lambda T, x: T.mode(x, 0, True),
           lambda rng: [S(_repeats(rng, 7, 3)), S(_repeats(rng, 5))], grad=False, jvp=False,
           **_NT),
    OpInfo("cdist", lambda T, a, b, p: T.cdist(a, b, p),
           lambda rng: [S(rand(rng, 3, 2), rand(rng, 4, 2), 2.0),
                        S(rand(rng, 2, 3, 2), rand(rng, 2, 2, 2), 1.0),
                        S(rand(rng, 2, 3), rand(rng, 4, 3), 3.0),
                        S(rand(rng, 3, 2), rand(rng, 2, 2), float("inf"))],
           ref=_cdist_ref),
    OpInfo("cdist.zero_distance", lambda T, a: T.cdist(a, a[:2]),
           lambda rng: [S(rand(rng, 3, 2))], second_order=False),
    OpInfo("dist", lambda T, a, b, p: T.dist(a, b, p),
           lambda rng: [S(rand(rng, 3, 2), rand(rng, 2), 2), S(rand(rng, 4), rand(rng, 4), 3),
                        S(rand(rng, 2, 2), rand(rng, 2, 2), float("inf"))]),
    OpInfo("trapezoid", lambda T, y: T.trapezoid(y, dx=0.5, dim=0),
           lambda rng: [S(rand(rng, 5, 2)), S(rand(rng, 4))],
           ref=lambda y: np.trapezoid(y, dx=0.5, axis=0)),
    OpInfo("trapezoid.x", lambda T, y, x: T.trapezoid(y, x),
           lambda rng: [S(rand(rng, 2, 4), np.sort(rand(rng, 4))),
                        S(rand(rng, 2, 3), rand(rng, 2, 3))]),
    OpInfo("trapz", lambda T, y, x: T.trapz(y, x, dim=0),
           lambda rng: [S(rand(rng, 4, 2), rand(rng, 4))]),
    OpInfo("cumulative_trapezoid", lambda T, y, x: T.cumulative_trapezoid(y, x),
           lambda rng: [S(rand(rng, 2, 5), np.sort(rand(rng, 5)))]),
    OpInfo("cumulative_trapezoid.dx", lambda T, y: T.cumulative_trapezoid(y, dx=2.0, dim=0),
           lambda rng: [S(rand(rng, 4, 3))]),
    OpInfo("logcumsumexp", lambda T, x, d: T.logcumsumexp(x, d),
           lambda rng: [S(rand(rng, 3, 4), 1), S(rand(rng, 5), 0), S(rand(rng, 3, 2), 0),
                        S(rand(rng, 4) + np.array([0.0, 300.0, -300.0, 1.0]), 0)],
           ref=_lcse_ref),
    OpInfo("renorm", lambda T, x, p, d, m: T.renorm(x, p, d, m),
           lambda rng: [S(rand(rng, 3, 4), 2, 0, 1.5), S(rand(rng, 2, 3, 2), 1, 1, 2.0),
                        S(rand(rng, 4, 2), 3, -1, 0.5)]),
    # ---------------------------------------------------------------- elementwise extras
    OpInfo("copysign", lambda T, x, y: T.copysign(x, y), binary_samples(), diff_args=(0,),
           ref=np.copysign),
    OpInfo("heaviside", lambda T, x, v: T.heaviside(x, v),
           lambda rng: [S(np.array([-1.0, 0.0, 2.0, 0.0]), rand(rng, 4)),
                        S(np.round(rand(rng, 3, 4)), rand(rng, 4))],
           grad=False, jvp=False, ref=np.heaviside),
    OpInfo("sinc", lambda T, x: T.sinc(x), unary_samples(), ref=np.sinc),
    OpInfo("ldexp", lambda T, x, e: T.ldexp(x, e),
           lambda rng: [S(rand(rng, 3, 4), rng.integers(0, 4, size=(3, 4))),
                        S(rand(rng, 3, 2), rand(rng, 2))],
           ref=lambda x, e: x * 2.0 ** e),
    OpInfo("frexp", lambda T, x: T.frexp(x), unary_samples(lo=-20, hi=20),
           ref=lambda x: np.frexp(x), **_NT),
    OpInfo("i0", lambda T, x: T.i0(x), unary_samples(lo=-4, hi=4), ref=np.i0),
]
