"""Rows for the arithmetic family (ember/ops/elementwise.py): add ... pow, abs, sqrt,
exp/log/sin/cos/tanh, their Python operators and in-place forms, and integer/bool dtypes."""
import numpy as np

from ._opinfo import OpInfo, S, rand, unary_samples, binary_samples


def ints(rng, *shape, lo=-6, hi=7, nonzero=False):
    a = rng.integers(lo, hi, size=shape).astype(np.int64)
    if nonzero:
        a[a == 0] = 1
    return a


def int_binary(nonzero=False):
    def gen(rng):
        return [S(ints(rng, 3, 4), ints(rng, 3, 4, nonzero=nonzero)),
                S(ints(rng, 3, 1), ints(rng, 4, nonzero=nonzero)),
                S(ints(rng, 5), 3)]
    return gen


def away_from_zero(lo=0.3, hi=2.0, shapes=((3, 4), (5,), ())):
    """Unary samples with |x| in [lo, hi] and both signs (for 1/x, abs, sign ...)."""
    def gen(rng):
        return [S(np.asarray(rand(rng, *s, lo=lo, hi=hi) * rng.choice([-1.0, 1.0], size=s)))
                for s in shapes]
    return gen


def inplace_samples(lo=-2.0, hi=2.0, lo2=None, hi2=None):
    """``self`` keeps its shape under an in-place op: the other operand broadcasts into it."""
    lo2 = lo if lo2 is None else lo2
    hi2 = hi if hi2 is None else hi2

    def gen(rng):
        return [S(rand(rng, 3, 4, lo=lo, hi=hi), rand(rng, 3, 4, lo=lo2, hi=hi2)),
                S(rand(rng, 3, 4, lo=lo, hi=hi), rand(rng, 4, lo=lo2, hi=hi2)),
                S(rand(rng, 5, lo=lo, hi=hi), float(np.round(rng.uniform(lo2, hi2), 3)))]
    return gen


def _trunc_div(x, y):
    return np.trunc(x / y)


