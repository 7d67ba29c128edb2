"""``grad``, ``grad_and_value`` and ``vjp``: reverse mode as composable transforms."""
import functools

from .._tensor import Tensor
from .._state import STATE
from ..autograd.graph import run_backward, INPLACE_EPOCH
from ..utils._pytree import tree_flatten, tree_unflatten
from ._grad_level import GradInterpreter, check_versions

__all__ = ["grad", "grad_and_value", "vjp"]


def _wrap_inputs(interp, tree):
    """Wrap the differentiated inputs; as in PyTorch they must be floating/complex tensors."""
    leaves, spec = tree_flatten(tree)
    wrapped = []
    for x in leaves:
        if not isinstance(x, Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
        if not (x.dtype.is_floating_point or x.dtype.is_complex):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        wrapped.append(interp.wrap(x, requires_grad=True))
    return wrapped, spec


def _edge(t):
    if t._grad_fn is not None:
        return (t._grad_fn, t._output_nr)
    return (t._get_accum(), 0)


def _unwrap_out(interp, out):
    """Split the function's output leaves into their inner values and their tape edges."""
    leaves, spec = tree_flatten(out)
    values, edges = [], []
    for x in leaves:
        if isinstance(x, Tensor) and x._is_wrapper and x._interp is interp:
            values.append(x._inner)
            edges.append(_edge(x) if x._requires_grad else None)
        else:
            values.append(x)
            edges.append(None)
    return values, edges, spec


def _unwrap_aux(interp, aux):
    """aux leaves must be tensors (None allowed), as PyTorch requires."""
    leaves, spec = tree_flatten(aux)
    for x in leaves:
        if not isinstance(x, Tensor):
            raise RuntimeError(f"Expected tensors, got unsupported type {type(x)}")
    return tree_unflatten([interp.unwrap(x) for x in leaves], spec)


def _pull(edges, cotangents, in_wrapped, retain, since=None):
    """Run the tape backward from ``edges`` with ``cotangents``; grads of ``in_wrapped``.
    ``since``: the in-place epoch when the tape started; when a write happened after it, the
    saved values are version-checked first (PyTorch's error, not a wrong gradient)."""
    from ..ops.creation import zeros_like
    roots, grads = [], []
    for e, c in zip(edges, cotangents):
        if e is not None and c is not None:
            roots.append(e)
            grads.append(c)
    if roots:
        check_versions([n for n, _ in roots], since)
    capture = [_edge(w) for w in in_wrapped]
    if roots:
        res = run_backward(roots, grads, retain_graph=retain, create_graph=True,
                           capture=capture, accumulate=False)
    else:
        res = [None] * len(capture)
    return [g if g is not None else zeros_like(w._inner) for g, w in zip(res, in_wrapped)]


def _record(func, primals):
    """Run ``func`` on ``primals`` wrapped at a fresh grad level (grad mode on inside, as
    functorch's transforms ignore an outer ``no_grad``)."""
    interp = GradInterpreter()
    interp.since = INPLACE_EPOCH[0]
    prev = STATE.grad_enabled
    with interp:
        STATE.grad_enabled = True
        try:
            wrapped, in_spec = _wrap_inputs(interp, primals)
            out = func(*tree_unflatten(wrapped, in_spec))
        finally:
            STATE.grad_enabled = prev
    return interp, wrapped, in_spec, out


def vjp(func, *primals, has_aux=False):
    """``(func(*primals), vjp_fn)``; ``vjp_fn(cotangents)`` gives one gradient per primal.

    ``vjp_fn`` may be called several times and under other transforms (``vmap(vjp_fn)``)."""
    interp, wrapped, in_spec, out = _record(func, primals)
    if has_aux:
        if not (isinstance(out, tuple) and len(out) == 2):
            raise RuntimeError("vjp(f, *primals): output of function f should be a tuple: "
                               "(output, aux) if has_aux is True")
        out, aux = out
    values, edges, out_spec = _unwrap_out(interp, out)
    for v in values:
        if not isinstance(v, Tensor):
            raise RuntimeError(f"vjp(f, *primals): expected f(*primals) to return only tensors, "
                               f"got unsupported type {type(v)}")
        if not (v.dtype.is_floating_point or v.dtype.is_complex):
            raise RuntimeError(f"vjp(f, ...): All outputs of f must be floating-point or complex "
                               f"Tensors, got Tensor with dtype {v.dtype}")
    primal_out = tree_unflatten(values, out_spec)
    if has_aux:
        aux = _unwrap_aux(interp, aux)

    def vjp_fn(cotangents, retain_graph=True, create_graph=None):
        ct_leaves, ct_spec = tree_flatten(cotangents)
        if ct_spec != out_spec:
            raise RuntimeError(f"Expected pytree structure of cotangents to be the same as "
                               f"pytree structure of outputs to the function. cotangents: "
                               f"{ct_spec}, primal output: {out_spec}")
        cts = []
        for i, (c, v) in enumerate(zip(ct_leaves, values)):
            if not isinstance(c, Tensor):
                raise TypeError(f"gradients can be either Tensors or None, but got "
                                f"{type(c).__name__}")
            if tuple(c.shape) != tuple(v.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{c.shape} and output[{i}] has a shape of {v.shape}.")
            cts.append(_cast(c, v.dtype))
        grads = _pull(edges, cts, wrapped, retain_graph, interp.since)
        return tree_unflatten(grads, in_spec)

    if has_aux:
        return primal_out, vjp_fn, aux
    return primal_out, vjp_fn


def _cast(c, dtype):
    """A cotangent in its output's dtype, as autograd casts grad_outputs."""
    if c.dtype is dtype:
        return c
    from ..ops.elementwise import to_dtype
    return to_dtype(c, dtype)


def _argnum(a, n):
    if not isinstance(a, int) or isinstance(a, bool):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(a)}")
    if not -n <= a < n:
        raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")
    return a % n


def _argnums_tuple(argnums, n):
    """``argnums`` normalised against ``n`` positional inputs (PyTorch's checks and errors)."""
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        return _argnum(argnums, n)
    if not isinstance(argnums, tuple):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    if not argnums:
        raise RuntimeError("argnums must be non-empty")
    idx = tuple(_argnum(a, n) for a in argnums)
    if len(set(idx)) != len(idx):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    return idx


def grad_and_value(func, argnums=0, has_aux=False):
    """Like ``grad`` but returns ``(gradient, value)`` (``(gradient, (value, aux))`` with aux)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        idx = _argnums_tuple(argnums, len(args))
        sel = (args[idx],) if isinstance(idx, int) else tuple(args[i] for i in idx)

        def f(*diff):
            full = list(args)
            if isinstance(idx, int):
                full[idx] = diff[0]
            else:
                for i, d in zip(idx, diff):
                    full[i] = d
            return func(*full, **kwargs)

        interp, wrapped, in_spec, out = _record(f, sel)
        aux = None
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError("grad_and_value(f)(*args): output of function f should be a "
                                   "tuple: (output, aux) if has_aux is True")
            out, aux = out
        if not isinstance(out, Tensor):
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, "
                               f"got {type(out)}")
        if out.ndim != 0:
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar "
                               f"Tensor, got tensor with {out.ndim} dims. Maybe you wanted to "
                               f"use the vjp or jacrev APIs instead?")
        values, edges, _ = _unwrap_out(interp, out)
        from ..ops.creation import ones_like
        if has_aux:
            aux = _unwrap_aux(interp, aux)
        grads = _pull(edges, [ones_like(values[0])], wrapped, False, interp.since)
        g = tree_unflatten(grads, in_spec)
        g = g[0] if isinstance(idx, int) else g
        if has_aux:
            return g, (values[0], aux)
        return g, values[0]
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """``grad(f)(*args)``: gradient of scalar ``f`` with respect to ``args[argnums]``."""
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if has_aux:
            g, (_, aux) = gv(*args, **kwargs)
            return g, aux
        return gv(*args, **kwargs)[0]
    return wrapper
