"""Custom differentiable operations: ``autograd.Function``.

``Function.apply`` is handled like a primitive call: the highest transform level among the
tensor arguments takes it.  The base level runs ``forward`` under ``no_grad`` and records one
node named ``<ClassName>Backward`` whose rule is the user's ``backward``.  A ``grad`` level
runs the function one level down and records the user's ``backward`` on its own tape; a
``jvp`` level uses the user's ``jvp``; a ``vmap`` level uses the user's ``vmap`` or, with
``generate_vmap_rule = True``, a Function whose every method is vmapped.  Transforms need the
``setup_context`` style (``forward`` without ``ctx``), as in PyTorch.
"""
import functools

from .._state import STATE
from .._tensor import Tensor, make_tensor
from .graph import Node, FREED_MESSAGE
from .grad_mode import no_grad

__all__ = ["Function", "FunctionCtx", "once_differentiable", "InplaceFunction",
           "NestedIOFunction"]


class FunctionCtx:
    """The ``ctx`` of a custom Function: saved tensors and flags for backward / jvp."""

    def __init__(self, cls=None):
        self._cls = cls
        self._saved = None            # what save_for_backward received
        self._for_forward = None      # what save_for_forward received
        self._node = None
        self._freed = False
        self._non_diff = set()
        self._dirty = ()
        self.materialize_grads = True
        self.needs_input_grad = ()
        self._in_jvp = False

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument 0 is "
                                f"of type {type(t).__name__}")
        self._saved = tuple(tensors)
        self._versions = tuple(t._version if isinstance(t, Tensor) and not t._is_wrapper else 0
                               for t in tensors)

    def save_for_forward(self, *tensors):
        self._for_forward = tuple(tensors)

    @property
    def saved_tensors(self):
        if self._in_jvp:
            return self._for_forward or ()
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        if self._saved is None:
            return ()
        out = []
        for t, v in zip(self._saved, self._versions):
            if isinstance(t, _SavedOutput):
                t = t.unpack(self._node)
            elif isinstance(t, Tensor) and not t._is_wrapper and t._version != v:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: [{t.type()} {list(t.shape)}], which is saved by "
                    f"{self._node_name()}, is at version {t._version}; expected version {v} "
                    f"instead.")
            out.append(t)
        return tuple(out)

    @property
    def saved_variables(self):
        return self.saved_tensors

    def _node_name(self):
        return f"{self._cls.__name__}Backward" if self._cls else "Function"

    def mark_non_differentiable(self, *args):
        self._non_diff = {id(a) for a in args}

    def mark_dirty(self, *args):
        self._dirty = tuple(args)

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)


class _SavedOutput:
    """An output saved for backward: stored without its tensor to avoid a reference cycle."""
    __slots__ = ("data", "index")

    def __init__(self, data, index):
        self.data, self.index = data, index

    def unpack(self, node):
        return make_tensor(self.data, node, self.index)


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = name + "Backward"


class Function(metaclass=_FunctionMeta):
    """Base class of custom autograd operations (PyTorch's ``torch.autograd.Function``)."""
    generate_vmap_rule = False

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is "
                           "deprecated. Please use new-style autograd function with static "
                           "forward method. (Example: https://pytorch.org/docs/stable/"
                           "autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward "
                                  "mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    @staticmethod
    def vmap(info, in_dims, *args):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        if kwargs:
            raise TypeError(f"{cls.__name__}.apply() takes positional arguments only")
        top = None
        for a in args:
            if isinstance(a, Tensor) and a._is_wrapper:
                if top is None or a._interp.level > top.level:
                    top = a._interp
        if top is None:
            return _apply_base(cls, args)
        _require_setup_context(cls)
        return _LEVEL_APPLY[top.kind](top, cls, args)


class InplaceFunction(Function):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


NestedIOFunction = Function


def _overrides(cls, name):
    return getattr(cls, name) is not getattr(Function, name)


def _uses_setup_context(cls):
    return _overrides(cls, "setup_context")


