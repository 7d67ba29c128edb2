"""Batching as a transform level: ``BatchedTensor`` keeps the batch dimension at position 0.

Every primitive has a batching rule that receives the inner values and which of them are
batched, and returns the batched result; no primitive ever falls back to a Python loop.
"""
import numpy as np

from .._backend import as_array
from .._dispatch import Interpreter, Wrapper, new_wrapper, dispatch_top
from .._tensor import Tensor, Size
from ..ops._util import (batch_elementwise as _elementwise, batch_unary as _unary,
                         batch_dims_shift as _dims_shift)

_ndarray = np.ndarray

__all__ = ["VmapInterpreter", "BatchedTensor"]


class BatchedTensor(Wrapper):
    """A per-example view of a batched value; ``shape`` excludes the batch dimension."""
    __slots__ = ()

    @property
    def shape(self):
        v = self._inner
        if v.__class__ is Tensor:
            return Size(v._data.shape[1:])
        return Size(tuple(v.shape)[1:])

    @property
    def ndim(self):
        v = self._inner
        if v.__class__ is Tensor:
            return v._data.ndim - 1
        return v.ndim - 1

    @property
    def dtype(self):
        v = self._inner
        while v._is_wrapper:
            v = v._inner
        return v.dtype

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

    def dispatch(self, prim, args, params):
        """``Primitive.__call__`` with a wrapper of this level as its first wrapper argument.

        The common calls (elementwise ops, basic views, reductions over batched plain arrays
        that record no autograd history) run the implementation on the physical arrays here,
        in one frame; anything else goes to the highest level among the arguments."""
        rule = prim.batch
        if rule is _unary or rule is _elementwise:
            if prim.n_out == 1 and not prim.is_view:
                if len(args) == 1:
                    a = args[0]         # a wrapper of this level (``self`` was chosen by it)
                    if a.__class__ is BatchedTensor:
                        v = a._inner
                        if v.__class__ is Tensor and not v._requires_grad and (
                                v._base is None or _fresh(v)):
                            out = prim.impl(v._data, **params)
                            if out.__class__ is not _ndarray:
                                out = as_array(out)
                            # _batched(self, out), inlined: the hottest vmap path
                            t = _new(Tensor)
                            t._data = out
                            t._grad_fn = t._base = t._vc = t._grad = t._accum = None
                            t._requires_grad = False
                            t._output_nr = 0
                            w = _new(BatchedTensor)
                            w._inner = t
                            w._interp = self
                            w._aux = w._grad_fn = w._base = w._vc = w._grad = w._accum = None
                            w._requires_grad = False
                            w._output_nr = 0
                            return w
                else:
                    out = _direct(self, prim, args, params, rule is _elementwise)
                    if out is not None:
                        return out
        elif rule is _dims_shift:
            out = _direct_reduce(self, prim, args, params)
            if out is not None:
                return out
        else:
            d = prim.__dict__
            if "vmap_params" in d:
                if len(args) == 1:
                    out = _direct_view(self, prim, args[0], params)
                    if out is not None:
                        return out
            elif "vmap_phys" in d:
                out = _direct_phys(self, prim, args, params)
                if out is not None:
                    return out
        if len(args) == 1:          # the only wrapper is of this level
            return self.process(prim, args, params)
        return dispatch_top(prim, args, params)

    def process(self, prim, args, params):
        vals = []
        batched = []
        for a in args:
            if a.__class__ is BatchedTensor and a._interp is self:
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


def _fresh(v):
    """Whether view ``v``'s history matches its base's version; a stale view whose base
    records no history is only re-stamped (what ``refresh_view`` does for it)."""
    info = v._viewinfo
    n = v._vc[0]
    if info[4][0] == n:
        return True
    if v._base._requires_grad:
        return False
    info[4][0] = n
    return True


def _plain(v):
    """Whether the inner value ``v`` is a plain array that records no autograd history."""
    return v.__class__ is Tensor and not v._requires_grad and (v._base is None or _fresh(v))


