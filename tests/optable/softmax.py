"""Rows for softmax, log_softmax and softmin (nn.functional, on top of softmax)."""
import numpy as np

from ._opinfo import OpInfo, S, rand


def _shapes(*shapes, lo=-2.0, hi=2.0):
    return lambda rng: [S(rand(rng, *s, lo=lo, hi=hi)) for s in shapes]


def _np_softmax(x, dim):
    e = np.exp(x - np.max(x, dim, keepdims=True))
    return e / e.sum(dim, keepdims=True)


def _np_log_softmax(x, dim):
    z = x - np.max(x, dim, keepdims=True)
    return z - np.log(np.exp(z).sum(dim, keepdims=True))


OPS = [
    OpInfo("softmax", lambda T, x: T.softmax(x, 1), _shapes((3, 4), (2, 3, 4)),
           ref=lambda x: _np_softmax(x, 1)),
    OpInfo("softmax.dim0_method", lambda T, x: x.softmax(0), _shapes((3, 4), (5,)),
           ref=lambda x: _np_softmax(x, 0)),
    OpInfo("softmax.large", lambda T, x: T.softmax(x, -1), _shapes((3, 4), lo=500, hi=900),
           ref=lambda x: _np_softmax(x, -1)),
    OpInfo("softmax.dtype", lambda T, x: T.softmax(x, -1, dtype=T.float64), _shapes((3, 4)),
           ref=lambda x: _np_softmax(x.astype(np.float64), -1)),
    OpInfo("log_softmax", lambda T, x: T.log_softmax(x, -1), _shapes((3, 4), (2, 3, 4)),
           ref=lambda x: _np_log_softmax(x, -1)),
    OpInfo("log_softmax.dim0_method", lambda T, x: x.log_softmax(0), _shapes((3, 4), (5,)),
           ref=lambda x: _np_log_softmax(x, 0)),
    OpInfo("log_softmax.large", lambda T, x: T.log_softmax(x, 1),
           _shapes((2, 4), lo=-900, hi=900), ref=lambda x: _np_log_softmax(x, 1)),
    OpInfo("softmin", lambda T, x: T.nn.functional.softmin(x, 1), _shapes((3, 4), (2, 3, 4)),
           ref=lambda x: _np_softmax(-x, 1)),
]