def _require_setup_context(cls):
    if not _uses_setup_context(cls):
        raise RuntimeError(
            f"In order to use an autograd.Function with function transforms (vmap, grad, jvp, "
            f"jacrev, ...), it must override the setup_context staticmethod: {cls.__name__} "
            f"defines forward(ctx, ...); write forward(...) without ctx and move the saving "
            f"into setup_context(ctx, inputs, output).")


def _run_forward(cls, ctx, args):
    if _uses_setup_context(cls):
        out = cls.forward(*args)
        cls.setup_context(ctx, args, out)
        return out
    return cls.forward(ctx, *args)


def _as_tuple(out):
    return (out, False) if isinstance(out, tuple) else ((out,), True)


# ------------------------------------------------------------------ base level

class FunctionNode(Node):
    """The backward node of one custom Function call."""
    __slots__ = ("ctx", "cls", "n_inputs", "out_meta", "on_level", "in_meta", "interp",
                 "wargs", "louts")

    def name(self):
        return self.cls._backward_cls

    def apply(self, grads, needed):
        ctx = self.ctx
        if ctx._freed:
            ctx.saved_tensors      # raises PyTorch's error
        gs = list(grads)
        if ctx.materialize_grads:
            from ..ops.creation import zeros
            for k, g in enumerate(gs):
                if g is None:
                    shape, dtype = self.out_meta[k]
                    if dtype is not None:        # a non-tensor output gets None, as in PyTorch
                        gs[k] = zeros(shape, dtype=dtype)
        ctx.needs_input_grad = tuple(bool(n) for n in needed) + (False,) * (
            self.n_inputs - len(needed))
        res = self.cls.backward(ctx, *gs)
        res = res if isinstance(res, tuple) else (res,)
        n = self.n_inputs
        if len(res) < n or any(r is not None for r in res[n:]):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                               f"gradients (expected {n}, got {len(res)})")
        return [_check_grad(self, i, r, needed[i]) for i, r in enumerate(res[:n])]

    def same_level_swap(self):
        """For autograd.grad(create_graph=True) inside a grad transform (func._grad_level.
        same_level): a ctx set up with this level's values, so the user's backward is
        recorded at this level too.  Returns what ``same_level_restore`` puts back."""
        old = self.ctx
        if self.interp is None or old._freed:
            return old
        from ..func._grad_level import GradTensor
        from .._dispatch import new_wrapper
        outs, single = self.louts
        wrapped = []
        for k, o in enumerate(outs):
            if isinstance(o, Tensor):
                float_out = o.dtype.is_floating_point or o.dtype.is_complex
                o = new_wrapper(GradTensor, self.interp, o)
                if float_out:
                    o._grad_fn, o._output_nr, o._requires_grad = self, k, True
            wrapped.append(o)
        ctx = FunctionCtx(self.cls)
        self.cls.setup_context(ctx, self.wargs, wrapped[0] if single else tuple(wrapped))
        ctx.materialize_grads = old.materialize_grads
        ctx._node = self
        self.ctx = ctx
        return old

    def same_level_restore(self, old):
        freed = self.ctx._freed
        self.ctx = old
        if freed:
            self.release()

    def release(self):
        self.ctx._freed = True
        self.ctx._saved = None
        self.wargs = self.louts = None


def _in_meta(args):
    return tuple((tuple(a.shape), a.dtype) if isinstance(a, Tensor) else None for a in args)


def _expandable(shape, to):
    return len(shape) <= len(to) and all(s == t or s == 1 for s, t in
                                         zip(reversed(shape), reversed(to)))


def _check_grad(node, i, g, needed):
    """PyTorch's checks on a gradient returned by backward; a gradient of a broadcast shape is
    summed down to its input's shape and cast to its dtype, as the engine does."""
    if g is None:
        return None
    meta = node.in_meta[i]
    if meta is None:
        raise RuntimeError(f"function {node.name()} returned a gradient different than None at "
                           f"position {i + 1}, but the corresponding forward input was not a "
                           f"Variable")
    if not isinstance(g, Tensor):
        raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
    if not needed:
        return None
    shape, dtype = meta
    gshape = tuple(g.shape)
    if gshape != shape:
        if not _expandable(shape, gshape):
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index "
                               f"{i} - got {list(gshape)} but expected shape compatible with "
                               f"{list(shape)}")
        from ..ops.reduction import sum_to_size
        g = sum_to_size(g, shape)
    if g.dtype is not dtype and g.dtype.is_floating_point and dtype.is_floating_point:
        from ..ops.elementwise import to_dtype
        g = to_dtype(g, dtype)
    return g


