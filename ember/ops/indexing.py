"""``x[key]`` and ``x[key] = v``: PyTorch's indexing on top of the primitives in
``indexing_prims.py``.

A key is split the way PyTorch splits it: its basic part (ints, slices, None, Ellipsis) is
applied first as one view, then its advanced part (integer tensors and lists, boolean masks,
Python bools) indexes that view.  Ints are therefore selects, never advanced indices, so
``x[0, :, [1, 2]]`` has shape ``(B, 2)`` as in PyTorch (NumPy would give ``(2, B)``).
Writes with an advanced key go through ``index_put_``, which computes the result out of place
and writes it with ``inplace.assign`` (history, versions and transform levels), or writes
memory directly when no autograd or transform is involved.
"""
import warnings

import numpy as np

from .._tensor import Tensor, make_tensor, wrap_dim
from .._state import STATE
from .indexing_prims import BASIC, adjacent, _index, _index_put, nonzero_tuple
from .inplace import assign, bump_version, _tname
from ._primitive import Primitive, plain_call as _plain_call
from ._util import npdtype

__all__ = ["select", "index_put", "index_put_"]

_INT = (int, np.integer)
_FULL = slice(None)


# ------------------------------------------------------------------ basic keys

def _basic_part(k):
    return (k is None or k is Ellipsis or k.__class__ is slice or
            (isinstance(k, _INT) and not isinstance(k, (bool, np.bool_))))


def is_basic_key(key):
    """True for keys made only of ints, slices, None and Ellipsis (the view case)."""
    if key.__class__ is tuple:
        return all(_basic_part(k) for k in key)
    return _basic_part(key)


def _step_ok(k):
    if k.step is not None and k.step <= 0:
        raise ValueError("step must be greater than zero")


def _bound(i, n, dim):
    i = int(i)
    if not -n <= i < n:
        raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {n}")
    return i + n if i < 0 else i


def _full(k, n):
    """PyTorch's test for a no-op slice (on the slice as written: ``-n:`` is not one)."""
    return ((k.start is None or k.start == 0) and (k.stop is None or k.stop >= n) and
            (k.step is None or k.step == 1))


def _normalize_basic(key, shape):
    """Resolve Ellipsis and check bounds: (tuple of ints/slices/None, node kind).

    PyTorch names the node after the last op of the key; full slices are no-ops."""
    if key.__class__ is not tuple:
        key = (key,)
    nd = len(shape)
    n_real = 0
    for k in key:
        if k is not None and k is not Ellipsis:
            n_real += 1
    if n_real > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    out = []
    kind = "alias"
    dim = 0
    seen = False
    for k in key:
        if k.__class__ is slice:
            if k.step is not None and k.step <= 0:
                raise ValueError("step must be greater than zero")
            out.append(k)
            if not _full(k, shape[dim]):
                kind = "slice"
            dim += 1
        elif k is None:
            out.append(None)
            kind = "unsqueeze"
        elif k is Ellipsis:
            if seen:
                raise IndexError("an index can only have a single ellipsis ('...')")
            seen = True
            fill = nd - n_real
            out.extend([_FULL] * fill)
            dim += fill
        else:
            out.append(_bound(k, shape[dim], dim))
            kind = "select"
            dim += 1
    return tuple(out), kind


def _shape(x):
    return x._data.shape if x.__class__ is Tensor else tuple(x.shape)


def basic_view(x, key):
    """``x[key]`` for a normalized basic key, as one view primitive."""
    key, kind = _normalize_basic(key, _shape(x))
    return BASIC[kind](x, key=key)


def slice_dim(x, dim, start, stop, step=1):
    return BASIC["slice"](x, key=(_FULL,) * dim + (slice(start, stop, step),))


def select(input, dim, index):
    """The slice at ``index`` along ``dim`` (a view without that dim)."""
    d = wrap_dim(dim, input.ndim, "select")
    n = input.shape[d]
    index = int(index)
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    return BASIC["select"](input, key=(_FULL,) * d + (index % n,))


