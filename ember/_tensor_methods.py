"""Attach the op families' functions to ``Tensor`` as methods, operators and in-place ops.

Each module in ``ops`` lists ``METHODS`` (name -> function taking the tensor first) and
``INPLACE`` (name -> out-of-place function; the method writes the result into the tensor)."""
from ._tensor import Tensor
from .ops import (elementwise, math, comparison, reduction, sorting, softmax, shape, join,
                  indexing, pad, linalg, decomp, copy, creation, random)
from .ops.inplace import inplace_method, setitem

MODULES = [elementwise, math, comparison, reduction, sorting, softmax, shape, join, indexing,
           pad, linalg, decomp, copy, creation, random]


def install():
    for mod in MODULES:
        for name, fn in getattr(mod, "METHODS", {}).items():
            setattr(Tensor, name, fn)
        for name, fn in getattr(mod, "INPLACE", {}).items():
            setattr(Tensor, name, inplace_method(fn, name))
    Tensor.__setitem__ = setitem
    Tensor.to = _to


def _to(self, *args, dtype=None, device=None, copy=False, non_blocking=False, **kw):
    """Convert dtype and/or device: ``to(dtype)``, ``to(device)``, ``to(other)``."""
    from . import _dtype as D
    from ._backend import device as Dev
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, D.dtype):
            dtype = a
        elif isinstance(a, (str, Dev)) and not (isinstance(a, str) and a in D._NAMES):
            device = a
        elif a is not None:
            dtype = a
    out = self
    if dtype is not None:
        out = elementwise.to_dtype(out, dtype)
    if copy and out is self:
        out = copy.clone(out)
    return out
