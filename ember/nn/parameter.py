"""``Parameter`` and ``Buffer``: tensors that a ``Module`` registers when they are assigned.

A Parameter is a plain ``Tensor`` subclass (``isinstance(p, ember.Tensor)`` holds) that shares
its storage with the data it was made from and requires grad by default, so every op and
transform treats it as an ordinary leaf tensor.
"""
from .._tensor import Tensor, make_tensor

__all__ = ["Parameter", "Buffer", "is_lazy"]


def _leaf_from(data, cls):
    if data is None:
        from ..ops.creation import empty
        data = empty(0)
    if not isinstance(data, Tensor):
        raise TypeError(f"{cls.__name__}(): data must be a Tensor, got {type(data).__name__}")
    if data._is_wrapper:
        raise RuntimeError(f"{cls.__name__}(): can't make a {cls.__name__} from a tensor "
                           "inside a function transform")
    t = make_tensor(data._data)
    if data._vc is None:
        data._vc = [0, None]
    t._vc = data._vc        # same storage, same version counter
    t.__class__ = cls
    return t


class Parameter(Tensor):
    """A tensor that is a module parameter: registered on assignment, requires grad."""
    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        t = _leaf_from(data, cls)
        t.requires_grad = requires_grad
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.detach(), self._requires_grad))


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)


class _BufferMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and getattr(obj, "_is_buffer", False)


class Buffer(Tensor, metaclass=_BufferMeta):
    """Marks a tensor to be registered as a buffer when assigned to a module attribute.

    ``Buffer(t)`` returns a plain tensor (as in PyTorch) tagged with its persistence."""
    __slots__ = ()

    def __new__(cls, data=None, *, persistent=True):
        t = _leaf_from(data, Tensor)
        t._is_buffer = True
        t._persistent = persistent
        return t


def is_lazy(param):
    """ember has no lazy (uninitialized) parameters."""
    return False
