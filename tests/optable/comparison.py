"""Rows for comparison, logical and bitwise ops and ``where`` (ember/ops/comparison.py).
Only ``where`` is differentiable; the others are checked forward and under vmap."""
import numpy as np

from ._opinfo import OpInfo, S, rand


def with_ties(rng):
    """Float pairs on a coarse grid, so equality actually happens."""
    a = np.round(rand(rng, 3, 4), 0)
    b = np.round(rand(rng, 3, 4), 0)
    return [S(a, b), S(np.round(rand(rng, 3, 1)), np.round(rand(rng, 4))),
            S(a, 1.0), S(np.round(rand(rng, 5)), np.round(rand(rng)))]


def tensor_pairs(rng):
    return with_ties(rng)[:2]


def int_pairs(rng):
    return [S(rng.integers(-8, 8, size=(3, 4)), rng.integers(-8, 8, size=(3, 4))),
            S(rng.integers(-8, 8, size=(3, 1)), rng.integers(0, 8, size=(4,))),
            S(rng.integers(-8, 8, size=(5,)), 3)]


def bool_pairs(rng):
    return [S(rng.uniform(size=(3, 4)) > 0.5, rng.uniform(size=(3, 4)) > 0.5),
            S(rng.uniform(size=(3, 1)) > 0.5, rng.uniform(size=(4,)) > 0.5)]


def specials(rng):
    x = rand(rng, 3, 4)
    x[0, 0], x[1, 1], x[2, 2] = np.nan, np.inf, -np.inf
    return [S(x), S(np.array([np.nan, 0.0, -np.inf, np.inf, -0.0]))]


def _nodiff(name, fn, samples, ref=None, **kw):
    return OpInfo(name, fn, samples, ref=ref, grad=False, jvp=False, **kw)


def _cmp_rows():
    rows = []
    for name, ref in (("eq", np.equal), ("ne", np.not_equal), ("lt", np.less),
                      ("le", np.less_equal), ("gt", np.greater), ("ge", np.greater_equal)):
        rows.append(_nodiff(name, lambda T, x, y, n=name: getattr(T, n)(x, y), with_ties,
                            ref=ref))
        rows.append(_nodiff(name + ".int", lambda T, x, y, n=name: getattr(x, n)(y), int_pairs,
                            ref=ref))
    return rows


