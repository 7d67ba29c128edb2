"""A picture of the autograd graph behind a tensor (Graphviz DOT).

    dot = make_dot(loss, params=dict(model.named_parameters()))
    dot.render("mlp", format="png")      # needs Graphviz's ``dot`` program
    print(dot.source)                    # DOT text, always available

Grey boxes are backward functions (``MmBackward0``...), blue boxes the leaves that collect
gradients (named from ``params``, with their shapes), the green box the tensor itself, and
with ``show_saved=True`` orange boxes the tensors a backward function saved.  Edges follow
the forward direction: from the node that produced a value to the node that used it.
"""
import inspect
import os
import shutil
import subprocess

from .._tensor import Tensor

__all__ = ["make_dot", "Digraph"]

_STYLE = {"fn": "lightgrey", "leaf": "lightblue", "out": "darkolivegreen1",
          "saved": "orange"}


class Digraph:
    """DOT source with ``render``/``pipe`` through Graphviz (the ``graphviz`` package when
    installed, otherwise the ``dot`` program directly)."""

    def __init__(self, source):
        self.source = source

    def __str__(self):
        return self.source

    def save(self, filename):
        """Write the DOT source to ``filename``; returns the path."""
        with open(filename, "w") as f:
            f.write(self.source)
        return filename

    def pipe(self, format="svg"):
        """The rendered picture as bytes (``format``: svg, png, pdf...)."""
        try:
            import graphviz
        except ImportError:
            return _run_dot(self.source, format)
        return graphviz.Source(self.source).pipe(format=format)

    def render(self, filename="graph", directory=None, format="png", cleanup=False):
        """Write ``filename`` (DOT) and ``filename.<format>``; returns the picture's path.

        ``cleanup=True`` removes the DOT file afterwards."""
        path = os.path.join(directory, filename) if directory else filename
        if directory:
            os.makedirs(directory, exist_ok=True)
        self.save(path)
        out = f"{path}.{format}"
        with open(out, "wb") as f:
            f.write(self.pipe(format))
        if cleanup:
            os.remove(path)
        return out

    def _repr_svg_(self):
        return self.pipe("svg").decode("utf-8")


def _run_dot(source, format):
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError("failed to execute 'dot', make sure the Graphviz executables are on "
                           "your system's PATH")
    res = subprocess.run([exe, f"-T{format}"], input=source.encode("utf-8"),
                         capture_output=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"dot failed: {res.stderr.decode('utf-8', 'replace')}")
    return res.stdout


def _shape(t):
    return "(" + ", ".join(str(s) for s in t.shape) + ")"


def _quote(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attrs(node, max_chars):
    params = getattr(node, "params", None)
    lines = []
    for k, v in (params or {}).items():
        text = repr(v)
        if len(text) > max_chars:
            text = text[:max_chars - 3] + "..."
        lines.append(f"{k}: {text}")
    return lines


def _saved(node):
    """(label, tensor) for each tensor ``node`` keeps for its backward (if not yet freed)."""
    if getattr(node, "freed", False):
        return []
    ctx = getattr(node, "ctx", None)
    if ctx is not None:                                   # custom Function
        try:
            saved = ctx.saved_tensors
        except RuntimeError:
            return []
        return [(f"saved{k}", t) for k, t in enumerate(saved) if isinstance(t, Tensor)]
    prim = getattr(node, "prim", None)
    args = getattr(node, "args", None)
    if prim is None or not args:
        return []
    saves = getattr(node, "saved_idx", prim.saves)
    idx = range(len(args)) if saves is None else saves
    names = _arg_names(prim, len(args))
    out = [(names[i], args[i]) for i in idx if isinstance(args[i], Tensor)]
    if prim.uses_output and node.out is not None:
        res = node.saved_output()
        res = res if isinstance(res, tuple) else (res,)
        out += [("result" if len(res) == 1 else f"result{k}", t) for k, t in enumerate(res)]
    return out


def _arg_names(prim, n):
    """Argument names as the primitive's reverse rule spells them (``rule(g, out, x, y)``),
    else ``arg<i>``."""
    rule = prim.vjp
    rule = getattr(rule, "fn", rule)
    if isinstance(rule, tuple):
        rule = next((r for r in rule if r is not None), None)
    try:
        params = [p.name for p in inspect.signature(rule).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)][2:]
    except (TypeError, ValueError):
        params = []
    return [params[i] if i < len(params) else f"arg{i}" for i in range(n)]


def make_dot(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50):
    """The graph that computed ``var`` (a tensor or a tuple of tensors) as a ``Digraph``.

    params: ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``) to name leaves.
    show_attrs: list each backward function's static parameters (dims, flags...).
    show_saved: draw the tensors each backward function saved.
    """
    names = {id(t): n for n, t in (params or {}).items()}
    outputs = var if isinstance(var, (tuple, list)) else (var,)
    lines = ["digraph {",
             '\tgraph [size="12,12"]',
             "\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 "
             "shape=box style=filled]"]
    ids = {}

    def nid(obj):
        key = id(obj)
        if key not in ids:
            ids[key] = f"n{len(ids)}"
        return ids[key]

    def box(obj, label, kind):
        lines.append(f"\t{nid(obj)} [label={_quote(label)} fillcolor={_STYLE[kind]}]")

    def leaf_box(node):
        leaf = node.variable
        label = _shape(leaf) if leaf is not None else "(freed)"
        if leaf is not None and id(leaf) in names:
            label = f"{names[id(leaf)]}\n {label}"
        box(node, label, "leaf")

    seen = set()
    todo = []
    for k, t in enumerate(outputs):
        name = names.get(id(t))
        label = f"{name}\n {_shape(t)}" if name else _shape(t)
        box(t, label, "out")
        fn = t.grad_fn
        if fn is None and t.requires_grad:
            fn = t._get_accum()
        if fn is not None:
            lines.append(f"\t{nid(fn)} -> {nid(t)}")
            todo.append(fn)
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if hasattr(node, "variable"):
            leaf_box(node)
            continue
        label = "\n".join([node.name()] + (_attrs(node, max_attr_chars) if show_attrs else []))
        box(node, label, "fn")
        if show_saved:
            for sname, t in _saved(node):
                sid = f"{nid(node)}_{sname}"
                lines.append(f"\t{sid} [label={_quote(f'{sname}{chr(10)}{_shape(t)}')} "
                             f"fillcolor={_STYLE['saved']}]")
                lines.append(f"\t{sid} -> {nid(node)} [dir=none style=dashed]")
        for edge in node.next_functions:
            nxt = edge[0]
            if nxt is None:
                continue
            lines.append(f"\t{nid(nxt)} -> {nid(node)}")
            todo.append(nxt)
    lines.append("}")
    return Digraph("\n".join(lines) + "\n")