def _apply_base(cls, args):
    ctx = FunctionCtx(cls)
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
    with no_grad():
        raw = _run_forward(cls, ctx, args)
    outs, single = _as_tuple(raw)
    record = STATE.grad_enabled and any(ctx.needs_input_grad)
    dirty = {id(t) for t in ctx._dirty}
    in_ids = {id(a) for a in args if isinstance(a, Tensor)}
    final = []
    for o in outs:
        if isinstance(o, Tensor) and id(o) in in_ids and id(o) not in dirty:
            o = make_tensor(o._data)          # an input returned as is: an alias, not the input
        final.append(o)
    if not record:
        return final[0] if single else tuple(final)
    edges = tuple(((a._grad_fn, a._output_nr) if a._grad_fn is not None else
                   (a._get_accum(), 0)) if isinstance(a, Tensor) and a._requires_grad else None
                  for a in args)
    node = FunctionNode.__new__(FunctionNode)
    Node.__init__(node, None, (), {}, edges, None, True, None, None, len(final))
    node.ctx, node.cls, node.n_inputs = ctx, cls, len(args)
    node.out_meta = [(tuple(o.shape), o.dtype) if isinstance(o, Tensor) else ((), None)
                     for o in final]
    node.in_meta, node.interp = _in_meta(args), None
    ctx._node = node
    if ctx._saved:
        ids = {id(o): k for k, o in enumerate(final) if isinstance(o, Tensor)}
        ctx._saved = tuple(_SavedOutput(t._data, ids[id(t)]) if isinstance(t, Tensor) and
                           id(t) in ids else t for t in ctx._saved)
    for k, o in enumerate(final):
        if not isinstance(o, Tensor) or id(o) in ctx._non_diff:
            continue
        if o.dtype.is_floating_point or o.dtype.is_complex:
            if id(o) in dirty:
                _check_dirty_leaf(o)
            o._grad_fn = node
            o._output_nr = k
            o._requires_grad = True
    return final[0] if single else tuple(final)


def _check_dirty_leaf(t):
    if t._grad_fn is None and t._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad has been used in an in-place "
                           "operation.")


# ------------------------------------------------------------------ grad level

def _grad_apply(interp, cls, args):
    """Run one level down; this level's tape gets the user's backward."""
    inner = tuple(interp.unwrap(a) for a in args)
    raw = cls.apply(*inner)
    outs, single = _as_tuple(raw)
    ctx = FunctionCtx(cls)
    cls.setup_context(ctx, inner, raw)
    needs = tuple(interp.owns(a) and a._requires_grad for a in args)
    ctx.needs_input_grad = needs
    wrapped = [interp.wrap(o) if isinstance(o, Tensor) else o for o in outs]
    if STATE.grad_enabled and any(needs):
        edges = tuple(((a._grad_fn, a._output_nr) if a._grad_fn is not None else
                       (a._get_accum(), 0)) if n else None for a, n in zip(args, needs))
        node = FunctionNode.__new__(FunctionNode)
        Node.__init__(node, None, (), {}, edges, None, False, None, None, len(outs))
        node.ctx, node.cls, node.n_inputs = ctx, cls, len(args)
        node.out_meta = [(tuple(o.shape), o.dtype) if isinstance(o, Tensor) else ((), None)
                         for o in outs]
        node.in_meta, node.interp = _in_meta(args), interp
        node.wargs, node.louts = args, (outs, single)
        ctx._node = node
        for k, (o, w) in enumerate(zip(outs, wrapped)):
            if isinstance(w, Tensor) and id(o) not in ctx._non_diff and (
                    w.dtype.is_floating_point or w.dtype.is_complex):
                w._grad_fn, w._output_nr, w._requires_grad = node, k, True
    return wrapped[0] if single else tuple(wrapped)


# ------------------------------------------------------------------ jvp level

