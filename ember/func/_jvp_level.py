"""Forward mode as a transform level: ``DualTensor`` carries a primal and a tangent.

A tangent of None is a symbolic zero: rules only run for arguments that have a tangent, and a
result whose inputs have no tangent stays unwrapped.
"""
from .._dispatch import Interpreter, Wrapper, new_wrapper
from .._tensor import Tensor
from ._grad_level import _mark_wrapper_view

__all__ = ["JvpInterpreter", "DualTensor"]


class DualTensor(Wrapper):
    """A primal value with its tangent at one forward-mode level."""
    __slots__ = ()

    def __repr__(self):
        return f"DualTensor(lvl={self._interp.level}, primal={self._inner!r}, tangent={self._aux!r})"

    @property
    def requires_grad(self):
        return self._inner.requires_grad

    @property
    def grad_fn(self):
        return self._inner.grad_fn


class JvpInterpreter(Interpreter):
    kind = "jvp"

    def wrap(self, primal, tangent):
        return new_wrapper(DualTensor, self, primal, tangent)

    def process(self, prim, args, params):
        primals = []
        tangents = []
        for a in args:
            if isinstance(a, Tensor) and a._is_wrapper and a._interp is self:
                primals.append(a._inner)
                tangents.append(a._aux)
            else:
                primals.append(a)
                tangents.append(None)
        out = prim(*primals, **params)
        rule = prim.jvp
        if rule is None or all(t is None for t in tangents):
            if rule is None and prim.differentiable:
                raise RuntimeError(f"jvp: the operation '{prim.name}' has no forward-mode rule")
            return out
        if type(rule) is tuple:
            tan = None
            for r, t in zip(rule, tangents):
                if t is not None and r is not None:
                    c = r(t, out, *primals, **params)
                    tan = c if tan is None else tan + c
            if tan is not None:
                tan = _fit(tan, out)
        else:
            tan = rule(tuple(tangents), out, *primals, **params)
        if prim.n_out == 1:
            res = new_wrapper(DualTensor, self, out, tan)
            if prim.is_view:
                _mark_wrapper_view(res, args, prim, params)
            return res
        nd = prim.nondiff_out
        return tuple(o if k in nd or tan[k] is None else new_wrapper(DualTensor, self, o, tan[k])
                     for k, o in enumerate(out))


def _fit(tan, out):
    """Broadcast a tangent contribution up to the output's shape (and dtype)."""
    if tan.shape != out.shape:
        from ..ops.shape import expand
        tan = expand(tan, tuple(out.shape))
    if tan.dtype is not out.dtype:
        from ..ops.elementwise import to_dtype
        tan = to_dtype(tan, out.dtype)
    return tan


def _jvp_assign(self, dst, src, op):
    """In-place write at a forward-mode level: primal and tangent are both written."""
    from ..ops import inplace as IP
    from ..ops.creation import zeros_like
    owned = self.owns(src)
    IP.assign(dst._inner, src._inner if owned else src, op)
    st = src._aux if owned else None
    if st is None and dst._aux is None:
        return
    if dst._aux is None:
        root = dst._base
        if root is not None:
            if root._aux is None:
                root._aux = zeros_like(root._inner)
            dst._aux = IP.replay(root._aux, IP.view_chain(dst))
        else:
            dst._aux = zeros_like(dst._inner)
    IP.assign(dst._aux, st if st is not None else 0, op)


JvpInterpreter.assign = _jvp_assign
def _jvp_lift(self, x):
    from ..ops.creation import zeros_like
    return self.wrap(_shell(x), zeros_like(x))


JvpInterpreter.lift_for_write = _jvp_lift


def _shell(x):
    from ..ops.inplace import alias_shell
    return alias_shell(x)
