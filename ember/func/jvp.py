"""``jvp``: forward-mode Jacobian-vector products as a composable transform."""
from .._tensor import Tensor
from ..utils._pytree import tree_flatten, tree_unflatten
from ._jvp_level import JvpInterpreter

__all__ = ["jvp"]


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``(func(*primals), J @ tangents)`` computed in one forward pass."""
    if not isinstance(primals, (tuple, list)):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it "
                           "should be valid to call f(*primals).")
    if not isinstance(tangents, (tuple, list)):
        raise RuntimeError("jvp(f, primals, tangents): Expected tangents to be a tuple. E.g. it "
                           "should be valid to call f(*tangents).")
    p_leaves, p_spec = tree_flatten(tuple(primals))
    t_leaves, t_spec = tree_flatten(tuple(tangents))
    if p_spec != t_spec:
        raise RuntimeError(f"jvp(f, primals, tangents): Expected primals and tangents to have "
                           f"the same python structure. For example, if primals is a tuple of "
                           f"3 tensors, tangents also must be. Got primals with structure "
                           f"{p_spec} and tangents with structure {t_spec}")
    for p, t in zip(p_leaves, t_leaves):
        if not isinstance(p, Tensor) or not isinstance(t, Tensor):
            raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to be "
                               "Tensors")
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"jvp(f, primals, tangents): Expected primals and tangents to "
                               f"have the same shape, got {p.shape} and {t.shape}")
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
                raise RuntimeError(f"jvp(f, primals, tangents): Expected f to be a function that "
                                   f"has only Tensor outputs, got {type(o).__name__}")
            if o._is_wrapper and o._interp is interp:
                outs.append(o._inner)
                tans.append(o._aux if o._aux is not None else zeros_like(o._inner))
            else:
                outs.append(o)
                tans.append(zeros_like(o))
    res = (tree_unflatten(outs, o_spec), tree_unflatten(tans, o_spec))
    if has_aux:
        a_leaves, a_spec = tree_flatten(aux)
        aux = tree_unflatten([a._inner if isinstance(a, Tensor) and a._is_wrapper and
                              a._interp is interp else a for a in a_leaves], a_spec)
        return res + (aux,)
    return res
