"""Grids and index sets: meshgrid, cartesian_prod, combinations, tril/triu_indices, block_diag,
vander.

All are composites of reshapes, expands, concatenations and index selections with constant
index arrays, so every transform (gradients of any order, forward mode, vmap) comes from the
parts; only the index patterns are computed with NumPy.
"""
import itertools
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, make_tensor
from ._util import npdtype, result_npdtype, cast

__all__ = ["meshgrid", "cartesian_prod", "combinations", "tril_indices", "triu_indices",
           "block_diag", "vander"]


def _E():
    import ember
    return ember


def _tensor_args(tensors, op):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument 'tensors' must be tuple of Tensors, but found "
                            f"element of type {type(t).__name__} at pos {i}")
    return tuple(tensors)


# ------------------------------------------------------------------ meshgrid, cartesian_prod

def meshgrid(*tensors, indexing=None):
    """Coordinate grids of 0-d/1-d tensors; ``indexing='ij'`` (matrix, the default) or
    ``'xy'`` (Cartesian: the first two output dims are swapped)."""
    E = _E()
    tensors = _tensor_args(tensors, "meshgrid")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f'received: {indexing}')
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t.ndim}-d tensor of shape {list(t.shape)}")
    dt = tensors[0].dtype
    for t in tensors[1:]:
        if t.dtype != dt:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    ts = list(tensors)
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    sizes = tuple(t.numel() for t in ts)
    n = len(ts)
    outs = []
    for i, t in enumerate(ts):
        shape = [1] * n
        shape[i] = sizes[i]
        outs.append(E.expand(E.reshape(t, tuple(shape)), sizes))
    if swap:
        outs[0], outs[1] = outs[1], outs[0]
    return tuple(outs)


def cartesian_prod(*tensors):
    """Cartesian product of 1-d tensors: rows of ``itertools.product`` (a 1-d result for one
    tensor)."""
    E = _E()
    tensors = _tensor_args(tensors, "cartesian_prod")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return E.stack([E.reshape(g, (-1,)) for g in grids], dim=1)


# ------------------------------------------------------------------ combinations

def combinations(input, r=2, with_replacement=False):
    """Length-``r`` combinations of the elements of a 1-d tensor (``itertools.combinations``
    order), one per row."""
    E = _E()
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return E.zeros((0,), dtype=input.dtype)
    n = input.shape[0]
    gen = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    idx = np.array(list(gen(range(n), r)), dtype=np.int64).reshape(-1, r)
    flat = E.index_select(input, 0, make_tensor(idx.reshape(-1)))
    return E.reshape(flat, idx.shape)


# ------------------------------------------------------------------ tril/triu indices

def _tri_indices(row, col, offset, dtype, upper, op):
    E = _E()
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    dt = D.int64 if dtype is None else dtype
    if dt not in (D.int32, D.int64):
        raise NotImplementedError(f"\"{op}\" not implemented for '{_scalar_name(dt)}'")
    if upper:
        r, c = np.triu_indices(row, offset, col)
    else:
        r, c = np.tril_indices(row, offset, col)
    return E.tensor(np.stack([r, c]).astype(dt.np).reshape(2, -1))


def _scalar_name(dt):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bool": "Bool",
            "int8": "Char", "uint8": "Byte", "int16": "Short", "complex64": "ComplexFloat",
            "complex128": "ComplexDouble"}.get(str(dt).replace("torch.", ""), str(dt))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None,
                 pin_memory=False, requires_grad=False):
    """2 x N indices (rows, then columns) of the lower triangle of a ``row`` x ``col``
    matrix, in row-major order."""
    return _tri_indices(row, col, offset, dtype, False, "tril_indices")


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None,
                 pin_memory=False, requires_grad=False):
    """2 x N indices of the upper triangle of a ``row`` x ``col`` matrix (row-major)."""
    return _tri_indices(row, col, offset, dtype, True, "triu_indices")


# ------------------------------------------------------------------ block_diag

def block_diag(*tensors):
    """Block-diagonal matrix of 0-d (1x1), 1-d (1xn) and 2-d blocks, in the promoted dtype."""
    E = _E()
    tensors = _tensor_args(tensors, "block_diag")
    blocks = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {t.ndim} dimensions")
        blocks.append(E.reshape(t, (1, 1)) if t.ndim == 0 else
                      E.reshape(t, (1, -1)) if t.ndim == 1 else t)
    if not blocks:
        return E.zeros((1, 0))
    npd = result_npdtype(*[E.zeros((1,), dtype=b.dtype) for b in blocks])
    blocks = [b if npdtype(b) == npd else cast(b, npd) for b in blocks]
    dt = D.NP2DT[np.dtype(npd)]
    ncols = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        r, c = b.shape
        parts = []
        if left:
            parts.append(E.zeros((r, left), dtype=dt))
        parts.append(b)
        if ncols - left - c:
            parts.append(E.zeros((r, ncols - left - c), dtype=dt))
        rows.append(E.cat(parts, dim=1) if len(parts) > 1 else b)
        left += c
    return E.cat(rows, dim=0)


# ------------------------------------------------------------------ vander

def vander(x, N=None, increasing=False):
    """Vandermonde matrix of a 1-d tensor: columns ``x**(N-1) ... x**0`` (reversed when
    ``increasing``).  Powers are running products (exact gradients at 0); integer and bool
    input give int64, as in PyTorch."""
    E = _E()
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if x.dtype.is_floating_point or x.dtype.is_complex:
        xs = x
    else:
        xs = x.to(E.int64)
    m = x.shape[0]
    if n == 0:
        return E.zeros((m, 0), dtype=xs.dtype)
    ones = E.ones((m, 1), dtype=xs.dtype)
    if n == 1:
        cols = ones
    else:
        reps = E.expand(E.reshape(xs, (m, 1)), (m, n - 1))
        cols = E.cat([ones, E.cumprod(reps, dim=1)], dim=1)
    return cols if increasing else E.flip(cols, (1,))
