"""``vmap``: vectorise a function over a dimension of its inputs."""
import functools

from .._tensor import Tensor
from ..utils._pytree import tree_flatten, tree_unflatten, broadcast_prefix
from ._vmap_level import VmapInterpreter

__all__ = ["vmap"]


def _check_dim(d, what):
    if d is not None and not isinstance(d, int):
        raise ValueError(f"vmap: {what} must be an int or None, got {d!r}")


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Map ``func`` over dimension ``in_dims`` of its inputs, stacking results at ``out_dims``.

    randomness: 'error' (random ops raise), 'different' (independent draws per example) or
    'same' (one draw shared by the batch).  chunk_size: process the batch in chunks of this
    size to bound peak memory (results are identical)."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        if not isinstance(in_dims, (int, tuple, list, dict)) and in_dims is not None:
            raise ValueError(f"vmap(func, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` "
                             f"to be int or a (potentially nested) tuple matching the structure "
                             f"of inputs, got: {type(in_dims)}.")
        if isinstance(in_dims, (tuple, list)) and not isinstance(in_dims, int) \
                and len(in_dims) != len(args):
            raise ValueError(f"vmap(func, in_dims={in_dims}, ...)(<inputs>): in_dims is not "
                             f"compatible with the structure of `inputs`. in_dims has structure "
                             f"{in_dims!r} but inputs has {len(args)} elements.")
        leaves, spec = tree_flatten(args)
        dims = broadcast_prefix(in_dims if isinstance(in_dims, (tuple, list)) else
                                (in_dims,) * len(args), args)
        B = None
        for x, d in zip(leaves, dims):
            _check_dim(d, "in_dim")
            if d is None:
                continue
            if not isinstance(x, Tensor):
                raise ValueError(f"vmap(func, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} "
                                 f"for an input but the input is of type {type(x).__name__}. We "
                                 f"cannot vmap over non-Tensor arguments, please use None as "
                                 f"the respective in_dim")
            nd = x.ndim
            if not -nd <= d < nd:
                raise ValueError(f"vmap(func, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} "
                                 f"for some input, but that input is a Tensor of dimensionality "
                                 f"{nd} so expected in_dim to satisfy -{nd} <= in_dim < {nd}.")
            n = x.shape[d]
            if B is None:
                B = n
            elif n != B:
                raise ValueError(_size_mismatch(func, leaves, dims))
        if B is None:
            raise ValueError(f"vmap(func, in_dims={in_dims}, ...)(<inputs>): at least one input "
                             f"must be mapped over (got in_dims={in_dims}), i.e. have a "
                             f"non-None in_dim")
        if chunk_size is not None and chunk_size < B:
            return _chunked(func, leaves, spec, dims, B, kwargs, out_dims, randomness, chunk_size)
        return _run(func, leaves, spec, dims, B, kwargs, out_dims, randomness)
    return wrapped


def _size_mismatch(func, leaves, dims):
    parts = [f"args[{i}] of shape {list(x.shape)} mapped over dim {d} (size {x.shape[d]})"
             for i, (x, d) in enumerate(zip(leaves, dims)) if d is not None]
    return (f"vmap: Expected all tensors to have the same size in the mapped dimension, got "
            f"sizes {[x.shape[d] for x, d in zip(leaves, dims) if d is not None]} for the "
            f"mapped dimension: " + "; ".join(parts))


def _run(func, leaves, spec, dims, B, kwargs, out_dims, randomness):
    from ..ops.shape import movedim
    interp = VmapInterpreter(B, randomness)
    try:
        with interp:
            wrapped = [interp.wrap(movedim(x, d, 0)) if d is not None else x
                       for x, d in zip(leaves, dims)]
            out = func(*tree_unflatten(wrapped, spec), **kwargs)
            result = _unwrap_outputs(interp, out, out_dims, B)
            del out, wrapped
    except BaseException:
        interp.finish(check=False)
        raise
    if interp.promoted:
        interp.finish()
    return result


def _unwrap_outputs(interp, out, out_dims, B):
    from ..ops.shape import movedim, expand, unsqueeze
    leaves, spec = tree_flatten(out)
    dims = broadcast_prefix(out_dims, out) if isinstance(out_dims, (tuple, list, dict)) \
        else [out_dims] * len(leaves)
    res = []
    for x, d in zip(leaves, dims):
        if not isinstance(x, Tensor):
            raise ValueError(f"vmap: `{getattr(interp, 'fname', 'func')}` must only return "
                             f"Tensors, got type {type(x).__name__}. Did you mean to set "
                             f"out_dims= to None for output?")
        if isinstance(x, Tensor) and x._is_wrapper and x._interp is interp:
            v = x._inner
            if d is None:
                raise ValueError("vmap: out_dims=None for a batched output")
            nd = v.ndim
            res.append(movedim(v, 0, d % nd) if d % nd != 0 else v)
        else:
            if d is None:
                res.append(x)
                continue
            v = expand(unsqueeze(x, 0), (B,) + tuple(x.shape))
            res.append(movedim(v, 0, d % v.ndim) if d % v.ndim != 0 else v)
    return tree_unflatten(res, spec)


def _chunked(func, leaves, spec, dims, B, kwargs, out_dims, randomness, chunk_size):
    from ..ops.join import cat, narrow
    from ..ops.random import get_rng_state, set_rng_state
    pieces = []
    rng = get_rng_state() if randomness == "same" else None   # one draw for every chunk
    for s in range(0, B, chunk_size):
        n = min(chunk_size, B - s)
        part = [narrow(x, d, s, n) if d is not None else x for x, d in zip(leaves, dims)]
        if rng is not None:
            set_rng_state(rng)
        pieces.append(_run(func, part, spec, dims, n, kwargs, out_dims, randomness))
    flat = [tree_flatten(p)[0] for p in pieces]
    out_spec = tree_flatten(pieces[0])[1]
    odims = broadcast_prefix(out_dims, pieces[0]) if isinstance(out_dims, (tuple, list, dict)) \
        else [out_dims] * len(flat[0])
    res = []
    for i, d in enumerate(odims):
        if d is None:
            res.append(flat[0][i])
        else:
            res.append(cat([f[i] for f in flat], dim=d))
    return tree_unflatten(res, out_spec)
