"""Tensor creation: ``tensor``, ``as_tensor``, ``from_numpy``, zeros/ones/full/empty/eye/arange,
and the ``*_like`` family (differentiable-free primitives so they batch under vmap)."""
import numpy as np

from .. import _dtype as D
from .._backend import device as _device, xp_for, to_device
from .._tensor import Tensor, make_tensor
from ._primitive import Primitive
from ._util import npdtype

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty",
           "eye", "arange", "zeros_like", "ones_like", "full_like", "empty_like", "linspace",
           "logspace", "scalar_tensor"]


def _infer_dtype(data):
    """PyTorch's inference: bool < int64 < default float < default complex."""
    cat = -1

    def visit(x):
        nonlocal cat
        if isinstance(x, (list, tuple)):
            for y in x:
                visit(y)
        elif isinstance(x, Tensor):
            cat = max(cat, 4 + x.dtype._cat)
            visit.tensor_dtypes.append(x.dtype)
        elif isinstance(x, (bool, np.bool_)):
            cat = max(cat, 0)
        elif isinstance(x, (int, np.integer)):
            cat = max(cat, 1)
        elif isinstance(x, (float, np.floating)):
            cat = max(cat, 2)
        elif isinstance(x, (complex, np.complexfloating)):
            cat = max(cat, 3)
        else:
            raise TypeError(f"Could not infer dtype of {type(x).__name__}")
    visit.tensor_dtypes = []
    visit(data)
    if visit.tensor_dtypes:
        d = visit.tensor_dtypes[0]
        for x in visit.tensor_dtypes[1:]:
            d = D.promote_types(d, x)
        return d.np
    if cat <= 0:
        return np.dtype(np.bool_) if cat == 0 else D.get_default_dtype().np
    return [None, np.dtype(np.int64), D.get_default_dtype().np, D._default_complex().np][cat]


def _to_array(data, dtype):
    if isinstance(data, Tensor):
        a = np.array(data._data if data.__class__ is Tensor else data.numpy(force=True))
        return a if dtype is None else a.astype(dtype)
    if isinstance(data, np.ndarray):
        D.from_numpy_dtype(data.dtype)
        return np.array(data, dtype=dtype)
    if isinstance(data, np.generic):
        return np.array(data, dtype=dtype)
    if dtype is None:
        dtype = _infer_dtype(data)
    if isinstance(data, (list, tuple)) and _has_tensor(data):
        data = _untensor(data)
    try:
        return np.array(data, dtype=dtype)
    except ValueError as e:
        raise ValueError(f"expected sequence of equal-length lists to build a tensor ({e})") from None


def _has_tensor(x):
    if isinstance(x, Tensor):
        return True
    return isinstance(x, (list, tuple)) and any(_has_tensor(y) for y in x)


def _untensor(x):
    if isinstance(x, Tensor):
        return x.tolist()
    if isinstance(x, (list, tuple)):
        return [_untensor(y) for y in x]
    return x


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Copy ``data`` (scalar, nested lists, array, tensor) into a new leaf tensor."""
    npd = D.to_numpy_dtype(dtype) if dtype is not None else None
    arr = _to_array(data, npd)
    if device is not None and _device(device).type != "cpu":
        arr = to_device(arr, device)
    t = make_tensor(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data, dtype=None, device=None):
    """Share memory with ``data`` when it already is a tensor or array of the right dtype."""
    npd = D.to_numpy_dtype(dtype) if dtype is not None else None
    if isinstance(data, Tensor):
        return data if npd is None or npdtype(data) == npd else data.to(dtype)
    if isinstance(data, np.ndarray):
        D.from_numpy_dtype(data.dtype)
        return make_tensor(data if npd is None or data.dtype == npd else data.astype(npd))
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    if copy:
        t = tensor(obj, dtype=dtype, device=device)
    else:
        t = as_tensor(obj, dtype=dtype, device=device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray):
    """A tensor sharing memory with a NumPy array (writes show through both ways)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    D.from_numpy_dtype(ndarray.dtype)
    return make_tensor(ndarray)


