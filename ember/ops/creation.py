"""Tensor creation: ``tensor``, ``as_tensor``, ``asarray``, ``from_numpy``, ``from_dlpack``,
the factories (zeros/ones/full/empty/eye/arange/linspace/logspace), the ``*_like`` family (as
primitives without gradients, so they batch and trace), ``Tensor.new_*``, ``Tensor.to`` and the
in-place fills ``zero_``/``fill_``."""
import math
import operator
import warnings

import numpy as np

from .. import _dtype as D
from .._backend import device as _device, xp_for, to_device
from .._state import STATE
from .._tensor import Tensor, Size, make_tensor
from ._primitive import Primitive

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "from_dlpack", "zeros", "ones",
           "full", "empty", "eye", "arange", "zeros_like", "ones_like", "full_like",
           "empty_like", "linspace", "logspace", "scalar_tensor"]

_SCALAR_DT = {bool: D.bool, int: D.int64}


# ---------------------------------------------------------------- from Python data

def _item_dtype(x):
    """The dtype one element of nested data contributes (PyTorch's scalar type inference)."""
    t = type(x)
    if t is float:
        return D.get_default_dtype()
    if t is complex:
        return D._default_complex()
    if t in _SCALAR_DT:
        return _SCALAR_DT[t]
    if isinstance(x, (Tensor, np.ndarray, np.generic)):
        return D.as_dtype(x.dtype)
    if x is None or not isinstance(x, (str, bytes)):
        raise RuntimeError(f"Could not infer dtype of {t.__name__}")
    raise TypeError(f"new(): invalid data type '{t.__name__}'")


def _scan(data):
    """Promote the dtypes of all leaves of nested lists/tuples (the default float dtype for
    no leaves); also says whether a tensor is among them."""
    res, has_tensor = None, False
    todo = [data]
    while todo:
        seq = todo.pop()
        for t in set(map(type, seq)):
            if t is list or t is tuple:
                todo.extend(x for x in seq if type(x) is t)
                continue
            d = None
            if t is float or t is complex or t in _SCALAR_DT:
                d = _item_dtype(t())
            else:
                has_tensor = has_tensor or issubclass(t, Tensor)
                for x in seq:
                    if type(x) is t:
                        xd = _item_dtype(x)
                        d = xd if d is None else D.promote_types(d, xd)
            res = d if res is None else D.promote_types(res, d)
    return (res if res is not None else D.get_default_dtype()), has_tensor


def _scalars(x):
    """Nested data with tensors (which count as scalars, as in PyTorch) turned into numbers."""
    if isinstance(x, Tensor):
        if x.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return x.item()
    if type(x) is list or type(x) is tuple:
        return [_scalars(y) for y in x]
    return x


def _ragged(data):
    """PyTorch's error for nested lists whose lengths differ from the first element's."""
    sizes, x = [], data
    while isinstance(x, (list, tuple)) and x:
        sizes.append(len(x))
        x = x[0]

    def walk(x, d):
        if d < len(sizes):
            if not isinstance(x, (list, tuple)):
                return TypeError("not a sequence")
            if len(x) != sizes[d]:
                return ValueError(f"expected sequence of length {sizes[d]} at dim {d} "
                                  f"(got {len(x)})")
            return next((e for e in (walk(y, d + 1) for y in x) if e is not None), None)
    return walk(data, 0) or ValueError("expected sequence of equal-length lists")