# ------------------------------------------------------------------ advanced keys

def _as_index_tensor(k):
    from .creation import tensor
    if isinstance(k, np.ndarray):
        return tensor(k)
    if isinstance(k, (list, tuple)):
        if not k:
            return make_tensor(np.zeros(0, np.int64))
        if any(isinstance(e, Tensor) and e._is_wrapper for e in k):
            from .join import stack
            return stack([e if isinstance(e, Tensor) else tensor(e) for e in k])
        return tensor(k)
    return None


def _classify(k):
    """(tag, value) for one key entry: none/ellipsis/slice/int/pybool/index/mask."""
    if k is None:
        return "none", k
    if k is Ellipsis:
        return "ellipsis", k
    if k.__class__ is slice:
        _step_ok(k)
        return "slice", k
    if isinstance(k, (bool, np.bool_)):
        return "pybool", bool(k)
    if isinstance(k, _INT):
        return "int", int(k)
    if isinstance(k, str):
        raise TypeError("new(): invalid data type 'str'")
    t = k if isinstance(k, Tensor) else _as_index_tensor(k)
    if t is None:
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                         f"Variables are valid indices (got {type(k).__name__})")
    kind = npdtype(t).kind
    if kind == "b":
        return "mask", t
    if npdtype(t) == np.uint8:
        warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                      "torch.bool instead.", UserWarning, stacklevel=4)
        from .comparison import ne
        return "mask", ne(t, 0)
    if kind not in "iu":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if t.ndim == 0 and t.__class__ is Tensor and isinstance(k, Tensor):
        return "int", int(t._data)
    return "index", t


def _key_items(key):
    if key.__class__ is tuple:
        return key
    if isinstance(key, list) and len(key) < 32 and any(
            e is None or e is Ellipsis or isinstance(e, (slice, Tensor, list, tuple))
            for e in key):
        warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated "
                      "and will be changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq].",
                      UserWarning, stacklevel=4)
        return tuple(key)
    return (key,)


def _mask_indices(mask):
    if mask.__class__ is Tensor:
        a = mask._data
        return [make_tensor(i.astype(np.int64, copy=False)) for i in
                (np.nonzero(a) if a.ndim else (np.zeros(1 if a else 0, np.int64),))]
    return list(nonzero_tuple(mask))


def parse_key(x, key):
    """Split ``key`` into (basic key for one view or None, view shape, advanced dims, indices)."""
    items = [_classify(k) for k in _key_items(key)]
    shape = tuple(x.shape)
    nd = len(shape)
    used = 0
    n_ell = 0
    for tag, v in items:
        if tag in ("int", "slice", "index"):
            used += 1
        elif tag == "mask":
            used += v.ndim
        elif tag == "ellipsis":
            n_ell += 1
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if used > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    basic, vshape, dims, idx = [], [], [], []
    trivial = True
    d = 0
    for tag, v in items:
        if tag == "slice":
            basic.append(v)
            trivial = trivial and _full(v, shape[d])
            vshape.append(len(range(*v.indices(shape[d]))))
            d += 1
        elif tag == "int":
            basic.append(_bound(v, shape[d], d))
            trivial = False
            d += 1
        elif tag == "none":
            basic.append(None)
            vshape.append(1)
            trivial = False
        elif tag == "ellipsis":
            fill = nd - used
            basic.extend([_FULL] * fill)
            vshape.extend(shape[d:d + fill])
            d += fill
        elif tag == "pybool":
            basic.append(None)
            dims.append(len(vshape))
            idx.append(make_tensor(np.zeros(1 if v else 0, np.int64)))
            vshape.append(1)
            trivial = False
        elif tag == "index":
            basic.append(_FULL)
            dims.append(len(vshape))
            idx.append(v)
            vshape.append(shape[d])
            d += 1
        else:   # mask
            m = v.ndim
            _check_mask_shape(v, shape, d)
            if m == 0:
                basic.append(None)
                vshape.append(1)
                trivial = False
                dims.append(len(vshape) - 1)
                from .shape import unsqueeze
                idx.extend(_mask_indices(unsqueeze(v, 0)))
                continue
            basic.extend([_FULL] * m)
            dims.extend(range(len(vshape), len(vshape) + m))
            vshape.extend(shape[d:d + m])
            idx.extend(_mask_indices(v))
            d += m
    vshape.extend(shape[d:])
    if idx:
        _check_indices(idx, dims, vshape)
    return (None if trivial else tuple(basic)), tuple(vshape), tuple(dims), idx


