"""The op table: one ``OpInfo`` row per op, run by ``tests/test_optable.py`` under every check.

An op is written once against a module ``T`` that is either ``ember`` or ``torch``:

    OpInfo("add", lambda T, x, y: T.add(x, y), samples=binary_samples(), ref=np.add)

Samples are NumPy arrays (become tensors) and plain Python values (passed as they are).
"""
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np


@dataclass
class Sample:
    args: tuple
    kwargs: dict = field(default_factory=dict)

    def __repr__(self):
        def d(a):
            return f"arr{list(a.shape)}:{a.dtype}" if isinstance(a, np.ndarray) else repr(a)
        return "(" + ", ".join(d(a) for a in self.args) + ")"


@dataclass
class OpInfo:
    name: str
    op: Callable                                   # op(T, *args, **kwargs), T = ember or torch
    samples: Callable[[np.random.Generator], list]  # rng -> [Sample]; shapes must not depend on rng
    ref: Optional[Callable] = None                 # NumPy reference on arrays (forward check)
    grad: bool = True                              # reverse mode (gradcheck, VJP vs torch)
    jvp: bool = True                               # forward mode
    vmap: bool = True                              # batching rule vs a Python loop
    second_order: bool = True                      # double backward
    diff_args: Optional[tuple] = None              # indices to differentiate (default: float arrays)
    dtypes: tuple = ("float32", "float64")         # dtypes for the forward check
    atol: float = 1e-5
    rtol: float = 1e-4
    grad_atol: float = 1e-5
    grad_rtol: float = 1e-3
    torch_compare: bool = True                     # compare with PyTorch when installed
    output_process: Optional[Callable] = None      # e.g. lambda out: out[0] for (values, idx)
    skip_dtypes_torch: tuple = ()
    notes: str = ""

    def diff_indices(self, sample):
        if self.diff_args is not None:
            return self.diff_args
        return tuple(i for i, a in enumerate(sample.args)
                     if isinstance(a, np.ndarray) and a.dtype.kind == "f")


def S(*args, **kwargs):
    return Sample(args, kwargs)


def rand(rng, *shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float64)


def unary_samples(lo=-2.0, hi=2.0, shapes=((3, 4), (5,), ())):
    """Samples for elementwise unary ops: a matrix, a vector, a 0-d tensor."""
    def gen(rng):
        return [S(rand(rng, *s, lo=lo, hi=hi)) for s in shapes]
    return gen


def binary_samples(lo=-2.0, hi=2.0, lo2=None, hi2=None, scalar=True):
    """Binary elementwise: equal shapes, broadcasting both ways, 0-d, and a Python scalar."""
    lo2 = lo if lo2 is None else lo2
    hi2 = hi if hi2 is None else hi2

    def gen(rng):
        out = [S(rand(rng, 3, 4, lo=lo, hi=hi), rand(rng, 3, 4, lo=lo2, hi=hi2)),
               S(rand(rng, 3, 1, lo=lo, hi=hi), rand(rng, 1, 4, lo=lo2, hi=hi2)),
               S(rand(rng, 2, 3, 4, lo=lo, hi=hi), rand(rng, 4, lo=lo2, hi=hi2)),
               S(rand(rng, 5, lo=lo, hi=hi), rand(rng, lo=lo2, hi=hi2))]
        if scalar:
            out.append(S(rand(rng, 3, 2, lo=lo, hi=hi), float(np.round(rng.uniform(lo2, hi2), 3))))
        return out
    return gen
