"""Indexing ops along one dimension (index_select, index_add/copy/fill), the masked ops
(masked_fill/select/scatter), take and nonzero, built on the ``index``/``index_put``
primitives; re-exported from ``indexing.py``."""
import numpy as np

from .._tensor import Tensor, wrap_dim
from .indexing import BASIC, getitem, _check_dtype, _mask_indices
from .indexing_prims import _index, _index_put, nonzero_prim, nonzero_tuple
from ._util import npdtype

__all__ = ["index_select", "index_add", "index_copy", "index_fill", "masked_fill",
           "masked_select", "masked_scatter", "take", "nonzero", "argwhere", "select_scatter",
           "slice_scatter"]


# ------------------------------------------------------------------ masked ops

def _check_mask(mask, op):
    if not isinstance(mask, Tensor) or npdtype(mask) != np.bool_:
        dt = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"{op} only supports boolean masks, but got mask with dtype "
                           f"{str(dt).replace('torch.', '')}")


def _fill_value(input, value, op):
    from .creation import tensor
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"{op} only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        from .elementwise import to_dtype
        return to_dtype(value, input.dtype)
    return tensor(value, dtype=input.dtype)


def masked_fill(input, mask, value):
    """``value`` where ``mask`` is True, ``input`` elsewhere (mask broadcasts)."""
    from .comparison import _where
    _check_mask(mask, "masked_fill_")
    return _where(mask, _fill_value(input, value, "masked_fill_"), input)


def masked_select(input, mask):
    """The elements of ``input`` where ``mask`` is True, as a 1-d tensor."""
    from .shape import broadcast_tensors
    _check_mask(mask, "masked_select:")
    m, x = broadcast_tensors(mask, input)
    idx = _mask_indices(m)
    return _index(x, *idx, dims=tuple(range(x.ndim))) if x.ndim else getitem(x, m)


def masked_scatter(input, mask, source):
    """``input`` with the masked positions filled from ``source`` in row-major order."""
    from .shape import expand, reshape
    _check_mask(mask, "masked_scatter_")
    if input.ndim == 0:
        input, mask = reshape(input, (1,)), reshape(mask, (1,))
        return reshape(masked_scatter(input, mask, source), ())
    mask = expand(mask, tuple(input.shape))
    idx = _mask_indices(mask)
    n = idx[0].shape[0]
    if source.numel() < n:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    _check_dtype(input, source)
    src = BASIC["slice"](reshape(source, (-1,)), key=(slice(0, n),))
    return _index_put(input, src, *idx, dims=tuple(range(input.ndim)), accumulate=False)


# ------------------------------------------------------------------ index_* along one dim

def _dim_index(input, dim, index, op):
    from .shape import reshape
    from .inplace import _tname
    d = wrap_dim(dim, input.ndim, op)
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' (position 2) must be Tensor, not "
                        f"{type(index).__name__}")
    if index.ndim > 1:
        if op == "index_select":
            raise IndexError("index_select(): Index is supposed to be a vector")
        if op == "index_fill_":
            raise RuntimeError("Index has to be a vector/scalar")
        raise IndexError(f"{op}(): Index is supposed to be a vector, but got dim: {index.ndim} "
                         f"with type: {_tname(index.dtype)} and size: {list(index.shape)}")
    if npdtype(index).kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int32 or int64 for index")
    if index.ndim == 0:
        index = reshape(index, (1,))
    return d, index


def _check_range(index, n, d, op=None, exc=IndexError):
    """PyTorch's bounds check (negative indices count from the end)."""
    if index.__class__ is Tensor and index._data.size:
        a = index._data
        hi, lo = int(a.max()), int(a.min())
        if hi >= n or lo < -n:
            if op == "index_select":
                raise IndexError("index out of range in self")
            prefix = f"{op}(): " if op else ""
            raise exc(f"{prefix}index {hi if hi >= n else lo} is out of bounds for dimension "
                      f"{d} with size {n}")


def index_select(input, dim, index):
    """The entries of ``input`` at positions ``index`` (1-d) along ``dim``."""
    from .shape import reshape
    if input.ndim == 0:
        if index.numel() != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                               f"{index.numel()} value(s)")
        return reshape(index_select(reshape(input, (1,)), 0, index), ())
    d, index = _dim_index(input, dim, index, "index_select")
    _check_range(index, input.shape[d], d, "index_select")
    return _index(input, index, dims=(d,))