def _jvp_apply(interp, cls, args):
    if not _overrides(cls, "jvp"):
        raise NotImplementedError(
            f"You must implement the jvp function for custom autograd.Function to use it with "
            f"forward mode AD: {cls.__name__} has no jvp staticmethod; implement "
            f"{cls.__name__}.jvp(ctx, *tangents) (and save what it needs with "
            f"ctx.save_for_forward in setup_context) to use it with jvp, jacfwd, hessian or "
            f"forward-mode AD.")
    from ..ops.creation import zeros_like
    primals = tuple(interp.unwrap(a) for a in args)
    tangents = tuple((a._aux if a._aux is not None else zeros_like(a._inner))
                     if interp.owns(a) else (zeros_like(a) if isinstance(a, Tensor) else None)
                     for a in args)
    raw = cls.apply(*primals)
    outs, single = _as_tuple(raw)
    ctx = FunctionCtx(cls)
    cls.setup_context(ctx, primals, raw)
    ctx._in_jvp = True
    tans = cls.jvp(ctx, *tangents)
    tans, _ = _as_tuple(tans)
    res = [interp.wrap(o, t) if isinstance(o, Tensor) and t is not None and
           id(o) not in ctx._non_diff else o for o, t in zip(outs, tans)]
    return res[0] if single else tuple(res)


# ------------------------------------------------------------------ vmap level

class VmapInfo:
    """What a custom Function's vmap staticmethod learns about the current vmap."""

    def __init__(self, batch_size, randomness):
        self.batch_size = batch_size
        self.randomness = randomness


def _vmap_apply(interp, cls, args):
    inner = tuple(interp.unwrap(a) for a in args)
    in_dims = tuple(0 if interp.owns(a) else None for a in args)
    if _overrides(cls, "vmap"):
        out, out_dims = cls.vmap(VmapInfo(interp.batch_size, interp.randomness), in_dims, *inner)
    elif cls.generate_vmap_rule:
        out = _vmapped_function(cls, in_dims).apply(*inner)
        out_dims = 0
    else:
        raise RuntimeError(f"You tried to vmap over {cls.__name__}, but it does not have vmap "
                           f"support: implement the staticmethod {cls.__name__}.vmap(info, "
                           f"in_dims, *args) or set generate_vmap_rule = True on the class.")
    outs, single = _as_tuple(out)
    dims = out_dims if isinstance(out_dims, tuple) else (out_dims,) * len(outs)
    from ..ops.shape import movedim, expand, unsqueeze
    res = []
    for o, d in zip(outs, dims):
        if not isinstance(o, Tensor):
            res.append(o)
        elif d is None:
            res.append(interp.wrap(expand(unsqueeze(o, 0), (interp.batch_size,) + tuple(o.shape))))
        else:
            res.append(interp.wrap(movedim(o, d, 0) if d != 0 else o))
    return res[0] if single else tuple(res)


