"""Tracing as a transform level: records the primitive calls made on traced values.

``TracedTensor`` carries a concrete value (so shapes, dtypes and Python code that only looks
at metadata work) and a variable id.  Every primitive call that involves a traced value is
appended to the program as ``(prim, arg refs, params, out ids)``; ``Program.run`` replays it on
new inputs.  ``linearize`` uses it to record the tangent computation of a ``jvp`` once and
replay it without running the function's forward again.
"""
from .._dispatch import Interpreter, Wrapper, new_wrapper

__all__ = ["TraceInterpreter", "TracedTensor", "Program"]


class TracedTensor(Wrapper):
    __slots__ = ()

    def __repr__(self):
        return f"TracedTensor(v{self._aux}, shape={list(self.shape)}, dtype={self.dtype})"

    def __bool__(self):
        raise RuntimeError("trace: a traced value was used in Python control flow "
                           "(bool()); the recorded program would not follow the branch. Use "
                           "ember.where(cond, x, y) instead.")

    def item(self):
        raise RuntimeError("trace: .item() on a traced value; the recorded program cannot "
                           "depend on a Python number taken from it.")


class Program:
    """A straight-line program of primitive calls over variables."""

    def __init__(self):
        self.eqns = []
        self.inputs = []
        self.outputs = []

    def run(self, *inputs):
        env = dict(zip(self.inputs, inputs))
        for prim, refs, params, outs in self.eqns:
            vals = [env[r[1]] if type(r) is tuple and r[0] == "var" else r[1] for r in refs]
            res = prim(*vals, **params)
            if len(outs) == 1:
                env[outs[0]] = res
            else:
                for o, v in zip(outs, res):
                    env[o] = v
        return [env[o] if type(o) is int else o[1] for o in self.outputs]


class TraceInterpreter(Interpreter):
    kind = "trace"

    def __init__(self):
        super().__init__()
        self.program = Program()
        self._next = 0

    def new_var(self, value):
        v = self._next
        self._next += 1
        return new_wrapper(TracedTensor, self, value, v)

    def process(self, prim, args, params):
        refs, inner = [], []
        for a in args:
            if self.owns(a):
                refs.append(("var", a._aux))
                inner.append(a._inner)
            else:
                refs.append(("const", a))
                inner.append(a)
        out = prim(*inner, **params)
        if prim.n_out == 1:
            t = self.new_var(out)
            self.program.eqns.append((prim, refs, params, (t._aux,)))
            return t
        ts = tuple(self.new_var(o) for o in out)
        self.program.eqns.append((prim, refs, params, tuple(t._aux for t in ts)))
        return ts

    def assign(self, dst, src, op):
        raise RuntimeError(f"trace: in-place operation {op} on a traced value is not supported; "
                           "write the function without in-place updates of the traced inputs")

    def lift_for_write(self, x):
        raise RuntimeError("trace: in-place write of a traced value into another tensor is "
                           "not supported")
