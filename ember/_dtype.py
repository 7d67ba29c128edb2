"""dtypes: PyTorch's dtype objects over NumPy dtypes, the default dtype, and type promotion.

Promotion follows PyTorch, not NumPy: categories (bool < integer < floating < complex) decide
first, a higher category wins without widening (int64 + float16 -> float16), and 0-dim
tensors and Python scalars only promote when they are of a higher category.  Results are
cached per (dtype, dtype, kind) so the hot path is a dict lookup, never ``np.result_type``.
"""
import numpy as np

__all__ = ["dtype", "bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
           "float64", "complex64", "complex128", "half", "float", "double", "short", "int", "long",
           "cfloat", "cdouble", "get_default_dtype", "set_default_dtype", "promote_types",
           "result_type", "can_cast", "finfo", "iinfo"]

_builtin_bool, _builtin_int, _builtin_float, _builtin_complex = bool, int, float, complex


class dtype:
    """A tensor element type (``ember.float32`` ...); wraps a NumPy dtype."""
    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_complex", "is_signed", "_cat")

    def __init__(self, name, npdtype, cat):
        self.name = name
        self.np = np.dtype(npdtype)
        self.itemsize = self.np.itemsize
        self._cat = cat  # 0 bool, 1 integer, 2 floating, 3 complex
        self.is_floating_point = cat == 2
        self.is_complex = cat == 3
        self.is_signed = self.np.kind in "ifc"

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self):
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self):
        return {float32: complex64, float64: complex128, float16: complex64}.get(self, self)


bool = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
complex64 = dtype("complex64", np.complex64, 3)
complex128 = dtype("complex128", np.complex128, 3)
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64
cfloat, cdouble = complex64, complex128

ALL = (bool, uint8, int8, int16, int32, int64, float16, float32, float64, complex64, complex128)
NP2DT = {d.np: d for d in ALL}
_NAMES = {d.name: d for d in ALL}


def _by_name(name):
    return _NAMES[name]


def from_numpy_dtype(npd):
    """The ember dtype of a NumPy dtype; TypeError for ones PyTorch has no counterpart for."""
    try:
        return NP2DT[npd]
    except KeyError:
        npd = np.dtype(npd)
        if npd in NP2DT:
            return NP2DT[npd]
        raise TypeError(f"can't convert np.ndarray of type numpy.{npd}. The only supported types "
                        "are: float64, float32, float16, complex64, complex128, int64, int32, "
                        "int16, int8, uint8, and bool.") from None


_PYTYPES = {_builtin_float: float64, _builtin_int: int64, _builtin_bool: bool,
            _builtin_complex: complex128}


def to_numpy_dtype(d):
    """Accept an ember dtype, a NumPy dtype, a Python type or a string; return a NumPy dtype.

    Python's ``float``/``complex`` mean double precision, as in PyTorch's dtype arguments."""
    if type(d) is dtype:
        return d.np
    if d in _PYTYPES:
        return _PYTYPES[d].np
    if isinstance(d, str) and d in _NAMES:
        return _NAMES[d].np
    return from_numpy_dtype(np.dtype(d)).np


def as_dtype(d):
    return d if type(d) is dtype else NP2DT[to_numpy_dtype(d)]


# ---------------------------------------------------------------- default dtype

class _Default:
    dtype = float32


def get_default_dtype():
    """The floating dtype of new tensors made from Python floats (float32 unless changed)."""
    return _Default.dtype


def set_default_dtype(d):
    """Set the dtype of new floating tensors (float16, float32 or float64); the default
    complex dtype follows (complex128 for float64, else complex64)."""
    if type(d) is not dtype or d not in (float16, float32, float64):
        raise TypeError("only floating-point types are supported as the default type"
                        if type(d) is dtype else "invalid dtype object: only floating-point "
                        "types are supported as the default type")
    _Default.dtype = d


def _default_complex():
    return complex128 if _Default.dtype is float64 else complex64


# ---------------------------------------------------------------- promotion

def _promote_pair(a, b):
    if a is b:
        return a
    if a._cat != b._cat:
        hi, lo = (a, b) if a._cat > b._cat else (b, a)
        if hi._cat == 3 and lo._cat == 2 and lo.itemsize > hi.itemsize // 2:
            return complex128
        return hi
    return NP2DT[np.promote_types(a.np, b.np)]


