"""``torch.autograd.functional``: Jacobians, Hessians and vector products of whole functions.

The reverse-mode paths run the user's function on fresh leaves and call ``autograd.grad`` on
the tape, so ``strict`` can tell an output that does not depend on an input (no gradient at
all) from one with a zero gradient.  ``vectorize=True`` replaces the loop over rows by one
``autograd.grad`` call vmapped over the standard basis (``is_grads_batched``).  Forward-mode
products use the transform interpreters (``ember.func.jvp``; forward-over-reverse Hessians are
``jvp`` of ``func.vjp``), because the tape saves primal values only.

Every function enables grad mode itself, so the results are right under an outer
``no_grad``.  With ``create_graph=False`` the results are detached; with ``create_graph=True``
they stay differentiable with respect to inputs that require grad.
"""
from .._tensor import Tensor
from .backward import grad as _grad
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]

_STRATEGIES = ("forward-mode", "reverse-mode")


# ------------------------------------------------------------------ argument handling

def _as_tuple(x, arg_name, fn_name):
    """``(was_tuple, tuple_of_tensors)``; TypeError as PyTorch for anything else."""
    was_tuple = isinstance(x, tuple)
    items = x if was_tuple else (x,)
    for i, el in enumerate(items):
        if not isinstance(el, Tensor):
            where = (f"value at index {i} has type {type(el)}" if was_tuple
                     else f"given {arg_name} has type {type(el)}")
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but the {where}.")
    return was_tuple, items


def _untuple(res, was_tuple):
    return res if was_tuple else res[0]


def _untuple2(res, outer_tuple, inner_tuple):
    if not inner_tuple:
        res = tuple(r[0] for r in res)
    return res if outer_tuple else res[0]


def _fresh(inputs, create_graph, need_graph):
    """The tensors the function is run on: leaves of a new graph, or (create_graph=True) a
    differentiable alias of inputs that require grad, so the result links back to them."""
    return tuple(x.view_as(x) if create_graph and x.requires_grad
                 else x.detach().requires_grad_(need_graph) for x in inputs)


def _finish(res, create_graph):
    """Detach results unless the caller asked for a differentiable result."""
    if isinstance(res, tuple):
        return tuple(_finish(r, create_graph) for r in res)
    if res is None or create_graph:
        return res
    return res.detach()


def _check_v(v, other, other_is_tuple):
    if len(v) != len(other):
        if other_is_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got "
                               f"{len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, other)):
        if tuple(a.shape) != tuple(b.shape):
            prefix = f"Entry {i} in " if other_is_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {b.shape} but got "
                               f"{a.shape}.")


def _prepare_v(v, fn_name, other, other_is_tuple, create_graph, none_msg):
    if v is None:
        if len(other) != 1 or other[0].numel() != 1:
            raise RuntimeError(none_msg)
        return None
    _, v = _as_tuple(v, "v", fn_name)
    v = _fresh(v, create_graph, False)
    _check_v(v, other, other_is_tuple)
    return v


_STRICT_MSG = {
    "outputs": "Output {i} of the user-provided function does not require gradients. The "
               "outputs must be computed in a differentiable manner from the input when "
               "running in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided "
                "function with respect to input {i} is independent of the input. This is not "
                "allowed in strict mode. You should ensure that your function is twice "
                "differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example).",
    # a gradient that is None, by stage
    "back": "The output of the user-provided function is independent of input {i}. This is "
            "not allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
                  "grad_outputs when using the double backward trick to compute forward mode "
                  "gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
                   "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry "
                         "{i} in the grad_jacobian. This is not allowed in strict mode as it "
                         "prevents from using the double backward trick to replace forward "
                         "mode AD.",
    # a gradient that does not require grad although create_graph=True
    "cg": "The jacobian of the user-provided function is independent of input {i}. This is "
          "not allowed in strict mode when create_graph=True.",
    "double_cg": "The hessian of the user-provided function is independent of input {i}. This "
                 "is not allowed in strict mode when create_graph=True.",
}


def _check_requires_grad(tensors, kind, strict):
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None or not t.requires_grad:
            raise RuntimeError(_STRICT_MSG[kind].format(i=i))