def _vmapped_function(cls, in_dims):
    """A Function whose forward/setup_context/backward/jvp are ``cls``'s, vmapped over dim 0."""
    from ..func import vmap

    def forward(*args):
        # non-tensor outputs (the same for every example) are returned as they are
        consts = {}

        def tensors_only(*a):
            outs, single = _as_tuple(cls.forward(*a))
            consts.update((k, o) for k, o in enumerate(outs) if not isinstance(o, Tensor))
            consts["single"] = single
            return tuple(o for o in outs if isinstance(o, Tensor))
        tens = vmap(tensors_only, in_dims=in_dims)(*args)
        single = consts.pop("single")
        it = iter(tens)
        outs = [consts[k] if k in consts else next(it) for k in range(len(consts) + len(tens))]
        return outs[0] if single else tuple(outs)

    def setup_context(ctx, inputs, output):
        outs = output if isinstance(output, tuple) else (output,)

        def save(*xs):
            c = FunctionCtx(cls)
            o = xs[len(inputs):]
            cls.setup_context(c, xs[:len(inputs)], o if isinstance(output, tuple) else o[0])
            saved = tuple(c._saved or ())
            fwd = tuple(c._for_forward or ())
            attrs = {k: v for k, v in vars(c).items() if not k.startswith("_") and
                     k not in ("materialize_grads", "needs_input_grad")}
            return saved, fwd, attrs
        saved, fwd, attrs = _vmap_collect(save, in_dims + (0,) * len(outs), inputs + outs)
        ctx._batched_saved = saved
        ctx._batched_fwd = fwd
        ctx._attrs = attrs
        ctx.save_for_backward(*[t for t, _ in saved])
        ctx.save_for_forward(*[t for t, _ in fwd])

    def backward(ctx, *grads):
        saved = [(t, d) for (t, d), t2 in zip(ctx._batched_saved, ctx.saved_tensors)]

        def one(*xs):
            c = _ctx_with(cls, ctx, xs[len(grads):], None)
            return cls.backward(c, *xs[:len(grads)])
        dims = (0,) * len(grads) + tuple(d for _, d in saved)
        return _fix_none(vmap(one, in_dims=dims)(*grads, *[t for t, _ in saved]), len(in_dims))

    def jvp(ctx, *tangents):
        fwd = ctx._batched_fwd

        def one(*xs):
            c = _ctx_with(cls, ctx, None, xs[len(tangents):])
            return cls.jvp(c, *xs[:len(tangents)])
        dims = tuple(0 if t is not None else None for t in tangents) + tuple(d for _, d in fwd)
        return vmap(one, in_dims=dims)(*tangents, *[t for t, _ in fwd])

    # generate_vmap_rule again: a nested vmap vmaps the vmapped methods once more
    attrs = dict(forward=staticmethod(forward), setup_context=staticmethod(setup_context),
                 backward=staticmethod(backward), generate_vmap_rule=True)
    if _overrides(cls, "jvp"):
        attrs["jvp"] = staticmethod(jvp)
    return type(cls.__name__, (Function,), attrs)


def _fix_none(res, n):
    return res


def _ctx_with(cls, outer, saved, fwd):
    c = FunctionCtx(cls)
    c._saved = tuple(saved) if saved is not None else None
    c._versions = (0,) * len(c._saved) if saved is not None else ()
    c._for_forward = tuple(fwd) if fwd is not None else None
    c._in_jvp = fwd is not None
    for k, v in outer._attrs.items():
        setattr(c, k, v)
    c.needs_input_grad = outer.needs_input_grad
    return c


def _vmap_collect(fn, in_dims, args):
    """Run ``fn`` under vmap and return its saved tensors unwrapped with their batch dims."""
    from ..func._vmap_level import VmapInterpreter
    interp = VmapInterpreter(_batch_size(args, in_dims), "error")
    with interp:
        wrapped = [interp.wrap(a) if d == 0 and isinstance(a, Tensor) else a
                   for a, d in zip(args, in_dims)]
        saved, fwd, attrs = fn(*wrapped)

    def un(ts):
        return [(t._inner, 0) if interp.owns(t) else (t, None) for t in ts]
    return un(saved), un(fwd), attrs


def _batch_size(args, in_dims):
    for a, d in zip(args, in_dims):
        if d == 0 and isinstance(a, Tensor):
            return a.shape[0]
    raise AssertionError("no batched argument")


_LEVEL_APPLY = {"grad": _grad_apply, "jvp": _jvp_apply, "vmap": _vmap_apply}


# ------------------------------------------------------------------ once_differentiable

def once_differentiable(fn):
    """Backward runs without recording; differentiating its result again raises."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        if not STATE.grad_enabled:
            return outputs
        if not any(isinstance(a, Tensor) and a._requires_grad for a in args):
            return outputs
        outs, single = _as_tuple(outputs)
        edges = tuple((a._grad_fn, a._output_nr) if isinstance(a, Tensor) and a._requires_grad
                      and a._grad_fn is not None else None for a in args)
        node = _DelayedError.__new__(_DelayedError)
        Node.__init__(node, None, (), {}, edges, None, True, None, None, 1)
        res = []
        for o in outs:
            if isinstance(o, Tensor):
                o = make_tensor(o._data, node, 0)
            res.append(o)
        return res[0] if single else tuple(res)
    return wrapper


class _DelayedError(Node):
    __slots__ = ()

    def name(self):
        return "DelayedError"

    def apply(self, grads, needed):
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           "@once_differentiable")
