"""addmm and its relatives: ``beta * input + alpha * product`` for mm, mv, outer (addr), bmm
(baddbmm) and a summed bmm (addbmm).

One primitive each, so the node is PyTorch's (AddmmBackward0...) and a Linear layer costs one
node.  addmm's rules call mm directly (it is on the hot path of MLP training); the others are
written once through einsum specs.  Batching rules compute the batched product, then add the
input padded after its batch dimension.
"""
import numpy as np

from .._tensor import Tensor
from ._primitive import Primitive
from ._util import npdtype
from .einsum import _einsum, _dt_name, contract
from .linalg import (_mm, _mT, _scale, _batched_general, _tensor_args, _same_mm_dtype,
                     _same_mv_dtype, _mm_msg, _check_expand, _no_bool)

__all__ = ["addmm", "addmv", "addr", "baddbmm", "addbmm"]


def _addmm_impl(inp, a, b, beta, alpha):
    out = np.matmul(a, b)
    if alpha != 1:
        out *= alpha
    if beta != 0:
        out += inp if beta == 1 else inp * beta
    return out


def _sum_back(g, x, beta):
    from .reduction import sum_to_size
    return sum_to_size(_scale(g, beta), tuple(x.shape))


def _lift_input(inp, batched, nd):
    """A batched ``input`` padded after the batch dim to the product's logical rank."""
    if not batched or inp.ndim - 1 >= nd:
        return inp
    from .shape import reshape
    s = tuple(inp.shape)
    return reshape(inp, (s[0],) + (1,) * (nd - len(s) + 1) + s[1:])


def _combine_batched(inp, prod, batched_inp, prod_batched, nd, beta, alpha):
    """beta * input + alpha * product on batched values (product already computed)."""
    from .elementwise import add
    prod = _scale(prod, alpha)
    if beta == 0:
        if prod_batched:
            return prod
        from .shape import expand, unsqueeze
        return expand(unsqueeze(prod, 0), (inp.shape[0],) + tuple(prod.shape))
    return add(_scale(_lift_input(inp, batched_inp, nd), beta), prod)


def _addmm_batch(prim, args, batched, beta, alpha):
    inp, a, b = args
    prod = _batched_general((a, b), batched[1:], (2, 2))
    return _combine_batched(inp, prod, batched[0], batched[1] or batched[2], 2, beta, alpha)


def _mat2_grad(g, out, inp, a, b, beta, alpha):
    """a^T g, computed as (g^T a)^T when mat2 is a transposed matrix (a Linear layer's W.t()),
    so the weight's gradient comes out C-contiguous and AccumulateGrad can keep it uncopied."""
    if b.__class__ is Tensor and b._data.ndim == 2 and b._data.flags.f_contiguous and \
            not b._data.flags.c_contiguous:
        return _scale(_mT(_mm(_mT(g), a)), alpha)
    return _scale(_mm(_mT(a), g), alpha)


_addmm = Primitive(
    "addmm", _addmm_impl,
    vjp=(lambda g, out, inp, a, b, beta, alpha: _sum_back(g, inp, beta),
         lambda g, out, inp, a, b, beta, alpha: _scale(_mm(g, _mT(b)), alpha),
         _mat2_grad),
    jvp=(lambda t, out, inp, a, b, beta, alpha: _scale(t, beta),
         lambda t, out, inp, a, b, beta, alpha: _scale(_mm(t, b), alpha),
         lambda t, out, inp, a, b, beta, alpha: _scale(_mm(a, t), alpha)),
    batch=_addmm_batch, saves={1: (2,), 2: (1,)})


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)``; input broadcasts (a Linear layer's bias)."""
    if input.__class__ is Tensor and mat1.__class__ is Tensor and mat2.__class__ is Tensor:
        i, a, b = input._data, mat1._data, mat2._data
        if a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[0] and a.dtype is b.dtype \
                and i.dtype is a.dtype and a.dtype.kind in "fc" and (
                    i.shape == (b.shape[1],) or i.shape == (a.shape[0], b.shape[1])):
            return _addmm(input, mat1, mat2, beta=beta, alpha=alpha)
    _tensor_args("addmm", ("input", "mat1", "mat2"), input, mat1, mat2)
    for n, m in (("mat1", mat1), ("mat2", mat2)):
        if m.ndim != 2:
            raise RuntimeError(f"{n} must be a matrix, got {m.ndim}-D tensor")
    _same_mm_dtype(mat1, mat2)
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(_mm_msg(tuple(mat1.shape), tuple(mat2.shape)))
    if npdtype(input) != npdtype(mat2):
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_dt_name(input)} "
                           f"and {_dt_name(mat2)}")
    _check_expand(input, (mat1.shape[0], mat2.shape[1]))
    _no_bool(mat1)
    return _addmm(input, mat1, mat2, beta=beta, alpha=alpha)