def _direct(interp, prim, args, params, pad):
    """The fast path of elementwise primitives on plain arrays: when no value records autograd
    history, call the implementation on the physical arrays at once (what the generic rule
    would do, minus two dispatch layers).  With ``pad`` (broadcasting ops) batched operands of
    a lower logical rank than another operand get size-1 dims after the batch dim, as the
    rule does with ``reshape``."""
    if len(args) == 2:
        # the common binary cases first: batched (x) batched of one rank, batched (x) number,
        # batched (x) a plain array of no higher rank (NumPy's broadcasting lines them up)
        a, b = args
        ca, cb = a.__class__, b.__class__
        x = y = None
        if ca is BatchedTensor and a._interp is interp:
            v = a._inner
            if v.__class__ is Tensor and not v._requires_grad and (v._base is None or _fresh(v)):
                x = v._data
        if cb is BatchedTensor and b._interp is interp:
            v = b._inner
            if v.__class__ is Tensor and not v._requires_grad and (v._base is None or _fresh(v)):
                y = v._data
                if x is None:
                    if ca is float or ca is int or ca is bool:
                        x = a
                    elif ca is Tensor and not a._requires_grad and (
                            a._base is None or _fresh(a)) and a._data.ndim < y.ndim:
                        x = a._data
                    else:
                        y = None
                elif x.ndim != y.ndim:
                    y = None
        elif x is not None:
            if cb is float or cb is int or cb is bool:
                y = b
            elif cb is Tensor and not b._requires_grad and (
                    b._base is None or _fresh(b)) and b._data.ndim < x.ndim:
                y = b._data
        if x is not None and y is not None:
            out = prim.impl(x, y, **params)
            if out.__class__ is not _ndarray:
                out = as_array(out)
            t = _new(Tensor)        # _batched, inlined
            t._data = out
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
    arrays = []
    nd_b = nd_u = -1
    mixed = False
    for a in args:
        c = a.__class__
        if c is BatchedTensor:
            if a._interp is not interp:
                return None
            v = a._inner
            if v.__class__ is not Tensor or v._requires_grad or (
                    v._base is not None and not _fresh(v)):
                return None
            x = v._data
            n = x.ndim - 1
            if nd_b == -1:
                nd_b = n
            elif n != nd_b:
                if not pad:
                    return None
                mixed = True
                if n > nd_b:
                    nd_b = n
            arrays.append(x)
        elif c is Tensor:
            if a._requires_grad or (a._base is not None and not _fresh(a)):
                return None
            x = a._data
            if x.ndim > nd_u:
                nd_u = x.ndim
            arrays.append(x)
        elif isinstance(a, Tensor):
            return None
        else:
            arrays.append(a)
    if nd_u > nd_b:          # an unbatched operand of higher rank
        if not pad:
            return None
        mixed = True
        nd_b = nd_u
    if mixed:
        for i, a in enumerate(args):
            if a.__class__ is BatchedTensor:
                x = arrays[i]
                n = x.ndim - 1
                if n < nd_b:
                    s = x.shape
                    arrays[i] = x.reshape(s[:1] + (1,) * (nd_b - n) + s[1:])
    out = prim.impl(*arrays, **params)
    if out.__class__ is not _ndarray:
        out = as_array(out)
    return _batched(interp, out)


def _direct_reduce(interp, prim, args, params):
    """A reduction (``batch_dims_shift`` rule) of a batched plain array: its implementation
    with the dims shifted past the batch dim."""
    if len(args) != 1:
        return None
    a = args[0]
    if a.__class__ is not BatchedTensor or a._interp is not interp or prim.is_view:
        return None
    v = a._inner
    if not _plain(v):
        return None
    p = dict(params)
    p["dims"] = tuple(d + 1 for d in params["dims"])
    out = prim.impl(v._data, **p)
    if prim.n_out == 1:
        if out.__class__ is not _ndarray:
            out = as_array(out)
        return _batched(interp, out)
    return tuple(_batched(interp, o if o.__class__ is _ndarray else as_array(o)) for o in out)


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


def _direct_phys(interp, prim, args, params):
    """A copying primitive with a ``vmap_phys`` rule, when no operand records autograd
    history: ``prim.vmap_phys(arrays, batched, **params)`` computes the batched result on the
    physical arrays (batch dim 0) in one call, or returns None to leave it to the rule."""
    arrays = []
    batched = []
    for a in args:
        c = a.__class__
        if c is BatchedTensor:
            if a._interp is not interp:
                return None
            v = a._inner
            if v.__class__ is not Tensor or v._requires_grad or (
                    v._base is not None and not _fresh(v)):
                return None
            arrays.append(v._data)
            batched.append(True)
        elif c is Tensor:
            if a._requires_grad or (a._base is not None and not _fresh(a)):
                return None
            arrays.append(a._data)
            batched.append(False)
        elif isinstance(a, Tensor):
            return None
        else:
            arrays.append(a)
            batched.append(False)
    out = prim.vmap_phys(arrays, batched, **params)
    if out is None:
        return None
    if out.__class__ is not _ndarray:
        out = as_array(out)
    return _batched(interp, out)