def _check_numpy(a):
    if not a.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte "
                         "order. Conversion between byte orders is currently not supported.")
    D.from_numpy_dtype(a.dtype)
    if any(s < 0 for s in a.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")


def _to_array(data, npd):
    """A new NumPy array holding ``data`` (PyTorch's dtype inference when npd is None)."""
    if isinstance(data, np.ndarray):
        _check_numpy(data)
        return np.array(data, dtype=npd)
    if isinstance(data, np.generic):
        return np.array(data, dtype=npd if npd is not None else D.as_dtype(data.dtype).np)
    if isinstance(data, (list, tuple)):
        dt, has_tensor = _scan(data)
        npd = dt.np if npd is None else npd
        if has_tensor:
            data = _scalars(data)
    elif npd is None:
        npd = (D.int64 if isinstance(data, range) else _item_dtype(data)).np
    try:
        return np.array(data, dtype=npd)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None
    except ValueError:
        raise _ragged(data) from None
    except TypeError as e:
        if isinstance(data, (list, tuple)):
            raise _ragged(data) from None
        raise TypeError(str(e)) from None


def _leaf(t, requires_grad):
    if STATE.inference:
        t._inference = True
    if requires_grad:
        if t.dtype._cat < 2:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._requires_grad = True
    return t


def _place(arr, device):
    if device is None:
        return arr
    dev = _device(device)
    return arr if dev.type == "cpu" and isinstance(arr, np.ndarray) else to_device(arr, dev)


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Copy ``data`` (scalar, nested lists, array, tensor) into a new leaf tensor."""
    npd = D.to_numpy_dtype(dtype) if dtype is not None else None
    if isinstance(data, Tensor):
        _copy_warning("torch.tensor")
        return _leaf(_copy_of(data, npd, device), requires_grad)
    return _leaf(make_tensor(_place(_to_array(data, npd), device)), requires_grad)


def _copy_warning(fn):
    warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor."
                  "detach().clone() or sourceTensor.detach().clone().requires_grad_(True), "
                  f"rather than {fn}(sourceTensor).", UserWarning, stacklevel=3)


def _copy_of(t, npd, device):
    """A detached copy of a tensor (of any transform level)."""
    if t.__class__ is Tensor:
        a = t._data.astype(npd) if npd is not None else t._data.copy()
        return make_tensor(_place(a, device))
    from .copy import clone
    from .elementwise import to_dtype
    out = clone(t.detach())
    return to_dtype(out, npd) if npd is not None else out


def as_tensor(data, dtype=None, device=None):
    """Share memory with ``data`` when it already is a tensor or array of the right dtype."""
    npd = D.to_numpy_dtype(dtype) if dtype is not None else None
    if isinstance(data, Tensor):
        return to(data, dtype=dtype, device=device)
    if isinstance(data, np.ndarray):
        _check_numpy(data)
        a = data if npd is None or data.dtype == npd else data.astype(npd)
        return make_tensor(_place(a, device))
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """Convert ``obj`` to a tensor, sharing memory when possible (``copy=False``: must share,
    ``copy=True``: never shares)."""
    if isinstance(obj, (Tensor, np.ndarray)):
        src = obj.dtype if isinstance(obj, Tensor) else D.from_numpy_dtype(obj.dtype)
        want = D.as_dtype(dtype) if dtype is not None else src
        if copy is False and want is not src:
            from .inplace import _tname
            raise ValueError(f"can't alias tensor with dtype '{_tname(src)}' into dtype "
                             f"'{_tname(want)}'.")
        if copy:
            t = _copy_of(obj, want.np, device) if isinstance(obj, Tensor) else \
                make_tensor(_place(np.array(obj, dtype=want.np), device))
        else:
            t = as_tensor(obj, dtype=want, device=device)
        if isinstance(obj, Tensor) and t.requires_grad != bool(requires_grad):
            t = t.detach()
    else:
        t = tensor(obj, dtype=dtype, device=device)
    return _leaf(t, requires_grad) if requires_grad else t


def from_numpy(ndarray):
    """A tensor sharing memory with a NumPy array (writes show through both ways)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _check_numpy(ndarray)
    return make_tensor(ndarray)


def from_dlpack(ext_tensor):
    """A tensor sharing memory with any DLPack producer (NumPy, CuPy, another tensor)."""
    dev = ext_tensor.__dlpack_device__()[0] if hasattr(ext_tensor, "__dlpack_device__") else 1
    xp = np if int(dev) == 1 else xp_for("cuda")
    arr = xp.from_dlpack(ext_tensor)
    D.from_numpy_dtype(arr.dtype)
    return make_tensor(arr)


# ---------------------------------------------------------------- factories

def _size(size, op="empty", kw=None):
    """Normalise ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])``, ``f(torch.Size)``, ``f(size=...)``
    to a tuple of ints, with PyTorch's errors."""
    if not kw and all(type(s) is int and s >= 0 for s in size):
        return size
    if kw:
        extra = set(kw) - {"size"}
        if extra or size:
            raise TypeError(f"{op}() got an unexpected keyword argument "
                            f"'{(extra or {'size'}).pop()}'")
        size = (kw["size"],)
    if len(size) == 1:
        if isinstance(size[0], (tuple, list, Size)):
            size = size[0]
        elif not hasattr(size[0], "__index__"):
            raise TypeError(f"{op}(): argument 'size' (position 1) must be tuple of ints, not "
                            f"{type(size[0]).__name__}")
    out = []
    for i, s in enumerate(size):
        try:
            out.append(operator.index(s))
        except TypeError:
            if len(size) == 1:
                raise TypeError(f"{op}(): argument 'size' (position 1) must be tuple of ints, "
                                f"but found element of type {type(s).__name__} at pos {i}"
                                ) from None
            raise TypeError(f"{op}(): argument 'size' failed to unpack the object at pos "
                            f"{i + 1} with error \"type must be tuple of ints,but got "
                            f"{type(s).__name__}\"") from None
    for s in out:
        if s < 0:
            if op == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {out}")
    return tuple(out)


def _write_out(out, t):
    """Copy a factory's result into ``out=`` (resized when its shape differs)."""
    if tuple(out.shape) == tuple(t.shape):
        np.copyto(out._data, t._data, casting="unsafe")
    else:
        out._data = t._data.astype(out._data.dtype)
    from .inplace import bump_version
    bump_version(out, "out=")
    return out


def _result(t, out, requires_grad):
    return _write_out(out, t) if out is not None else _leaf(t, requires_grad)


def _factory(fill, size, dtype, device, requires_grad, out):
    if dtype is None:
        dtype = out.dtype if out is not None else D.get_default_dtype()
    npd = D.to_numpy_dtype(dtype)
    xp = xp_for(device)
    if fill is None:
        arr = xp.empty(size, dtype=npd)
    elif type(fill) is int and 0 <= fill <= 1:
        arr = (xp.ones if fill else xp.zeros)(size, dtype=npd)
    else:
        arr = xp.full(size, fill, dtype=npd)
    return _result(make_tensor(arr), out, requires_grad)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, **kw):
    return _factory(0, _size(size, "zeros", kw), dtype, device, requires_grad, out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, **kw):
    return _factory(1, _size(size, "ones", kw), dtype, device, requires_grad, out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None, **kw):
    return _factory(None, _size(size, "empty", kw), dtype, device, requires_grad, out)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """``fill_value`` everywhere; the dtype follows the fill value's type like PyTorch."""
    if isinstance(fill_value, Tensor):
        dtype = fill_value.dtype if dtype is None and out is None else dtype
        fill_value = fill_value.item()
    elif dtype is None and out is None:
        dtype = D._scalar_dtype(fill_value)
    return _factory(fill_value, _size((size,), "full"), dtype, device, requires_grad, out)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    return full((), s, dtype=dtype or D.get_default_dtype(), device=device,
                requires_grad=requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
        pin_memory=False):
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    npd = D.to_numpy_dtype(dtype) if dtype is not None else D.get_default_dtype().np
    t = make_tensor(xp_for(device).eye(n, n if m is None else m, dtype=npd))
    return _result(t, out, requires_grad)


