"""Matrix products: matmul in every broadcasting case, mm, mv, dot, vdot, bmm, inner, outer,
cross; the top-level namespace of the linear-algebra family.

``matmul`` picks the primitive PyTorch would (mm, mv, dot, or one broadcasting matmul whose
stacked-times-matrix case folds the stack into a single BLAS call) and checks shapes with
PyTorch's messages.  addmm & co., einsum, diagonals/triangles and the decompositions live in
``addmm.py``, ``einsum.py``, ``tri.py`` and ``decomp.py``; their top-level names are
re-exported here.
"""
import numpy as np

from .._tensor import Tensor
from ._primitive import Primitive
from ._util import npdtype, broadcast_shapes
from .einsum import einsum, tensordot, kron, _dt_name
from .tri import diagonal, diag_embed, diag, trace, tril, triu
from . import einsum as _einsum_mod, tri as _tri_mod

__all__ = ["matmul", "mm", "mv", "dot", "vdot", "bmm", "inner", "outer", "ger", "addmm",
           "addmv", "addr", "baddbmm", "addbmm", "chain_matmul", "einsum", "tensordot", "kron",
           "diagonal", "diag_embed", "diag", "trace", "tril", "triu", "cross"]


def _mT(x):
    from .shape import transpose
    return transpose(x, -1, -2)


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _scale(x, s):
    if s == 1:
        return x
    from .elementwise import mul
    return mul(x, s)


# ------------------------------------------------------------------ primitives

def _matmul_impl(a, b):
    """np.matmul, but a stack of short matrices (or any stack) times a vector runs as one
    GEMM/GEMV on the folded stack (per-matrix BLAS calls dominate there; vmap of mm hits it)."""
    if a.ndim > 2 and (b.ndim == 1 or b.ndim == 2 and a.shape[-2] <= 8):
        k = a.shape[-1]
        r = np.matmul(a.reshape(_prod(a.shape[:-1]), k), b)
        return r.reshape(a.shape[:-1] + b.shape[1:])
    if a.ndim == 2 and b.ndim > 2 and b.shape[-1] == 1:     # matrix @ stack of column vectors
        r = np.matmul(b.reshape(_prod(b.shape[:-2]), b.shape[-2]), a.T)
        return r.reshape(b.shape[:-2] + (a.shape[0], 1))
    if a.ndim >= 2 and b.ndim >= 2 and a.shape[-1] == 1 == b.shape[-2]:  # (stacked) outer
        # products (vmap of per-sample weight gradients): np.matmul is 3x slower there and a
        # broadcast multiply 1.3x; einsum writes the same products fastest
        return np.einsum("...ik,...kj->...ij", a, b)
    return np.matmul(a, b)


def _mm_batch(prim, args, batched):
    return _matmul(*args)


_mm = Primitive("mm", np.matmul,
                vjp=(lambda g, out, a, b: _mm(g, _mT(b)), lambda g, out, a, b: _mm(_mT(a), g)),
                jvp=(lambda t, out, a, b: _mm(t, b), lambda t, out, a, b: _mm(a, t)),
                batch=_mm_batch, saves={0: (1,), 1: (0,)})


def _mv_batch(prim, args, batched):
    a, b = args
    if not batched[1]:
        return _matmul(a, b)
    if not batched[0]:
        return _mm(b, _mT(a))
    from .shape import unsqueeze, squeeze
    return squeeze(_matmul(a, unsqueeze(b, -1)), -1)


def _outer_vec(g, b):
    from .shape import unsqueeze
    from .elementwise import mul
    return mul(unsqueeze(g, -1), b)


_mv = Primitive("mv", np.matmul,
                vjp=(lambda g, out, a, b: _outer_vec(g, b), lambda g, out, a, b: _mv(_mT(a), g)),
                jvp=(lambda t, out, a, b: _mv(t, b), lambda t, out, a, b: _mv(a, t)),
                batch=_mv_batch, saves={0: (1,), 1: (0,)})


def _dot_batch(prim, args, batched):
    a, b = args
    if not batched[1]:
        return _mv(a, b)
    if not batched[0]:
        return _mv(b, a)
    from .elementwise import mul
    from .reduction import sum
    return sum(mul(a, b), -1)


def _mul(g, x):
    from .elementwise import mul
    return mul(g, x)


_dot_rules = dict(vjp=(lambda g, out, a, b: _mul(g, b), lambda g, out, a, b: _mul(g, a)),
                  jvp=(lambda t, out, a, b: _dot(t, b), lambda t, out, a, b: _dot(a, t)),
                  batch=_dot_batch, saves={0: (1,), 1: (0,)})
_dot = Primitive("dot", np.matmul, **_dot_rules)
_vdot = Primitive("vdot", np.vdot, **_dot_rules)


