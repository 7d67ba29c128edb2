"""Reverse mode as a transform level: ``GradTensor`` wrappers record a tape per level.

The tape uses the same ``Node`` and engine as ``Tensor.backward``; the only difference is that
a node here keeps the *inner* values (one level down) and the rules are evaluated on them, so
every lower level (an outer ``grad``, a ``vmap``, the base tape) sees the rule computations
as ordinary ops.  That is what makes ``grad(grad(f))`` and ``vmap(vjp_fn)`` work.
"""
from .._dispatch import Interpreter, Wrapper, new_wrapper
from .._tensor import Tensor
from .._state import STATE
from ..autograd.graph import Node

__all__ = ["GradInterpreter", "GradTensor"]


class GradTensor(Wrapper):
    """A value tracked by a ``grad``/``vjp`` level; its tape lives in ``_grad_fn``."""
    __slots__ = ()

    def __repr__(self):
        return f"GradTrackingTensor(lvl={self._interp.level}, value={self._inner!r})"


class GradInterpreter(Interpreter):
    kind = "grad"

    def wrap(self, value, requires_grad=False):
        t = new_wrapper(GradTensor, self, value)
        t._requires_grad = requires_grad
        return t

    def process(self, prim, args, params):
        inner = []
        req = False
        for a in args:
            if isinstance(a, Tensor) and a._is_wrapper and a._interp is self:
                inner.append(a._inner)
                if a._requires_grad:
                    req = True
            else:
                inner.append(a)
        out = prim(*inner, **params)
        if prim.n_out == 1:
            res = new_wrapper(GradTensor, self, out)
            outs = (res,)
        else:
            outs = res = tuple(new_wrapper(GradTensor, self, o) for o in out)
        if req and STATE.grad_enabled and prim.differentiable:
            edges = []
            for a in args:
                if isinstance(a, Tensor) and a._is_wrapper and a._interp is self \
                        and a._requires_grad:
                    fn = a._grad_fn
                    edges.append((fn, a._output_nr) if fn is not None else (a._get_accum(), 0))
                else:
                    edges.append(None)
            node = Node(prim, tuple(inner), params, tuple(edges),
                        out if prim.uses_output else None, False, None, None, len(outs))
            nd = prim.nondiff_out
            for k, t in enumerate(outs):
                if k in nd or not _is_float(t):
                    continue
                t._grad_fn = node
                t._requires_grad = True
                t._output_nr = k
        if prim.is_view:
            for t in outs:
                _mark_wrapper_view(t, args, prim, params)
        return res


def _is_float(t):
    return t.dtype.np.kind in "fc"


def _mark_wrapper_view(t, args, prim, params):
    src = args[0]
    if not (isinstance(src, Tensor) and src._is_wrapper and src._interp is t._interp):
        return
    t._base = src._base if src._base is not None else src
    t._viewinfo = (src, prim, args[1:], params)


def _grad_assign(self, dst, src, op):
    """In-place write at a grad level: inner values are written, this level's tape rebased."""
    from .._state import STATE
    from ..ops import inplace as IP
    src_req = self.owns(src) and src._requires_grad
    need = STATE.grad_enabled and (src_req or dst._requires_grad)
    if need:
        IP._check_leaf(dst)
        src = IP._align(src, dst)
    IP.assign(dst._inner, self.unwrap(src), op)
    if need:
        IP._rebase(dst, src, self)


GradInterpreter.assign = _grad_assign
GradInterpreter.lift_for_write = lambda self, x: self.wrap(_shell(x), requires_grad=False)


def _shell(x):
    from ..ops.inplace import alias_shell
    return alias_shell(x)
