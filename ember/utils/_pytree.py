"""Minimal pytrees: tuples, lists, dicts (insertion order), namedtuples; None has no leaves."""

__all__ = ["tree_flatten", "tree_unflatten", "tree_map", "tree_leaves", "TreeSpec", "LEAF"]


class TreeSpec:
    __slots__ = ("kind", "meta", "children")

    def __init__(self, kind, meta, children):
        self.kind, self.meta, self.children = kind, meta, children

    @property
    def num_leaves(self):
        if self.kind == "leaf":
            return 1
        return sum(c.num_leaves for c in self.children)

    def __eq__(self, other):
        return (isinstance(other, TreeSpec) and self.kind == other.kind and
                self.meta == other.meta and self.children == other.children)

    def __repr__(self):
        if self.kind == "leaf":
            return "*"
        if self.kind == "none":
            return "None"
        return f"{self.kind}({', '.join(map(repr, self.children))})"


LEAF = TreeSpec("leaf", None, ())
NONE = TreeSpec("none", None, ())


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def tree_flatten(tree):
    leaves = []
    spec = _flatten(tree, leaves)
    return leaves, spec


def _flatten(x, leaves):
    if x is None:
        return NONE
    t = type(x)
    if t is tuple or t is list:
        return TreeSpec(t.__name__, len(x), tuple(_flatten(c, leaves) for c in x))
    if _is_namedtuple(x):
        return TreeSpec("namedtuple", t, tuple(_flatten(c, leaves) for c in x))
    if isinstance(x, dict):
        keys = tuple(x.keys())
        return TreeSpec("dict", (t, keys), tuple(_flatten(x[k], leaves) for k in keys))
    leaves.append(x)
    return LEAF


def tree_unflatten(leaves, spec):
    it = iter(leaves)
    return _unflatten(spec, it)


def _unflatten(spec, it):
    k = spec.kind
    if k == "leaf":
        return next(it)
    if k == "none":
        return None
    kids = [_unflatten(c, it) for c in spec.children]
    if k == "tuple":
        return tuple(kids)
    if k == "list":
        return kids
    if k == "namedtuple":
        return spec.meta(*kids)
    cls, keys = spec.meta
    d = dict(zip(keys, kids))
    return d if cls is dict else cls(d)


def tree_leaves(tree):
    return tree_flatten(tree)[0]


def tree_map(fn, tree, *rest):
    leaves, spec = tree_flatten(tree)
    others = [tree_flatten(r)[0] for r in rest]
    return tree_unflatten([fn(*xs) for xs in zip(leaves, *others)], spec)


def broadcast_prefix(prefix, tree, is_leaf_prefix=lambda x: not isinstance(x, (tuple, list, dict))):
    """Expand ``prefix`` (e.g. ``in_dims``) to one entry per leaf of ``tree``."""
    out = []

    def go(p, t):
        if is_leaf_prefix(p) or p is None:
            n = len(tree_flatten(t)[0])
            out.extend([p] * n)
            return
        if isinstance(p, (tuple, list)):
            if not isinstance(t, (tuple, list)) or len(p) != len(t):
                raise ValueError(f"prefix {p!r} does not match the structure of {type(t).__name__}")
            for a, b in zip(p, t):
                go(a, b)
        elif isinstance(p, dict):
            if not isinstance(t, dict) or set(p) != set(t):
                raise ValueError(f"prefix dict keys {list(p)} do not match {list(t) if isinstance(t, dict) else t}")
            for k in t:
                go(p[k], t[k])
    go(prefix, tree)
    return out
