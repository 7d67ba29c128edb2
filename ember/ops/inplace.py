"""In-place operations, ``copy_`` and ``__setitem__``: the one write mechanism of ember.

Every in-place op is its out-of-place op followed by ``assign(dst, result)``.  ``assign`` is
level-aware like a primitive call: the base level writes memory, bumps the version counter
shared by a tensor and its views, and rebases autograd history (``CopySlices`` when the target
is a view, as in PyTorch); a ``grad`` level does the same for its own tape and recurses on the
inner values; a ``vmap`` level aligns the batch dims and recurses; a ``jvp`` level writes primal
and tangent.  When the value comes from a higher level than the target (a batched value written
into an unbatched buffer), the target is promoted in place to that level.
"""
import numpy as np

from .._tensor import Tensor, make_tensor
from .._state import STATE
from ..autograd.graph import Node, ANOMALY, INPLACE_EPOCH
from ._primitive import Primitive
from .._backend import copy_into

__all__ = ["assign", "inplace_method", "setitem", "view_chain", "replay", "bump_version"]


def _level(x):
    return x._interp.level if isinstance(x, Tensor) and x._is_wrapper else 0


# ------------------------------------------------------------------ views

def view_chain(t):
    """The (prim, other_args, params) steps that rebuild view ``t`` from its base."""
    chain = []
    cur = t
    while cur._base is not None:
        info = getattr(cur, "_viewinfo", None)
        if info is None:
            break
        src, prim, rest, params = info[:4]
        chain.append((prim, rest, params))
        if src is cur._base:
            break
        cur = src
    chain.reverse()
    return chain


def replay(root, chain):
    v = root
    for prim, rest, params in chain:
        v = prim(v, *rest, **params)
    return v


def _replay_array(arr, chain):
    v = arr
    for prim, rest, params in chain:
        v = prim.impl(v, *[r._data if isinstance(r, Tensor) else r for r in rest], **params)
    return v


# ------------------------------------------------------------------ versions

def bump_version(t, op):
    vc = t._vc
    if vc is None:
        vc = t._vc = [0, None]
    vc[0] += 1
    vc[1] = _describe_op(op)
    INPLACE_EPOCH[0] += 1


def _describe_op(op):
    if not ANOMALY.enabled:
        return f"{op}()"
    import traceback
    for fr in reversed(traceback.extract_stack()[:-3]):
        if "/ember/" not in fr.filename.replace("\\", "/"):
            return f"{op}() at {fr.filename}:{fr.lineno} ({fr.line})"
    return f"{op}()"


# ------------------------------------------------------------------ checks

def _check_leaf(dst):
    root = dst._base
    if dst._grad_fn is None and dst._requires_grad and root is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    if root is not None and root._grad_fn is None and root._requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")


def _requires(x):
    return isinstance(x, Tensor) and x._requires_grad


def _align(src, dst):
    """``src`` cast to ``dst``'s dtype and broadcast to its shape (recorded ops)."""
    from .elementwise import to_dtype
    from .shape import expand
    if not isinstance(src, Tensor):
        return src
    if src.dtype is not dst.dtype:
        src = to_dtype(src, dst.dtype)
    ds = tuple(dst.shape)
    if tuple(src.shape) != ds:
        _check_broadcast(src, dst)
        src = expand(src, ds)
    if src._grad_fn is None and src._requires_grad:
        src = _alias(src)
    return src


def _check_broadcast(src, dst):
    ss, ds = tuple(src.shape), tuple(dst.shape)
    ok = len(ss) <= len(ds) and all(a == b or a == 1 for a, b in zip(reversed(ss), reversed(ds)))
    if not ok:
        raise RuntimeError(f"The size of tensor a ({ds[-1] if ds else 1}) must match the size "
                           f"of tensor b ({ss[-1] if ss else 1}): cannot write a value of shape "
                           f"{list(ss)} into a tensor of shape {list(ds)}")


