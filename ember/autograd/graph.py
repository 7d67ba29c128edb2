"""The autograd graph and its engine.

A ``Node`` is the backward function of one primitive call: it keeps the call's arguments
(the tensors themselves at the base level, the unwrapped values at a ``func.grad`` level),
the output, and one edge per argument to the node that produced it.  The engine walks the
graph iteratively (never recursively) with dependency counts, so arbitrarily deep graphs
backpropagate without touching the recursion limit, and it is the same engine for
``Tensor.backward``, ``autograd.grad`` and every reverse-mode function transform.

Rules are ember operations, so with ``create_graph=True`` (and always under function
transforms) the backward pass is itself recorded and can be differentiated again.
"""
import re
import weakref

from .grad_mode import STATE
from .._tensor import make_tensor

__all__ = ["Node", "AccumulateGrad", "run_backward"]


class _Anomaly:
    enabled = False
    check_nan = True


ANOMALY = _Anomaly()
FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")
INPLACE_EPOCH = [0]      # counts every in-place write (ember.ops.inplace.bump_version)


class HookDict(dict):
    """Hooks by handle id; a dict that a ``RemovableHandle`` can reference weakly."""
    __slots__ = ("__weakref__",)


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""
    _next_id = 0

    def __init__(self, hooks_dict):
        self._ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self):
        d = self._ref()
        if d is not None:
            d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _add_hook(owner, attr, hook):
    d = getattr(owner, attr, None)
    if d is None:
        d = HookDict()
        setattr(owner, attr, d)
    if isinstance(owner, Node):
        owner._special = True
    h = RemovableHandle(d)
    d[h.id] = hook
    return h


def saved_for_edges(saves_for, edges):
    """The arguments a call must save given which of its arguments need gradients (edges
    that are not None), from a primitive's per-argument ``saves``."""
    out = set()
    for i, e in enumerate(edges):
        if e is not None:
            out.update(saves_for.get(i, ()))
    return tuple(sorted(out))


