"""clone and contiguous."""
import numpy as np

from ._primitive import Primitive
from ._util import batch_unary

__all__ = ["clone", "contiguous"]

_clone = Primitive("clone", lambda x: x.copy(order="K"), vjp=lambda g, out, x: g,
                   jvp=lambda t, out, x: _clone(t),     # own tangent memory, like the primal
                   batch=batch_unary, saves=())


def clone(input, *, memory_format=None):
    """A copy with its own memory (differentiable: the gradient passes through)."""
    return _clone(input)


_contiguous = Primitive("contiguous", lambda x: np.ascontiguousarray(x),
                        vjp=lambda g, out, x: g, jvp=lambda t, out, x: t, batch=batch_unary,
                        saves=(), node_name="CloneBackward0")


def contiguous(input, memory_format=None):
    if input.is_contiguous():
        return input
    return _contiguous(input)


def copy_(self, src, non_blocking=False):
    """Write ``src`` (broadcast, cast to ``self``'s dtype) into ``self``; differentiable
    (``CopyBackwards``, or ``CopySlices`` when ``self`` is a view)."""
    from .inplace import assign
    from .._tensor import Tensor
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not "
                        f"{type(src).__name__}")
    return assign(self, src, "copy_")


METHODS = {"clone": clone, "contiguous": contiguous, "copy_": copy_}
INPLACE = {}