_alias = Primitive("alias", lambda x: x, vjp=lambda g, out, x: g, jvp=lambda t, out, x: t,
                   batch=lambda prim, args, batched: prim(args[0]), saves=(),
                   node_name="CopyBackwards")


# ------------------------------------------------------------------ history

def _mask_tensor(mask):
    return make_tensor(mask)


_copy_slices = Primitive(
    "copy_slices", None,
    vjp=(lambda g, out, root, src, chain, mask: _mul_mask(g, mask),
         lambda g, out, root, src, chain, mask: replay(g, chain)),
    saves=(), node_name="torch::autograd::CopySlices")


def _mul_mask(g, mask):
    from .comparison import where
    return where(_mask_tensor(mask), g, 0.0)


def _edge(t):
    fn = t._grad_fn
    return (fn, t._output_nr) if fn is not None else (t._get_accum(), 0)


def _rebase(dst, src2, interp):
    """Make ``dst``'s history at this level say "now equals src2" (CopySlices for views)."""
    inner = (lambda x: x._inner if isinstance(x, Tensor) and x._is_wrapper and
             x._interp is interp else x) if interp is not None else (lambda x: x)
    root = dst._base
    if root is None:
        if _requires(src2):
            dst._grad_fn = src2._grad_fn
            dst._output_nr = src2._output_nr
            dst._requires_grad = True
        else:
            dst._grad_fn = None
            dst._requires_grad = False
        return
    chain = view_chain(dst)
    mask = np.ones(tuple(root.shape), dtype=bool)
    _replay_array(mask, chain)[...] = False
    edges = (_edge(root) if root._requires_grad else None,
             _edge(src2) if _requires(src2) else None)
    node = Node(_copy_slices, (None, inner(src2)), {"chain": chain, "mask": mask}, edges,
                None, interp is None, None, None, 1)
    root._grad_fn = node
    root._output_nr = 0
    root._requires_grad = True
    # the views the write went through (u in ``u = base[0]; u[1:] = v``) see the new history
    v = root
    for (prim, rest, params), t in zip(chain, _chain_views(dst)):
        if prim.n_out != 1:
            raise RuntimeError(f"Output {t._output_nr} of {prim.node_name} is a view and is "
                               f"being modified inplace. This view is the output of a function "
                               f"that returns multiple views. Such functions do not allow the "
                               f"output views to be modified inplace. You should replace the "
                               f"inplace operation by an out-of-place one.")
        v = prim(v, *rest, **params)
        t._grad_fn = v._grad_fn
        t._output_nr = v._output_nr
        t._requires_grad = v._requires_grad
        _stamp(t)


def _stamp(t):
    """Record that view ``t``'s history matches its base's current version."""
    info = t._viewinfo
    if len(info) > 4:             # base-level views; transform levels keep no versions
        info[4][0] = t._vc[0]


def refresh_view(t):
    """Recompute a stale view's history from its base (after the base, or another view of it,
    was written in place), as PyTorch regenerates a view's grad_fn on its next use."""
    root = t._base
    if not root._requires_grad and not t._requires_grad:
        _stamp(t)
        return
    from .._state import STATE
    prev = STATE.grad_enabled
    STATE.grad_enabled = True
    try:
        v = replay(root, view_chain(t))
    finally:
        STATE.grad_enabled = prev
    t._grad_fn = v._grad_fn
    t._output_nr = v._output_nr
    t._requires_grad = v._requires_grad
    _stamp(t)


def _chain_views(t):
    """The view tensors from the base's side down to ``t``, one per ``view_chain`` step."""
    views = []
    cur = t
    while cur._base is not None:
        info = getattr(cur, "_viewinfo", None)
        if info is None:
            break
        views.append(cur)
        if info[0] is cur._base:
            break
        cur = info[0]
    views.reverse()
    return views


# ------------------------------------------------------------------ assign

