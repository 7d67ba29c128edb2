"""The Primitive: one operation with its array implementation and every rule in one place.

    sin = Primitive("sin", np.sin,
                    vjp=lambda g, out, x: g * cos(x),         # reverse rule, in ember ops
                    jvp=lambda t, out, x: t * cos(x),         # forward rule, in ember ops
                    batch=batch_elementwise)                  # batching rule (vmap)

``vjp``/``jvp`` are either one callable for all arguments or a tuple with one callable per
argument (None for non-differentiable ones), so the engine only computes the gradients it
needs.  Calling a primitive is the single dispatch point of ember: with only plain tensors it
runs the array implementation directly (the fast path) and records a graph node when an input
requires grad; a transform wrapper among the arguments hands the call to its interpreter.
"""
import numpy as np

from .._tensor import Tensor
from .._state import STATE
from ..autograd.graph import Node, saved_for_edges
from ..autograd.grad_mode import _marking as _MARKING

_new = object.__new__
_ndarray = np.ndarray
REGISTRY = {}


class joint:
    """Marks a rule that handles all arguments at once.

    A joint VJP is called ``rule(g, out, *args, **params)`` and returns one gradient per
    argument; a joint JVP is called ``rule(tangents, out, *args, **params)`` (tangents holds
    None for symbolic zeros) and returns the output tangent (a tuple for several outputs).
    Any other callable is the rule for the single (first) argument."""
    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)


class Primitive:
    """An operation with an array impl and its VJP, JVP and batching rules."""
    __slots__ = ("name", "impl", "vjp", "jvp", "batch", "node_name", "saves", "saves_for",
                 "saves_cache", "uses_output", "is_view", "n_out", "nondiff_out",
                 "differentiable", "plain_rules", "__dict__")

    def __init__(self, name, impl, *, vjp=None, jvp=None, batch=None, node_name=None,
                 saves=None, uses_output=False, is_view=False, n_out=1, nondiff_out=(),
                 differentiable=True):
        self.name = name
        self.impl = impl
        self.vjp = (vjp,) if callable(vjp) and not isinstance(vjp, joint) else vjp
        self.jvp = (jvp,) if callable(jvp) and not isinstance(jvp, joint) else jvp
        self.batch = batch
        self.node_name = node_name or _camel(name) + "Backward0"
        # indices of arguments the reverse rule reads (version-checked, freed after backward);
        # None means every tensor argument.  A dict {i: indices} says what the rule of argument
        # i reads: a call then saves only what the gradients it will compute need (``x * w``
        # with only x requiring grad saves w, as PyTorch's MulBackward0 does)
        if isinstance(saves, dict):
            self.saves_for = {i: tuple(v) for i, v in saves.items()}
            saves = tuple(sorted(set().union(*self.saves_for.values())))
            self.saves_cache = {}       # (1, then a bit per argument needing grad) -> saves
        else:
            self.saves_for = None
        self.saves = saves
        self.uses_output = uses_output
        # per-argument rules that don't read the output: the engine may call them directly
        self.plain_rules = type(self.vjp) is tuple and not uses_output
        self.is_view = is_view
        self.n_out = n_out
        self.nondiff_out = nondiff_out
        self.differentiable = differentiable and vjp is not None
        REGISTRY[name] = self

    def __repr__(self):
        return f"<primitive {self.name}>"

    def __call__(self, *args, **params):
        req = False
        arrays = []
        for a in args:
            if a.__class__ is Tensor:
                arrays.append(a._data)
                if a._requires_grad:
                    req = True
                elif a._base is not None and a._viewinfo[4][0] != a._vc[0]:
                    req = refresh_view(a)       # a view whose base was written in place
            elif isinstance(a, Tensor):
                if a._is_wrapper:       # its interpreter's fast paths, else the top level's
                    return a._interp.dispatch(self, args, params)
                arrays.append(a._data)
                if a._requires_grad:
                    req = True
                elif a._base is not None and a._viewinfo[4][0] != a._vc[0]:
                    req = refresh_view(a)
            else:
                arrays.append(a)
        out = self.impl(*arrays, **params)
        if self.n_out == 1:
            if out.__class__ is not _ndarray:
                out = _as_array(out)
            t = _new(Tensor)                 # _make, inlined: this is the hottest line of ember
            t._data = out
            t._grad_fn = None
            t._requires_grad = False
            t._output_nr = 0
            t._vc = None
            t._base = None
            t._grad = None
            t._accum = None
            if self.is_view:
                _mark_view(t, args, self, params)
            if req and STATE.grad_enabled and self.differentiable:
                _record(self, args, params, (t,), out)
            return t
        outs = tuple(_make(o) for o in out)
        if self.is_view:
            for t in outs:
                _mark_view(t, args, self, params)
        if req and STATE.grad_enabled and self.differentiable:
            _record(self, args, params, outs, tuple(t._data for t in outs))
        return outs


plain_call = Primitive.__call__


