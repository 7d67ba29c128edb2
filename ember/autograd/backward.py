"""``autograd.backward`` and ``autograd.grad``: argument checking around the engine."""
import numpy as np

from .._tensor import Tensor, make_tensor
from .graph import run_backward
from .grad_mode import STATE

__all__ = ["backward", "grad"]


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def ones_like(t):
    global ones_like
    from ..ops.creation import ones_like      # bound on first use (import cycle)
    return ones_like(t)


def _make_grads(outputs, grad_outputs, is_grads_batched=False):
    res = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if out._requires_grad:
                if out.numel() != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if not (out.dtype.is_floating_point or out.dtype.is_complex):
                    raise RuntimeError(f"grad can be implicitly created only for real scalar "
                                       f"outputs but got {out.dtype}")
                g = ones_like(out)
            res.append(g)
            continue
        if not isinstance(g, Tensor):
            from ..ops.creation import tensor
            g = tensor(g, dtype=out.dtype)
        if not is_grads_batched and tuple(g.shape) != tuple(out.shape):
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{g.shape} and output[{i}] has a shape of {out.shape}.")
        if g.dtype is not out.dtype and g.dtype.is_complex == out.dtype.is_complex:
            g = g.to(out.dtype)          # PyTorch casts a gradient to its output's dtype
        if g.dtype.is_complex != out.dtype.is_complex:
            raise RuntimeError(f"For complex Tensors, both grad_output and output are required "
                               f"to have the same dtype. Mismatch in dtype: grad_output[{i}] "
                               f"has a dtype of {g.dtype} and output[{i}] has a dtype of "
                               f"{out.dtype}.")
        res.append(g)
    return res


def _edge(t):
    if t._grad_fn is not None:
        return (t._grad_fn, t._output_nr)
    return (t._get_accum(), 0)


def scalar_backward(t, retain_graph):
    """``loss.backward()`` on a scalar float non-leaf outside any transform (the training
    loop's call): straight to the engine with a ones gradient; None when not that case."""
    fn = t._grad_fn
    if fn is None or STATE.stack or t._data.size != 1 or t._data.dtype.kind != "f":
        return None
    run_backward([(fn, t._output_nr)], [make_tensor(np.ones_like(t._data))],
                 retain_graph=bool(retain_graph))
    return True


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Sum of gradients of ``tensors`` into the ``.grad`` of the graph's leaves."""
    tensors = _as_tuple(tensors)
    for i in STATE.stack:
        if i.kind in ("grad", "vmap") or (i.kind == "jvp" and not getattr(i, "forward_ad", False)):
            raise RuntimeError("backward() called inside an ember.func transform. This is not "
                               "supported (as in PyTorch): use ember.func.grad or "
                               "ember.func.vjp instead, or call backward() outside of the "
                               "transform.")
    if grad_tensors is None:
        grad_tensors = grad_variables
    grads = _as_tuple(grad_tensors) or (None,) * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"got {len(tensors)} tensors and {len(grads)} gradients")
    if retain_graph is None:
        retain_graph = create_graph
    inputs = _as_tuple(inputs)
    if inputs is not None and len(inputs) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    for t in tensors:
        if not t._requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a "
                               "grad_fn")
    grads = _make_grads(tensors, grads)
    roots = [_edge(t) for t in tensors]
    only = None
    if inputs is not None:
        only = []
        for x in inputs:
            if not x._requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            if x._grad_fn is not None:
                x.retain_grad()
                only.append(x._grad_fn)
            else:
                only.append(x._get_accum())
    run_backward(roots, grads, retain_graph=retain_graph, create_graph=create_graph,
                 accumulate=True, accumulate_only=only)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (never accumulated)."""
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    grad_outputs = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    if retain_graph is None:
        retain_graph = create_graph
    for i, t in enumerate(outputs):
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               "a grad_fn")
    for i, x in enumerate(inputs):
        if not x._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if is_grads_batched:
        from ..func import vmap
        def one(*gs):
            return grad(outputs, inputs, gs, retain_graph=True, create_graph=create_graph,
                        allow_unused=allow_unused, materialize_grads=materialize_grads)
        return vmap(one)(*grad_outputs)
    grads = _make_grads(outputs, grad_outputs)
    roots = [_edge(t) for t in outputs]
    capture = [_edge(x) for x in inputs]
    if create_graph and STATE.stack:
        # inside a func transform: a grad level's tape records its own backward (PyTorch's
        # create_graph at that level), so the result can be differentiated by it again
        from ..func._grad_level import same_level
        with same_level(outputs):
            res = run_backward(roots, grads, retain_graph=retain_graph, create_graph=True,
                               capture=capture, accumulate=False)
    else:
        res = run_backward(roots, grads, retain_graph=retain_graph, create_graph=create_graph,
                           capture=capture, accumulate=False)
    out = []
    for k, (x, g) in enumerate(zip(inputs, res)):
        if g is None:
            if materialize_grads:
                from ..ops.creation import zeros_like
                g = zeros_like(x)
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {k} appears to not have "
                                   f"been used in the graph. Set allow_unused=True if this is "
                                   f"the desired behavior.")
        elif not create_graph and g._requires_grad:
            g = g.detach()       # e.g. a grad_output that required grad, passed through
        out.append(g)
    return tuple(out)