def assign(dst, src, op="copy_"):
    """Write ``src`` (tensor or scalar, broadcast and cast) into ``dst`` in place."""
    ld, ls = _level(dst), _level(src)
    if ls > ld:
        dst = _promote(dst, src._interp)
        ld = ls
    if ld == 0:
        _assign_base(dst, src, op)
    else:
        dst._interp.assign(dst, src, op)
    return dst


def _assign_base(dst, src, op):
    need = STATE.grad_enabled and (_requires(src) or dst._requires_grad)
    if need:
        _check_leaf(dst)
        src = _align(src, dst)
    arr = src._data if isinstance(src, Tensor) else src
    d = dst._data
    if not getattr(d.flags, "writeable", True):
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")
    try:
        copy_into(d, arr)
    except ValueError:
        s = list(np.shape(arr))
        raise RuntimeError(f"{op}: the size of the value {s} must be broadcastable to the "
                           f"target of shape {list(d.shape)}") from None
    bump_version(dst, op)
    if need:
        _rebase(dst, src, None)


def _promote(dst, interp):
    """Turn ``dst`` (and the base it is a view of) into a value of ``interp``'s level."""
    root = dst._base
    level = _level(dst)
    if root is not None and _level(root) == level:
        chain = view_chain(dst)
        views = _chain_views(dst)
        others = _other_views(root, root._vc, views, level)
        _become(root, interp.lift_for_write(root), interp)
        # every view the write goes through (u in ``u = buf[1]; u[1:] = x``) is promoted too
        v = root
        for (prim, rest, params), t in zip(chain, views):
            _become(t, prim(v, *rest, **params), None)
            v = t
    else:
        others = _other_views(dst, dst._vc, (), level) if root is None else ()
        root = dst
        _become(dst, interp.lift_for_write(dst), interp)
    for t, chain in others:
        _become(t, replay(root, chain), interp)
    return dst


def _other_views(root, vc, done, level):
    """The other live views of a base about to be promoted (``row`` in ``row = buf[1];
    buf[1] = x``), each with its view chain: they become views of the promoted value, so they
    see its writes and returning one works.  Views share the base's version counter ``vc``;
    they are looked for only when something besides the base and the views the write goes
    through still refers to it."""
    if vc is None:
        return ()
    import sys
    # references: the base, the views in ``done``, our name and getrefcount's argument (any
    # other reference only costs a search)
    if sys.getrefcount(vc) - 3 - len(done) <= 0:
        return ()
    import gc
    skip = {id(t) for t in done}
    found = [t for t in gc.get_referrers(vc) if isinstance(t, Tensor) and t._vc is vc and
             t._base is root and id(t) not in skip and _level(t) == level]
    return [(t, view_chain(t)) for t in found]


_SLOTS = ("_inner", "_interp", "_aux", "_grad_fn", "_requires_grad", "_output_nr", "_vc",
          "_base", "_grad", "_accum")


def _become(obj, new, interp):
    """Give ``obj`` the identity of wrapper ``new`` (same slots, so ``__class__`` can change);
    ``interp`` records the old state so vmap can restore tensors captured from outside."""
    if interp is not None:
        import weakref
        saved = (obj.__class__, {s: getattr(obj, s, None)
                                 for s in _SLOTS + ("_data", "_viewinfo")})
        interp.promoted.append((weakref.ref(obj), saved))
    obj.__class__ = new.__class__
    for s in _SLOTS:
        setattr(obj, s, getattr(new, s, None))
    info = getattr(new, "_viewinfo", None)
    if info is not None:
        obj._viewinfo = info
    elif new._base is None:
        try:        # no longer a view at its level: drop the old chain (it holds the base)
            del obj._viewinfo
        except AttributeError:
            pass
    try:
        del obj._data
    except AttributeError:
        pass


