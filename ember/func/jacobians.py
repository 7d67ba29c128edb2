"""``jacrev``, ``jacfwd`` and ``hessian``: Jacobians by vmapping vjp or jvp over a basis."""
import functools

from .._tensor import Tensor
from ..utils._pytree import tree_flatten, tree_unflatten
from .grad import vjp, _argnums_tuple
from .jvp import jvp
from .vmap import vmap

__all__ = ["jacrev", "jacfwd", "hessian"]


def _select(args, argnums):
    idx = _argnums_tuple(argnums, len(args))
    sel = args[idx] if isinstance(idx, int) else tuple(args[i] for i in idx)
    return idx, sel


def _replace(args, idx, new):
    full = list(args)
    if isinstance(idx, int):
        full[idx] = new
    else:
        for i, v in zip(idx, new):
            full[i] = v
    return full


def _basis(leaves):
    """Identity rows for the flattened concatenation of ``leaves`` (one chunk per leaf)."""
    from ..ops.creation import eye
    from ..ops.shape import reshape
    from ..ops.join import split
    sizes = [x.numel() for x in leaves]
    n = sum(sizes)
    e = eye(n, dtype=leaves[0].dtype, device=leaves[0].device)
    parts = split(e, sizes, dim=1) if len(leaves) > 1 else (e,)
    return [reshape(p, (n,) + tuple(x.shape)) for p, x in zip(parts, leaves)], n


def _check_chunk(name, chunk_size):
    if not (chunk_size is None or isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError(f"{name}: `chunk_size` should be greater than 0.")


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """Jacobian by reverse mode: ``vmap(vjp_fn)`` over the rows of the identity."""
    _check_chunk("jacrev", chunk_size)
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from ..ops.shape import reshape
        from ..ops.join import split
        idx, sel = _select(args, argnums)
        f = lambda *d: func(*_replace(args, idx, d[0] if isinstance(idx, int) else d), **kwargs)
        res = vjp(f, *((sel,) if isinstance(idx, int) else sel), has_aux=has_aux)
        if has_aux:
            out, vjp_fn, aux = res
        else:
            out, vjp_fn = res
        o_leaves, o_spec = tree_flatten(out)
        basis, n = _basis(o_leaves)
        ct = tree_unflatten(basis, o_spec)
        grads = vmap(vjp_fn, chunk_size=chunk_size)(ct)       # tuple over primals, each (n, *in)
        in_leaves_tree = grads if not isinstance(idx, int) else grads[0]
        g_leaves, g_spec = tree_flatten(in_leaves_tree)
        # rows are the concatenated outputs: split them back per output leaf
        per_out = []
        sizes = [o.numel() for o in o_leaves]
        for o_i, o in enumerate(o_leaves):
            per_out.append([])
        for g in g_leaves:
            chunks = split(g, sizes, dim=0) if len(o_leaves) > 1 else (g,)
            for o_i, (c, o) in enumerate(zip(chunks, o_leaves)):
                per_out[o_i].append(reshape(c, tuple(o.shape) + tuple(g.shape[1:])))
        jac = tree_unflatten([tree_unflatten(p, g_spec) for p in per_out], o_spec)
        return (jac, aux) if has_aux else jac
    return wrapper


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error", chunk_size=None):
    """Jacobian by forward mode: ``vmap(jvp)`` over the columns of the identity
    (``chunk_size`` columns at a time to bound memory)."""
    _check_chunk("jacfwd", chunk_size)
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from ..ops.shape import reshape, movedim
        idx, sel = _select(args, argnums)
        sel_t = (sel,) if isinstance(idx, int) else tuple(sel)
        p_leaves, p_spec = tree_flatten(sel_t)
        basis, n = _basis(p_leaves)
        f = lambda *d: func(*_replace(args, idx, d[0] if isinstance(idx, int) else d), **kwargs)

        def push(*tangent_leaves):
            tans = tree_unflatten(list(tangent_leaves), p_spec)
            r = jvp(f, sel_t, tans, has_aux=has_aux)
            return (r[1], r[2]) if has_aux else r[1]

        res = vmap(push, randomness=randomness, chunk_size=chunk_size)(*basis)
        if has_aux:
            cols, aux = res
            aux = tree_unflatten([a[0] if isinstance(a, Tensor) else a
                                  for a in tree_flatten(aux)[0]], tree_flatten(aux)[1])
        else:
            cols = res
        c_leaves, c_spec = tree_flatten(cols)
        from ..ops.join import split
        sizes = [p.numel() for p in p_leaves]
        out_leaves = []
        for c in c_leaves:        # (n, *out)
            oshape = tuple(c.shape[1:])
            c = movedim(c, 0, -1)   # (*out, n)
            chunks = split(c, sizes, dim=-1) if len(p_leaves) > 1 else (c,)
            per_in = [reshape(ch, oshape + tuple(p.shape)) for ch, p in zip(chunks, p_leaves)]
            t = tree_unflatten(per_in, p_spec)
            out_leaves.append(t[0] if isinstance(idx, int) else t)
        jac = tree_unflatten(out_leaves, c_spec)
        return (jac, aux) if has_aux else jac
    return wrapper


def hessian(func, argnums=0, *, chunk_size=None):
    """Hessian as forward-over-reverse: ``jacfwd(jacrev(func))``; ``chunk_size`` bounds both
    the rows and the columns processed at once (PyTorch's hessian has no chunking)."""
    _check_chunk("hessian", chunk_size)
    return jacfwd(jacrev(func, argnums, chunk_size=chunk_size), argnums, chunk_size=chunk_size)