def _backward(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None,
              is_grads_batched=False):
    """``autograd.grad`` restricted to the outputs that are on the tape (None elsewhere)."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    keep = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not keep:
        return (None,) * len(inputs)
    outs, gos = zip(*keep)
    return _grad(outs, inputs, gos, retain_graph=retain_graph, create_graph=create_graph,
                 allow_unused=True, is_grads_batched=is_grads_batched)


def _zeros_for_missing(grads, refs, strict, create_graph, stage):
    """Zeros where a gradient is None (an independent input); strict mode raises instead."""
    from ..ops.creation import zeros_like
    res = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_STRICT_MSG[stage].format(i=i))
            g = zeros_like(ref)
        elif strict and create_graph and not g.requires_grad:
            key = "double_cg" if "double" in stage else "cg"
            raise RuntimeError(_STRICT_MSG[key].format(i=i))
        res.append(g)
    return tuple(res)


def _scalar_output(out, fn_name):
    if isinstance(out, tuple) or not isinstance(out, Tensor):
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if out.numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should "
                           f"contain a single element")


# ------------------------------------------------------------------ vector products

def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``."""
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _fresh(inputs, create_graph, True)
        out_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function",
                                       "vjp")
        _check_requires_grad(outputs, "outputs", strict)
        v = _prepare_v(v, "vjp", outputs, out_tuple, create_graph,
                       "The vector v can only be None if the user-provided function returns a "
                       "single Tensor with a single element.")
        grads = _backward(outputs, inputs, v, create_graph=create_graph)
        res = _zeros_for_missing(grads, inputs, strict, create_graph, "back")
    return (_untuple(_finish(outputs, create_graph), out_tuple),
            _untuple(_finish(res, create_graph), in_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product, in one forward-mode pass."""
    from ..func._jvp_level import JvpInterpreter
    from ..ops.creation import zeros_like
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _fresh(inputs, create_graph, False)
        v = _prepare_v(v, "jvp", inputs, in_tuple, create_graph,
                       "The vector v can only be None if the input to the user-provided "
                       "function is a single Tensor with a single element.")
        if v is None:
            v = (_ones(inputs[0]),)
        interp = JvpInterpreter()
        with interp:
            outs = func(*(interp.wrap(x, t) for x, t in zip(inputs, v)))
            out_tuple, outs = _as_tuple(outs, "outputs of the user-provided function", "jvp")
            outputs, tangents = [], []
            for o in outs:
                if interp.owns(o):
                    outputs.append(o._inner)
                    tangents.append(o._aux)
                else:
                    outputs.append(o)
                    tangents.append(None)
        for i, (o, t) in enumerate(zip(outputs, tangents)):
            if t is None:
                if strict:
                    key = "back_trick" if o.requires_grad else "outputs"
                    raise RuntimeError(_STRICT_MSG[key].format(i=i))
                tangents[i] = zeros_like(o)
            elif strict and create_graph and not t.requires_grad:
                raise RuntimeError(_STRICT_MSG["cg"].format(i=i))
    return (_untuple(_finish(tuple(outputs), create_graph), out_tuple),
            _untuple(_finish(tuple(tangents), create_graph), out_tuple))


def _ones(x):
    from ..ops.creation import ones_like
    return ones_like(x)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for a scalar ``func``: a gradient of the gradient."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for a scalar ``func``; equals ``vhp`` as the Hessian of a
    twice-differentiable function is symmetric."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, fn_name):
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
        inputs = _fresh(inputs, create_graph, True)
        v = _prepare_v(v, fn_name, inputs, in_tuple, create_graph,
                       "The vector v can only be None if the input to the user-provided "
                       "function is a single Tensor with a single element.")
        out = func(*inputs)
        out_tuple, outputs = _as_tuple(out, "outputs of the user-provided function", fn_name)
        _check_requires_grad(outputs, "outputs", strict)
        _scalar_output(out, fn_name)
        jac = _backward(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        grads = _backward(jac, inputs, v, create_graph=create_graph)
        stage = "double_back" if fn_name == "vhp" else "double_back_trick"
        res = _zeros_for_missing(grads, inputs, strict, create_graph, stage)
    return (_untuple(_finish(outputs, create_graph), out_tuple),
            _untuple(_finish(res, create_graph), in_tuple))


# ------------------------------------------------------------------ jacobian

def _basis(numels, like):
    """The rows of the identity of size sum(numels), split in one block per tensor."""
    from ..ops.creation import eye
    n = sum(numels)
    e = eye(n, dtype=like[0].dtype)
    return tuple(e.split(list(numels), dim=1)) if len(numels) > 1 else (e,)


def _jacobian_rows(outputs, inputs, create_graph, strict):
    """Reverse mode, one ``autograd.grad`` per output element: jac[i][j] = d out_i / d in_j."""
    from ..ops.creation import zeros_like, zeros
    from ..ops.join import stack
    jac = []
    for i, out in enumerate(outputs):
        rows = [[] for _ in inputs]
        flat = out.reshape(-1)
        for k in range(out.numel()):
            grads = _backward((flat[k],), inputs, retain_graph=True, create_graph=create_graph)
            for j, (g, x) in enumerate(zip(grads, inputs)):
                if g is None:
                    if strict:
                        raise RuntimeError(f"Output {i} of the user-provided function is "
                                           f"independent of input {j}. This is not allowed in "
                                           f"strict mode.")
                    g = zeros_like(x)
                elif strict and create_graph and not g.requires_grad:
                    raise RuntimeError(f"The jacobian of the user-provided function is "
                                       f"independent of input {i}. This is not allowed in "
                                       f"strict mode when create_graph=True.")
                rows[j].append(g)
        jac.append(tuple(
            stack(r, 0).reshape(tuple(out.shape) + tuple(x.shape)) if r else
            zeros(tuple(out.shape) + tuple(x.shape), dtype=x.dtype)
            for r, x in zip(rows, inputs)))
    return tuple(jac)


def _jacobian_vmapped(outputs, inputs, create_graph):
    """Reverse mode, one ``autograd.grad`` vmapped over the basis of all output elements."""
    numels = [o.numel() for o in outputs]
    n = sum(numels)
    basis = _basis(numels, outputs)
    flat = tuple(o.reshape(-1) for o in outputs)
    grads = _backward(flat, inputs, basis, create_graph=create_graph, retain_graph=True,
                      is_grads_batched=True)
    per_input = []
    for g, x in zip(grads, inputs):
        if g is None:
            from ..ops.creation import zeros
            g = zeros((n,) + tuple(x.shape), dtype=x.dtype)
        parts = g.split(numels, dim=0) if len(outputs) > 1 else (g,)
        per_input.append([p.reshape(tuple(o.shape) + tuple(x.shape))
                          for p, o in zip(parts, outputs)])
    return tuple(zip(*per_input))


def _jacobian_forward(func, inputs, vectorize):
    """Forward mode, one ``func.jvp`` per input element (vmapped when ``vectorize``):
    returns ``(outputs_were_tuple, jac)`` with jac[i][j] = d out_i / d in_j."""
    from ..func import jvp as fjvp, vmap
    from ..ops.join import stack
    numels = [x.numel() for x in inputs]
    basis = _basis(numels, inputs)
    basis = tuple(b.reshape((b.shape[0],) + tuple(x.shape)) for b, x in zip(basis, inputs))
    shape = {}

    def push(*tangents):
        out, tan = fjvp(func, inputs, tangents)
        was_tuple, tan = _as_tuple(tan, "outputs of the user-provided function", "jacobian")
        shape["tuple"] = was_tuple
        return tan

    if vectorize:
        cols = vmap(push)(*basis)
    else:
        per_col = [push(*(b[k] for b in basis)) for k in range(sum(numels))]
        cols = tuple(stack([c[i] for c in per_col], 0) for i in range(len(per_col[0])))
    jac = []
    for c in cols:                             # c: (n, *out_i)
        oshape = tuple(c.shape[1:])
        c = c.movedim(0, -1)
        parts = c.split(numels, dim=-1) if len(inputs) > 1 else (c,)
        jac.append(tuple(p.reshape(oshape + tuple(x.shape)) for p, x in zip(parts, inputs)))
    return shape["tuple"], tuple(jac)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``.

    Returns a Tensor for one input and one output, a tuple over inputs (or outputs) when only
    that side is a tuple, and ``jac[i][j]`` (output i, input j) when both are; each block has
    shape ``out_i.shape + in_j.shape``."""
    if strategy not in _STRATEGIES:
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                             'Hint: If your function has more outputs than inputs, '
                             '"forward-mode" tends to be more performant. Otherwise, prefer '
                             'to use "reverse-mode".')
    if strategy == "forward-mode":
        if strict:
            raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and '
                               '`strategy="forward-mode"` are not supported together (yet). '
                               'Please either set `strict=False` or `strategy="reverse-mode"`.')
        with enable_grad():
            in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
            inputs = _fresh(inputs, create_graph, False)
            out_tuple, jac = _jacobian_forward(func, inputs, vectorize)
        return _untuple2(_finish(jac, create_graph), out_tuple, in_tuple)
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _fresh(inputs, create_graph, True)
        out_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function",
                                       "jacobian")
        _check_requires_grad(outputs, "outputs", strict)
        if vectorize:
            if strict:
                raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                                   "`vectorized=True` are not supported together. Please "
                                   "either set `strict=False` or `vectorize=False`.")
            jac = _jacobian_vmapped(outputs, inputs, create_graph)
        else:
            jac = _jacobian_rows(outputs, inputs, create_graph, strict)
    return _untuple2(_finish(jac, create_graph), out_tuple, in_tuple)