class Node:
    """Backward function of one recorded call (``grad_fn``); named like PyTorch's nodes."""
    __slots__ = ("prim", "args", "params", "next", "out", "wrap_out", "versions", "out_vc",
                 "n_out", "trace", "epoch", "simple", "saved_idx", "freed", "__dict__",
                 "__weakref__")
    # rarely set attributes live in the instance dict, with these class-level defaults
    _special = False      # True once a tensor hook, retain_grad or pre-hook is attached
    _hooks = _prehooks = _tensor_hooks = _retain = _metadata = None

    def __init__(self, prim, args, params, edges, out, wrap_out, versions, out_vc, n_out=1,
                 saved_idx=None):
        self.prim = prim
        self.args = args
        self.params = params
        self.next = edges
        self.out = out
        self.wrap_out = wrap_out
        # indices of the saved args (None: every argument)
        self.saved_idx = prim.saves if saved_idx is None and prim is not None else saved_idx
        self.versions = versions      # their versions at save time, or None (all 0)
        self.out_vc = out_vc          # (version counter, version) of a saved output, or None
        self.n_out = n_out
        self.epoch = INPLACE_EPOCH[0]   # in-place writes so far: none since -> nothing to check
        # one output, per-argument rules that don't read the output, nothing version-checked:
        # the engine can call the rules itself (unless an in-place write happened since)
        self.simple = (versions is None and out_vc is None and n_out == 1 and
                       prim is not None and prim.plain_rules and type(self) is Node)
        self.freed = False
        self.trace = _capture_trace() if ANOMALY.enabled else None

    # ---- PyTorch's introspection API
    def name(self):
        return self.prim.node_name

    def __repr__(self):
        name = self.name()
        return f"<{name[name.rfind(':') + 1:]} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        return tuple(e if e is not None else (None, 0) for e in self.next)

    @property
    def metadata(self):
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` after this node ran; may return new grad_inputs."""
        return _add_hook(self, "_hooks", fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` before this node runs; may return new grad_outputs."""
        return _add_hook(self, "_prehooks", fn)

    # ---- saved values
    def saved_output(self):
        out = self.out
        if not self.wrap_out:
            return out
        if self.n_out == 1:
            return make_tensor(out, self, 0)
        return tuple(make_tensor(o, self, i) for i, o in enumerate(out))

    def check_saved(self):
        if self.freed:
            raise RuntimeError(FREED_MESSAGE)
        if self.wrap_out:
            args = self.args
            saves = self.saved_idx
            versions = self.versions
            for k, i in enumerate(range(len(args)) if saves is None else saves):
                t = args[i]
                vc = getattr(t, "_vc", None)
                if vc is not None:
                    expected = versions[k] if versions is not None else 0
                    if vc[0] != expected:
                        _raise_modified(self, t, i, vc[0], expected, vc)
        if self.out_vc is not None:
            vc, expected = self.out_vc
            if vc[0] != expected:
                _raise_modified(self, None, -1, vc[0], expected, vc)

    def apply(self, grads, needed):
        """Gradients for each argument (None where not needed) from the output gradients."""
        prim = self.prim
        if self.freed or self.out_vc is not None or self.versions is not None:
            self.check_saved()
        elif self.wrap_out and self.epoch != INPLACE_EPOCH[0]:
            for t in self.args:
                if getattr(t, "_vc", None) is not None:
                    self.check_saved()
                    break
        out = self.saved_output() if prim.uses_output else None
        g = grads[0] if self.n_out == 1 else tuple(grads)
        args, params = self.args, self.params
        rule = prim.vjp
        if type(rule) is tuple:
            return [r(g, out, *args, **params) if need and r is not None else None
                    for r, need in zip(rule, needed)]
        res = rule(g, out, *args, **params)
        return list(res) if type(res) in (tuple, list) else [res]

    def release(self):
        prim = self.prim
        if prim.saves is None or prim.saves or prim.uses_output:
            self.freed = True
            self.args = None
            self.out = None


_PLAIN_APPLY = Node.apply      # the profiler swaps Node.apply; then the engine calls it


class AccumulateGrad(Node):
    """The node of a leaf: accumulates the incoming gradient into ``leaf.grad``."""
    __slots__ = ("_leaf",)

    def __init__(self, leaf):
        self._leaf = weakref.ref(leaf)
        self.freed = False
        self.next = ()
        self.n_out = 1
        self.trace = None
        self.prim = None

    def name(self):
        return "torch::autograd::AccumulateGrad"

    @property
    def variable(self):
        return self._leaf()

    def apply(self, grads, needed):
        return []


def _capture_trace():
    global _capture_trace
    from .anomaly_mode import capture_trace
    _capture_trace = capture_trace          # resolved once: anomaly mode is imported lazily
    return capture_trace()


def _describe(t):
    return f"[{t.type()} {list(t.shape)}]"


def _raise_modified(node, t, i, cur, expected, vc):
    # as PyTorch: name the tensor by the forward op that now produces it (a saved output by
    # the node that saved it), "Exp" for ExpBackward0; nothing for a leaf or a constant
    fn, nr = (node, 0) if i < 0 else (getattr(t, "_grad_fn", None), getattr(t, "_output_nr", 0))
    if t is None:
        from .._tensor import make_tensor
        t = make_tensor(node.out if node.n_out == 1 else node.out[0])
    desc = _describe(t)
    if fn is not None and not isinstance(fn, AccumulateGrad):
        desc += f", which is output {nr} of {re.sub(r'Backward[0-9]*$', '', fn.name())},"
    culprit = vc[1]
    msg = (f"one of the variables needed for gradient computation has been modified by an "
           f"inplace operation: {desc} is at version {cur}; expected version {expected} "
           f"instead.")
    if culprit:
        msg += f" It was modified by {culprit}."
    if ANOMALY.enabled:
        from .anomaly_mode import modified_hint
        msg += modified_hint()
    else:
        msg += (" Hint: enable anomaly detection to find the operation that failed to compute "
                "its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")
    raise RuntimeError(msg)


# ---------------------------------------------------------------------------- engine

def reachable(roots):
    """Every node reachable from ``roots``, each once (iteratively)."""
    seen = set()
    stack = list(roots)
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        stack.extend(e[0] for e in n.next if e is not None)
        yield n


def _collect(roots):
    """Dependency counts of every node reachable from ``roots`` (iteratively; roots that no
    other root reaches have count 0) and the number of reachable leaves."""
    deps = dict.fromkeys(roots, 0)
    stack = list(roots)
    pop, push, get = stack.pop, stack.append, deps.get
    leaves = 0
    while stack:
        for e in pop().next:
            if e is not None:
                nx = e[0]
                c = get(nx)
                if c is None:
                    deps[nx] = 1
                    if nx.__class__ is AccumulateGrad:
                        leaves += 1
                    else:
                        push(nx)
                else:
                    deps[nx] = c + 1
    return deps, leaves


def _needed(roots, targets):
    """Nodes from which some target node is reachable (post-order, iterative)."""
    needed = set()
    done = set()
    for r in roots:
        if r in done:
            continue
        stack = [(r, iter(r.next))]
        done.add(r)
        if r in targets:
            needed.add(r)
        while stack:
            n, it = stack[-1]
            advanced = False
            for e in it:
                if e is None:
                    continue
                c = e[0]
                if c not in done:
                    done.add(c)
                    if c in targets:
                        needed.add(c)
                    stack.append((c, iter(c.next)))
                    advanced = True
                    break
                if c in needed:
                    needed.add(n)
            if not advanced:
                stack.pop()
                if stack and n in needed:
                    needed.add(stack[-1][0])
    return needed


def run_backward(roots, grads, *, retain_graph=False, create_graph=False, capture=None,
                 accumulate=True, accumulate_only=None):
    """Backpropagate ``grads`` from ``roots`` (list of (node, output_nr)).

    capture: list of (node, nr) whose incoming gradient is returned (``autograd.grad``);
    accumulate: whether AccumulateGrad nodes write ``.grad`` (``backward``); accumulate_only:
    restrict accumulation to these leaf nodes (``backward(inputs=...)``).
    """
    root_nodes = []
    buffers = {}
    for (node, nr), g in zip(roots, grads):
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node.n_out
            root_nodes.append(node)
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    deps, n_leaves = _collect(root_nodes)

    targets = None
    if capture is not None or accumulate_only is not None:
        targets = set(n for n, _ in capture) if capture is not None else set(accumulate_only)
        if n_leaves == len(targets) and all(t.__class__ is AccumulateGrad for t in targets):
            targets = None      # every leaf is wanted: nothing to prune
        else:
            needed = _needed(root_nodes, targets)
    captured = {} if capture is not None else None
    cap_nodes = {}
    for n, nr in capture or ():
        cap_nodes.setdefault(n, []).append(nr)

    prev = STATE.grad_enabled
    STATE.grad_enabled = create_graph
    try:
        ready = [n for n in root_nodes if deps[n] == 0]
        pop, push, take = ready.pop, ready.append, buffers.pop
        fast = Node.apply is _PLAIN_APPLY and not ANOMALY.enabled   # no profiler, no anomaly
        while ready:
            node = pop()
            gs = take(node, None)
            if gs is None:
                gs = [None] * node.n_out
            if node._special:
                gs = _pre_hooks(node, gs)
            if cap_nodes and node in cap_nodes:
                for nr in cap_nodes[node]:
                    captured[(node, nr)] = gs[nr]
            edges = node.next
            if node.__class__ is AccumulateGrad:
                if accumulate and gs[0] is not None and (
                        targets is None or node in targets):
                    _accumulate(node, gs.pop(), create_graph)   # hand over our reference
                continue
            if (targets is not None and node not in needed or
                    (gs[0] is None if node.n_out == 1 else all(g is None for g in gs))):
                in_grads = [None] * len(edges)
            else:
                # an edge (a truthy tuple) or None says whether an argument needs a gradient
                need = edges if targets is None else [
                    e is not None and e[0] in needed for e in edges]
                if node.n_out > 1 and any(g is None for g in gs):
                    gs = _materialize(node, gs)
                if node.simple and node.epoch == INPLACE_EPOCH[0] and not node.freed and fast:
                    # Node.apply inlined for the common case (see Node.simple)
                    g = gs[0]
                    args, params = node.args, node.params
                    in_grads = [r(g, None, *args, **params) if n and r is not None else None
                                for r, n in zip(node.prim.vjp, need)]
                elif ANOMALY.enabled:
                    in_grads = _anomaly_apply(node, gs, need)
                else:
                    in_grads = node.apply(gs, need)
                if node._hooks:
                    for h in list(node._hooks.values()):
                        r = h(tuple(in_grads), tuple(gs))
                        if r is not None:
                            in_grads = list(r)
                if not retain_graph:
                    node.release()
            for e, g in zip(edges, in_grads):
                if e is None:
                    continue
                nx, nr = e
                if g is not None:
                    buf = buffers.get(nx)
                    if buf is None:
                        buffers[nx] = [g] if nr == 0 and nx.n_out == 1 else _buf(nx, nr, g)
                    else:
                        buf[nr] = g if buf[nr] is None else buf[nr] + g
                d = deps[nx] - 1
                deps[nx] = d
                if d == 0:
                    push(nx)
            if len(in_grads) < len(edges):
                for e in edges[len(in_grads):]:
                    if e is not None:
                        nx = e[0]
                        deps[nx] -= 1
                        if deps[nx] == 0:
                            push(nx)
            in_grads = g = gs = None     # hold no gradient past its hand-over (AccumulateGrad
            #                              takes over a buffer only nobody else references)
    finally:
        STATE.grad_enabled = prev
    if capture is not None:
        return [captured.get(k) for k in capture]
    return None


def _buf(node, nr, g):
    b = [None] * node.n_out
    b[nr] = g
    return b


def _pre_hooks(node, gs):
    """Tensor hooks, retain_grad and node pre-hooks, in PyTorch's order."""
    if node._tensor_hooks or node._retain:
        gs = _run_tensor_hooks(node, gs)
    if node._prehooks:
        for h in list(node._prehooks.values()):
            r = h(tuple(gs))
            if r is not None:
                gs = list(r)
    return gs