def restore(obj, saved):
    cls, slots = saved
    obj.__class__ = cls
    for s, v in slots.items():
        if v is None and s in ("_inner", "_interp", "_aux", "_viewinfo", "_data"):
            try:
                delattr(obj, s)
            except AttributeError:
                pass
        else:
            setattr(obj, s, v)


# ------------------------------------------------------------------ in-place methods

def alias_shell(t):
    """A new tensor object that *is* ``t`` (same data, version counter and history), so ``t``
    itself can be turned into a wrapper around it."""
    s = _snapshot(t, False)
    s._vc = t._vc
    s._base = t._base
    info = getattr(t, "_viewinfo", None)
    if info is not None:
        s._viewinfo = info
    return s


def _snapshot(t, copy):
    """A tensor with ``t``'s current value and history, unaffected by the coming write."""
    if not t._is_wrapper:
        s = make_tensor(t._data.copy() if copy else t._data, t._grad_fn, t._output_nr)
        s._requires_grad = t._requires_grad
        s._accum = t._accum
        return s
    from .._dispatch import new_wrapper
    s = new_wrapper(type(t), t._interp, _snapshot(t._inner, copy),
                    _snapshot(t._aux, copy) if isinstance(t._aux, Tensor) else t._aux)
    s._grad_fn, s._output_nr, s._requires_grad = t._grad_fn, t._output_nr, t._requires_grad
    s._accum = t._accum
    return s


def _needs_copy(self, args):
    if not STATE.grad_enabled:
        return False
    for i in STATE.stack:
        if i.kind == "grad":
            return True
    if self._requires_grad:
        return True
    return any(_requires(a) for a in args)


def _check_result(self, res, name):
    if not isinstance(res, Tensor):
        return
    rd, sd = res.dtype, self.dtype
    if rd is not sd and rd._cat > sd._cat:
        raise RuntimeError(f"result type {_tname(rd)} can't be cast to the desired output "
                           f"type {_tname(sd)}")
    rs, ss = tuple(res.shape), tuple(self.shape)
    if rs != ss:
        raise RuntimeError(f"output with shape {list(ss)} doesn't match the broadcast shape "
                           f"{list(rs)}")


def _tname(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
            "complex64": "ComplexFloat", "complex128": "ComplexDouble"}[d.name]


def inplace_method(fn, name):
    """``Tensor.<name>``: run ``fn`` out of place, then write the result into ``self``."""
    def method(self, *args, **kwargs):
        if self.__class__ is Tensor and not STATE.stack and not (
                STATE.grad_enabled and (self._requires_grad or any(_requires(a) for a in args))):
            res = fn(self, *args, **kwargs)
            _check_result(self, res, name)
            d = self._data
            if not getattr(d.flags, "writeable", True):
                raise RuntimeError("unsupported operation: more than one element of the "
                                   "written-to tensor refers to a single memory location. "
                                   "Please clone() the tensor before performing the operation.")
            copy_into(d, res._data)
            bump_version(self, name)
            return self
        snap = _snapshot(self, _needs_copy(self, args))
        res = fn(snap, *args, **kwargs)
        _check_result(self, res, name)
        assign(self, res, name)
        return self
    method.__name__ = name
    method.__doc__ = f"In-place version of ``{fn.__name__}``."
    return method


def setitem(self, key, value):
    """``self[key] = value``: a write through a view (basic keys) or ``index_put_``."""
    if _indexing is None:
        _bind_indexing()
    c = key.__class__
    if c is tuple:
        view = _indexing.fast_view(self, key)
        if view is not None:
            assign(view, value, "setitem")
            return
    elif c is int or c is slice:
        assign(_indexing.getitem(self, key), value, "setitem")
        return
    if _indexing.is_basic_key(key):
        assign(_indexing.getitem(self, key), value, "setitem")
        return
    _indexing.index_put_(self, key, value)


_indexing = None


def _bind_indexing():
    global _indexing
    from . import indexing          # imports this module: bound on first use
    _indexing = indexing