def _addprod(name, spec, nd):
    """A ``beta * input + alpha * einsum(spec, a, b)`` primitive (addmv, addr, baddbmm...)."""
    (ta, tb), to = spec

    def impl(inp, a, b, beta, alpha):
        out = contract(spec, (a, b))
        if alpha != 1:
            out = out * alpha
        if beta != 0:
            out = out + (inp if beta == 1 else inp * beta)
        return out

    def batch(prim, args, batched, beta, alpha):
        inp, a, b = args
        sa, sb, so = (("Z" + t if bb else t) for t, bb in ((ta, batched[1]), (tb, batched[2]),
                                                           (to, True)))
        pb = batched[1] or batched[2]
        prod = _einsum(a, b, spec=((sa, sb), so if pb else to))
        return _combine_batched(inp, prod, batched[0], pb, nd, beta, alpha)

    return Primitive(
        name, impl,
        vjp=(lambda g, out, inp, a, b, beta, alpha: _sum_back(g, inp, beta),
             lambda g, out, inp, a, b, beta, alpha: _scale(
                 _einsum(g, b, spec=((to, tb), ta)), alpha),
             lambda g, out, inp, a, b, beta, alpha: _scale(
                 _einsum(a, g, spec=((ta, to), tb)), alpha)),
        jvp=(lambda t, out, inp, a, b, beta, alpha: _scale(t, beta),
             lambda t, out, inp, a, b, beta, alpha: _scale(_einsum(t, b, spec=spec), alpha),
             lambda t, out, inp, a, b, beta, alpha: _scale(_einsum(a, t, spec=spec), alpha)),
        batch=batch, saves={1: (2,), 2: (1,)})


_addmv = _addprod("addmv", (("ik", "k"), "i"), 1)
_addr = _addprod("addr", (("i", "j"), "ij"), 2)
_baddbmm = _addprod("baddbmm", (("bik", "bkj"), "bij"), 3)
_addbmm = _addprod("addbmm", (("bik", "bkj"), "ij"), 2)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat @ vec)``."""
    _tensor_args("addmv", ("input", "mat", "vec"), input, mat, vec)
    if mat.ndim != 2 or vec.ndim != 1 or input.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, "
                           f"{vec.ndim}")
    n, k = mat.shape
    if k != vec.shape[0] or input.ndim == 1 and input.shape[0] not in (1, n):
        raise RuntimeError(f"size mismatch, got input ({input.shape[0] if input.ndim else 1}), "
                           f"mat ({n}x{k}), vec ({vec.shape[0]})")
    _same_mv_dtype(mat, vec, input)
    return _addmv(input, mat, vec, beta=beta, alpha=alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * outer(vec1, vec2)``."""
    _tensor_args("addr", ("input", "vec1", "vec2"), input, vec1, vec2)
    for n, v in (("vec1", vec1), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {n}, but got {v.ndim}-D")
    _check_expand(input, (vec1.shape[0], vec2.shape[0]))
    return _addr(input, vec1, vec2, beta=beta, alpha=alpha)


def _batch3_checks(b1, b2, summed):
    for n, t in (("batch1", b1), ("batch2", b2)):
        if t.ndim != 3:
            raise RuntimeError(f"{n} must be a 3D tensor")
    b, n, k = b1.shape
    if summed:          # addbmm's own messages
        if b1.shape[0] != b2.shape[0]:
            raise RuntimeError(f"batch1 and batch2 must have same number of batches, got "
                               f"{b1.shape[0]} and {b2.shape[0]}")
        if b2.shape[1] != k:
            raise RuntimeError(f"Incompatible matrix sizes for bmm ({n}x{k} and "
                               f"{b2.shape[1]}x{b2.shape[2]})")
    if tuple(b2.shape[:2]) != (b, k):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b}, {k}] but got: [{b2.shape[0]}, {b2.shape[1]}].")
    if npdtype(b1) != npdtype(b2):
        raise RuntimeError(f"expected scalar type {_dt_name(b1)} but found {_dt_name(b2)}")


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    _tensor_args("baddbmm", ("input", "batch1", "batch2"), input, batch1, batch2)
    _batch3_checks(batch1, batch2, False)
    _check_expand(input, (batch1.shape[0], batch1.shape[1], batch2.shape[2]))
    return _baddbmm(input, batch1, batch2, beta=beta, alpha=alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]``."""
    _tensor_args("addbmm", ("input", "batch1", "batch2"), input, batch1, batch2)
    _batch3_checks(batch1, batch2, True)
    _check_expand(input, (batch1.shape[1], batch2.shape[2]))
    return _addbmm(input, batch1, batch2, beta=beta, alpha=alpha)
