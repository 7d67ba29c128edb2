"""Searching, sets and counting: unique, unique_consecutive, searchsorted, bucketize, bincount,
histc.

None of them has a gradient (as in PyTorch).  They are primitives without rules for the
reverse and forward modes; their batching rules either work on the whole batch at once
(searchsorted, histc, bincount through offsets) or raise PyTorch's error for results whose
shape depends on the data (unique).
"""
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, wrap_dim
from ._primitive import Primitive
from ._util import npdtype, move_bdim_to_front, batch_size_of

__all__ = ["unique", "unique_consecutive", "searchsorted", "bucketize", "bincount", "histc"]


def _E():
    import ember
    return ember


def _dynamic_shape(name):
    def rule(prim, args, batched, **params):
        raise RuntimeError(f"vmap: We do not support batching operators that can output dynamic "
                           f"shape. Attempted to vmap over aten::{name}. Please file an issue at "
                           f"https://github.com/pytorch/pytorch/issues if you need this feature.")
    return rule


def _float_name(dt):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "float16": "Half", "float32": "Float", "float64": "Double",
            "complex64": "ComplexFloat", "complex128": "ComplexDouble"}.get(str(np.dtype(dt)),
                                                                           str(dt))


# ------------------------------------------------------------------ unique

def _unique_impl(x, dim):
    """(values, inverse, counts); NaNs are all distinct, as in PyTorch."""
    if dim is None:
        flat = x.reshape(-1)
        v, inv, cnt = np.unique(flat, return_inverse=True, return_counts=True, equal_nan=False)
        return v, inv.reshape(x.shape).astype(np.int64), cnt.astype(np.int64)
    if x.shape[dim] == 0:
        return (x.copy(), np.zeros((0,), np.int64), np.zeros((0,), np.int64))
    v, inv, cnt = np.unique(x, axis=dim, return_inverse=True, return_counts=True)
    return v, inv.reshape(-1).astype(np.int64), cnt.astype(np.int64)


_unique = Primitive("unique", _unique_impl, n_out=3, differentiable=False,
                    batch=_dynamic_shape("_unique2"))


def _unique_consecutive_impl(x, dim):
    if dim is None:
        y = x.reshape(-1)
        if y.size == 0:
            return y.copy(), np.zeros(x.shape, np.int64), np.zeros((0,), np.int64)
        change = np.empty(y.shape, bool)
        change[0] = True
        change[1:] = y[1:] != y[:-1]
        vals = y[change]
    else:
        n = x.shape[dim]
        if n == 0:
            return x.copy(), np.zeros((0,), np.int64), np.zeros((0,), np.int64)
        m = np.moveaxis(x, dim, 0).reshape(n, -1)
        change = np.empty((n,), bool)
        change[0] = True
        change[1:] = np.any(m[1:] != m[:-1], axis=1)
        vals = np.compress(change, x, axis=dim)
    inv = np.cumsum(change) - 1
    starts = np.flatnonzero(change)
    cnt = np.diff(np.append(starts, change.size))
    if dim is None:
        inv = inv.reshape(x.shape)
    return vals, inv.astype(np.int64), cnt.astype(np.int64)


_unique_consecutive = Primitive("unique_consecutive", _unique_consecutive_impl, n_out=3,
                                differentiable=False,
                                batch=_dynamic_shape("unique_consecutive"))


def _pick(outs, return_inverse, return_counts):
    if not return_inverse and not return_counts:
        return outs[0]
    res = [outs[0]]
    if return_inverse:
        res.append(outs[1])
    if return_counts:
        res.append(outs[2])
    return tuple(res)


