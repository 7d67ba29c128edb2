"""``linearize``: the output of ``f`` and a function computing J @ tangent without re-running f."""
from .._tensor import Tensor
from ..utils._pytree import tree_flatten, tree_unflatten
from ._trace_level import TraceInterpreter
from .jvp import jvp

__all__ = ["linearize"]


def linearize(func, *primals):
    """``(func(*primals), jvp_fn)``: ``jvp_fn(*tangents)`` replays only the tangent program."""
    from ..ops.creation import zeros_like
    p_leaves, p_spec = tree_flatten(primals)
    trace = TraceInterpreter()
    with trace:
        t_in = [trace.new_var(zeros_like(p)) for p in p_leaves]
        trace.program.inputs = [t._aux for t in t_in]
        out, t_out = jvp(func, primals, tree_unflatten(t_in, p_spec))
    o_leaves, o_spec = tree_flatten(t_out)
    trace.program.outputs = [t._aux if trace.owns(t) else ("const", t) for t in o_leaves]
    program = trace.program
    shapes = [tuple(p.shape) for p in p_leaves]

    def jvp_fn(*tangents):
        t_leaves, t_spec = tree_flatten(tangents)
        if t_spec != p_spec:
            raise RuntimeError(f"linearize: expected tangents with the structure of the primals "
                               f"{p_spec}, got {t_spec}")
        for t, s in zip(t_leaves, shapes):
            if not isinstance(t, Tensor) or tuple(t.shape) != s:
                raise RuntimeError(f"linearize: expected a tangent of shape {list(s)}, got "
                                   f"{list(t.shape) if isinstance(t, Tensor) else type(t)}")
        return tree_unflatten(program.run(*t_leaves), o_spec)

    return out, jvp_fn
