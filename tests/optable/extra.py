"""Rows for ops not covered by the family files (memory layout and dtype views, tensor-bound
clamps, predicates)."""
import numpy as np

from ._opinfo import OpInfo, S, rand

OPS = [
    OpInfo("contiguous", lambda T, x: x.t().contiguous(), lambda rng: [S(rand(rng, 3, 4))],
           ref=lambda x: np.ascontiguousarray(x.T)),
    OpInfo("clamp_min.tensor", lambda T, x, lo: T.clamp_min(x, lo),
           lambda rng: [S(rand(rng, 3, 4), rand(rng, 4))], ref=lambda x, lo: np.maximum(x, lo)),
    OpInfo("isreal", lambda T, x: T.isreal(x), lambda rng: [S(rand(rng, 3))],
           ref=lambda x: np.isreal(x), grad=False, jvp=False),
    OpInfo("view.dtype", lambda T, x: x.view(T.int32), lambda rng: [S(rand(rng, 2, 4).astype(np.float32))],
           ref=lambda x: x.view(np.int32), grad=False, jvp=False, dtypes=("float32",)),
    OpInfo("scatter.multiply", lambda T, x, i, s: T.scatter(x, 1, i, s, reduce="multiply"),
           lambda rng: [S(rand(rng, 2, 4), rng.integers(0, 4, size=(2, 3)), rand(rng, 2, 3))],
           grad=False, jvp=False),
]
