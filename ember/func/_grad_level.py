"""Reverse mode as a transform level: ``GradTensor`` wrappers record a tape per level.

The tape uses the same ``Node`` and engine as ``Tensor.backward``; the only difference is that
a node here keeps the *inner* values (one level down) and the rules are evaluated on them, so
every lower level (an outer ``grad``, a ``vmap``, the base tape) sees the rule computations
as ordinary ops.  That is what makes ``grad(grad(f))`` and ``vmap(vjp_fn)`` work.

A node also keeps its arguments as this level saw them (``wargs``): ``autograd.grad(...,
create_graph=True)`` called inside the transformed function runs the rules on those instead
(``same_level``), so that backward is recorded at this level and differentiated by it, as in
PyTorch.  Saved values modified in place later raise PyTorch's error (``check_versions``).
"""
from .._dispatch import Interpreter, Wrapper, new_wrapper
from .._tensor import Tensor
from .._state import STATE
from ..autograd.graph import (Node, INPLACE_EPOCH, _raise_modified, saved_for_edges,
                              reachable)

__all__ = ["GradInterpreter", "GradTensor", "same_level", "check_versions"]


class GradTensor(Wrapper):
    """A value tracked by a ``grad``/``vjp`` level; its tape lives in ``_grad_fn``."""
    __slots__ = ()

    def __repr__(self):
        return f"GradTrackingTensor(lvl={self._interp.level}, value={self._inner!r})"


def _owner(wargs):
    """The level that recorded a node: the highest grad level among its arguments."""
    return max((a._interp for a in wargs if isinstance(a, GradTensor)), key=lambda i: i.level)


def _rebuild_outputs(node, interp, out):
    """The saved output(s) as this level's values with their history (this node)."""
    def one(o, k):
        t = new_wrapper(GradTensor, interp, o)
        t._grad_fn, t._output_nr, t._requires_grad = node, k, True
        return t
    if node.n_out == 1:
        return one(out, 0)
    return tuple(one(o, k) for k, o in enumerate(out))


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
            saves = prim.saves if prim.saves_for is None else \
                saved_for_edges(prim.saves_for, edges)
            vers = None
            if saves != ():
                for v in inner:
                    if v.__class__ is Tensor:
                        if v._vc is not None:
                            vers = _saved_versions(saves, inner)
                            break
                    elif isinstance(v, Tensor) and _vc_of(v) is not None:
                        vers = _saved_versions(saves, inner)
                        break
            node = Node(prim, tuple(inner), params, tuple(edges),
                        out if prim.uses_output else None, False, vers, None, len(outs), saves)
            # the arguments as this level sees them, for ``same_level`` (the rules of the
            # transform's own backward run on the inner values in ``args``)
            node.wargs = args
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


def _vc_of(v):
    """The version counter of the tensor that holds ``v``'s memory (below its wrappers)."""
    while v.__class__ is not Tensor:
        if not isinstance(v, Tensor):
            return None
        if not v._is_wrapper:
            break
        v = v._inner
    return v._vc


def _saved_versions(saves, inner):
    """Versions of the saved values at record time (0 for those without a counter), when one
    of them has a version counter; None otherwise (every version is then 0)."""
    idx = range(len(inner)) if saves is None else saves
    for i in idx:
        if _vc_of(inner[i]) is not None:
            return tuple((vc[0] if vc is not None else 0)
                         for vc in (_vc_of(inner[j]) for j in idx))
    return None


def check_versions(roots, since):
    """Before running a grad level's tape: a value saved by one of its nodes and modified in
    place afterwards raises PyTorch's error instead of giving a wrong gradient.  Only needed
    when an in-place write happened since ``since`` (an ``INPLACE_EPOCH`` value)."""
    cur = INPLACE_EPOCH[0]
    if cur == since:
        return
    for n in reachable(roots):
        if getattr(n, "wargs", None) is None or n.epoch == cur or n.freed:
            continue
        prim, args = n.prim, n.args
        saves = n.saved_idx
        if saves != ():
            vers = n.versions
            for k, i in enumerate(range(len(args)) if saves is None else saves):
                vc = _vc_of(args[i])
                if vc is not None:
                    exp = vers[k] if vers is not None else 0
                    if vc[0] != exp:
                        _raise_modified(n, _base_tensor(args[i]), i, vc[0], exp, vc)
        if prim.uses_output and not prim.is_view:
            o = n.out if n.n_out == 1 else n.out[0]
            vc = _vc_of(o)
            if vc is not None and vc[0] != 0:      # a fresh output starts at version 0
                _raise_modified(n, _base_tensor(o), -1, vc[0], 0, vc)


def _base_tensor(v):
    while v._is_wrapper:
        v = v._inner
    return v


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


class same_level:
    """While ``autograd.grad(outputs, ..., create_graph=True)`` runs inside a transformed
    function, the nodes of the live grad levels reachable from ``outputs`` run their rules on
    this level's values (their ``wargs``, their outputs rebuilt as wrappers, a custom
    Function's ctx set up again with them), so the backward is recorded at the level itself.
    The nodes are switched for the duration of the call only: the common path pays nothing."""
    __slots__ = ("swapped",)

    def __init__(self, outputs):
        self.swapped = []
        roots = [o._grad_fn for o in outputs
                 if isinstance(o, GradTensor) and o._interp.alive and o._grad_fn is not None]
        check_versions(roots, None)
        try:
            self._swap(roots)
        except BaseException:
            self.__exit__()
            raise

    def _swap(self, roots):
        for n in reachable(roots):
            swap = getattr(n, "same_level_swap", None)
            if swap is not None:
                self.swapped.append((n, swap()))
                continue
            wargs = getattr(n, "wargs", None)
            if wargs is not None and not n.freed:
                out = n.out
                if out is not None:
                    n.out = _rebuild_outputs(n, _owner(wargs), out)
                self.swapped.append((n, (n.args, out)))
                n.args = wargs

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for n, saved in self.swapped:
            restore = getattr(n, "same_level_restore", None)
            if restore is not None:
                restore(saved)
            elif not n.freed:
                n.args, n.out = saved
        self.swapped = None
