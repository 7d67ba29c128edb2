"""Batching as a transform level: ``BatchedTensor`` keeps the batch dimension at position 0.

Every primitive has a batching rule that receives the inner values and which of them are
batched, and returns the batched result; no primitive ever falls back to a Python loop.
"""
from .._dispatch import Interpreter, Wrapper, new_wrapper
from .._tensor import Tensor, Size

__all__ = ["VmapInterpreter", "BatchedTensor"]


class BatchedTensor(Wrapper):
    """A per-example view of a batched value; ``shape`` excludes the batch dimension."""
    __slots__ = ()

    @property
    def shape(self):
        return Size(tuple(self._inner.shape)[1:])

    @property
    def ndim(self):
        return self._inner.ndim - 1

    @property
    def requires_grad(self):
        return self._inner.requires_grad

    @property
    def grad_fn(self):
        return None

    def __repr__(self):
        return (f"BatchedTensor(lvl={self._interp.level}, bdim=0, value=\n"
                f"{self._inner!r}\n)")

    def item(self):
        _data_dependent("item()")

    def __bool__(self):
        _data_dependent("bool() / an if-statement on a tensor")

    def tolist(self):
        _data_dependent("tolist()")

    def __float__(self):
        _data_dependent("float()")

    def __int__(self):
        _data_dependent("int()")

    def __index__(self):
        _data_dependent("__index__")


def _data_dependent(what):
    raise RuntimeError(
        f"vmap: It looks like you're calling {what} on a Tensor inside vmap. The value differs "
        f"per example, so Python control flow that depends on it can't be vectorized. Use "
        f"ember.where(cond, x, y) for data-dependent selection instead.")


class VmapInterpreter(Interpreter):
    kind = "vmap"

    def __init__(self, batch_size, randomness="error"):
        super().__init__()
        self.batch_size = batch_size
        self.randomness = randomness
        self.promoted = []

    def wrap(self, value):
        return new_wrapper(BatchedTensor, self, value)

    def process(self, prim, args, params):
        vals = []
        batched = []
        for a in args:
            if isinstance(a, Tensor) and a._is_wrapper and a._interp is self:
                vals.append(a._inner)
                batched.append(True)
            else:
                vals.append(a)
                batched.append(False)
        rule = prim.batch
        if rule is None:
            raise RuntimeError(f"vmap: the operation '{prim.name}' has no batching rule")
        out = rule(prim, vals, tuple(batched), **params)
        if prim.n_out == 1:
            return new_wrapper(BatchedTensor, self, out)
        return tuple(new_wrapper(BatchedTensor, self, o) for o in out)


def _release(self):
    """Called when the vmap exits: in-place promotions of outside tensors are undone."""
    self.promoted.clear()


VmapInterpreter.release_promoted = _release