def _matmul_vjp_a(g, out, a, b):
    from .shape import unsqueeze, squeeze
    from .reduction import sum_to_size
    if b.ndim == 1:                     # (..., n, k) @ (k,)
        return sum_to_size(_outer_vec(g, b), tuple(a.shape))
    if a.ndim == 1:                     # (k,) @ (..., k, p)
        return sum_to_size(squeeze(_matmul(b, unsqueeze(g, -1)), -1), tuple(a.shape))
    return sum_to_size(_matmul(g, _mT(b)), tuple(a.shape))


def _matmul_vjp_b(g, out, a, b):
    from .shape import unsqueeze, reshape
    from .reduction import sum_to_size
    if a.ndim == 1:                     # (k,) @ (..., k, p)
        return sum_to_size(_matmul(unsqueeze(a, -1), unsqueeze(g, -2)), tuple(b.shape))
    if b.ndim <= 2 and a.ndim > 2:      # fold the stack: one GEMM/GEMV
        k = a.shape[-1]
        a2 = reshape(a, (_prod(a.shape[:-1]), k))
        if b.ndim == 1:
            return _mv(_mT(a2), reshape(g, (a2.shape[0],)))
        return _mm(_mT(a2), reshape(g, (a2.shape[0], b.shape[-1])))
    if b.ndim == 1:
        return sum_to_size(_outer_vec(g, a), tuple(a.shape))
    return sum_to_size(_matmul(_mT(a), g), tuple(b.shape))


def _batched_general(args, batched, logical_nd):
    """vmap rule for any matmul: make 1-D operands 2-D, align batch dims after dim 0."""
    from .shape import unsqueeze, squeeze, reshape
    a, b = args
    la, lb = logical_nd
    if la == 1:
        a = unsqueeze(a, -2)
    if lb == 1:
        b = unsqueeze(b, -1)
    na, nb = max(la, 2), max(lb, 2)
    target = max(na, nb)
    for i, (x, n) in enumerate(((a, na), (b, nb))):
        if batched[i] and n < target:
            s = tuple(x.shape)
            x = reshape(x, (s[0],) + (1,) * (target - n) + s[1:])
            if i == 0:
                a = x
            else:
                b = x
    out = _matmul(a, b)
    if lb == 1:
        out = squeeze(out, -1)
    if la == 1:
        out = squeeze(out, -2 if lb != 1 else -1)
    return out


_matmul = Primitive(
    "matmul", _matmul_impl, vjp=(_matmul_vjp_a, _matmul_vjp_b),
    jvp=(lambda t, out, a, b: _matmul(t, b), lambda t, out, a, b: _matmul(a, t)),
    batch=lambda prim, args, batched: _batched_general(
        args, batched, (args[0].ndim - batched[0], args[1].ndim - batched[1])),
    node_name="UnsafeViewBackward0", saves={0: (1,), 1: (0,)})

def _matmul_phys(arrays, batched):
    """vmap of matmul on the physical arrays (batch dim 0) when NumPy's own broadcasting
    already lines the batch dim up: one call instead of the general rule's reshapes."""
    a, b = arrays
    ba, bb = batched
    la = a.ndim - ba
    lb = b.ndim - bb
    if ba:
        if bb:
            if la < 2 or lb < 2:
                return None
            if la < lb:
                a = a.reshape(a.shape[:1] + (1,) * (lb - la) + a.shape[1:])
            elif lb < la:
                b = b.reshape(b.shape[:1] + (1,) * (la - lb) + b.shape[1:])
        elif la == 1:
            if lb > 2:
                return None
        elif lb > la:
            return None
    elif lb == 1 or la > lb:
        return None
    return _matmul_impl(a, b)


_matmul.vmap_phys = _matmul_phys

_bmm = Primitive(
    "bmm", np.matmul,
    vjp=(lambda g, out, a, b: _bmm(g, _mT(b)), lambda g, out, a, b: _bmm(_mT(a), g)),
    jvp=(lambda t, out, a, b: _bmm(t, b), lambda t, out, a, b: _bmm(a, t)),
    batch=_mm_batch, saves={0: (1,), 1: (0,)})


# ------------------------------------------------------------------ checks (PyTorch's messages)

_CPP = {"float32": "float", "float64": "double", "float16": "c10::Half",
        "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int", "int16": "short int",
        "int8": "signed char",
        "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
        "complex128": "c10::complex<double>"}


def _cpp(t):
    n = npdtype(t).name
    return _CPP.get(n, n)


def _tensor_args(op, names, *xs):
    if len(xs) == 2 and isinstance(xs[0], Tensor) and isinstance(xs[1], Tensor):
        return
    for i, (x, n) in enumerate(zip(xs, names)):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}(): argument '{n}' (position {i + 1}) must be Tensor, not "
                            f"{type(x).__name__}")