def _check_mask_shape(mask, shape, d):
    ms = tuple(mask.shape)
    for j in range(len(ms)):
        if ms[j] != shape[d + j]:
            raise IndexError(f"The shape of the mask {list(ms)} at index {j} does not match the "
                             f"shape of the indexed tensor {list(shape)} at index {d + j}")


def _check_indices(idx, dims, vshape):
    from ._util import broadcast_shapes
    if len(idx) > 1:
        shapes = [tuple(i.shape) for i in idx]
        try:
            broadcast_shapes(*shapes)
        except RuntimeError:
            raise IndexError("shape mismatch: indexing tensors could not be broadcast together "
                             "with shapes " + ", ".join(str(list(s)) for s in shapes)) from None
    for i, d in zip(idx, dims):
        if i.__class__ is Tensor and i._data.size:
            a = i._data
            n = vshape[d]
            hi, lo = int(a.max()), int(a.min())
            if hi >= n or lo < -n:
                raise IndexError(f"index {hi if hi >= n else lo} is out of bounds for dimension "
                                 f"{d} with size {n}")


def _result_shape(vshape, dims, idx):
    from ._util import broadcast_shapes
    b = tuple(idx[0].shape) if len(idx) == 1 else broadcast_shapes(*[tuple(i.shape) for i in idx])
    rest = [s for k, s in enumerate(vshape) if k not in dims]
    pos = dims[0] if adjacent(dims) else 0
    return tuple(rest[:pos]) + tuple(b) + tuple(rest[pos:])


def _key_view(x, prim, key):
    """vmap's direct basic view (``_vmap_level.key_view``), bound on first use."""
    global _key_view
    from ..func._vmap_level import key_view, BatchedTensor
    _key_view = key_view
    _BATCHED[0] = BatchedTensor
    return key_view(x, prim, key)


_BATCHED = [None]      # vmap's BatchedTensor once ``_key_view`` is bound (import cycle)


def fast_view(x, key):
    """``x[key]`` for a tuple of the common entries (slices, in-range non-negative ints,
    None) in one pass, the key passed on as written; None for any other key (the general
    normalisation of ``getitem`` then applies, with its errors)."""
    c = x.__class__
    if c is Tensor:
        s = x._data.shape
    elif c is _BATCHED[0] and x._inner.__class__ is Tensor:
        s = x._inner._data.shape[1:]       # a vmap value's logical shape, without ``Size``
    else:
        s = x.shape
    nd = len(s)
    kind = "alias"
    dim = 0
    for k in key:
        kc = k.__class__
        if kc is slice:
            if dim == nd:
                return None
            st = k.step
            if st is not None:
                if st <= 0:
                    raise ValueError("step must be greater than zero")
                if st != 1:
                    kind = "slice"
            if kind != "slice":
                a = k.start
                b = k.stop
                if (a is not None and a != 0) or (b is not None and b < s[dim]):
                    kind = "slice"
            dim += 1
        elif kc is int:
            if dim == nd or not 0 <= k < s[dim]:
                return None
            kind = "select"
            dim += 1
        elif k is None:
            kind = "unsqueeze"
        elif k is Ellipsis:
            # expand it in place (the primitive appends an Ellipsis of its own)
            i = dim_pos = 0
            n_real = 0
            for j, e in enumerate(key):
                if e is Ellipsis:
                    if i:
                        return None
                    i = 1
                    dim_pos = j
                elif e is not None:
                    n_real += 1
            fill = nd - n_real
            if fill < 0:
                return None
            key = key[:dim_pos] + (_FULL,) * fill + key[dim_pos + 1:]
            return fast_view(x, key)
        else:
            return None
    if x.__class__ is not Tensor and Primitive.__call__ is _plain_call:
        out = _key_view(x, BASIC[kind], key)
        if out is not None:
            return out
    return BASIC[kind](x, key=key)


