"""``jvp``: forward-mode Jacobian-vector products as a composable transform."""
from .._tensor import Tensor
from ..utils._pytree import tree_flatten, tree_unflatten
from ._jvp_level import JvpInterpreter

__all__ = ["jvp"]


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``(func(*primals), J @ tangents)`` computed in one forward pass."""
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it "
                           "should be valid to call f(*primals).")
    p_leaves, p_spec = tree_flatten(primals)
    t_leaves, t_spec = tree_flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(f"jvp(f, primals, tangents): Expected primals and tangents to have "
                           f"the same python structure. For example, if primals is a tuple of "
                           f"3 tensors, tangents also must be. Got primals with structure "
                           f"{p_spec} and tangents with structure {t_spec}")
    if not p_leaves:
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to contain at least one "
                           "Tensor.")
    t_leaves = [_check_pair(p, t) for p, t in zip(p_leaves, t_leaves)]
    interp = JvpInterpreter()
    with interp:
        duals = [interp.wrap(p, t) for p, t in zip(p_leaves, t_leaves)]
        out = func(*tree_unflatten(duals, p_spec))
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError("jvp(f, primals, tangents): output of function f should be a "
                                   "tuple: (output, aux) if has_aux is True")
            out, aux = out
        o_leaves, o_spec = tree_flatten(out)
        outs, tans = [], []
        from ..ops.creation import zeros_like
        for o in o_leaves:
            if not isinstance(o, Tensor):
                raise RuntimeError(f"jvp(f, primals, tangents): expected f(*primals) to return "
                                   f"only tensors, got unsupported type {type(o)}")
            if o._is_wrapper and o._interp is interp:
                outs.append(o._inner)
                tans.append(o._aux if o._aux is not None else zeros_like(o._inner))
            else:
                outs.append(o)
                tans.append(zeros_like(o))
    res = (tree_unflatten(outs, o_spec), tree_unflatten(tans, o_spec))
    if has_aux:
        a_leaves, a_spec = tree_flatten(aux)
        for a in a_leaves:
            if not isinstance(a, Tensor):
                raise RuntimeError(f"Expected tensors, got unsupported type {type(a)}")
        aux = tree_unflatten([a._inner if isinstance(a, Tensor) and a._is_wrapper and
                              a._interp is interp else a for a in a_leaves], a_spec)
        return res + (aux,)
    return res


def _check_pair(p, t):
    """PyTorch's checks on one (primal, tangent) pair (a tangent keeps its dtype, as there)."""
    if not isinstance(p, Tensor):
        raise RuntimeError(f"jvp(f, primals, tangents): Expected primals to only contain "
                           f"Tensors, got {type(p)}")
    if not isinstance(t, Tensor):
        raise RuntimeError(f"jvp(f, primals, tangents): Expected tangents to only contain "
                           f"Tensors, got {type(t)}")
    if not (p.dtype.is_floating_point or p.dtype.is_complex):
        raise ValueError(f"Expected primal to be floating point or complex, but got: {p.dtype}")
    if not (t.dtype.is_floating_point or t.dtype.is_complex):
        raise ValueError(f"Expected tangent to be floating point or complex, but got: {t.dtype}")
    if tuple(p.shape) != tuple(t.shape):
        raise RuntimeError(f"Trying to set a forward gradient that has a different size than "
                           f"that of the original Tensor, this is not supported. Tensor is of "
                           f"size {list(p.shape)} while the given forward gradient is of size "
                           f"{list(t.shape)}.")
    return t
