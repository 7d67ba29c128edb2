"""Helpers shared by the op families: argument checks, dtype promotion, batching rules."""
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, make_tensor, wrap_dim

_SCALARS = (int, float, bool, complex)


def npdtype(t):
    """NumPy dtype of a tensor (plain or wrapper)."""
    return t._data.dtype if t.__class__ is Tensor else t.dtype.np


def is_tensor(x):
    return isinstance(x, Tensor)


def ensure_tensor(x, op, argname="input"):
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"{op}(): argument '{argname}' (position 1) must be Tensor, not "
                    f"{type(x).__name__}")


def scalar_or_tensor(x):
    """Python/NumPy scalars stay scalars (weakly typed); arrays and lists become tensors."""
    if isinstance(x, Tensor) or type(x) in _SCALARS:
        return x
    if isinstance(x, np.generic):
        return x.item()
    from .creation import tensor
    return tensor(x)


_PROMO = {}


def _promoted(da, db, a0, b0):
    key = (da, db, a0, b0)
    r = _PROMO.get(key)
    if r is None:
        A, B = D.NP2DT[da], D.NP2DT[db]
        dims = [x for x, z in ((A, a0), (B, b0)) if not z]
        zeros = [x for x, z in ((A, a0), (B, b0)) if z]
        r = _PROMO[key] = D.result_dtype(dims, zeros, []).np
    return r


def promote2(a, b):
    """PyTorch's type promotion for a binary op; returns the (possibly cast) operands."""
    if isinstance(a, Tensor):
        da = npdtype(a)
        if isinstance(b, Tensor):
            db = npdtype(b)
            if da is db:
                return a, b
            rd = _promoted(da, db, a.ndim == 0, b.ndim == 0)
            return (a if da is rd else cast(a, rd)), (b if db is rd else cast(b, rd))
        b = scalar_or_tensor(b)
        if isinstance(b, Tensor):
            return promote2(a, b)
        return _with_scalar(a, da, b), b
    b_t = isinstance(b, Tensor)
    a = scalar_or_tensor(a)
    if isinstance(a, Tensor):
        return promote2(a, b)
    if b_t:
        return a, _with_scalar(b, npdtype(b), a)
    from .creation import tensor
    return promote2(tensor(a), b)


def _with_scalar(t, dt, s):
    """Cast ``t`` when a Python scalar of a higher category forces it (int tensor * 2.5)."""
    k = dt.kind
    ts = type(s)
    if ts is float:
        if k in "fc":
            return t
        return cast(t, D.get_default_dtype().np)
    if ts is complex:
        if k == "c":
            return t
        if k == "f":
            return cast(t, np.dtype(np.complex128) if dt == np.float64 else np.dtype(np.complex64))
        return cast(t, D._default_complex().np)
    if ts is int and k == "b":
        return cast(t, np.dtype(np.int64))
    return t


def cast(t, npd):
    from .elementwise import to_dtype
    return to_dtype(t, npd)


def result_npdtype(*xs):
    """Promoted NumPy dtype of several tensors/scalars (PyTorch rules)."""
    dims, zeros, scalars = [], [], []
    for x in xs:
        if isinstance(x, Tensor):
            (zeros if x.ndim == 0 else dims).append(D.NP2DT[npdtype(x)])
        elif x is not None:
            scalars.append(D._scalar_dtype(x))
    return D.result_dtype(dims, zeros, scalars).np


def broadcast_shapes(*shapes, op="broadcast"):
    nd = max((len(s) for s in shapes), default=0)
    res = [1] * nd
    for s in shapes:
        off = nd - len(s)
        for i, d in enumerate(s):
            r = res[off + i]
            if r == 1:
                res[off + i] = d
            elif d != 1 and d != r:
                raise RuntimeError(
                    f"{op}: the size of tensor a ({_dim_at(shapes[0], nd, off + i)}) must match "
                    f"the size of tensor b ({d}) at non-singleton dimension {off + i}; shapes "
                    f"{', '.join(str(list(x)) for x in shapes)}")
    return tuple(res)


def _dim_at(shape, nd, i):
    j = i - (nd - len(shape))
    return shape[j] if j >= 0 else 1


def norm_dims(dim, ndim, op="op"):
    """Normalise ``dim`` (None, int or sequence) to a sorted tuple of non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (wrap_dim(int(dim), ndim, op),)
    dims = tuple(wrap_dim(int(d), ndim, op) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{op}: dim {dims[0]} appears multiple times in the list of dims")
    return tuple(sorted(dims))


# ------------------------------------------------------------------ batching rules
# A batching rule gets the primitive, the inner values and which of them carry the batch
# dimension (always at position 0), and returns the inner result batched at position 0.

def batch_elementwise(prim, args, batched, **params):
    """Broadcasting elementwise op: pad batched operands' logical dims to the result rank."""
    nd = 0
    for a, b in zip(args, batched):
        if isinstance(a, Tensor):
            n = a.ndim - 1 if b else a.ndim
            if n > nd:
                nd = n
    new = []
    for a, b in zip(args, batched):
        if b:
            n = a.ndim - 1
            if n < nd:
                from .shape import reshape
                s = tuple(a.shape)
                a = reshape(a, (s[0],) + (1,) * (nd - n) + s[1:])
        new.append(a)
    return prim(*new, **params)


def batch_unary(prim, args, batched, **params):
    return prim(*args, **params)


def batch_dims_shift(prim, args, batched, dims, **params):
    """For ops with a ``dims`` tuple param on their single input."""
    return prim(args[0], dims=tuple(d + 1 for d in dims), **params)


def batch_dim_shift(prim, args, batched, dim, **params):
    """For ops with an int ``dim`` param acting on their batched input(s)."""
    return prim(*args, dim=dim + 1, **params)


def move_bdim_to_front(x, batched, B):
    """An unbatched value broadcast to carry the batch dim at 0 (used by rules that need it)."""
    if batched:
        return x
    from .shape import expand, unsqueeze
    return expand(unsqueeze(x, 0), (B,) + tuple(x.shape))


def batch_size_of(args, batched):
    for a, b in zip(args, batched):
        if b:
            return a.shape[0]
    raise AssertionError("no batched argument")


def zeros_like_value(t):
    from .creation import zeros_like
    return zeros_like(t)


def value(x):
    """Array of a plain tensor or scalar."""
    return x._data if isinstance(x, Tensor) else x


def const(arr):
    return make_tensor(arr)