def _mm_msg(sa, sb):
    return f"mat1 and mat2 shapes cannot be multiplied ({sa[0]}x{sa[1]} and {sb[0]}x{sb[1]})"


def _same_mm_dtype(a, b):
    if npdtype(a) != npdtype(b):
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cpp(a)} != "
                           f"{_cpp(b)}")


def _same_mv_dtype(m, v, inp=None):
    if npdtype(m) != npdtype(v) or (inp is not None and npdtype(inp) != npdtype(m)):
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{_dt_name(v if inp is None else inp)}, {_dt_name(m)}, and "
                           f"{_dt_name(v)}")


def _same_dot_dtype(a, b):
    if npdtype(a) != npdtype(b):
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_dt_name(a)} and {_dt_name(b)}")


def _dot_sizes(a, b):
    n, m = a.shape[0], b.shape[0]
    if n != m:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to "
                           f"have the same number of elements, but got {n} and {m} elements "
                           f"respectively")


def _mv_sizes(sa, k, n=None):
    if sa[1] != k:
        raise RuntimeError(f"size mismatch, got input ({sa[0] if n is None else n}), mat "
                           f"({sa[0]}x{sa[1]}), vec ({k})")


def _no_bool(a):
    if npdtype(a).kind == "b":
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")


def _matmul_slow(a, b):
    """matmul's general path: PyTorch's checks and choice of kernel."""
    _tensor_args("matmul", ("input", "other"), a, b)
    na, nb = a.ndim, b.ndim
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    sa, sb = tuple(a.shape), tuple(b.shape)
    if nb == 1 and na == 1:
        _same_dot_dtype(a, b)
        _dot_sizes(a, b)
        return _dot(a, b)
    _no_bool(a)
    if nb == 1:                                     # matrix (or folded stack) @ vector
        _same_mv_dtype(a, b)
        _mv_sizes((_prod(sa[:-1]), sa[-1]), sb[0])
        return _mv(a, b) if na == 2 else _matmul(a, b)
    if nb == 2 and na <= 2 or na > 2 and nb == 2:   # (folded) matrix @ matrix
        _same_mm_dtype(a, b)
        rows = _prod(sa[:-1])
        if sa[-1] != sb[0]:
            raise RuntimeError(_mm_msg((rows, sa[-1]), sb))
        return _mm(a, b) if na == 2 else _matmul(a, b)
    # batched: broadcast the batch dims, then PyTorch's bmm check on the folded batch
    ba = sa[:-2] if na > 2 else ()
    bb = sb[:-2]
    try:
        batch = broadcast_shapes(ba, bb)
    except RuntimeError:
        _broadcast_error(ba, bb)
    if npdtype(a) != npdtype(b):
        raise RuntimeError(f"expected scalar type {_dt_name(a)} but found {_dt_name(b)}")
    ka, kb = sa[-1], sb[-2]
    if ka != kb:
        B = _prod(batch)
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{B}, {ka}] but got: [{B}, {kb}].")
    return _matmul(a, b)


def _broadcast_error(sa, sb):
    n = max(len(sa), len(sb))
    pa = (1,) * (n - len(sa)) + tuple(sa)
    pb = (1,) * (n - len(sb)) + tuple(sb)
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {i}")


def _check_expand(inp, shape):
    """``input`` of addmm & co. must broadcast to the product's shape (expand's message)."""
    s = tuple(inp.shape)
    if len(s) > len(shape) or any(x != 1 and x != y for x, y in zip(s[::-1], shape[::-1])):
        bad = next((i for i, (x, y) in enumerate(zip(s[::-1], shape[::-1])) if x != 1 and x != y),
                   0)
        d = len(shape) - 1 - bad
        raise RuntimeError(f"The expanded size of the tensor ({shape[d]}) must match the existing "
                           f"size ({s[len(s) - 1 - bad]}) at non-singleton dimension {d}.  Target "
                           f"sizes: {list(shape)}.  Tensor sizes: {list(s)}")


# ------------------------------------------------------------------ public products

def matmul(input, other, *, out=None):
    """Matrix product with NumPy/PyTorch broadcasting; 1-D operands are vectors."""
    if input.__class__ is Tensor and other.__class__ is Tensor:
        a, b = input._data, other._data
        if a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[0] and a.dtype is b.dtype \
                and a.dtype.kind != "b":
            return _mm(input, other)
    return _matmul_slow(input, other)


def mm(input, mat2, *, out=None):
    """Matrix @ matrix (2-D only)."""
    if input.__class__ is Tensor and mat2.__class__ is Tensor:
        a, b = input._data, mat2._data
        if a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[0] and a.dtype is b.dtype \
                and a.dtype.kind != "b":
            return _mm(input, mat2)
    _tensor_args("mm", ("input", "mat2"), input, mat2)
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _same_mm_dtype(input, mat2)
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(_mm_msg(tuple(input.shape), tuple(mat2.shape)))
    _no_bool(input)
    return _mm(input, mat2)