OPS = [
    # ---- add / sub / mul / div
    OpInfo("add", lambda T, x, y: T.add(x, y), binary_samples(), ref=np.add),
    OpInfo("add.alpha", lambda T, x, y: T.add(x, y, alpha=2.5), binary_samples(),
           ref=lambda x, y: x + 2.5 * y),
    OpInfo("add.operator_reflected", lambda T, x: 1.5 + x, unary_samples(),
           ref=lambda x: 1.5 + x),
    OpInfo("add.int", lambda T, x, y: x + y, int_binary(), ref=np.add),
    OpInfo("add.int_float_scalar", lambda T, x: x + 1.5, lambda rng: [S(ints(rng, 3, 4))],
           ref=lambda x: (x + 1.5).astype(np.float32)),
    OpInfo("add.bool", lambda T, x, y: x + y,
           lambda rng: [S(rng.uniform(size=(3, 4)) > 0.5, rng.uniform(size=(3, 4)) > 0.5)]),
    OpInfo("sub", lambda T, x, y: T.sub(x, y), binary_samples(), ref=np.subtract),
    OpInfo("sub.alpha", lambda T, x, y: T.sub(x, y, alpha=-0.5), binary_samples(),
           ref=lambda x, y: x + 0.5 * y),
    OpInfo("sub.operator", lambda T, x, y: x - y, binary_samples(), ref=np.subtract),
    OpInfo("rsub", lambda T, x, y: T.rsub(x, y), binary_samples(), ref=lambda x, y: y - x),
    OpInfo("rsub.operator", lambda T, x: 2.5 - x, unary_samples(), ref=lambda x: 2.5 - x),
    OpInfo("mul", lambda T, x, y: T.mul(x, y), binary_samples(), ref=np.multiply),
    OpInfo("mul.operator_reflected", lambda T, x: 3 * x, unary_samples(), ref=lambda x: 3 * x),
    OpInfo("mul.int", lambda T, x, y: x * y, int_binary(), ref=np.multiply),
    OpInfo("div", lambda T, x, y: T.div(x, y), binary_samples(lo2=0.5, hi2=2.0), ref=np.divide),
    OpInfo("div.operator_reflected", lambda T, x: 2.0 / x, away_from_zero(),
           ref=lambda x: 2.0 / x),
    OpInfo("div.int", lambda T, x, y: x / y, int_binary(nonzero=True),
           ref=lambda x, y: (x / y).astype(np.float32)),
    OpInfo("div.trunc", lambda T, x, y: T.div(x, y, rounding_mode="trunc"),
           binary_samples(lo2=0.3, hi2=2.0), ref=_trunc_div),
    OpInfo("div.floor", lambda T, x, y: T.div(x, y, rounding_mode="floor"),
           binary_samples(lo2=-2.0, hi2=-0.3), ref=np.floor_divide),
    OpInfo("div.trunc_int", lambda T, x, y: T.div(x, y, rounding_mode="trunc"),
           int_binary(nonzero=True), ref=lambda x, y: np.trunc(x / y).astype(np.int64)),
    OpInfo("true_divide", lambda T, x, y: T.true_divide(x, y), binary_samples(lo2=0.5, hi2=2.0),
           ref=np.divide),
    OpInfo("floor_divide", lambda T, x, y: x // y, binary_samples(lo2=0.3, hi2=2.0),
           ref=np.floor_divide, grad=False, jvp=False),
    OpInfo("floor_divide.int", lambda T, x, y: T.floor_divide(x, y), int_binary(nonzero=True),
           ref=np.floor_divide),
    OpInfo("remainder", lambda T, x, y: T.remainder(x, y), binary_samples(-3.0, 3.0, 0.7, 1.9),
           ref=np.remainder),
    OpInfo("remainder.operator", lambda T, x, y: x % y, binary_samples(-3.0, 3.0, -1.9, -0.7),
           ref=np.remainder),
    OpInfo("remainder.int", lambda T, x, y: x % y, int_binary(nonzero=True), ref=np.remainder),
    OpInfo("fmod", lambda T, x, y: T.fmod(x, y), binary_samples(-3.0, 3.0, 0.7, 1.9),
           ref=np.fmod),
    OpInfo("fmod.int", lambda T, x, y: T.fmod(x, y), int_binary(nonzero=True), ref=np.fmod),
    # ---- powers
    OpInfo("pow.scalar", lambda T, x: T.pow(x, 3), unary_samples(), ref=lambda x: x ** 3),
    OpInfo("pow.scalar_float", lambda T, x: x ** 2.5, unary_samples(0.3, 2.0),
           ref=lambda x: x ** 2.5),
    OpInfo("pow.tensor", lambda T, x, y: T.pow(x, y), binary_samples(0.5, 2.0, -1.5, 1.5),
           ref=np.power),
    OpInfo("pow.scalar_base", lambda T, x: T.pow(2.0, x), unary_samples(), ref=lambda x: 2.0 ** x),
    OpInfo("pow.operator_reflected", lambda T, x: 0.5 ** x, unary_samples(),
           ref=lambda x: 0.5 ** x),
    OpInfo("pow.int", lambda T, x, y: x ** y,
           lambda rng: [S(ints(rng, 3, 4), ints(rng, 3, 4, lo=0, hi=4)),
                        S(ints(rng, 3, 4, lo=-2, hi=3), ints(rng, 3, 4, lo=-3, hi=3))]),
    OpInfo("float_power", lambda T, x, y: T.float_power(x, y),
           binary_samples(0.5, 2.0, -1.5, 1.5), ref=np.power),
    OpInfo("square", lambda T, x: T.square(x), unary_samples(), ref=np.square),
    OpInfo("square.int", lambda T, x: x.square(), lambda rng: [S(ints(rng, 3, 4))],
           ref=np.square),
    OpInfo("sqrt", lambda T, x: T.sqrt(x), unary_samples(0.2, 3.0), ref=np.sqrt),
    OpInfo("sqrt.int", lambda T, x: T.sqrt(x), lambda rng: [S(ints(rng, 3, 4, lo=0, hi=9))],
           ref=lambda x: np.sqrt(x).astype(np.float32)),
    OpInfo("rsqrt", lambda T, x: T.rsqrt(x), unary_samples(0.2, 3.0), ref=lambda x: x ** -0.5),
    OpInfo("reciprocal", lambda T, x: T.reciprocal(x), away_from_zero(), ref=np.reciprocal),
    # ---- sign family
    OpInfo("neg", lambda T, x: T.neg(x), unary_samples(), ref=np.negative),
    OpInfo("neg.operator", lambda T, x: -x, unary_samples(), ref=np.negative),
    OpInfo("positive", lambda T, x: +T.positive(x), unary_samples(), ref=lambda x: x),
    OpInfo("abs", lambda T, x: T.abs(x), away_from_zero(), ref=np.abs),
    OpInfo("abs.operator", lambda T, x: abs(x), away_from_zero(), ref=np.abs),
    OpInfo("abs.int", lambda T, x: x.abs(), lambda rng: [S(ints(rng, 3, 4))], ref=np.abs),
    OpInfo("sign", lambda T, x: T.sign(x), away_from_zero(), ref=np.sign),
    # PyTorch's sgn gradient is a ZeroTensor, which can't be compared as an array
    OpInfo("sgn", lambda T, x: T.sgn(x), away_from_zero(), ref=np.sign, torch_compare=False),
    # ---- transcendental basics
    OpInfo("sin", lambda T, x: T.sin(x), unary_samples(), ref=np.sin),
    OpInfo("sin.int", lambda T, x: T.sin(x), lambda rng: [S(ints(rng, 3, 4))],
           ref=lambda x: np.sin(x).astype(np.float32)),
    OpInfo("cos", lambda T, x: T.cos(x), unary_samples(), ref=np.cos),
    OpInfo("exp", lambda T, x: T.exp(x), unary_samples(), ref=np.exp),
    OpInfo("exp.bool", lambda T, x: T.exp(x), lambda rng: [S(rng.uniform(size=(3, 4)) > 0.5)],
           ref=lambda x: np.exp(x.astype(np.float32))),
    OpInfo("log", lambda T, x: T.log(x), unary_samples(0.2, 3.0), ref=np.log),
    OpInfo("tanh", lambda T, x: T.tanh(x), unary_samples(), ref=np.tanh),
    # ---- in-place forms (checked under every transform like the rest)
    OpInfo("add_", lambda T, x, y: x.clone().add_(y, alpha=2), inplace_samples(),
           ref=lambda x, y: x + 2 * y),
    OpInfo("sub_.operator", lambda T, x, y: _isub(x.clone(), y), inplace_samples(),
           ref=np.subtract),
    OpInfo("mul_", lambda T, x, y: x.clone().mul_(y), inplace_samples(), ref=np.multiply),
    OpInfo("div_", lambda T, x, y: x.clone().div_(y), inplace_samples(lo2=0.5, hi2=2.0),
           ref=np.divide),
    OpInfo("pow_", lambda T, x, y: x.clone().pow_(y), inplace_samples(0.5, 2.0, -1.5, 1.5),
           ref=np.power),
    OpInfo("abs_", lambda T, x: x.clone().abs_(), away_from_zero(), ref=np.abs),
    OpInfo("sqrt_", lambda T, x: x.clone().sqrt_(), unary_samples(0.2, 3.0), ref=np.sqrt),
    OpInfo("exp_", lambda T, x: (x * 1).exp_(), unary_samples(), ref=np.exp),
    OpInfo("neg_", lambda T, x: x.clone().neg_(), unary_samples(), ref=np.negative),
    OpInfo("remainder_", lambda T, x, y: x.clone().remainder_(y),
           inplace_samples(-3.0, 3.0, 0.7, 1.9), ref=np.remainder),
]


def _isub(x, y):
    x -= y
    return x
