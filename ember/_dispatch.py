"""Transform interpreters: the level stack behind ``vmap``, ``grad``, ``jvp`` and tracing.

Each transform call pushes an ``Interpreter`` with a fresh, globally increasing level.  Values
inside carry their level in a wrapper tensor (``BatchedTensor``, ``DualTensor``,
``GradTensor``).  ``Primitive.__call__`` hands a call to the interpreter of the highest level
among its arguments (see ``ops/_primitive.py``); that interpreter unwraps its own layer,
calls the primitive again on the inner values (which dispatches to the lower levels) and
wraps the result.  A wrapper is a ``Tensor`` subclass with the same slots, so it behaves as a
tensor to user code, and a plain tensor can become one in place.
"""
import itertools

from ._tensor import Tensor, Size
from ._state import STATE

_levels = itertools.count(1)


def dispatch_top(prim, args, params):
    """Hand the call to the interpreter of the highest-level wrapper among the arguments."""
    top = None
    for a in args:
        if isinstance(a, Tensor) and a._is_wrapper:
            i = a._interp
            if top is None or i.level > top.level:
                top = i
    return top.process(prim, args, params)


class Interpreter:
    """One active transform; subclasses implement ``process`` for a primitive call."""
    kind = "base"

    def __init__(self):
        self.level = next(_levels)
        self.alive = True
        self.promoted = []      # (weakref, saved state) of tensors promoted by in-place writes

    def __enter__(self):
        STATE.stack.append(self)
        return self

    def __exit__(self, *exc):
        st = STATE.stack
        if st and st[-1] is self:
            st.pop()
        else:
            st.remove(self)
        self.alive = False

    def owns(self, a):
        return isinstance(a, Tensor) and a._is_wrapper and a._interp is self

    def unwrap(self, x):
        """The inner value of ``x`` at this level (anything else passes through)."""
        if isinstance(x, Tensor) and x._is_wrapper and x._interp is self:
            return x._inner
        return x

    def process(self, prim, args, params):
        raise NotImplementedError

    # ``Primitive.__call__`` hands a call to ``dispatch`` of the interpreter of its first
    # wrapper argument; interpreters may override it with fast paths for their own values
    dispatch = staticmethod(dispatch_top)


class Wrapper(Tensor):
    """Base of transform wrappers: logical metadata comes from the wrapped value."""
    __slots__ = ()
    _is_wrapper = True

    @property
    def _level(self):
        return self._interp.level

    @property
    def dtype(self):
        return self._inner.dtype

    @property
    def device(self):
        return self._inner.device

    @property
    def shape(self):
        return self._inner.shape

    @property
    def ndim(self):
        return len(self.shape)

    def is_contiguous(self, memory_format=None):
        return True

    def stride(self, dim=None):
        st, acc = [], 1
        for s in reversed(self.shape):
            st.append(acc)
            acc *= max(s, 1)
        st = tuple(reversed(st))
        return st if dim is None else st[dim]

    def numpy(self, *, force=False):
        raise RuntimeError(f"{self._interp.kind}: can't call numpy() on a tensor inside a "
                           f"function transform ({type(self).__name__}); return it from the "
                           "transformed function instead")

    def __array__(self, dtype=None, copy=None):
        return self.numpy()

    def requires_grad_(self, requires_grad=True):
        """Refused inside func transforms, as in PyTorch (a forward_ad dual tensor is its
        primal to the tape: the flag goes to the primal)."""
        if getattr(self._interp, "forward_ad", False):
            self._inner.requires_grad_(requires_grad)
            return self
        raise RuntimeError(
            "You are attempting to call Tensor.requires_grad_() (or perhaps using "
            "torch.autograd.functional.* APIs) inside of a function being transformed by a "
            "functorch transform. This is unsupported, please attempt to use the functorch "
            "transforms (e.g. grad, vjp, jacrev, jacfwd, hessian) or call requires_grad_() "
            "outside of a function being transformed instead.")

    def data_ptr(self):
        return 0


def new_wrapper(cls, interp, inner, aux=None):
    t = object.__new__(cls)
    t._inner = inner
    t._interp = interp
    t._aux = aux
    t._grad_fn = None
    t._requires_grad = False
    t._output_nr = 0
    t._vc = None
    t._base = None
    t._grad = None
    t._accum = None
    return t


def current_interpreters(kind=None):
    """Active interpreters, innermost last (optionally only one kind)."""
    st = STATE.stack
    return [i for i in st if kind is None or i.kind == kind]


__all__ = ["Interpreter", "Wrapper", "new_wrapper", "dispatch_top", "current_interpreters",
           "Size"]
