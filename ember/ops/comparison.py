"""Comparison, logical ops and ``where`` (selection is differentiable, comparisons are not)."""
import numpy as np

from .._tensor import Tensor
from ._primitive import Primitive, joint
from ._util import batch_elementwise, promote2, result_npdtype, npdtype, scalar_or_tensor

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "where", "logical_and", "logical_or",
           "logical_not", "logical_xor"]


def _cmp(name, ufunc):
    prim = Primitive(name, ufunc, batch=batch_elementwise, differentiable=False)

    def fn(input, other, *, out=None):
        a, b = promote2(input, other)
        return prim(a, b)
    fn.__name__ = name
    return prim, fn


_eq, eq = _cmp("eq", np.equal)
_ne, ne = _cmp("ne", np.not_equal)
_lt, lt = _cmp("lt", np.less)
_le, le = _cmp("le", np.less_equal)
_gt, gt = _cmp("gt", np.greater)
_ge, ge = _cmp("ge", np.greater_equal)
_land, logical_and = _cmp("logical_and", np.logical_and)
_lor, logical_or = _cmp("logical_or", np.logical_or)
_lxor, logical_xor = _cmp("logical_xor", np.logical_xor)
_lnot = Primitive("logical_not", np.logical_not, batch=batch_elementwise, differentiable=False)


def logical_not(input, *, out=None):
    return _lnot(input)


def _where_grad(which):
    def rule(g, out, c, x, y):
        from .elementwise import unbroadcast
        from .creation import zeros_like
        z = zeros_like(g)
        sel = _where(c, g, z) if which == 1 else _where(c, z, g)
        return unbroadcast(sel, x if which == 1 else y)
    return rule


def _where_jvp(tangents, out, c, x, y):
    from .creation import zeros_like
    tx, ty = tangents[1], tangents[2]
    if tx is None:
        tx = zeros_like(out)
    if ty is None:
        ty = zeros_like(out)
    return _where(c, tx, ty)


_where = Primitive("where", np.where, vjp=(None, _where_grad(1), _where_grad(2)),
                   jvp=joint(_where_jvp), batch=batch_elementwise, saves=(0,))


def where(condition, input=None, other=None, *, out=None):
    """Elementwise ``input if condition else other`` (one-argument form: ``nonzero``)."""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if isinstance(condition, Tensor) and npdtype(condition) != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {condition.dtype.name.capitalize()}")
    a, b = promote2(input, other)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        from .creation import tensor
        a = tensor(a)
        a, b = promote2(a, b)
    if not isinstance(a, Tensor):
        from .creation import full_like
        a = full_like(b, a)
    if not isinstance(b, Tensor):
        from .creation import full_like
        b = full_like(a, b)
    return _where(condition, a, b)


METHODS = {
    "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
    "logical_and": logical_and, "logical_or": logical_or, "logical_not": logical_not,
    "logical_xor": logical_xor, "where": lambda self, condition, other: where(condition, self, other),
}
INPLACE = {}
