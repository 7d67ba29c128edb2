"""``torch.autograd.forward_ad``: forward-mode AD with dual tensors.

A dual level is a ``JvpInterpreter`` pushed on the transform stack, so dual tensors are the
same ``DualTensor`` wrappers ``ember.func.jvp`` uses and every primitive's JVP rule applies:
``make_dual`` wraps, ``unpack_dual`` unwraps.  Two things differ from ``func.jvp``:

* a dual tensor also behaves as its primal for the tape (``requires_grad``, ``grad_fn``,
  ``backward()``), as PyTorch's dual tensors are ordinary tensors with a tangent attached;
* on ``exit_dual_level`` every dual tensor of the level still alive turns back, in place, into
  its primal, as PyTorch deletes the tangents of a level when it exits.

Unlike PyTorch, levels nest (a dual tensor at two levels carries hyper-dual numbers and gives
second derivatives); ``func.jvp`` stays the tool for higher-order forward mode.
"""
import threading
import weakref
from typing import NamedTuple, Optional

from .._tensor import Tensor
from ..func._jvp_level import JvpInterpreter, DualTensor
from .grad_mode import _DecoratorContextManager

__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual",
           "unpack_dual", "dual_level"]


class _Levels(threading.local):
    def __init__(self):
        self.stack = []          # this thread's dual levels, innermost last


_LEVELS = _Levels()


def _delegate(name):
    def get(self):
        return getattr(self._inner, name)

    def set(self, value):
        setattr(self._inner, name, value)
    return property(get, set)


class _FwDualTensor(DualTensor):
    """A dual tensor of ``forward_ad``: to the tape it *is* its primal (same history, same
    ``.grad``), so ``backward()``, hooks and ``requires_grad_()`` act on the primal."""
    __slots__ = ()
    _grad_fn = _delegate("_grad_fn")
    _requires_grad = _delegate("_requires_grad")
    _output_nr = _delegate("_output_nr")
    _grad = _delegate("_grad")
    _accum = _delegate("_accum")


class _DualLevel(JvpInterpreter):
    """A ``JvpInterpreter`` that remembers its dual tensors, to strip them when it exits."""
    kind = "jvp"
    forward_ad = True       # backward() is allowed inside a dual level, as in PyTorch

    def __init__(self):
        super().__init__()
        self.duals = []
        self._compact_at = 1024

    def _track(self, t):
        t.__class__ = _FwDualTensor
        duals = self.duals
        duals.append(weakref.ref(t))
        if len(duals) >= self._compact_at:      # a long-lived level: drop the dead refs
            self.duals = duals = [r for r in duals if r() is not None]
            self._compact_at = max(1024, 2 * len(duals))
        return t

    def wrap(self, primal, tangent):
        return self._track(super().wrap(primal, tangent))

    def process(self, prim, args, params):
        res = super().process(prim, args, params)
        for r in (res if type(res) is tuple else (res,)):
            if self.owns(r):
                self._track(r)
        return res

    def close(self):
        """Turn every live dual tensor of this level back into its primal, in place."""
        from ..ops.inplace import restore, _SLOTS
        refs = self.duals + [r for r, _ in self.promoted]
        self.duals, self.promoted = [], []
        for ref in refs:
            obj = ref()
            if obj is None or not self.owns(obj):
                continue
            primal = obj._inner
            slots = {s: getattr(primal, s, None) for s in _SLOTS + ("_data",)}
            restore(obj, (type(primal), slots))
            info = getattr(primal, "_viewinfo", None)
            if info is not None:
                obj._viewinfo = info
            else:
                try:
                    del obj._viewinfo
                except AttributeError:
                    pass


def enter_dual_level():
    """Enter a new forward-grad level and return its index (0 for the outermost)."""
    interp = _DualLevel()
    interp.__enter__()
    _LEVELS.stack.append(interp)
    return len(_LEVELS.stack) - 1


def exit_dual_level(*, level=None):
    """Exit the latest level: its dual tensors lose their tangents."""
    st = _LEVELS.stack
    cur = len(st) - 1
    if level is None:
        level = cur
    if level < 0:
        raise RuntimeError("Dual level must be a positive number.")
    if level != cur:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that "
                           "was created. This is not supported.")
    interp = st.pop()
    interp.__exit__(None, None, None)
    interp.close()


def _interp_of(level):
    st = _LEVELS.stack
    if level is None:
        level = len(st) - 1
    if level < 0:
        return None
    if level >= len(st):
        raise RuntimeError(f"Trying to use forward AD level {level} but the latest level is "
                           f"{len(st) - 1}.")
    return st[level]


def make_dual(tensor, tangent, *, level=None):
    """A dual tensor aliasing ``tensor`` with ``tangent`` attached (differentiable by the tape).

    Use it inside ``dual_level()``; ``unpack_dual`` recovers both parts."""
    interp = _interp_of(level)
    if interp is None:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, "
                           "make sure to enter_dual_level() first.")
    if not (tensor.is_floating_point() or tensor.is_complex()):
        raise ValueError(f"Expected primal to be floating point or complex, but got: "
                         f"{tensor.dtype}")
    if not (tangent.is_floating_point() or tangent.is_complex()):
        raise ValueError(f"Expected tangent to be floating point or complex, but got: "
                         f"{tangent.dtype}")
    if tuple(tensor.shape) != tuple(tangent.shape):
        raise RuntimeError(f"Trying to set a forward gradient that has a different size than "
                           f"that of the original Tensor, this is not supported. Tensor is of "
                           f"size {list(tensor.shape)} while the given forward gradient is of "
                           f"size {list(tangent.shape)}.")
    if interp.owns(tensor):
        raise RuntimeError(f"Making a dual Tensor based on a Tensor that already has a forward "
                           f"gradient at the same level {_LEVELS.stack.index(interp)} is not "
                           f"supported.")
    if tangent.dtype is not tensor.dtype:
        tangent = tangent.to(tensor.dtype)
    primal = tensor.view_as(tensor)        # an alias, so the dual is a view of ``tensor``
    return interp.wrap(primal, tangent)


class UnpackedDualTensor(NamedTuple):
    """``(primal, tangent)`` of a dual tensor; tangent is None when it has none."""
    primal: Tensor
    tangent: Optional[Tensor]


def unpack_dual(tensor, *, level=None):
    """Split ``tensor`` into its primal and its tangent at ``level`` (default: the latest)."""
    interp = _interp_of(level)
    if interp is None:
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(*_unpack(tensor, interp))


def _unpack(t, interp):
    if not (isinstance(t, Tensor) and t._is_wrapper):
        return t, None
    if t._interp is interp:
        return t._inner, t._aux
    if t._interp.level < interp.level or not isinstance(t._interp, JvpInterpreter):
        return t, None
    # t = (p + pt e) + (tp + tpt e) e' at a more recent level e': split each part at level e
    p, pt = _unpack(t._inner, interp)
    if t._aux is None:
        tp, tpt = None, None
    else:
        tp, tpt = _unpack(t._aux, interp)
    outer = t._interp
    primal = outer.wrap(p, tp)
    if pt is None and tpt is None:
        return primal, None
    from ..ops.creation import zeros_like
    if pt is None:
        pt = zeros_like(p)
    return primal, outer.wrap(pt, tpt)


class dual_level(_DecoratorContextManager):
    """Context manager (and decorator) for one forward-AD level; ``as`` gives its index."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