def _materialize(node, gs):
    if node.prim is None:         # custom Functions fill (or pass on) undefined grads themselves
        return gs
    from ..ops.creation import zeros_like
    outs = node.saved_output()
    return [g if g is not None else zeros_like(o) for g, o in zip(gs, outs)]


def _run_tensor_hooks(node, gs):
    gs = list(gs)
    th = node._tensor_hooks or {}
    for nr in range(node.n_out):
        hooks = th.get(nr)
        if hooks and gs[nr] is not None:
            for h in list(hooks.values()):
                r = h(gs[nr])
                if r is not None:
                    gs[nr] = r
        if node._retain and nr in node._retain and gs[nr] is not None:
            t = node._retain[nr]()
            if t is not None:
                g = gs[nr]
                g = g if STATE.grad_enabled else g.detach()
                t._grad = g.clone() if t._grad is None else t._grad + g
    return gs


def _accumulate(node, g, create_graph):
    leaf = node._leaf()
    if leaf is None:
        return
    leaf._accumulate_grad(g, create_graph)     # tensor hooks already ran in _pre_hooks
    post = getattr(leaf, "_post_acc_hooks", None)
    if post:
        for h in list(post.values()):
            h(leaf)


def _anomaly_apply(node, gs, need):
    global _anomaly_apply
    from .anomaly_mode import anomaly_apply
    _anomaly_apply = anomaly_apply          # resolved once, as _capture_trace
    return anomaly_apply(node, gs, need)