def getitem(x, key):
    """``x[key]``: basic keys give a view, advanced keys a copy (``IndexBackward0``)."""
    c = key.__class__
    if c is slice:      # PyTorch slices even when the range is full (a tuple key skips it)
        if key.step is not None and key.step <= 0:
            raise ValueError("step must be greater than zero")
        if x.ndim == 0:
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        if x.__class__ is not Tensor and Primitive.__call__ is _plain_call:
            out = _key_view(x, BASIC["slice"], (key,))
            if out is not None:
                return out
        return BASIC["slice"](x, key=(key,))
    if c is int:
        s = _shape(x)
        if not s:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        key = (_bound(key, s[0], 0),)
        if x.__class__ is not Tensor and Primitive.__call__ is _plain_call:
            out = _key_view(x, BASIC["select"], key)
            if out is not None:
                return out
        return BASIC["select"](x, key=key)
    if c is tuple:
        v = fast_view(x, key)
        if v is not None:
            return v
    if is_basic_key(key):
        return basic_view(x, key)
    if c is Tensor and key._data.dtype.kind == "i" and key._data.ndim:
        s = _shape(x)
        if not s:
            raise IndexError("too many indices for tensor of dimension 0")
        _check_indices([key], (0,), s)
        return _index(x, key, dims=(0,))
    basic, vshape, dims, idx = parse_key(x, key)
    view = x if basic is None else basic_view(x, basic)
    if not idx:
        return view
    return _index(view, *idx, dims=dims)


# ------------------------------------------------------------------ writes

def _write_barrier(arr):
    if not arr.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")


def _plain_fast(*ts):
    """No transform, no autograd: the write may go straight to memory."""
    if STATE.stack:
        return False
    for t in ts:
        if isinstance(t, Tensor) and (t.__class__ is not Tensor or
                                      (STATE.grad_enabled and t._requires_grad)):
            return False
    return True


def _value(input, values):
    """The value to write: a Python scalar or a tensor."""
    if isinstance(values, Tensor):
        return values
    if isinstance(values, (bool, int, float, complex, np.generic)):
        return values.item() if isinstance(values, np.generic) else values
    if isinstance(values, np.ndarray):
        from .creation import tensor
        return tensor(values)
    raise TypeError(f"can't assign a {type(values).__name__} to a "
                    f"torch.{_tname(input.dtype)}Tensor")


def _check_dtype(input, values):
    if isinstance(values, Tensor) and values.dtype is not input.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_tname(input.dtype)} for the destination and "
                           f"{_tname(values.dtype)} for the source.")


