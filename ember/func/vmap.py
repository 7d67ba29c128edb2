"""``vmap``: vectorise a function over a dimension of its inputs."""
import functools

from .._tensor import Tensor
from ..utils._pytree import tree_flatten, tree_unflatten
from ._vmap_level import VmapInterpreter

__all__ = ["vmap"]

_OUT_DIMS_MSG = ("`out_dims` must be an int, None or a python collection of ints representing "
                 "where in the outputs the vmapped dimension should appear.")


def _fname(func):
    return getattr(func, "__name__", None) or repr(func)


def _is_dim(d):
    return d is None or isinstance(d, int)


def _match(prefix, tree, out):
    """Expand ``prefix`` (in_dims/out_dims) to one entry per leaf of ``tree``; False when the
    structures differ.  As in PyTorch, a container in the prefix must be the same kind of
    container as in the tree (tuple, list, the same namedtuple, a dict with the same keys)."""
    if not isinstance(prefix, (tuple, list, dict)):
        out.extend([prefix] * len(tree_flatten(tree)[0]))
        return True
    if type(prefix) is not type(tree):
        return False
    if isinstance(prefix, dict):
        if set(prefix) != set(tree):
            return False
        return all(_match(prefix[k], tree[k], out) for k in tree)
    if len(prefix) != len(tree):
        return False
    return all(_match(p, t, out) for p, t in zip(prefix, tree))


def _leaf_names(tree, name, out):
    """Readable names of the leaves of ``tree`` (``args[1]['w']``), in flattening order."""
    if tree is None:
        return
    if isinstance(tree, (tuple, list)):
        for i, c in enumerate(tree):
            _leaf_names(c, f"{name}[{i}]", out)
    elif isinstance(tree, dict):
        for k, c in tree.items():
            _leaf_names(c, f"{name}[{k!r}]", out)
    else:
        out.append(name)


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
        if in_dims.__class__ is int and out_dims.__class__ is int and args:
            # the common call (tensors mapped over one int dim): no tree flattening; anything
            # unusual (or wrong) takes the general path below with its checks and messages
            B = None
            for x in args:
                if not isinstance(x, Tensor):
                    break
                s = x.shape
                if not -len(s) <= in_dims < len(s):
                    break
                if B is None:
                    B = s[in_dims]
                elif s[in_dims] != B:
                    break
            else:
                if chunk_size is None or chunk_size >= B:
                    return _run(func, args, None, (in_dims,) * len(args), B, kwargs, out_dims,
                                randomness)
        leaves, spec, dims, B = _process_inputs(func, in_dims, args)
        _check_out_dims(func, out_dims)
        if chunk_size is not None and chunk_size < B:
            return _chunked(func, leaves, spec, dims, B, kwargs, out_dims, randomness, chunk_size)
        return _run(func, leaves, spec, dims, B, kwargs, out_dims, randomness)
    return wrapped


def _process_inputs(func, in_dims, args):
    """Validate ``in_dims`` against ``args`` (PyTorch's checks and messages); returns the
    flattened inputs, their spec, one in_dim per leaf and the batch size."""
    head = f"vmap({_fname(func)}, in_dims={in_dims}, ...)(<inputs>)"
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(f"{head}: expected `in_dims` to be int or a (potentially nested) tuple "
                         f"matching the structure of inputs, got: {type(in_dims)}.")
    if not args:
        raise ValueError(f"vmap({_fname(func)})(<inputs>): got no inputs. Maybe you forgot to "
                         f"add inputs, or you are trying to vmap over a function with no "
                         f"inputs. The latter is unsupported.")
    leaves, spec = tree_flatten(args)
    dims = []
    if not _match(in_dims, args, dims):
        raise ValueError(f"{head}: in_dims is not compatible with the structure of `inputs`. "
                         f"in_dims has structure {tree_flatten(in_dims)[1]} but inputs has "
                         f"structure {spec}.")
    B = None
    for x, d in zip(leaves, dims):
        if not _is_dim(d):
            raise ValueError(f"{head}: Got in_dim={d} for an input but in_dim must be either an "
                             f"integer dimension or None.")
        if d is None:
            continue
        if not isinstance(x, Tensor):
            raise ValueError(f"{head}: Got in_dim={d} for an input but the input is of type "
                             f"{type(x)}. We cannot vmap over non-Tensor arguments, please use "
                             f"None as the respective in_dim")
        nd = x.ndim
        if not -nd <= d < nd:
            raise ValueError(f"{head}: Got in_dim={d} for some input, but that input is a Tensor "
                             f"of dimensionality {nd} so expected in_dim to satisfy "
                             f"-{nd} <= in_dim < {nd}.")
        if B is None:
            B = x.shape[d]
        elif x.shape[d] != B:
            raise ValueError(_size_mismatch(args, leaves, dims))
    if B is None:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    return leaves, spec, dims, B