def marking_call(self, *args, **params):
    """``Primitive.__call__`` while inference mode is active somewhere: results made in
    inference mode are inference tensors (``is_inference()``)."""
    out = plain_call(self, *args, **params)
    if STATE.inference:
        for t in (out if isinstance(out, tuple) else (out,)):
            if isinstance(t, Tensor):
                t._inference = True
    return out


def _check_inference(args):
    for a in args:
        if isinstance(a, Tensor) and a.is_inference():
            raise RuntimeError("Inference tensors cannot be saved for backward. To work around "
                               "you can make a clone to get a normal tensor and use it in "
                               "autograd.")


def _camel(name):
    return "".join(p[:1].upper() + p[1:] for p in name.split("_"))


from .._backend import as_array as _as_array  # noqa: E402  (0-d NumPy results -> arrays)


def refresh_view(t):
    """Bring a stale view's history up to date; returns whether it now requires grad."""
    from .inplace import refresh_view as _refresh
    _refresh(t)
    return t._requires_grad


def _make(arr):
    if arr.__class__ is not _ndarray:
        arr = _as_array(arr)
    t = _new(Tensor)
    t._data = arr
    t._grad_fn = None
    t._requires_grad = False
    t._output_nr = 0
    t._vc = None
    t._base = None
    t._grad = None
    t._accum = None
    return t


def _mark_view(t, args, prim, params):
    """Make ``t`` a view of ``args[0]`` when NumPy returned a view (shared version counter)."""
    src = args[0]
    arr = t._data
    if arr.base is None:
        return
    root = src._base if src._base is not None else src
    vc = root._vc
    if vc is None:
        vc = root._vc = [0, None]
    t._vc = vc
    t._base = root
    t._viewinfo = (src, prim, args[1:], params, [vc[0]])   # [version its history matches]


def _record(prim, args, params, outs, out_arrays):
    """Attach a backward node for this call to its differentiable outputs."""
    if _MARKING.seen:
        _check_inference(args)
    edges = []
    has_vc = False
    key = 1                 # which arguments need gradients, as bits after a leading 1
    for a in args:
        key += key
        if a.__class__ is Tensor or isinstance(a, Tensor):
            if a._vc is not None:
                has_vc = True
                if a._base is not None and a._viewinfo[4][0] != a._vc[0]:
                    refresh_view(a)
            if a._requires_grad:
                key += 1
                fn = a._grad_fn
                if fn is not None:
                    edges.append((fn, a._output_nr))
                else:
                    acc = a._accum
                    edges.append((acc if acc is not None else a._get_accum(), 0))
                continue
        edges.append(None)
    versions = None
    saves = prim.saves
    if prim.saves_for is not None:
        saves = prim.saves_cache.get(key)
        if saves is None:
            saves = prim.saves_cache[key] = saved_for_edges(prim.saves_for, edges)
    if has_vc and saves != ():
        versions = tuple((args[i]._vc[0] if args[i]._vc is not None else 0)
                         if isinstance(args[i], Tensor) else 0
                         for i in (range(len(args)) if saves is None else saves))
    out_vc = None
    if prim.uses_output:
        t0 = outs[0]
        if t0._vc is None:
            vc = [0, None]
            for t in outs:
                t._vc = vc
        out_vc = (t0._vc, t0._vc[0])
    if prim.is_view and prim.saves == ():
        # a view's rule reads only shapes: keep a graph-free alias of the base, or a base later
        # rebased through this view (CopySlices) would hold itself in a reference cycle
        args = (_make(args[0]._data),) + args[1:]
    node = Node(prim, args, params, tuple(edges), out_arrays if prim.uses_output else None,
                True, versions, out_vc, len(outs), saves)
    if len(outs) == 1 and not prim.nondiff_out:
        t = outs[0]
        kind = t._data.dtype.kind
        if kind == "f":
            t._grad_fn = node
            t._requires_grad = True
        elif kind == "c":
            _no_complex_grad(prim)
        return node
    nd = prim.nondiff_out
    for k, t in enumerate(outs):
        kind = t._data.dtype.kind
        if k in nd or kind != "f":
            if kind == "c":
                _no_complex_grad(prim)
            continue
        t._grad_fn = node
        t._requires_grad = True
        t._output_nr = k
    return node


def _no_complex_grad(prim):
    raise NotImplementedError(
        f"{prim.name}: ember does not differentiate complex tensors yet (its rules are written "
        f"for real inputs and would give wrong gradients); complex forward computation works "
        f"under no_grad or on tensors that do not require grad")


def _dispatch_transform(prim, args, params):
    """Hand the call to the interpreter of the highest-level wrapper among the arguments."""
    return _dispatch_top(prim, args, params)


from .._dispatch import dispatch_top as _dispatch_top  # noqa: E402


def bind_detach(t):
    return detach_prim(t)


detach_prim = Primitive("detach", lambda x: x.view(), is_view=True, differentiable=False,
                        batch=lambda prim, args, batched: prim(args[0]))
