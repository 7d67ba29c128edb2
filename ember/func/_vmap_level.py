"""Batching as a transform level: ``BatchedTensor`` keeps the batch dimension at position 0.

Every primitive has a batching rule that receives the inner values and which of them are
batched, and returns the batched result; no primitive ever falls back to a Python loop.
"""
import numpy as np

from .._backend import as_array
from .._dispatch import Interpreter, Wrapper, new_wrapper
from .._tensor import Tensor, Size, make_tensor
from ..ops._util import batch_elementwise, batch_unary

_ndarray = np.ndarray
_PLAIN_RULES = (batch_elementwise, batch_unary)

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

    def wrap(self, value):
        return new_wrapper(BatchedTensor, self, value)

    def process(self, prim, args, params):
        if prim.batch in _PLAIN_RULES:
            out = _direct(self, prim, args, params)
            if out is not None:
                return out
        elif "vmap_params" in prim.__dict__ and len(args) == 1:
            out = _direct_view(self, prim, args[0], params)
            if out is not None:
                return out
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


def _direct(interp, prim, args, params):
    """The fast path of elementwise primitives on plain arrays: when no value records autograd
    history and the batched operands need no reshaping, call the implementation on the
    physical arrays at once (what the generic rule would do, minus two dispatch layers)."""
    if prim.is_view or prim.n_out != 1:
        return None
    arrays = []
    nd_b = nd_u = -1
    for a in args:
        c = a.__class__
        if c is BatchedTensor:
            if a._interp is not interp:
                return None
            v = a._inner
            if v.__class__ is not Tensor or v._requires_grad or (
                    v._base is not None and v._viewinfo[4][0] != v._vc[0]):
                return None
            x = v._data
            n = x.ndim - 1
            if nd_b == -1:
                nd_b = n
            elif n != nd_b:
                return None
            arrays.append(x)
        elif c is Tensor:
            if a._requires_grad or a._base is not None and a._viewinfo[4][0] != a._vc[0]:
                return None
            x = a._data
            if x.ndim > nd_u:
                nd_u = x.ndim
            arrays.append(x)
        elif isinstance(a, Tensor):
            return None
        else:
            arrays.append(a)
    if nd_u > nd_b:          # an unbatched operand of higher rank: the rule would reshape
        return None
    out = prim.impl(*arrays, **params)
    if out.__class__ is not _ndarray:
        out = as_array(out)
    return _batched(interp, out)


def _batched(interp, arr):
    """BatchedTensor(make_tensor(arr)) with both constructors inlined (the vmap hot path)."""
    t = _new(Tensor)
    t._data = arr
    t._grad_fn = t._base = t._vc = t._grad = t._accum = None
    t._requires_grad = False
    t._output_nr = 0
    w = _new(BatchedTensor)
    w._inner = t
    w._interp = interp
    w._aux = w._grad_fn = w._base = w._vc = w._grad = w._accum = None
    w._requires_grad = False
    w._output_nr = 0
    return w


_new = object.__new__


def _direct_view(interp, prim, a, params):
    """A view primitive on a batched plain array: its implementation with the batch-shifted
    params, plus the base level's view bookkeeping (shared version counter, view chain)."""
    if a.__class__ is not BatchedTensor or a._interp is not interp:
        return None
    v = a._inner
    if v.__class__ is not Tensor or v._requires_grad or (
            v._base is not None and v._viewinfo[4][0] != v._vc[0]):
        return None
    p = prim.vmap_params(params)
    out = prim.impl(v._data, **p)
    if out.__class__ is not _ndarray:
        out = as_array(out)
    t = make_tensor(out)
    _mark_view(t, (v,), prim, p)
    return new_wrapper(BatchedTensor, interp, t)


def _mark_view(t, args, prim, params):
    global _mark_view
    from ..ops._primitive import _mark_view     # bound on first use (import cycle)
    _mark_view(t, args, prim, params)


def _vmap_assign(self, dst, src, op):
    """In-place write at a vmap level: align the batch dims, then write the inner values."""
    from ..ops import inplace as IP
    from ..ops.shape import reshape
    if self.owns(src):
        IP._check_broadcast(src, dst)
        s = src._inner
        pad = dst.ndim - (s.ndim - 1)
        if pad > 0:
            sh = tuple(s.shape)
            s = reshape(s, (sh[0],) + (1,) * pad + sh[1:])
    else:
        if isinstance(src, Tensor):
            IP._check_broadcast(src, dst)
        s = src
    IP.assign(dst._inner, s, op)


def _lift_for_write(self, x):
    """An unbatched value as a batched, writable copy (for in-place promotion)."""
    from ..ops.shape import expand, unsqueeze
    from ..ops.copy import clone
    v = clone(expand(unsqueeze(x, 0), (self.batch_size,) + tuple(x.shape)))
    return self.wrap(v)


def _finish(self, check=True):
    """After the vmapped function returned: a promoted tensor still alive was captured from
    outside (or escaped); restore it and raise, as PyTorch refuses such writes."""
    from ..ops.inplace import restore
    alive = []
    for ref, saved in self.promoted:
        obj = ref()
        if obj is not None:
            restore(obj, saved)
            alive.append(obj)
    self.promoted.clear()
    if alive and check:
        shapes = ", ".join(str(list(o.shape)) for o in alive)
        raise RuntimeError(
            f"vmap: a batched value was written in place into a tensor that outlives the "
            f"vmapped function (shape {shapes}); it was captured from outside vmap or escaped "
            f"from it. Create the buffer inside the function (e.g. ember.zeros(...)), or return "
            f"the result instead of writing into an outside tensor.")


VmapInterpreter.assign = _vmap_assign
VmapInterpreter.lift_for_write = _lift_for_write
VmapInterpreter.finish = _finish
