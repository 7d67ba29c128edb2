"""The array-module seam: NumPy by default, CuPy for ``device='cuda'`` when it is installed.

Primitive implementations call NumPy functions; CuPy arrays pass through them via NumPy's
``__array_ufunc__``/``__array_function__`` protocols, so the only places that must know the
backend are array creation and host transfers, which go through this module.
"""
import numpy as np

ndarray = np.ndarray


class device:
    """A device (``ember.device('cpu')``); only 'cpu' and, with CuPy, 'cuda' exist."""
    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        type = str(type)
        if ":" in type:
            type, idx = type.split(":", 1)
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device "
                               f"string: {type}")
        self.type = type
        self.index = index

    def __eq__(self, other):
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __repr__(self):
        idx = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{idx})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")
_cupy = None


def cupy():
    """The CuPy module, imported on first use; RuntimeError when it is missing."""
    global _cupy
    if _cupy is None:
        try:
            import cupy as cp
        except ImportError:
            raise RuntimeError("device 'cuda' needs CuPy, which is not installed") from None
        _cupy = cp
    return _cupy


def xp_for(dev):
    """The array module for a device."""
    if dev is None or dev is CPU:
        return np
    dev = device(dev)
    return np if dev.type == "cpu" else cupy()


def device_of(array):
    return CPU if type(array) is np.ndarray or isinstance(array, np.ndarray) else device("cuda", 0)


def to_device(array, dev):
    dev = device(dev)
    if dev.type == "cpu":
        return array if isinstance(array, np.ndarray) else cupy().asnumpy(array)
    return cupy().asarray(array)


def as_array(x):
    """Turn a NumPy scalar (what ufuncs return on 0-d input) into a 0-d array."""
    if isinstance(x, np.generic):
        return np.asarray(x)
    if isinstance(x, np.ndarray):
        return x
    if _cupy is not None and isinstance(x, _cupy.ndarray):
        return x
    return np.asarray(x)


def to_numpy(array):
    return array if isinstance(array, np.ndarray) else cupy().asnumpy(array)


def array_module(a):
    """NumPy for NumPy arrays, CuPy for CuPy arrays (for impls that create new arrays)."""
    return np if isinstance(a, np.ndarray) or _cupy is None or not isinstance(a, _cupy.ndarray) \
        else _cupy


def copy_into(dst, src):
    """``dst[...] = src`` with any cast (NumPy's copyto, or a plain assignment for CuPy)."""
    if dst.__class__ is np.ndarray:
        np.copyto(dst, src, casting="unsafe")
    else:
        dst[...] = src