def _number(v):
    if isinstance(v, Tensor):
        return v.item()
    return v.item() if isinstance(v, np.generic) else v


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    """Values in ``[start, end)``; int64 when every bound is an integer, else default float."""
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v) for v in (start, end, step))
    if dtype is None:
        dtype = (D.get_default_dtype() if any(isinstance(v, float) for v in (start, end, step))
                 else D.int64)
    npd = D.to_numpy_dtype(dtype)
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if npd.kind in "iub":
        start, end, step = int(start), int(end), int(step)
        if step == 0:
            raise ValueError("step must be nonzero")
    if (step > 0 and start > end) or (step < 0 and start < end):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if npd.kind in "iub":
        arr = np.arange(start, end, step, dtype=np.int64).astype(npd, copy=False)
    else:
        n = int(np.ceil((end - start) / step))
        arr = (start + step * np.arange(n, dtype=np.float64)).astype(npd)
    t = make_tensor(_place(arr, device))
    return _result(t, out, requires_grad)


def _spaced(start, end, steps, npd):
    """``steps`` evenly spaced values from ``start`` to ``end``, computed PyTorch's way: from
    the start for the first half and back from the end for the second half."""
    steps = operator.index(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    work = npd if npd.kind in "fc" else np.dtype(np.float64)
    if npd.kind in "iu":
        start, end = int(start), int(end)
    s, e = np.asarray(start, dtype=work), np.asarray(end, dtype=work)
    if steps <= 1:
        return np.full(steps, s, dtype=work)
    step = (e - s) / np.asarray(steps - 1, dtype=work)
    idx = np.arange(steps, dtype=work.type(0).real.dtype)
    back = np.arange(steps - 1, -1, -1, dtype=idx.dtype)
    return np.where(np.arange(steps) < steps // 2, s + step * idx, e - step * back)


def _space_dtype(start, end, dtype):
    if dtype is not None:
        return D.to_numpy_dtype(dtype)
    if any(isinstance(v, complex) or isinstance(v, Tensor) and v.dtype.is_complex
           for v in (start, end)):
        return D._default_complex().np
    return D.get_default_dtype().np


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    npd = _space_dtype(start, end, dtype)
    start, end = _number(start), _number(end)
    arr = _spaced(start, end, steps, npd)
    if npd.kind in "iu":
        arr = np.trunc(arr)
    t = make_tensor(_place(arr.astype(npd), device))
    return _result(t, out, requires_grad)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    npd = _space_dtype(start, end, dtype)
    start, end = _number(start), _number(end)
    expo = _spaced(start, end, steps, npd)
    arr = np.power(np.asarray(base, dtype=expo.dtype), expo)
    t = make_tensor(_place(arr.astype(npd), device))
    return _result(t, out, requires_grad)


# ---------------------------------------------------------------- the *_like family

def _like_batch(prim, args, batched, **params):
    return prim(*args, **params)


def _like_prim(name, np_like):
    return Primitive(name, lambda x, dtype: np_like(x, dtype=x.dtype if dtype is None else dtype),
                     batch=_like_batch, differentiable=False)


_zeros_like = _like_prim("zeros_like", np.zeros_like)
_ones_like = _like_prim("ones_like", np.ones_like)
_empty_like = _like_prim("empty_like", np.empty_like)
_full_like = Primitive("full_like", lambda x, fill, dtype: np.full_like(
    x, fill, dtype=x.dtype if dtype is None else dtype), batch=_like_batch,
    differentiable=False)


def _like(prim, input, dtype, device, requires_grad, **kw):
    npd = D.to_numpy_dtype(dtype) if dtype is not None else None
    t = prim(input, dtype=npd, **kw)
    if device is not None and _device(device) != t.device:
        t = to(t, device)
    return _leaf(t, requires_grad)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return _like(_zeros_like, input, dtype, device, requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return _like(_ones_like, input, dtype, device, requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return _like(_empty_like, input, dtype, device, requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return _like(_full_like, input, dtype, device, requires_grad, fill=_number(fill_value))


# ---------------------------------------------------------------- Tensor.new_*

def _new_kw(self, dtype, device):
    return dict(dtype=self.dtype if dtype is None else dtype,
                device=self.device if device is None else device)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False):
    """``tensor(data)`` with this tensor's dtype and device unless given."""
    kw = _new_kw(self, dtype, device)
    if isinstance(data, Tensor):
        _copy_warning("tensor.new_tensor")
        return _leaf(_copy_of(data, D.to_numpy_dtype(kw["dtype"]), kw["device"]),
                     requires_grad)
    return tensor(data, requires_grad=requires_grad, **kw)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
              pin_memory=False):
    return zeros(*size, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def new_ones(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
             pin_memory=False):
    return ones(*size, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def new_empty(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
              pin_memory=False):
    return empty(*size, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False):
    return full(size, fill_value, requires_grad=requires_grad, **_new_kw(self, dtype, device))


# ---------------------------------------------------------------- Tensor.to

_to_device = Primitive("to_device", lambda x, device, src: to_device(x, device),
                       vjp=lambda g, out, x, device, src: to(g, src), jvp=lambda t, out, x, device, src: to(t, device),
                       batch=lambda prim, args, batched, **p: prim(*args, **p),
                       node_name="ToCopyBackward0", saves=())


def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False,
       memory_format=None):
    """Convert dtype and/or device: ``to(dtype)``, ``to(device[, dtype])``, ``to(other)``;
    returns ``self`` when nothing changes and ``copy`` is False."""
    flags = []
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, (str, _device)):
            device = a
        elif type(a) is bool:
            flags.append(a)                  # positional non_blocking, copy
        elif a is not None:
            dtype = a
    if len(flags) > 1:
        copy = flags[1]
    out = self
    if device is not None:
        dev = _device(device)
        cur = self.device
        if dev.type != cur.type:
            out = _to_device(out, device=dev, src=cur)
    if dtype is not None:
        from .elementwise import to_dtype
        out = to_dtype(out, dtype)
    if copy and out is self:
        from .copy import clone
        out = clone(out)
    return out


# ---------------------------------------------------------------- zero_ / fill_

def _fill_batch(prim, args, batched, **params):
    from ._util import move_bdim_to_front, batch_size_of
    from .shape import reshape
    x, v = args
    B = batch_size_of(args, batched)
    x = move_bdim_to_front(x, batched[0], B)
    if isinstance(v, Tensor) and batched[1]:
        v = reshape(v, (B,) + (1,) * (x.ndim - 1))
    return prim(x, v, **params)


def _fill_value_vjp(g, out, x, v):
    from .reduction import sum
    return sum(g)


def _zero_grad(g, out, *args):
    return zeros_like(g)


_fill = Primitive("fill", lambda x, v: np.array(np.broadcast_to(v.astype(x.dtype), x.shape)),
                  vjp=(_zero_grad, _fill_value_vjp), jvp=(None, lambda t, out, x, v: t),
                  batch=_fill_batch, saves=(), node_name="FillBackward3")
_fill_scalar = Primitive("fill_scalar", lambda x, v: np.full_like(x, v), vjp=_zero_grad,
                         jvp=(None,), batch=_fill_batch, saves=(), node_name="FillBackward2")
_zero = Primitive("zero", np.zeros_like, vjp=_zero_grad, jvp=(None,),
                  batch=lambda prim, args, batched: prim(*args), saves=(),
                  node_name="ZeroBackward0")


def _zero_out(self):
    """The out-of-place half of ``zero_``."""
    return _zero(self)


def _fill_out(self, value):
    """The out-of-place half of ``fill_``: ``self``'s shape and dtype, filled with ``value``."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.ndim} dimensions.")
        if value.dtype is not self.dtype:
            from .elementwise import to_dtype
            value = to_dtype(value, self.dtype)
        return _fill(self, value)
    if isinstance(value, complex) and not self.dtype.is_complex:
        raise RuntimeError(f"value cannot be converted to type {self.dtype.name} without "
                           "overflow")
    return _fill_scalar(self, value)


METHODS = {"new_tensor": new_tensor, "new_zeros": new_zeros, "new_ones": new_ones,
           "new_empty": new_empty, "new_full": new_full, "to": to}
INPLACE = {"zero_": _zero_out, "fill_": _fill_out}
