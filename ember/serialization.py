"""``ember.save`` / ``ember.load``: checkpoints in a data-only format that cannot run code.

ember's format is a zip archive with ``data.json`` (the object structure: dicts, lists,
tuples, numbers, strings, dtypes, tensor references) and one ``.npy`` file per tensor, read
with ``allow_pickle=False``.  ``load`` also reads the zip files written by ``torch.save``
(PyTorch need not be installed): their pickle is interpreted by an unpickler that only knows
how to rebuild tensors, parameters, ordered dicts and plain values, so a crafted file can
not call anything else.
"""
import base64
import collections
import io
import json
import math
import pickle
import zipfile

import numpy as np

from . import _dtype as D
from ._tensor import Tensor, make_tensor

__all__ = ["save", "load"]

FORMAT = "ember-checkpoint-1"


# ------------------------------------------------------------------ save

def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True):
    """Write ``obj`` (tensors, state dicts, optimizer states, nested containers) to ``f``."""
    tensors = []
    seen = {}
    structure = _encode(obj, tensors, seen)
    buf = f if hasattr(f, "write") else open(f, "wb")
    try:
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
            z.writestr("format", FORMAT)
            z.writestr("data.json", json.dumps(structure))
            for i, arr in enumerate(tensors):
                b = io.BytesIO()
                np.save(b, arr, allow_pickle=False)
                z.writestr(f"tensors/{i}.npy", b.getvalue())
    finally:
        if buf is not f:
            buf.close()


def _c_order(a):
    """A C-contiguous array (keeping 0-d arrays 0-d, unlike np.ascontiguousarray)."""
    return a if a.flags.c_contiguous else a.copy(order="C")


def _encode(x, tensors, seen):
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, int):
        return int(x)
    if isinstance(x, float):
        return x if math.isfinite(x) else {"$float": repr(x)}
    if isinstance(x, Tensor):
        key = id(x)
        if key not in seen:
            seen[key] = len(tensors)
            tensors.append(_c_order(x.detach().numpy()))
        from .nn.parameter import Parameter
        return {"$tensor": seen[key], "requires_grad": bool(x.requires_grad),
                "param": isinstance(x, Parameter)}
    if isinstance(x, D.dtype):
        return {"$dtype": x.name}
    if isinstance(x, np.generic):
        return _encode(x.item(), tensors, seen)
    if isinstance(x, np.ndarray):
        seen[id(x)] = len(tensors)
        tensors.append(_c_order(x))
        return {"$ndarray": seen[id(x)]}
    if isinstance(x, complex):
        return {"$complex": [x.real, x.imag]}
    if isinstance(x, bytes):
        return {"$bytes": base64.b64encode(x).decode()}
    if isinstance(x, tuple) and hasattr(type(x), "_fields"):
        return {"$namedtuple": type(x).__name__, "fields": list(x._fields),
                "values": [_encode(v, tensors, seen) for v in x]}
    if isinstance(x, tuple):
        return {"$tuple": [_encode(v, tensors, seen) for v in x]}
    if isinstance(x, list):
        return [_encode(v, tensors, seen) for v in x]
    if isinstance(x, (set, frozenset)):
        return {"$set": [_encode(v, tensors, seen) for v in x]}
    if isinstance(x, dict):
        items = [[_encode(k, tensors, seen), _encode(v, tensors, seen)] for k, v in x.items()]
        out = {"$dict": items, "ordered": isinstance(x, collections.OrderedDict)}
        meta = getattr(x, "_metadata", None)
        if meta is not None:
            out["metadata"] = _encode(meta, tensors, seen)
        return out
    raise TypeError(f"ember.save: cannot save an object of type {type(x).__name__} in the "
                    f"data-only checkpoint format (tensors, numbers, strings, dtypes and "
                    f"dicts/lists/tuples of them are supported)")


# ------------------------------------------------------------------ load

def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **kwargs):
    """Read a checkpoint written by ``ember.save`` or by ``torch.save`` (zip format)."""
    data = f.read() if hasattr(f, "read") else open(f, "rb").read()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise RuntimeError("ember.load: not a zip checkpoint; only ember.save files and "
                           "torch.save files in the (default) zip format can be read")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        if "data.json" in names:
            return _load_ember(z)
        pkl = [n for n in names if n.endswith("data.pkl")]
        if pkl:
            return _load_torch(z, pkl[0])
    raise RuntimeError("ember.load: the archive holds neither an ember checkpoint (data.json) "
                       "nor a PyTorch one (data.pkl)")


def _load_ember(z):
    arrays = {}

    def array(i):
        if i not in arrays:
            arrays[i] = np.load(io.BytesIO(z.read(f"tensors/{i}.npy")), allow_pickle=False)
        return arrays[i]
    cache = {}
    return _decode(json.loads(z.read("data.json")), array, cache)