# ------------------------------------------------------------------ hessian

def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of scalar ``func`` at ``inputs``: a Tensor for one input, else
    ``H[i][j]`` of shape ``in_i.shape + in_j.shape``.

    The inner Jacobian is reverse mode; ``outer_jacobian_strategy`` picks reverse-over-reverse
    (on the tape) or forward-over-reverse (``func.jvp`` of ``func.vjp``)."""
    if outer_jacobian_strategy not in _STRATEGIES:
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    in_tuple, tinputs = _as_tuple(inputs, "inputs", "hessian")

    def scalar_func(*inp):
        out = func(*inp)
        _, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict)
        _scalar_output(out, "hessian")
        return out.reshape(())

    if outer_jacobian_strategy == "forward-mode":
        if strict:
            raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and '
                               '`strategy="forward-mode"` are not supported together (yet). '
                               'Please either set `strict=False` or `strategy="reverse-mode"`.')
        from ..func import vjp as fvjp

        def gradient(*inp):
            out, pull = fvjp(scalar_func, *inp)
            return tuple(pull(_ones(out)))

        res = jacobian(gradient, tinputs, create_graph=create_graph, vectorize=vectorize,
                       strategy="forward-mode")
        return _untuple2(res, in_tuple, in_tuple)

    def jac_func(*inp):
        jac = jacobian(scalar_func, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(jac_func, tinputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize)
    return _untuple2(res, in_tuple, in_tuple)