def key_view(x, prim, key):
    """``prim(x, key=key)`` for a basic-indexing view primitive (``indexing_prims.BASIC``)
    when ``x`` is a BatchedTensor over a plain array: what ``dispatch`` ends in through
    ``_direct_view``, called straight from ``getitem`` (when ``Primitive.__call__`` is the
    plain one: no inference-mode marking).  None when another path applies."""
    if x.__class__ is not BatchedTensor:
        return None
    v = x._inner
    if v.__class__ is not Tensor or v._requires_grad or (v._base is not None and not _fresh(v)):
        return None
    key = (_FULL,) + key
    out = v._data[key + (Ellipsis,)]
    w = _batched(x._interp, out)
    if out.base is not None:
        t = w._inner
        root = v._base
        if root is None:
            root = v
        vc = root._vc
        if vc is None:
            vc = root._vc = [0, None]
        t._vc = vc
        t._base = root
        t._viewinfo = (v, prim, (), {"key": key}, [vc[0]])
    return w


_FULL = slice(None)


def _direct_view(interp, prim, a, params):
    """A view primitive on a batched plain array: its implementation with the batch-shifted
    params, plus the base level's view bookkeeping (shared version counter, view chain)."""
    if a.__class__ is not BatchedTensor or a._interp is not interp:
        return None
    v = a._inner
    if v.__class__ is not Tensor or v._requires_grad or (v._base is not None and not _fresh(v)):
        return None
    p = prim.vmap_params(params)
    out = prim.impl(v._data, **p)
    if out.__class__ is not _ndarray:
        out = as_array(out)
    w = _batched(interp, out)
    if out.base is not None:        # ``_mark_view`` of the primitive call, inlined
        t = w._inner
        root = v._base
        if root is None:
            root = v
        vc = root._vc
        if vc is None:
            vc = root._vc = [0, None]
        t._vc = vc
        t._base = root
        t._viewinfo = (v, prim, (), p, [vc[0]])
    return w


def _vmap_assign(self, dst, src, op):
    """In-place write at a vmap level: align the batch dims, then write the inner values."""
    d = dst._inner
    if d.__class__ is Tensor and not d._requires_grad:
        # nothing records history: write the physical arrays (what the general path below
        # ends in, without its dispatch)
        c = src.__class__
        if c is BatchedTensor:
            if src._interp is self:
                s = src._inner
                if _plain(s):
                    arr = s._data
                    ss, ds = arr.shape[1:], d._data.shape[1:]
                    if ss != ds:
                        _IP._check_broadcast(src, dst)
                        pad = len(ds) - len(ss)
                        if pad > 0:
                            arr = arr.reshape(arr.shape[:1] + (1,) * pad + ss)
                    _IP._assign_base(d, arr, op)
                    return
        elif c is Tensor:
            if _plain(src):
                if src._data.shape != d._data.shape[1:]:
                    _IP._check_broadcast(src, dst)
                _IP._assign_base(d, src._data, op)
                return
        elif c is float or c is int or c is bool:
            _IP._assign_base(d, src, op)
            return
    from ..ops.shape import reshape
    if self.owns(src):
        _IP._check_broadcast(src, dst)
        s = src._inner
        pad = dst.ndim - (s.ndim - 1)
        if pad > 0:
            sh = tuple(s.shape)
            s = reshape(s, (sh[0],) + (1,) * pad + sh[1:])
    else:
        if isinstance(src, Tensor):
            _IP._check_broadcast(src, dst)
        s = src
    _IP.assign(dst._inner, s, op)


class _LazyInplace:
    """``ember.ops.inplace``, imported on first use (it imports this module's dependencies)."""
    def __getattr__(self, name):
        global _IP
        from ..ops import inplace
        _IP = inplace
        return getattr(inplace, name)


_IP = _LazyInplace()


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
    entries = list(self.promoted)
    self.promoted.clear()
    # the saved state of a promoted tensor that died may be what keeps another one alive (a
    # view's old view chain holds its base): drop the dead ones' states until none dies
    while True:
        kept = [e for e in entries if e[0]() is not None]
        if len(kept) == len(entries):
            break
        entries = kept
    alive = []
    for ref, saved in entries:
        obj = ref()
        if obj is not None:
            restore(obj, saved)
            alive.append(obj)
    del entries
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