def _unique_dim(input, dim, op):
    if dim is None:
        return None
    if input.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, input.ndim, op)
    if input.shape[d] != 0 and any(s == 0 for i, s in enumerate(input.shape) if i != d):
        raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique "
                           "cannot be applied")
    return d


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """Distinct elements (or slices along ``dim``) in ascending order, optionally with the
    index of each input element in the result and the count of each value."""
    d = _unique_dim(input, dim, "unique")
    return _pick(_unique(input, dim=d), return_inverse, return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive elements (or slices along ``dim``)."""
    d = _unique_dim(input, dim, "unique_consecutive")
    return _pick(_unique_consecutive(input, dim=d), return_inverse, return_counts)


# ------------------------------------------------------------------ searchsorted, bucketize

def _searchsorted_impl(seq, values, sorter, right, out_int32):
    side = "right" if right else "left"
    odt = np.int32 if out_int32 else np.int64
    if seq.ndim <= 1:
        return np.searchsorted(seq, values, side=side, sorter=sorter).astype(odt)
    lead = seq.shape[:-1]
    rows = int(np.prod(lead))
    s2 = seq.reshape(rows, seq.shape[-1])
    v2 = values.reshape(rows, int(np.prod(values.shape[len(lead):])))
    if sorter is not None:
        s2 = np.take_along_axis(s2, sorter.reshape(s2.shape), 1)
    return _search_rows(s2, v2, right).astype(odt).reshape(lead + values.shape[len(lead):])


def _search_rows(s2, v2, right):
    """Row-wise searchsorted in one sort (NumPy's is 1-d only): sort every sequence element
    and query by (row, value, tag), the tag putting queries before equal sequence elements
    (left) or after them (right); a query's index is the count of its row's sequence
    elements before it."""
    R, ns = s2.shape
    width = ns + v2.shape[1]
    vals = np.concatenate([s2, v2], axis=1).ravel()
    is_seq = np.zeros((R, width), bool)
    is_seq[:, :ns] = True
    is_seq = is_seq.ravel()
    rows = np.repeat(np.arange(R), width)
    order = np.lexsort((~is_seq if right else is_seq, vals, rows))
    seq_sorted = is_seq[order]
    before = np.cumsum(seq_sorted) - seq_sorted        # sequence elements before each slot
    q = order[~seq_sorted]
    r, c = np.divmod(q, width)
    out = np.empty(v2.shape, np.int64)
    out[r, c - ns] = before[~seq_sorted] - r * ns
    return out


def _searchsorted_batch(prim, args, batched, **params):
    seq, values, sorter = args
    bs, bv = batched[0], batched[1]
    bo = len(batched) > 2 and batched[2]
    B = batch_size_of(args, batched)
    E = _E()
    if not (bs or bo):                 # only the values are batched
        if seq.ndim <= 1:
            return prim(seq, values, sorter, **params)
        seq = move_bdim_to_front(seq, False, B)
        if sorter is not None:
            sorter = move_bdim_to_front(sorter, False, B)
        return prim(seq, values, sorter, **params)
    seq = move_bdim_to_front(seq, bs, B)
    if sorter is not None:
        sorter = move_bdim_to_front(sorter, bo, B)
    if seq.ndim == 2:                  # one 1-d sequence per batch element
        vshape = tuple(values.shape[1:]) if bv else tuple(values.shape)
        v = move_bdim_to_front(values, bv, B)
        out = prim(seq, E.reshape(v, (B, int(np.prod(vshape)))), sorter, **params)
        return E.reshape(out, (B,) + vshape)
    return prim(seq, move_bdim_to_front(values, bv, B), sorter, **params)


_searchsorted = Primitive("searchsorted", _searchsorted_impl, differentiable=False,
                          batch=_searchsorted_batch)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None, out=None):
    """Indices where ``input`` would be inserted into the innermost dimension of
    ``sorted_sequence`` to keep it sorted (``right``/``side='right'``: after equal values)."""
    E = _E()
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        right = side == "right"
    if not isinstance(input, Tensor):
        input = E.tensor(input)
    if sorted_sequence.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    if sorted_sequence.ndim > 1 and (input.ndim != sorted_sequence.ndim or tuple(
            input.shape[:-1]) != tuple(sorted_sequence.shape[:-1])):
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or "
                           f"the first N-1 dimensions of boundaries tensor and input value "
                           f"tensor must match, but we got boundaries tensor "
                           f"{list(sorted_sequence.shape)} and input value tensor "
                           f"{list(input.shape)}")
    if sorter is not None:
        if tuple(sorter.shape) != tuple(sorted_sequence.shape):
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same "
                               f"size, but got boundary tensor {list(sorted_sequence.shape)}"
                               f"and got sorter tensor {list(sorter.shape)}")
        if sorter.dtype != D.int64:
            raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype "
                               f"but got dtype {sorter.dtype}")
    if sorted_sequence.dtype.is_complex or input.dtype.is_complex:
        raise RuntimeError("torch.searchsorted(): complex tensors are not supported")
    res = _searchsorted(sorted_sequence, input, sorter, right=bool(right),
                        out_int32=bool(out_int32))
    if out is not None:
        out.copy_(res)
        return out
    return res


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """Index of the bucket of each element of ``input``: ``boundaries[i-1] < x <=
    boundaries[i]`` (``right=True``: ``boundaries[i-1] <= x < boundaries[i]``)."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


# ------------------------------------------------------------------ bincount

def _bincount_impl(x, weights, minlength, nb):
    """Counts of each value of the last dim; ``nb`` leading batch dims are counted apart."""
    if x.size and x.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        odt = np.int64
    else:
        odt = np.float32 if weights.dtype == np.float32 else np.float64
    if nb == 0:
        n = max(int(x.max()) + 1 if x.size else 0, minlength)
        return np.bincount(x, weights=weights, minlength=n).astype(odt, copy=False)
    lead = x.shape[:nb]
    rows = int(np.prod(lead))
    x2 = x.reshape(rows, x.shape[-1])
    if x2.shape[1] and rows:
        lens = np.maximum(x2.max(axis=1) + 1, minlength)
        if rows and (lens != lens[0]).any():
            raise RuntimeError("vmap: We do not support batching operators that can output "
                               "dynamic shape. Attempted to vmap over aten::bincount.")
        n = max(int(lens.max()) if rows else 0, minlength)
    else:
        n = minlength
    offs = (np.arange(rows) * n)[:, None] + x2
    w = None if weights is None else np.broadcast_to(weights, x.shape).reshape(-1)
    out = np.bincount(offs.reshape(-1), weights=w, minlength=rows * n)
    return out.astype(odt, copy=False).reshape(lead + (n,))


def _bincount_batch(prim, args, batched, minlength, nb):
    x, w = args
    B = batch_size_of(args, batched)
    x = move_bdim_to_front(x, batched[0], B)
    if w is not None:
        w = move_bdim_to_front(w, batched[1], B)
    return prim(x, w, minlength=minlength, nb=nb + 1)


_bincount = Primitive("bincount", _bincount_impl, differentiable=False, batch=_bincount_batch)


def bincount(input, weights=None, minlength=0):
    """Number of occurrences of each value 0..max(input) of a 1-d non-negative integer tensor
    (the sum of ``weights`` at those positions when given)."""
    if not input.dtype.is_floating_point and not input.dtype.is_complex and \
            input.dtype != D.bool:
        if input.ndim != 1:
            raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    else:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for "
                                  f"'{_float_name(npdtype(input))}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    return _bincount(input, weights, minlength=int(minlength), nb=0)


# ------------------------------------------------------------------ histc

def _histc_impl(x, bins, min, max, nb):
    lead = x.shape[:nb]
    x2 = x.reshape(int(np.prod(lead)) if nb else 1, int(np.prod(x.shape[nb:])))
    rows = x2.shape[0]
    lo = np.full((rows,), min, x.dtype)
    hi = np.full((rows,), max, x.dtype)
    if min == max and x2.shape[1]:
        auto = x2.shape[1] > 0
        if auto:
            lo = x2.min(axis=1)
            hi = x2.max(axis=1)
    bad = ~(np.isfinite(lo) & np.isfinite(hi))
    if bad.any():
        i = int(np.argmax(bad))
        raise RuntimeError(f"torch.histc: range of [{_fmt(lo[i])}, {_fmt(hi[i])}] is not "
                           f"finite")
    same = lo == hi
    lo = np.where(same, lo - 1, lo).astype(x.dtype)
    hi = np.where(same, hi + 1, hi).astype(x.dtype)
    lo_, hi_ = lo[:, None], hi[:, None]
    inside = (x2 >= lo_) & (x2 <= hi_)
    pos = np.floor((x2 - lo_) * x.dtype.type(bins) / (hi_ - lo_))
    pos = np.where(inside, pos, 0)
    pos = np.clip(pos, 0, bins - 1).astype(np.int64)
    offs = (np.arange(rows) * bins)[:, None] + pos
    out = np.bincount(offs[inside], minlength=rows * bins).astype(x.dtype)
    return out.reshape(lead + (bins,))


def _fmt(v):
    v = float(v)
    return str(int(v)) if v.is_integer() else str(v)


_histc = Primitive("histc", _histc_impl, differentiable=False,
                   batch=lambda prim, args, batched, nb, **p: prim(args[0], nb=nb + 1, **p))


def histc(input, bins=100, min=0, max=0, *, out=None):
    """Histogram of the elements in ``bins`` equal-width bins between ``min`` and ``max``
    (the data's range when both are equal); elements outside are ignored."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for "
                                  f"'{_float_name(npdtype(input))}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                           f"dimension 0")
    if min > max:
        raise RuntimeError("torch.histc: max must be larger than min")
    res = _histc(input, bins=int(bins), min=float(min), max=float(max), nb=0)
    if out is not None:
        out.copy_(res)
        return out
    return res


METHODS = {"unique": unique, "unique_consecutive": unique_consecutive, "bincount": bincount,
           "histc": histc}