def mv(input, vec, *, out=None):
    """Matrix @ vector."""
    _tensor_args("mv", ("input", "vec"), input, vec)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    _same_mv_dtype(input, vec)
    _mv_sizes(tuple(input.shape), vec.shape[0])
    _no_bool(input)
    return _mv(input, vec)


def _dot_checks(op, a, b):
    _tensor_args(op, ("input", "tensor" if op == "dot" else "other"), a, b)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    _same_dot_dtype(a, b)
    _dot_sizes(a, b)


def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors."""
    _dot_checks("dot", input, tensor)
    return _dot(input, tensor)


def vdot(input, other, *, out=None):
    """Dot product that conjugates the first argument (equal to dot for real tensors)."""
    _dot_checks("vdot", input, other)
    return _vdot(input, other)


def bmm(input, mat2, *, out=None):
    """Batched matrix @ matrix: (b, n, k) @ (b, k, p)."""
    _tensor_args("bmm", ("input", "mat2"), input, mat2)
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    b, n, k = input.shape
    if tuple(mat2.shape[:2]) != (b, k):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b}, {k}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    if npdtype(input) != npdtype(mat2):
        raise RuntimeError(f"expected scalar type {_dt_name(input)} but found {_dt_name(mat2)}")
    _no_bool(input)
    return _bmm(input, mat2)


def inner(input, other, *, out=None):
    """Sum-product over the last dims: result shape ``input.shape[:-1] + other.shape[:-1]``."""
    if input.ndim == 0 or other.ndim == 0:
        from .elementwise import mul
        return mul(input, other)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got "
                           f"shapes {list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([-1], [-1]))


def outer(input, vec2):
    """Outer product of two vectors (a broadcasting multiply, as in PyTorch)."""
    for n, v in (("self", input), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {n}, but got {v.ndim}-D")
    from .shape import unsqueeze
    from .elementwise import mul
    return mul(unsqueeze(input, 1), vec2)


ger = outer


from .addmm import addmm, addmv, addr, baddbmm, addbmm  # noqa: E402  (uses the helpers above)


def chain_matmul(*matrices, out=None):
    """Product of several matrices (``linalg.multi_dot`` of 2-D tensors)."""
    from .decomp import multi_dot
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    return multi_dot(matrices)


# ------------------------------------------------------------------ cross

def cross(input, other, dim=None, *, out=None):
    """Cross product of 3-vectors along ``dim`` (default: the first dim of size 3)."""
    if dim is None:
        dim = next((i for i, s in enumerate(broadcast_shapes(tuple(input.shape),
                                                              tuple(other.shape))) if s == 3),
                   None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return _cross(input, other, dim)


def _cross(a, b, dim, op="linalg.cross"):
    from .shape import expand
    from .join import stack
    from .indexing import select
    from .elementwise import mul, sub
    nd = max(a.ndim, b.ndim)
    d = dim + nd if dim < 0 else dim
    if a.ndim != b.ndim:
        raise RuntimeError(f"{op}: inputs must have the same number of dimensions.")
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(f"{op}: inputs dimension {dim} must have length 3. Got "
                           f"{a.shape[d]} and {b.shape[d]}")
    shape = broadcast_shapes(tuple(a.shape), tuple(b.shape))
    a, b = expand(a, shape), expand(b, shape)
    x = [select(a, d, i) for i in range(3)]
    y = [select(b, d, i) for i in range(3)]
    return stack([sub(mul(x[1], y[2]), mul(x[2], y[1])), sub(mul(x[2], y[0]), mul(x[0], y[2])),
                  sub(mul(x[0], y[1]), mul(x[1], y[0]))], d)


METHODS = {"matmul": matmul, "__matmul__": matmul,
           "__rmatmul__": lambda self, other: matmul(other, self),
           "mm": mm, "mv": mv, "dot": dot, "vdot": vdot, "bmm": bmm, "inner": inner,
           "outer": outer, "ger": outer, "addmm": addmm, "addmv": addmv, "addr": addr,
           "baddbmm": baddbmm, "addbmm": addbmm, "cross": cross,
           **_einsum_mod.METHODS, **_tri_mod.METHODS}
INPLACE = {"addmm_": addmm, "addmv_": addmv, "addr_": addr, "baddbmm_": baddbmm,
           "addbmm_": addbmm, **_tri_mod.INPLACE}

from .decomp import TOP as _TOP  # noqa: E402  (decomp imports this module: keep it last)

globals().update(_TOP)
__all__ += list(_TOP)
METHODS.update(_TOP)