def index_put_(input, indices, values, accumulate=False):
    """``input[indices] = values`` in place (``+=`` with ``accumulate``; duplicates add up).

    Also the writer behind ``x[key] = v`` for every key that is not purely basic."""
    if (isinstance(indices, Tensor) and npdtype(indices) == np.bool_ and not accumulate and
            (not isinstance(values, Tensor) or values.ndim == 0)):
        m = indices.ndim
        if m > input.ndim:
            raise IndexError(f"too many indices for tensor of dimension {input.ndim}")
        _check_mask_shape(indices, tuple(input.shape), 0)
        from .shape import reshape
        mask = reshape(indices, tuple(indices.shape) + (1,) * (input.ndim - m))
        return _masked_fill_(input, mask, values)
    basic, vshape, dims, idx = parse_key(input, indices)
    values = _value(input, values)
    target = input if basic is None else basic_view(input, basic)
    if not idx:
        if accumulate:
            from .elementwise import add
            values = add(target, values)
        assign(target, values, "index_put_")
        return input
    _check_dtype(input, values)
    rshape = _result_shape(vshape, dims, idx)
    if isinstance(values, Tensor):
        vs = tuple(values.shape)
        if len(vs) > len(rshape) or any(a != 1 and a != b for a, b in
                                        zip(reversed(vs), reversed(rshape))):
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(vs)} cannot be "
                               f"broadcast to indexing result of shape {list(rshape)}")
    if _plain_fast(target, values, *idx):
        arr = target._data
        _write_barrier(arr)
        key = _np_key_full([i._data for i in idx], dims)
        v = values._data if isinstance(values, Tensor) else values
        if accumulate:
            np.add.at(arr, key, np.asarray(v, dtype=arr.dtype))
        else:
            arr[key] = v
        bump_version(input, "index_put_")
        return input
    res = _index_put(target, values, *idx, dims=dims, accumulate=bool(accumulate))
    assign(target, res, "index_put_")
    return input


def _np_key_full(idx, dims):
    key = [_FULL] * (dims[-1] + 1)
    for d, i in zip(dims, idx):
        key[d] = i
    return tuple(key)


def _tensor_tuple(indices, op):
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{op}(): argument 'indices' (position 1) must be tuple of Tensors, "
                        f"not {type(indices).__name__}")
    for k, i in enumerate(indices):
        if not isinstance(i, Tensor):
            raise TypeError(f"expected Tensor as element {k} in argument 0, but got "
                            f"{type(i).__name__}")
    if not isinstance(indices, tuple):
        indices = tuple(indices)
    return indices


def _index_put_method(self, indices, values, accumulate=False):
    """``Tensor.index_put_``: indices is a tuple of tensors, one per leading dimension."""
    indices = _tensor_tuple(indices, "index_put_")
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put_(): argument 'values' (position 2) must be Tensor, not "
                        f"{type(values).__name__}")
    _check_dtype(self, values)
    return index_put_(self, indices, values, accumulate) if indices else self


def index_put(input, indices, values, accumulate=False):
    """Out-of-place ``index_put_``: a copy of ``input`` with ``values`` written at ``indices``."""
    indices = _tensor_tuple(indices, "index_put")
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put(): argument 'values' (position 2) must be Tensor, not "
                        f"{type(values).__name__}")
    _check_dtype(input, values)
    basic, vshape, dims, idx = parse_key(input, indices)
    if basic is not None or not idx:    # 0-d index tensors select: write into a copy
        from .copy import clone
        return index_put_(clone(input), indices, values, accumulate)
    return _index_put(input, values, *idx, dims=dims, accumulate=bool(accumulate))


def _masked_fill_(input, mask, value):
    """In-place masked fill (also ``x[mask] = scalar``)."""
    if _plain_fast(input, mask, value):
        arr = input._data
        _write_barrier(arr)
        v = value._data if isinstance(value, Tensor) else value
        np.copyto(arr, v, casting="unsafe", where=mask._data)
        bump_version(input, "masked_fill_")
        return input
    return input.masked_fill_(mask, value)


METHODS = {"__getitem__": getitem, "select": select, "index_put": index_put,
           "index_put_": _index_put_method}
INPLACE = {}

from . import index_ops as _index_ops, scatter as _scatter  # noqa: E402
from .index_ops import *  # noqa: E402,F401,F403
from .scatter import *  # noqa: E402,F401,F403

for _m in (_index_ops, _scatter):
    __all__ += _m.__all__
    METHODS.update(_m.METHODS)
    INPLACE.update(_m.INPLACE)
del _m
