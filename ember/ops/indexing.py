"""Indexing: basic ``__getitem__`` (ints, slices with steps, None, Ellipsis) as a view."""
import numpy as np

from .._tensor import Tensor, wrap_dim
from ._primitive import Primitive

__all__ = ["select"]


def _basic_backward_impl(g, shape, key):
    out = np.zeros(shape, dtype=g.dtype)
    out[key] = g
    return out


def _shift_key(key):
    return (slice(None),) + key


_basic_backward = Primitive(
    "index_basic_backward", _basic_backward_impl,
    vjp=lambda g, out, gy, shape, key: _index_basic(g, key=key),
    jvp=lambda t, out, gy, shape, key: _basic_backward(t, shape=shape, key=key),
    batch=lambda prim, args, batched, shape, key: prim(args[0], shape=(args[0].shape[0],) + shape,
                                                       key=_shift_key(key)),
    saves=())

_index_basic = Primitive(
    "index_basic", lambda x, key: x[key + (Ellipsis,)],
    vjp=lambda g, out, x, key: _basic_backward(g, shape=tuple(x.shape), key=key),
    jvp=lambda t, out, x, key: _index_basic(t, key=key),
    batch=lambda prim, args, batched, key: prim(args[0], key=_shift_key(key)),
    saves=(), is_view=True, node_name="SliceBackward0")


def _normalize_basic(key, shape):
    """Resolve Ellipsis and check bounds; returns a tuple of ints/slices/None."""
    if not isinstance(key, tuple):
        key = (key,)
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    if n_real > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    out = []
    dim = 0
    seen_ellipsis = False
    for k in key:
        if k is Ellipsis:
            if seen_ellipsis:
                raise IndexError("an index can only have a single ellipsis ('...')")
            seen_ellipsis = True
            fill = len(shape) - n_real
            out.extend([slice(None)] * fill)
            dim += fill
        elif k is None:
            out.append(None)
        elif isinstance(k, slice):
            if k.step is not None and k.step <= 0:
                raise ValueError("step must be greater than zero")
            out.append(k)
            dim += 1
        else:
            i = int(k)
            n = shape[dim]
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {n}")
            out.append(i + n if i < 0 else i)
            dim += 1
    return tuple(out)


def is_basic_key(key):
    """True for keys made only of ints, slices, None and Ellipsis (the view case)."""
    if isinstance(key, tuple):
        return all(_basic_part(k) for k in key)
    return _basic_part(key)


def _basic_part(k):
    return (k is None or k is Ellipsis or isinstance(k, slice) or
            (isinstance(k, (int, np.integer)) and not isinstance(k, bool)))


def getitem(x, key):
    """``x[key]`` for basic keys (ints, slices, None, Ellipsis)."""
    key = _normalize_basic(key, tuple(x.shape))
    return _index_basic(x, key=key)


def slice_dim(x, dim, start, stop, step=1):
    key = (slice(None),) * dim + (slice(start, stop, step),)
    return _index_basic(x, key=key)


def select(input, dim, index):
    d = wrap_dim(dim, input.ndim, "select")
    n = input.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    return _index_basic(input, key=(slice(None),) * d + (index % n,))


METHODS = {"__getitem__": getitem, "select": select}
INPLACE = {}
