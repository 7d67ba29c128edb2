"""Hook handles and the machinery behind ``Module.register_full_backward_hook``.

Full backward hooks need the gradients with respect to a module's inputs and outputs as a
group.  Both are caught with one identity node each: the module's tensor inputs go through an
identity before ``forward`` and its tensor outputs through another after it.  A pre-hook on
the output node sees ``grad_output`` (and may replace it, for backward pre-hooks); a hook on the
input node runs once the input gradients are known and calls the user's hooks, whose return
value replaces ``grad_input``.
"""
import itertools
import weakref
from collections import OrderedDict

from ..._tensor import Tensor
from ...ops._primitive import Primitive, joint

__all__ = ["RemovableHandle", "BackwardHook"]

_ids = itertools.count()


class RemovableHandle:
    """Handle returned by ``register_*_hook``: ``remove()`` unregisters the hook."""

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(_ids)
        if extra_dict is None:
            extra_dict = []
        elif isinstance(extra_dict, dict):
            extra_dict = [extra_dict]
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extra_dict)

    def remove(self):
        for ref in (self.hooks_dict_ref,) + self.extra_dict_ref:
            d = ref()
            if d is not None and self.id in d:
                del d[self.id]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def add_hook(table, hook, prepend=False, extra=None):
    handle = RemovableHandle(table, extra_dict=extra)
    table[handle.id] = hook
    if prepend:
        table.move_to_end(handle.id, last=False)
    return handle


def _identity_impl(*xs):
    return tuple(x.view() for x in xs)


def _zeros_for(out):
    from ...ops.creation import zeros_like
    return zeros_like(out)


_hook_identity = Primitive(
    "backward_hook_function", _identity_impl,
    vjp=joint(lambda g, out, *xs: g if isinstance(g, tuple) else (g,)),
    jvp=joint(lambda ts, out, *xs: tuple(t if t is not None else _zeros_for(o)
                                         for t, o in zip(ts, out))),
    batch=lambda prim, args, batched: prim(*args),
    n_out=None, uses_output=True, saves=(), node_name="BackwardHookFunctionBackward")


class BackwardHook:
    """One module call's backward hooks (full hooks and pre-hooks)."""

    def __init__(self, module, user_hooks, user_pre_hooks):
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_positions = ()
        self.output_positions = ()

    @staticmethod
    def _tracked(values):
        return [i for i, v in enumerate(values)
                if isinstance(v, Tensor) and v.requires_grad]

    def _wrap(self, values, positions):
        outs = _hook_identity(*[values[i] for i in positions])
        new = list(values)
        for i, o in zip(positions, outs):
            new[i] = o
        return new, outs[0].grad_fn

    def setup_input_hook(self, args):
        """Route the tensor args through an identity node whose hook calls the user hooks."""
        self.n_inputs = len(args)
        pos = self._tracked(args)
        self.input_positions = pos
        if not pos:
            return args
        new, node = self._wrap(args, pos)
        if node is None:        # a transform level that keeps no graph here (vmap)
            self.input_positions = ()
            return args
        node.register_hook(self._on_input_grads)
        return tuple(new)

    def setup_output_hook(self, result):
        single = isinstance(result, Tensor)
        values = [result] if single else list(result) if isinstance(result, tuple) else None
        if values is None:
            return result
        pos = self._tracked(values)
        self.output_positions = pos
        if not pos:
            return result
        self.n_outputs = len(values)
        new, node = self._wrap(values, pos)
        if node is None:
            return result
        node.register_prehook(self._on_output_grads)
        return new[0] if single else tuple(new)

    def _pack(self, grads, positions, n):
        out = [None] * n
        for i, g in zip(positions, grads):
            out[i] = g
        return tuple(out)

    def _on_output_grads(self, grads):
        grad_outputs = self._pack(grads, self.output_positions, self.n_outputs)
        for hook in list(self.user_pre_hooks.values()):
            res = hook(self.module, grad_outputs)
            if res is not None:
                res = res if isinstance(res, tuple) else (res,)
                if len(res) != len(grad_outputs):
                    raise RuntimeError(f"Backward pre hook returned an invalid number of grad_output, "
                                       f"got {len(res)}, but expected {len(grad_outputs)}")
                grad_outputs = res
        self.grad_outputs = grad_outputs
        if not self.input_positions:
            # no input needs a gradient: the hooks run now, with grad_input all None
            grad_inputs = (None,) * self.n_inputs
            for hook in list(self.user_hooks.values()):
                if hook(self.module, grad_inputs, grad_outputs) is not None:
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
        return [grad_outputs[i] for i in self.output_positions]

    def _on_input_grads(self, in_grads, grads):
        grad_inputs = self._pack(grads, self.input_positions, self.n_inputs)
        for hook in list(self.user_hooks.values()):
            res = hook(self.module, grad_inputs, self.grad_outputs)
            if res is not None:
                res = res if isinstance(res, tuple) else (res,)
                if len(res) != len(grad_inputs):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                       f"got {len(res)}, but expected {len(grad_inputs)}")
                grad_inputs = res
        return [grad_inputs[i] for i in self.input_positions]


def new_hook_dict():
    return OrderedDict()