def _check_out_dims(func, out_dims):
    for d in tree_flatten(out_dims)[0]:
        if not isinstance(d, int):
            raise ValueError(f"vmap({_fname(func)}, ..., out_dims={out_dims}): {_OUT_DIMS_MSG}")


def _size_mismatch(args, leaves, dims):
    names = []
    _leaf_names(args, "args", names)
    mapped = [(n, x, d) for n, x, d in zip(names, leaves, dims) if d is not None]
    parts = [f"{n} of shape {list(x.shape)} mapped over dim {d} (size {x.shape[d]})"
             for n, x, d in mapped]
    return (f"vmap: Expected all tensors to have the same size in the mapped dimension, got "
            f"sizes {[x.shape[d] for _, x, d in mapped]} for the mapped dimension: " +
            "; ".join(parts))


def _run(func, leaves, spec, dims, B, kwargs, out_dims, randomness):
    from ..ops.shape import movedim
    interp = VmapInterpreter(B, randomness)
    interp.fname = _fname(func)
    try:
        with interp:
            wrapped = [(interp.wrap(movedim(x, d, 0) if d else x)) if d is not None else x
                       for x, d in zip(leaves, dims)]
            out = func(*(wrapped if spec is None else tree_unflatten(wrapped, spec)), **kwargs)
            result = _unwrap_outputs(interp, out, out_dims, B)
            del out, wrapped
    except BaseException:
        interp.finish(check=False)
        raise
    if interp.promoted:
        interp.finish()
    return result


def _flat_out_dims(fname, out_dims, out):
    """One out_dim per output leaf (a 1-tuple also fits a single tensor, as in PyTorch)."""
    leaves, spec = tree_flatten(out)
    if isinstance(out_dims, tuple) and len(out_dims) == 1 and isinstance(out, Tensor):
        out_dims = out_dims[0]
    dims = []
    if not _match(out_dims, out, dims):
        raise ValueError(f"vmap({fname}, ..., out_dims={out_dims})(<inputs>): out_dims is not "
                         f"compatible with the structure of `outputs`. out_dims has structure "
                         f"{tree_flatten(out_dims)[1]} but outputs has structure {spec}.")
    return leaves, spec, dims


def _wrap_dim(d, nd):
    if not -nd <= d < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], "
                         f"but got {d})")
    return d % nd


def _unwrap_outputs(interp, out, out_dims, B):
    from ..ops.shape import movedim, expand, unsqueeze
    fname = getattr(interp, "fname", "func")
    if out_dims.__class__ is int and isinstance(out, Tensor):
        leaves, spec, dims = (out,), None, (out_dims,)
    else:
        leaves, spec, dims = _flat_out_dims(fname, out_dims, out)
    res = []
    for x, d in zip(leaves, dims):
        if not isinstance(x, Tensor):
            if d is None:
                res.append(x)
                continue
            raise ValueError(f"vmap({fname}, ...): `{fname}` must only return Tensors, got type "
                             f"{type(x)}. Did you mean to set out_dims= to None for output?")
        if x._is_wrapper and x._interp is interp:
            if d is None:
                raise ValueError(f"vmap({fname}, ...): `{fname}` can not return a "
                                 f"BatchedTensor when out_dim is None")
            v = x._inner
            d = _wrap_dim(d, v.ndim)
            res.append(movedim(v, 0, d) if d != 0 else v)
        elif d is None:
            res.append(x)
        else:
            d = _wrap_dim(d, x.ndim + 1)
            v = expand(unsqueeze(x, 0), (B,) + tuple(x.shape))
            res.append(movedim(v, 0, d) if d != 0 else v)
    return res[0] if spec is None else tree_unflatten(res, spec)


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
    first, out_spec, odims = _flat_out_dims(_fname(func), out_dims, pieces[0])
    flat = [tree_flatten(p)[0] for p in pieces]
    res = []
    for i, d in enumerate(odims):
        res.append(first[i] if d is None else cat([f[i] for f in flat], dim=d))
    return tree_unflatten(res, out_spec)