OPS = _cmp_rows() + [
    _nodiff("eq.operator_mixed", lambda T, x, y: x.long() == y,
            lambda rng: [S(np.round(rand(rng, 3, 4)), np.round(rand(rng, 3, 4)) + 0.5 *
                           (rng.uniform(size=(3, 4)) > 0.5))],
            ref=lambda x, y: np.equal(x.astype(np.int64), y)),
    _nodiff("lt.operator", lambda T, x, y: x < y, with_ties, ref=np.less),
    _nodiff("ge.operator_reflected", lambda T, x: 0.5 <= x, lambda rng: [S(rand(rng, 3, 4))],
            ref=lambda x: 0.5 <= x),
    _nodiff("greater", lambda T, x, y: T.greater(x, y), with_ties, ref=np.greater),
    _nodiff("less_equal", lambda T, x, y: T.less_equal(x, y), with_ties, ref=np.less_equal),
    _nodiff("isclose", lambda T, x, y: T.isclose(x, y + 1e-6 * (x > 0), rtol=0, atol=1e-3),
            lambda rng: [S(rand(rng, 3, 4), rand(rng, 3, 4)),
                         S(np.round(rand(rng, 3, 4), 1), np.round(rand(rng, 3, 4), 1))]),
    _nodiff("isclose.equal_nan", lambda T, x: T.isclose(x, x, equal_nan=True), specials),
    _nodiff("isnan", lambda T, x: T.isnan(x), specials, ref=np.isnan),
    _nodiff("isinf", lambda T, x: x.isinf(), specials, ref=np.isinf),
    _nodiff("isfinite", lambda T, x: T.isfinite(x), specials, ref=np.isfinite),
    _nodiff("isposinf", lambda T, x: T.isposinf(x), specials, ref=np.isposinf),
    _nodiff("isneginf", lambda T, x: T.isneginf(x), specials, ref=np.isneginf),
    _nodiff("signbit", lambda T, x: T.signbit(x), specials, ref=np.signbit),
    _nodiff("logical_and", lambda T, x, y: T.logical_and(x, y), tensor_pairs,
            ref=np.logical_and),
    _nodiff("logical_or", lambda T, x, y: x.logical_or(y), lambda rng: int_pairs(rng)[:2],
            ref=np.logical_or),
    _nodiff("logical_xor", lambda T, x, y: T.logical_xor(x, y), bool_pairs,
            ref=np.logical_xor),
    _nodiff("logical_not", lambda T, x: T.logical_not(x),
            lambda rng: [S(np.round(rand(rng, 3, 4)))],
            ref=np.logical_not),
    _nodiff("bitwise_and", lambda T, x, y: x & y, int_pairs, ref=np.bitwise_and),
    _nodiff("bitwise_or", lambda T, x, y: T.bitwise_or(x, y), int_pairs, ref=np.bitwise_or),
    _nodiff("bitwise_xor", lambda T, x, y: x ^ y, int_pairs, ref=np.bitwise_xor),
    _nodiff("bitwise_and.bool", lambda T, x, y: x & y, bool_pairs, ref=np.bitwise_and),
    _nodiff("bitwise_or.bool", lambda T, x, y: x | y, bool_pairs, ref=np.bitwise_or),
    _nodiff("bitwise_not", lambda T, x: ~x, lambda rng: [S(rng.integers(-8, 8, size=(3, 4)))],
            ref=np.invert),
    _nodiff("bitwise_not.bool", lambda T, x: T.bitwise_not(x),
            lambda rng: [S(rng.uniform(size=(3, 4)) > 0.5)], ref=np.invert),
    _nodiff("bitwise_left_shift", lambda T, x, y: x << y,
            lambda rng: [S(rng.integers(-8, 8, size=(3, 4)), rng.integers(0, 5, size=(3, 4)))],
            ref=np.left_shift),
    _nodiff("bitwise_right_shift", lambda T, x, y: T.bitwise_right_shift(x, y),
            lambda rng: [S(rng.integers(-64, 64, size=(3, 4)), rng.integers(0, 5, size=(4,)))],
            ref=np.right_shift),
    OpInfo("where", lambda T, c, x, y: T.where(c, x, y),
           lambda rng: [S(rng.uniform(size=(3, 4)) > 0.5, rand(rng, 3, 4), rand(rng, 4)),
                        S(rng.uniform(size=(4,)) > 0.5, rand(rng, 3, 1), rand(rng, 3, 4))],
           ref=np.where),
    OpInfo("where.scalar_other", lambda T, c, x: T.where(c, x, 0.5),
           lambda rng: [S(rng.uniform(size=(3, 4)) > 0.5, rand(rng, 3, 4))],
           ref=lambda c, x: np.where(c, x, 0.5)),
    OpInfo("where.scalar_input", lambda T, c, y: T.where(c, -1, y),
           lambda rng: [S(rng.uniform(size=(3, 4)) > 0.5, rand(rng, 4))],
           ref=lambda c, y: np.where(c, -1.0, y)),
    OpInfo("where.method", lambda T, c, x, y: x.where(c, y),
           lambda rng: [S(rng.uniform(size=(3, 4)) > 0.5, rand(rng, 3, 4), rand(rng, 3, 4))],
           ref=np.where),
    _nodiff("where.scalars", lambda T, c: T.where(c, 1, 0),
            lambda rng: [S(rng.uniform(size=(3, 4)) > 0.5)], ref=lambda c: np.where(c, 1, 0)),
    _nodiff("where.int_float_scalar", lambda T, c, x: T.where(c, x, 2.5),
            lambda rng: [S(rng.uniform(size=(3, 4)) > 0.5, rng.integers(-5, 5, size=(3, 4)))],
            ref=lambda c, x: np.where(c, x, 2.5).astype(np.float32)),
]
