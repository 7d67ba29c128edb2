"""Rows for the math family (ember/ops/math.py): transcendental and special functions,
rounding, clamp, maximum/minimum, lerp, hypot, logaddexp, xlogy, relu.  Domains keep clear of
kinks and poles so finite differences are valid; the conventions at kinks are tested against
PyTorch in tests/test_elementwise_semantics.py."""
import numpy as np
from scipy import special as sp

from ._opinfo import OpInfo, S, rand, unary_samples, binary_samples


def _u(name, fn, lo=-2.0, hi=2.0, ref=None, **kw):
    return OpInfo(name, fn, unary_samples(lo, hi), ref=ref, **kw)


def tensor_binary(lo=-2.0, hi=2.0, lo2=None, hi2=None):
    """binary_samples without the Python-scalar case (ops whose arguments must be tensors)."""
    return binary_samples(lo, hi, lo2, hi2, scalar=False)


def distinct_pairs(rng_lo=-2.0, rng_hi=2.0):
    """Pairs whose elements differ by at least 0.2 (max/min and fmax/fmin away from ties)."""
    def gen(rng):
        out = []
        for sx, sy in (((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((5,), ())):
            x = rand(rng, *sx, lo=rng_lo, hi=rng_hi)
            y = rand(rng, *sy, lo=rng_lo, hi=rng_hi)
            close = np.abs(x - y) < 0.2
            x = np.where(close, x + 0.5, x)
            out.append(S(x, y))
        return out
    return gen


def away_from(points, lo, hi, gap=0.1, shapes=((3, 4), (5,), ())):
    """Unary samples in [lo, hi] with no element within ``gap`` of a kink."""
    def gen(rng):
        res = []
        for s in shapes:
            x = rand(rng, *s, lo=lo, hi=hi)
            for p in points:
                x = np.where(np.abs(x - p) < gap, p + gap * np.sign(x - p + 1e-12) * 1.5, x)
            res.append(S(x))
        return res
    return gen


def clamp_tensor_samples(rng):
    x = rand(rng, 3, 4)
    lo = rand(rng, 3, 4, lo=-1.5, hi=-0.5)
    hi = rand(rng, 4, lo=0.5, hi=1.5)
    x = np.where(np.abs(x - lo) < 0.1, x + 0.3, x)
    x = np.where(np.abs(x - hi) < 0.1, x - 0.3, x)
    return [S(x, lo, hi)]


def _rounded(fn):
    def ref(x):
        return fn(x)
    return ref


def _np_clip(lo=None, hi=None):
    return lambda x: np.clip(x, lo, hi)


OPS = [
    _u("exp2", lambda T, x: T.exp2(x), ref=np.exp2),
    _u("expm1", lambda T, x: T.expm1(x), ref=np.expm1),
    _u("log2", lambda T, x: T.log2(x), 0.2, 3.0, ref=np.log2),
    _u("log10", lambda T, x: T.log10(x), 0.2, 3.0, ref=np.log10),
    _u("log1p", lambda T, x: T.log1p(x), -0.7, 3.0, ref=np.log1p),
    _u("tan", lambda T, x: T.tan(x), -1.2, 1.2, ref=np.tan),
    _u("asin", lambda T, x: T.asin(x), -0.9, 0.9, ref=np.arcsin),
    _u("acos", lambda T, x: T.acos(x), -0.9, 0.9, ref=np.arccos),
    _u("atan", lambda T, x: T.atan(x), ref=np.arctan),
    _u("arcsin", lambda T, x: T.arcsin(x), -0.9, 0.9, ref=np.arcsin),
    _u("sinh", lambda T, x: T.sinh(x), ref=np.sinh),
    _u("cosh", lambda T, x: T.cosh(x), ref=np.cosh),
    _u("asinh", lambda T, x: T.asinh(x), ref=np.arcsinh),
    _u("acosh", lambda T, x: T.acosh(x), 1.2, 3.0, ref=np.arccosh),
    _u("atanh", lambda T, x: T.atanh(x), -0.9, 0.9, ref=np.arctanh),
    _u("sigmoid", lambda T, x: T.sigmoid(x), -6.0, 6.0, ref=sp.expit),
    _u("sigmoid.method", lambda T, x: x.sigmoid(), ref=sp.expit),
    OpInfo("sigmoid.int", lambda T, x: T.sigmoid(x),
           lambda rng: [S(rng.integers(-5, 5, size=(3, 4)))],
           ref=lambda x: sp.expit(x).astype(np.float32)),
    _u("logit", lambda T, x: T.logit(x), 0.05, 0.95, ref=sp.logit),
    OpInfo("logit.eps", lambda T, x: T.logit(x, eps=0.1), away_from((0.1, 0.9), 0.0, 1.0),
           ref=lambda x: sp.logit(np.clip(x, 0.1, 0.9))),
    _u("erf", lambda T, x: T.erf(x), ref=sp.erf),
    _u("erfc", lambda T, x: T.erfc(x), ref=sp.erfc),
    _u("erfinv", lambda T, x: T.erfinv(x), -0.9, 0.9, ref=sp.erfinv),
    _u("lgamma", lambda T, x: T.lgamma(x), 0.2, 4.0, ref=sp.gammaln),
    OpInfo("lgamma.negative", lambda T, x: T.lgamma(x), away_from((-2, -1), -2.8, -0.2, 0.15),
           ref=sp.gammaln),
    _u("digamma", lambda T, x: T.digamma(x), 0.3, 4.0, ref=sp.psi),
    _u("polygamma.1", lambda T, x: T.polygamma(1, x), 0.3, 4.0,
       ref=lambda x: sp.polygamma(1, x), rtol=1e-4),
    _u("polygamma.2", lambda T, x: x.polygamma(2), 0.5, 4.0,
       ref=lambda x: sp.polygamma(2, x), rtol=1e-4),
    _u("deg2rad", lambda T, x: T.deg2rad(x), ref=np.deg2rad),
    _u("rad2deg", lambda T, x: T.rad2deg(x), ref=np.rad2deg, atol=1e-4),
    # ---- rounding: zero gradient (frac passes it through)
    OpInfo("floor", lambda T, x: T.floor(x), away_from((-1, 0, 1), -1.9, 1.9), ref=np.floor),
    OpInfo("ceil", lambda T, x: T.ceil(x), away_from((-1, 0, 1), -1.9, 1.9), ref=np.ceil),
    OpInfo("trunc", lambda T, x: T.trunc(x), away_from((-1, 0, 1), -1.9, 1.9), ref=np.trunc),
    OpInfo("round", lambda T, x: T.round(x), away_from((-1.5, -0.5, 0.5, 1.5), -1.9, 1.9),
           ref=np.round),
    OpInfo("round.decimals", lambda T, x: T.round(x * 10, decimals=-1),
           away_from((-15, -5, 5, 15), -19.0, 19.0), ref=lambda x: np.round(x * 10, -1)),
    OpInfo("frac", lambda T, x: T.frac(x), away_from((-1, 0, 1), -1.9, 1.9),
           ref=lambda x: x - np.trunc(x)),
    OpInfo("floor.int", lambda T, x: T.floor(x),
           lambda rng: [S(rng.integers(-5, 5, size=(3, 4)))], ref=np.floor),
    OpInfo("nan_to_num", lambda T, x: T.nan_to_num(x, nan=0.5, posinf=9.0, neginf=-9.0),
           lambda rng: [S(np.where(rng.uniform(size=(3, 4)) < 0.3, np.nan, rand(rng, 3, 4))),
                        S(np.array([np.inf, -np.inf, np.nan, 1.0]))],
           ref=lambda x: np.nan_to_num(x, nan=0.5, posinf=9.0, neginf=-9.0)),
    # ---- clamp
    OpInfo("clamp", lambda T, x: T.clamp(x, -0.8, 0.9), away_from((-0.8, 0.9), -2.0, 2.0),
           ref=_np_clip(-0.8, 0.9)),
    OpInfo("clamp.min", lambda T, x: x.clamp(min=-0.5), away_from((-0.5,), -2.0, 2.0),
           ref=_np_clip(-0.5)),
    OpInfo("clamp.max", lambda T, x: T.clip(x, max=0.5), away_from((0.5,), -2.0, 2.0),
           ref=_np_clip(None, 0.5)),
    OpInfo("clamp_min", lambda T, x: T.clamp_min(x, 0.3), away_from((0.3,), -2.0, 2.0),
           ref=_np_clip(0.3)),
    OpInfo("clamp_max", lambda T, x: x.clamp_max(0.3), away_from((0.3,), -2.0, 2.0),
           ref=_np_clip(None, 0.3)),
    OpInfo("clamp.tensor", lambda T, x, lo, hi: T.clamp(x, lo, hi), clamp_tensor_samples,
           ref=lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi)),
    OpInfo("clamp.tensor_min", lambda T, x, lo, hi: x.clamp(min=lo), clamp_tensor_samples,
           ref=lambda x, lo, hi: np.maximum(x, lo)),
    OpInfo("clamp_max.tensor", lambda T, x, lo, hi: T.clamp_max(x, hi), clamp_tensor_samples,
           ref=lambda x, lo, hi: np.minimum(x, hi)),
    OpInfo("clamp.int", lambda T, x: x.clamp(-2, 3),
           lambda rng: [S(rng.integers(-6, 6, size=(3, 4)))], ref=_np_clip(-2, 3)),
    OpInfo("clamp_", lambda T, x: x.clone().clamp_(-0.8, 0.9),
           away_from((-0.8, 0.9), -2.0, 2.0), ref=_np_clip(-0.8, 0.9)),
    OpInfo("relu", lambda T, x: T.relu(x), away_from((0,), -2.0, 2.0),
           ref=lambda x: np.maximum(x, 0)),
    OpInfo("relu_", lambda T, x: x.clone().relu_(), away_from((0,), -2.0, 2.0),
           ref=lambda x: np.maximum(x, 0)),
    # ---- binary
    OpInfo("maximum", lambda T, x, y: T.maximum(x, y), distinct_pairs(), ref=np.maximum),
    OpInfo("minimum", lambda T, x, y: T.minimum(x, y), distinct_pairs(), ref=np.minimum),
    OpInfo("fmax", lambda T, x, y: T.fmax(x, y), distinct_pairs(), ref=np.fmax),
    OpInfo("fmin", lambda T, x, y: T.fmin(x, y), distinct_pairs(), ref=np.fmin),
    OpInfo("atan2", lambda T, y, x: T.atan2(y, x), tensor_binary(), ref=np.arctan2),
    OpInfo("arctan2", lambda T, y, x: T.arctan2(y, x), tensor_binary(0.2, 2.0),
           ref=np.arctan2),
    OpInfo("hypot", lambda T, x, y: T.hypot(x, y), tensor_binary(), ref=np.hypot),
    OpInfo("logaddexp", lambda T, x, y: T.logaddexp(x, y), tensor_binary(-5.0, 5.0),
           ref=np.logaddexp),
    OpInfo("logaddexp2", lambda T, x, y: T.logaddexp2(x, y), tensor_binary(-5.0, 5.0),
           ref=np.logaddexp2),
    OpInfo("xlogy", lambda T, x, y: T.xlogy(x, y), binary_samples(-2.0, 2.0, 0.2, 3.0),
           ref=sp.xlogy),
    OpInfo("xlogy.scalar_self", lambda T, y: T.xlogy(1.5, y), unary_samples(0.2, 3.0),
           ref=lambda y: sp.xlogy(1.5, y)),
    OpInfo("lerp", lambda T, x, y: T.lerp(x, y, 0.3), binary_samples(scalar=False),
           ref=lambda x, y: x + 0.3 * (y - x)),
    OpInfo("lerp.tensor_weight", lambda T, x, y, w: T.lerp(x, y, w),
           lambda rng: [S(rand(rng, 3, 4), rand(rng, 3, 4), rand(rng, 3, 4, lo=0, hi=1)),
                        S(rand(rng, 3, 1), rand(rng, 4), rand(rng, 3, 4, lo=0, hi=1))],
           ref=lambda x, y, w: x + w * (y - x)),
    OpInfo("addcmul", lambda T, x, a, b: T.addcmul(x, a, b, value=0.5),
           lambda rng: [S(rand(rng, 3, 4), rand(rng, 3, 4), rand(rng, 4))],
           ref=lambda x, a, b: x + 0.5 * a * b),
    OpInfo("addcdiv_", lambda T, x, a, b: x.clone().addcdiv_(a, b, value=-2),
           lambda rng: [S(rand(rng, 3, 4), rand(rng, 3, 4), rand(rng, 4, lo=0.5, hi=2.0))],
           ref=lambda x, a, b: x - 2 * a / b),
    OpInfo("sigmoid_", lambda T, x: x.clone().sigmoid_(), unary_samples(), ref=sp.expit),
]