_PAIR = {(a.np, b.np): _promote_pair(a, b) for a in ALL for b in ALL}


def promote_types(type1, type2):
    """PyTorch's ``promote_types``: the smallest dtype both can be cast to, category first."""
    for i, t in enumerate((type1, type2)):
        if type(t) is not dtype:
            raise TypeError(f"promote_types(): argument 'type{i + 1}' (position {i + 1}) must "
                            f"be torch.dtype, not {type(t).__name__}")
    return _PAIR[type1.np, type2.np]


def _scalar_dtype(x):
    t = type(x)
    if t is _builtin_bool or t is np.bool_:
        return bool
    if t is _builtin_int or isinstance(x, np.integer):
        return int64
    if t is _builtin_float or isinstance(x, np.floating):
        return _Default.dtype
    if t is _builtin_complex or isinstance(x, np.complexfloating):
        return _default_complex()
    raise TypeError(f"unsupported scalar type {t.__name__}")


def _to_complex(d):
    return complex128 if d is float64 else complex64


def _combine_categories(higher, lower):
    """PyTorch's merge of two promotion tiers: the lower tier only counts when its category
    is higher (a complex lower tier keeps a floating higher tier's precision)."""
    if higher is None:
        return lower
    if lower is None or higher._cat == 3:
        return higher
    if lower._cat == 3:
        return _to_complex(higher) if higher._cat == 2 else lower
    if higher._cat == 2:
        return higher
    if higher is bool or lower._cat == 2:
        return _PAIR[higher.np, lower.np]
    return higher


def _promote_all(ds):
    res = None
    for d in ds:
        res = d if res is None else _PAIR[res.np, d.np]
    return res


def result_dtype(dim_dtypes, zero_dtypes, scalar_dtypes):
    """PyTorch's three-tier promotion: tensors with dimensions, then 0-dim tensors, then
    Python scalars (already mapped to int64 / default float / default complex)."""
    return _combine_categories(_promote_all(dim_dtypes), _combine_categories(
        _promote_all(zero_dtypes), _promote_all(scalar_dtypes)))


def result_type(tensor1, tensor2):
    """``torch.result_type`` for tensors and Python scalars."""
    dims, zeros, scalars = [], [], []
    for x in (tensor1, tensor2):
        if hasattr(x, "_data") or hasattr(x, "dtype") and hasattr(x, "ndim"):
            (zeros if x.ndim == 0 else dims).append(as_dtype(x.dtype))
        else:
            try:
                scalars.append(_scalar_dtype(x))
            except TypeError:
                raise TypeError(f"result_type() received an invalid combination of arguments "
                                f"- got ({type(tensor1).__name__}, {type(tensor2).__name__})"
                                ) from None
    return result_dtype(dims, zeros, scalars)


def can_cast(from_, to):
    """``torch.can_cast``: casting allowed unless it lowers the category."""
    return as_dtype(from_)._cat <= as_dtype(to)._cat


# ---------------------------------------------------------------- finfo / iinfo

class finfo:
    """Machine limits of a floating dtype (``torch.finfo``); complex gives its real part's."""

    def __init__(self, type=None):
        d = as_dtype(type if type is not None else _Default.dtype)
        if d._cat < 2:
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        d = d.to_real()
        f = np.finfo(d.np)
        self.dtype = d.name
        self.bits = f.bits
        self.eps = _builtin_float(f.eps)
        self.max = _builtin_float(f.max)
        self.min = _builtin_float(f.min)
        self.tiny = self.smallest_normal = _builtin_float(f.tiny)
        self.resolution = _builtin_float(f"1e-{f.precision}")

    def __eq__(self, other):
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(self.dtype)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype (``torch.iinfo``)."""

    def __init__(self, type):
        d = as_dtype(type)
        if d is bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if d._cat >= 2:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        i = np.iinfo(d.np)
        self.dtype = d.name
        self.bits = i.bits
        self.max = _builtin_int(i.max)
        self.min = _builtin_int(i.min)

    def __eq__(self, other):
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(self.dtype)

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