def _size(size):
    if len(size) == 1 and not isinstance(size[0], (int, np.integer)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    for s in size:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(size)}")
    return size


def _new(fill, size, dtype, device, requires_grad):
    npd = D.to_numpy_dtype(dtype) if dtype is not None else D.get_default_dtype().np
    xp = xp_for(device)
    if fill is None:
        arr = xp.empty(size, dtype=npd)
    elif type(fill) is int and fill == 0:
        arr = xp.zeros(size, dtype=npd)
    else:
        arr = xp.full(size, fill, dtype=npd)
    t = make_tensor(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    return _new(0, _size(size), dtype, device, requires_grad)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    return _new(1, _size(size), dtype, device, requires_grad)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          memory_format=None):
    return _new(None, _size(size), dtype, device, requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False):
    """``fill_value`` everywhere; the dtype follows the fill value's type like PyTorch."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        dtype = D._scalar_dtype(fill_value)
    return _new(fill_value, _size((size,)), dtype, device, requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    return full((), s, dtype=dtype or D.get_default_dtype(), device=device,
                requires_grad=requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    npd = D.to_numpy_dtype(dtype) if dtype is not None else D.get_default_dtype().np
    t = make_tensor(xp_for(device).eye(n, n if m is None else m, dtype=npd))
    if requires_grad:
        t.requires_grad_(True)
    return t


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Values in ``[start, end)``; int64 when every bound is an integer, else default float."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        dtype = D.int64 if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                               for v in vals) else D.get_default_dtype()
    npd = D.to_numpy_dtype(dtype)
    n = int(np.ceil((end - start) / step))
    arr = (start + step * np.arange(max(n, 0), dtype=np.float64 if npd.kind == "f"
                                    else np.int64)).astype(npd)
    t = make_tensor(to_device(arr, device) if device is not None else arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    npd = D.to_numpy_dtype(dtype) if dtype is not None else D.get_default_dtype().np
    t = make_tensor(np.linspace(float(start), float(end), int(steps)).astype(npd))
    if requires_grad:
        t.requires_grad_(True)
    return t


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    npd = D.to_numpy_dtype(dtype) if dtype is not None else D.get_default_dtype().np
    t = make_tensor(np.logspace(float(start), float(end), int(steps), base=base).astype(npd))
    if requires_grad:
        t.requires_grad_(True)
    return t


# ---- the *_like family: primitives without gradients, so they batch and trace

def _like_batch(prim, args, batched, **params):
    return prim(*args, **params)


def _like_impl(fill):
    def impl(x, dtype):
        dt = x.dtype if dtype is None else dtype
        if fill is None:
            return np.empty_like(x, dtype=dt)
        if fill == 0:
            return np.zeros_like(x, dtype=dt)
        return np.ones_like(x, dtype=dt)
    return impl


_zeros_like = Primitive("zeros_like", _like_impl(0), batch=_like_batch, differentiable=False)
_ones_like = Primitive("ones_like", _like_impl(1), batch=_like_batch, differentiable=False)
_empty_like = Primitive("empty_like", _like_impl(None), batch=_like_batch, differentiable=False)
_full_like = Primitive("full_like", lambda x, fill, dtype: np.full_like(
    x, fill, dtype=x.dtype if dtype is None else dtype), batch=_like_batch,
    differentiable=False)


def _like(prim, input, dtype, requires_grad, **kw):
    npd = D.to_numpy_dtype(dtype) if dtype is not None else None
    t = prim(input, dtype=npd, **kw)
    if requires_grad:
        t.requires_grad_(True)
    return t


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return _like(_zeros_like, input, dtype, requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return _like(_ones_like, input, dtype, requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return _like(_empty_like, input, dtype, requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return _like(_full_like, input, dtype, requires_grad, fill=fill_value)


METHODS = {}
INPLACE = {}
