"""Matrix products: matmul (every broadcasting case, 1-D operands too), mm, mv, dot, bmm."""
import numpy as np

from .._tensor import Tensor
from ._primitive import Primitive
from ._util import promote2, npdtype, broadcast_shapes

__all__ = ["matmul", "mm", "mv", "dot", "bmm", "inner_matmul"]


def _mT(x):
    from .shape import transpose
    return transpose(x, -1, -2)


# mm: (n, k) @ (k, p)
_mm = Primitive("mm", np.matmul,
                vjp=(lambda g, out, a, b: matmul(g, _mT(b)),
                     lambda g, out, a, b: matmul(_mT(a), g)),
                jvp=(lambda t, out, a, b: matmul(t, b), lambda t, out, a, b: matmul(a, t)),
                batch=lambda prim, args, batched: _general(*args))


def _outer(a, b):
    from .shape import unsqueeze
    return matmul(unsqueeze(a, -1), unsqueeze(b, -2))


# mv: (n, k) @ (k,)
_mv = Primitive("mv", np.matmul,
                vjp=(lambda g, out, a, b: _outer(g, b), lambda g, out, a, b: matmul(_mT(a), g)),
                jvp=(lambda t, out, a, b: matmul(t, b), lambda t, out, a, b: matmul(a, t)),
                batch=lambda prim, args, batched: _batched_general(args, batched, (2, 1)))

# dot: (k,) @ (k,)
_dot = Primitive("dot", np.matmul,
                 vjp=(lambda g, out, a, b: _mulg(g, b), lambda g, out, a, b: _mulg(g, a)),
                 jvp=(lambda t, out, a, b: matmul(t, b), lambda t, out, a, b: matmul(a, t)),
                 batch=lambda prim, args, batched: _batched_general(args, batched, (1, 1)))


def _mulg(g, x):
    from .elementwise import mul
    return mul(g, x)


def _general_vjp_a(g, out, a, b):
    from .shape import unsqueeze, squeeze
    from .reduction import sum_to_size
    a2 = unsqueeze(a, 0) if a.ndim == 1 else a
    b2 = unsqueeze(b, -1) if b.ndim == 1 else b
    if a.ndim == 1:
        g = unsqueeze(g, -2)
    if b.ndim == 1:
        g = unsqueeze(g, -1)
    ga = sum_to_size(_bmm(g, _mT(b2)), tuple(a2.shape))
    return squeeze(ga, 0) if a.ndim == 1 else ga


def _general_vjp_b(g, out, a, b):
    from .shape import unsqueeze, squeeze
    from .reduction import sum_to_size
    a2 = unsqueeze(a, 0) if a.ndim == 1 else a
    b2 = unsqueeze(b, -1) if b.ndim == 1 else b
    if a.ndim == 1:
        g = unsqueeze(g, -2)
    if b.ndim == 1:
        g = unsqueeze(g, -1)
    gb = sum_to_size(_bmm(_mT(a2), g), tuple(b2.shape))
    return squeeze(gb, -1) if b.ndim == 1 else gb


def _general_batch(prim, args, batched):
    return _batched_general(args, batched, (args[0].ndim - batched[0], args[1].ndim - batched[1]))


# general broadcasting matmul (at least one operand >= 3-D, or batched forms)
_bmm = Primitive("matmul", np.matmul, vjp=(_general_vjp_a, _general_vjp_b),
                 jvp=(lambda t, out, a, b: _bmm(t, b), lambda t, out, a, b: _bmm(a, t)),
                 batch=_general_batch, node_name="BmmBackward0")


def _batched_general(args, batched, logical_nd):
    """Batch rule for any matmul: make 1-D operands 2-D, align batch dims after dim 0."""
    from .shape import unsqueeze, squeeze, reshape
    a, b = args
    la, lb = logical_nd
    if la == 1:
        a = unsqueeze(a, 1 if batched[0] else 0)
    if lb == 1:
        b = unsqueeze(b, -1)
    na, nb = max(la, 2), max(lb, 2)
    nbatch = max(na, nb) - 2
    if batched[0]:
        a = _pad_after_batch(a, na, nbatch + 2)
    if batched[1]:
        b = _pad_after_batch(b, nb, nbatch + 2)
    if not batched[0]:
        a = _pad_front(a, nbatch + 2)
    if not batched[1]:
        b = _pad_front(b, nbatch + 2)
    out = _bmm(a, b)
    if lb == 1:
        out = squeeze(out, -1)
    if la == 1:
        out = squeeze(out, -2 if lb != 1 else -1)
    return out


def _pad_after_batch(x, nd, target):
    if nd >= target:
        return x
    from .shape import reshape
    s = tuple(x.shape)
    return reshape(x, (s[0],) + (1,) * (target - nd) + s[1:])


def _pad_front(x, target):
    return x


def _general(a, b):
    return _bmm(a, b)


def _check(a, b, op):
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to {op} need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        sa, sb = tuple(a.shape), tuple(b.shape)
        if a.ndim == 1 and b.ndim == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src "
                               f"[{sb[0]}] to have the same number of elements, but got "
                               f"{sa[0]} and {sb[0]} elements respectively")
        if b.ndim == 1:
            raise RuntimeError(f"size mismatch, got input ({sa[0]}), mat ({sa[0]}x{sa[1]}), vec "
                               f"({sb[0]})" if a.ndim == 2 else
                               f"{op}: shapes {list(sa)} and {list(sb)} cannot be multiplied "
                               f"({ka} != {kb})")
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({'x'.join(map(str, sa[-2:] if a.ndim > 1 else (1,) + sa))} and "
                           f"{'x'.join(map(str, sb[-2:] if b.ndim > 1 else sb + (1,)))})")
    if npdtype(a) != npdtype(b):
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{a.dtype.name if hasattr(a.dtype, 'name') else a.dtype} != "
                           f"{b.dtype.name if hasattr(b.dtype, 'name') else b.dtype}")


def matmul(input, other, *, out=None):
    """Matrix product with NumPy/PyTorch broadcasting; 1-D operands are vectors."""
    a, b = input, other
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(b if isinstance(a, Tensor) else a).__name__}")
    _check(a, b, "matmul")
    na, nb = a.ndim, b.ndim
    if na == 2 and nb == 2:
        return _mm(a, b)
    if na == 2 and nb == 1:
        return _mv(a, b)
    if na == 1 and nb == 1:
        return _dot(a, b)
    if na >= 3 or nb >= 3:
        broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]) if nb > 1 else (),
                         op="matmul")
    return _bmm(a, b)


def mm(input, mat2):
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"{'self' if input.ndim != 2 else 'mat2'} must be a matrix")
    _check(input, mat2, "mm")
    return _mm(input, mat2)


def mv(input, vec):
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}")
    _check(input, vec, "mv")
    return _mv(input, vec)


def dot(input, tensor):
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D "
                           f"tensors")
    if npdtype(input) != npdtype(tensor):
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{input.dtype.name.capitalize()} and {tensor.dtype.name.capitalize()}")
    _check(input, tensor, "dot")
    return _dot(input, tensor)


def bmm(input, mat2):
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if input.ndim != 3
                           else "batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got "
                           f"{input.shape[0]} and {mat2.shape[0]}")
    _check(input, mat2, "bmm")
    return _bmm(input, mat2)


inner_matmul = _bmm


METHODS = {"matmul": matmul, "__matmul__": matmul,
           "__rmatmul__": lambda self, other: matmul(other, self),
           "mm": mm, "mv": mv, "dot": dot, "bmm": bmm}
INPLACE = {}