def _dim_source(input, d, index, source, op):
    from .inplace import _tname
    if source.dtype is not input.dtype:
        raise RuntimeError(f"{op}(): self ({_tname(input.dtype)}) and source "
                           f"({_tname(source.dtype)}) must have the same scalar type")
    xs, ss, k = tuple(input.shape), tuple(source.shape) or (1,), index.shape[0]
    if len(ss) != len(xs) or ss[d] != k:
        if op == "index_copy_":
            raise IndexError(f"index_copy_(): Number of indices ({k}) should be equal to "
                             f"source.size(dim) ({ss[d] if d < len(ss) else 1})")
        raise RuntimeError(f"{op}(): Number of indices ({k}) should be equal to "
                           f"source.size(dim): ({ss[d] if d < len(ss) else 1}), for dim: {d}")
    for j in range(len(xs)):
        if j != d and ss[j] != xs[j]:
            if op == "index_copy_":
                raise RuntimeError(f"index_copy_(): Source/destination tensor must have same "
                                   f"slice shapes. Destination slice shape: {xs[j]} at "
                                   f"dimension {j} and source slice shape: {ss[j]} at "
                                   f"dimension {j}.")
            raise RuntimeError(f"source tensor shape must match self tensor shape, excluding "
                               f"the specified dimension. Got self.shape = {list(xs)} "
                               f"source.shape = {list(source.shape)}")
    if op == "index_copy_":
        _check_range(index, xs[d], d, op, IndexError)
    else:
        _check_range(index, xs[d], d, None, RuntimeError)


def index_add(input, dim, index, source, *, alpha=1):
    """``input`` with ``alpha * source`` added at positions ``index`` along ``dim``."""
    d, index = _dim_index(input, dim, index, "index_add_")
    _dim_source(input, d, index, source, "index_add_")
    if alpha != 1:
        from .elementwise import mul
        source = mul(source, alpha)
    return _index_put(input, source, index, dims=(d,), accumulate=True)


def index_copy(input, dim, index, source):
    """``input`` with the slices at ``index`` along ``dim`` replaced by ``source``."""
    d, index = _dim_index(input, dim, index, "index_copy_")
    _dim_source(input, d, index, source, "index_copy_")
    return _index_put(input, source, index, dims=(d,), accumulate=False)


def index_fill(input, dim, index, value):
    """``input`` with the slices at ``index`` along ``dim`` set to ``value``.

    A ``where`` on a mask along ``dim``, so a tensor ``value`` gets each filled element's
    gradient once however often ``index`` repeats it."""
    from .comparison import _where
    from .creation import zeros
    from .shape import reshape
    d, index = _dim_index(input, dim, index, "index_fill_")
    n = input.shape[d]
    _check_range(index, n, d)
    mask = _index_put(zeros(n, dtype=bool), True, index, dims=(0,), accumulate=False)
    mask = reshape(mask, (n,) + (1,) * (input.ndim - d - 1))
    return _where(mask, _fill_value(input, value, "index_fill_"), input)


def take(input, index):
    """``input`` as a flat tensor indexed by ``index`` (the result has index's shape)."""
    from .shape import reshape
    n = input.numel()
    if index.__class__ is Tensor and index._data.size:
        a = index._data
        bad = a.max() if a.max() >= n else (a.min() if a.min() < -n else None)
        if bad is not None:
            raise IndexError(f"out of range: tried to access index {int(bad)} on a tensor of "
                             f"{n} elements.")
    if npdtype(index).kind not in "iu":
        from .inplace import _tname
        raise RuntimeError(f"take(): Expected a long tensor for index, but got "
                           f"{_tname(index.dtype)}")
    return _index(reshape(input, (-1,)), index, dims=(0,))


def _scatter_view(input, src, view_fn):
    """A copy of ``input`` with the view ``view_fn(copy)`` replaced by ``src`` (one write
    through a view, so the gradient splits as for ``x[...] = src``)."""
    from .copy import clone
    from .inplace import assign
    out = clone(input)
    v = view_fn(out)
    if tuple(v.shape) != tuple(src.shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(v.shape)}")
    assign(v, src, "copy_")
    return out


def select_scatter(input, src, dim, index):
    """``input`` with ``input.select(dim, index)`` replaced by ``src``."""
    from .indexing import select
    return _scatter_view(input, src, lambda t: select(t, dim, index))


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """``input`` with the slice ``start:end:step`` of ``dim`` replaced by ``src``."""
    from .indexing import slice_dim
    d = wrap_dim(dim, input.ndim, "slice_scatter")
    return _scatter_view(input, src, lambda t: slice_dim(t, d, start, end, step))


def nonzero(input, *, out=None, as_tuple=False):
    """Indices of the non-zero elements: an (n, ndim) tensor, or one 1-d tensor per dim."""
    if as_tuple:
        return tuple(nonzero_tuple(input))
    return nonzero_prim(input)


def argwhere(input):
    return nonzero_prim(input)


METHODS = {"index_select": index_select, "index_add": index_add, "index_copy": index_copy,
           "index_fill": index_fill, "masked_fill": masked_fill, "masked_select": masked_select,
           "masked_scatter": masked_scatter, "take": take, "nonzero": nonzero,
           "argwhere": argwhere, "select_scatter": select_scatter,
           "slice_scatter": slice_scatter}
INPLACE = {"index_add_": index_add, "index_copy_": index_copy, "index_fill_": index_fill,
           "masked_fill_": masked_fill, "masked_scatter_": masked_scatter}
