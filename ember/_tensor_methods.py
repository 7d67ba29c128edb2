"""Attach the op families' functions to ``Tensor`` as methods, operators and in-place ops.

Each module in ``ops`` lists ``METHODS`` (name -> function taking the tensor first) and
``INPLACE`` (name -> out-of-place function; the method writes the result into the tensor)."""
from ._tensor import Tensor
from .ops import (elementwise, math, comparison, reduction, sorting, softmax, shape, join,
                  indexing, pad, linalg, decomp, copy, creation, random)
from .ops import sets, statistics, elementwise_extra
from .ops.inplace import inplace_method, setitem

MODULES = [elementwise, math, comparison, reduction, sorting, softmax, shape, join, indexing,
           pad, linalg, decomp, copy, creation, random, sets, statistics, elementwise_extra]


def install():
    for mod in MODULES:
        for name, fn in getattr(mod, "METHODS", {}).items():
            setattr(Tensor, name, fn)
        for name, fn in getattr(mod, "INPLACE", {}).items():
            setattr(Tensor, name, inplace_method(fn, name))
    Tensor.__setitem__ = setitem