def _decode(x, array, cache):
    if isinstance(x, list):
        return [_decode(v, array, cache) for v in x]
    if not isinstance(x, dict):
        return x
    if "$tensor" in x:
        i = x["$tensor"]
        if i not in cache:
            t = make_tensor(array(i).copy())
            if x.get("param"):
                from .nn.parameter import Parameter
                t = Parameter(t, requires_grad=x["requires_grad"])
            elif x["requires_grad"]:
                t.requires_grad_(True)
            cache[i] = t
        return cache[i]
    if "$ndarray" in x:
        return array(x["$ndarray"]).copy()
    if "$float" in x:
        return float(x["$float"])
    if "$dtype" in x:
        return D._by_name(x["$dtype"])
    if "$complex" in x:
        return complex(*x["$complex"])
    if "$bytes" in x:
        return base64.b64decode(x["$bytes"])
    if "$tuple" in x:
        return tuple(_decode(v, array, cache) for v in x["$tuple"])
    if "$set" in x:
        return set(_decode(v, array, cache) for v in x["$set"])
    if "$namedtuple" in x:
        cls = collections.namedtuple(x["$namedtuple"], x["fields"])
        return cls(*[_decode(v, array, cache) for v in x["values"]])
    if "$dict" in x:
        items = [(_hashable(_decode(k, array, cache)), _decode(v, array, cache))
                 for k, v in x["$dict"]]
        d = collections.OrderedDict(items) if x.get("ordered") else dict(items)
        if "metadata" in x:
            d._metadata = _decode(x["metadata"], array, cache)
        return d
    raise RuntimeError(f"ember.load: unknown entry in checkpoint: {list(x)[:3]}")


def _hashable(k):
    return tuple(_hashable(v) for v in k) if isinstance(k, list) else k


# ------------------------------------------------------------------ PyTorch's zip format

_TORCH_STORAGES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
    "ComplexFloatStorage": np.complex64, "ComplexDoubleStorage": np.complex128,
}
_TORCH_DTYPES = {"float32": "float32", "float": "float32", "float64": "float64",
                 "double": "float64", "float16": "float16", "half": "float16",
                 "int64": "int64", "long": "int64", "int32": "int32", "int": "int32",
                 "int16": "int16", "int8": "int8", "uint8": "uint8", "bool": "bool",
                 "complex64": "complex64", "complex128": "complex128"}


class _StorageType:
    def __init__(self, dtype):
        self.dtype = np.dtype(dtype) if dtype is not None else None


def _rebuild_tensor(storage, storage_offset, size, stride, requires_grad=False,
                    backward_hooks=None, metadata=None):
    arr, _ = storage
    n = int(np.prod(size)) if len(size) else 1
    if n == 0:
        out = np.zeros(tuple(size), arr.dtype)
    else:
        isz = arr.itemsize
        view = np.lib.stride_tricks.as_strided(arr[storage_offset:], shape=tuple(size),
                                               strides=tuple(s * isz for s in stride))
        out = np.array(view)
    t = make_tensor(out)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_tensor_old(storage, storage_offset, size, stride):
    return _rebuild_tensor(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad, backward_hooks=None, *state):
    from .nn.parameter import Parameter
    return Parameter(data, requires_grad=requires_grad)


def _rebuild_from_type_v2(func, new_type, args, state):
    t = func(*args)
    from .nn.parameter import Parameter
    if new_type is Parameter and not isinstance(t, Parameter):
        t = Parameter(t)
    return t


class _TorchTensorType:
    pass


def _allowed():
    from .nn.parameter import Parameter
    table = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor,
        ("torch._utils", "_rebuild_tensor"): _rebuild_tensor_old,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
        ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
        ("torch.nn.parameter", "Parameter"): Parameter,
        ("torch", "Tensor"): _TorchTensorType,
        ("torch", "Size"): tuple,
        ("torch.storage", "UntypedStorage"): _StorageType(None),
        ("torch", "UntypedStorage"): _StorageType(None),
        ("builtins", "set"): set,
        ("builtins", "frozenset"): frozenset,
        ("builtins", "complex"): complex,
        ("_codecs", "encode"): lambda s, enc="latin1": s.encode(enc),
    }
    for name, dt in _TORCH_STORAGES.items():
        table[("torch", name)] = _StorageType(dt)
    for name, ours in _TORCH_DTYPES.items():
        table[("torch", name)] = D._by_name(ours)
    return table


class _SafeUnpickler(pickle.Unpickler):
    """Rebuilds only tensors, parameters, ordered dicts and plain values; refuses the rest."""

    def __init__(self, file, z, prefix):
        super().__init__(file)
        self._z, self._prefix = z, prefix
        self._storages = {}
        self._table = _allowed()

    def find_class(self, module, name):
        try:
            return self._table[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"ember.load: refusing to load '{module}.{name}': a checkpoint may only hold "
                f"tensors, parameters, dicts/lists/tuples and plain values; loading never runs "
                f"code from the file") from None

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"ember.load: unsupported persistent id {pid!r}")
        _, stype, key, _location, numel = pid[:5]
        if key not in self._storages:
            raw = self._z.read(f"{self._prefix}data/{key}")
            dtype = stype.dtype if isinstance(stype, _StorageType) and stype.dtype is not None \
                else np.dtype(np.uint8)
            self._storages[key] = (np.frombuffer(raw, dtype=dtype).copy(), dtype)
        return self._storages[key]


def _load_torch(z, pkl_name):
    prefix = pkl_name[:-len("data.pkl")]
    order = z.read(prefix + "byteorder").decode() if prefix + "byteorder" in z.namelist() \
        else "little"
    if order != "little":
        raise RuntimeError("ember.load: big-endian PyTorch checkpoints are not supported")
    return _SafeUnpickler(io.BytesIO(z.read(pkl_name)), z, prefix).load()
