"""The indexing primitives: basic views (select/slice/unsqueeze/alias), advanced ``index`` and
its functional inverse ``index_put``, and ``nonzero``.

Advanced indices follow one rule (NumPy's, which is PyTorch's too): the broadcast index dims
replace the indexed dims in place when those are adjacent, and go first otherwise.  Batching
rules keep that layout explicit: indices that are not batched index the batched value
directly; batched indices get a companion ``arange(B)`` index on the batch dim, after which
the index dims come first and are moved to where the rule says.  No rule loops over the batch.
"""
import numpy as np

from .._tensor import Tensor, make_tensor
from ._primitive import Primitive, joint
from ._util import move_bdim_to_front, batch_size_of

__all__ = []


# ------------------------------------------------------------------ basic indexing (views)

def _shift_key(key):
    return (slice(None),) + key


def _basic_backward_impl(g, shape, key):
    out = np.zeros(shape, dtype=g.dtype)
    out[key + (Ellipsis,)] = g
    return out


_basic_backward = Primitive(
    "index_basic_backward", _basic_backward_impl,
    vjp=lambda g, out, gy, shape, key: BASIC["slice"](g, key=key),
    jvp=lambda t, out, gy, shape, key: _basic_backward(t, shape=shape, key=key),
    batch=lambda prim, args, batched, shape, key: prim(
        args[0], shape=(args[0].shape[0],) + shape, key=_shift_key(key)),
    saves=())


def _basic(kind, node):
    prim = Primitive(
        f"index_{kind}", lambda x, key: x[key + (Ellipsis,)],
        vjp=lambda g, out, x, key: _basic_backward(g, shape=tuple(x.shape), key=key),
        jvp=lambda t, out, x, key: prim(t, key=key),
        batch=lambda p, args, batched, key: p(args[0], key=_shift_key(key)),
        saves=(), is_view=True, node_name=node)
    return prim


# one primitive per PyTorch node name; they differ only in the name of their backward node
BASIC = {"select": _basic("select", "SelectBackward0"),
         "slice": _basic("slice", "SliceBackward0"),
         "unsqueeze": _basic("unsqueeze_key", "UnsqueezeBackward0"),
         "alias": _basic("alias_key", "AliasBackward0")}
for _p in BASIC.values():
    # vmap may apply these directly to the physical array with the shifted key (the same
    # thing the batching rule does, without a second dispatch)
    _p.vmap_params = lambda params: {"key": _shift_key(params["key"])}


# ------------------------------------------------------------------ advanced indexing

def adjacent(dims):
    return dims[-1] - dims[0] == len(dims) - 1


def _np_key(idx, dims):
    key = [slice(None)] * (dims[-1] + 1)
    for d, i in zip(dims, idx):
        key[d] = i
    return tuple(key)


def _reraise(e):
    msg = str(e).replace(" axis ", " dimension ")
    raise IndexError(msg) from None


def _index_impl(x, *idx, dims):
    try:
        if len(idx) == 1:
            return np.take(x, idx[0], axis=dims[0])
        return x[_np_key(idx, dims)]
    except IndexError as e:
        _reraise(e)


def _index_put_impl(x, v, *idx, dims, accumulate):
    out = np.array(x)
    key = _np_key(idx, dims)
    try:
        if accumulate:
            np.add.at(out, key, np.asarray(v, dtype=out.dtype))
        else:
            out[key] = v
    except IndexError as e:
        _reraise(e)
    return out


def _phys_index(i, b, L):
    """An index at a vmap level as a physical array of rank L + 1 (batch dim B or 1 first)."""
    from .shape import _view
    s = tuple(i.shape)
    if b:
        return _view(i, shape=s[:1] + (1,) * (L + 1 - len(s)) + s[1:])
    return _view(i, shape=(1,) * (L + 1 - len(s)) + s)


def _block_perm(L, pos, rank):
    """Permutation taking (B, index dims[L], rest) to (B, rest[:pos], index dims, rest[pos:])."""
    return ((0,) + tuple(range(1 + L, 1 + L + pos)) + tuple(range(1, 1 + L)) +
            tuple(range(1 + L + pos, rank)))


def _logical_ranks(args, batched):
    return [a.ndim - 1 if b else a.ndim for a, b in zip(args, batched)]


def _index_batch(prim, args, batched, dims):
    x, idx, ib = args[0], args[1:], batched[1:]
    B = batch_size_of(args, batched)
    x = move_bdim_to_front(x, batched[0], B)
    L = max(_logical_ranks(idx, ib))
    if not any(ib):
        res = prim(x, *idx, dims=tuple(d + 1 for d in dims))
        if adjacent(dims):
            return res
        from .shape import movedim
        return movedim(res, L, 0)
    ar = make_tensor(np.arange(B).reshape((B,) + (1,) * L))
    res = prim(x, ar, *[_phys_index(i, b, L) for i, b in zip(idx, ib)],
               dims=(0,) + tuple(d + 1 for d in dims))
    if adjacent(dims) and dims[0] > 0:
        from .shape import _permute
        res = _permute(res, dims=_block_perm(L, dims[0], res.ndim))
    return res


def _index_put_batch(prim, args, batched, dims, accumulate):
    from .shape import _view, _permute, _inverse_perm, movedim
    x, v, idx, ib = args[0], args[1], args[2:], batched[2:]
    B = batch_size_of(args, batched)
    x = move_bdim_to_front(x, batched[0], B)
    L = max(_logical_ranks(idx, ib))
    R = L + (x.ndim - 1) - len(dims)
    if isinstance(v, Tensor):
        s = tuple(v.shape)
        if batched[1]:
            v = _view(v, shape=s[:1] + (1,) * (R + 1 - len(s)) + s[1:])
        else:
            v = _view(v, shape=(1,) * (R + 1 - len(s)) + s)
    vt = isinstance(v, Tensor)
    if not any(ib):
        if vt and not adjacent(dims):
            v = movedim(v, 0, L)
        return prim(x, v, *idx, dims=tuple(d + 1 for d in dims), accumulate=accumulate)
    ar = make_tensor(np.arange(B).reshape((B,) + (1,) * L))
    if vt and adjacent(dims) and dims[0] > 0:
        v = _permute(v, dims=_inverse_perm(_block_perm(L, dims[0], R + 1)))
    return prim(x, v, ar, *[_phys_index(i, b, L) for i, b in zip(idx, ib)],
                dims=(0,) + tuple(d + 1 for d in dims), accumulate=accumulate)


def _index_vjp(g, out, x, *idx, dims):
    from .creation import zeros_like
    return _index_put(zeros_like(x), g, *idx, dims=dims, accumulate=True)


_index = Primitive("index", _index_impl, vjp=_index_vjp,
                   jvp=lambda t, out, x, *idx, dims: _index(t, *idx, dims=dims),
                   batch=_index_batch, saves=())


def _ip_vjp_x(g, out, x, v, *idx, dims, accumulate):
    if accumulate:
        return g
    return _index_put(g, 0, *idx, dims=dims, accumulate=False)


def _ip_vjp_v(g, out, x, v, *idx, dims, accumulate):
    from .elementwise import unbroadcast
    return unbroadcast(_index(g, *idx, dims=dims), v)


def _ip_jvp(ts, out, x, v, *idx, dims, accumulate):
    from .creation import zeros_like
    tx, tv = ts[0], ts[1]
    if tx is None:
        tx = zeros_like(out)
    if tv is None:
        if accumulate:
            return tx
        tv = 0
    return _index_put(tx, tv, *idx, dims=dims, accumulate=accumulate)


_index_put = Primitive("index_put", _index_put_impl, vjp=(_ip_vjp_x, _ip_vjp_v),
                       jvp=joint(_ip_jvp), batch=_index_put_batch, saves=())


# ------------------------------------------------------------------ nonzero

def _dynamic_shape(prim, args, batched, **params):
    raise RuntimeError(f"vmap: We do not support batching operators that can output dynamic "
                       f"shape. Attempted to vmap over aten::{prim.name}. The result size "
                       f"depends on the values of a batched tensor; use ember.where(cond, x, y) "
                       f"or a mask multiplication instead.")


def _nonzero_impl(x):
    if x.ndim == 0:
        return np.zeros((1 if x else 0, 0), np.int64)
    return np.argwhere(x).astype(np.int64, copy=False)


def _nonzero_tuple_impl(x):
    if x.ndim == 0:
        return (np.zeros(1 if x else 0, np.int64),)
    return tuple(i.astype(np.int64, copy=False) for i in np.nonzero(x))


nonzero_prim = Primitive("nonzero", _nonzero_impl, batch=_dynamic_shape, differentiable=False)
nonzero_tuple = Primitive("nonzero_numpy", _nonzero_tuple_impl, batch=_dynamic_shape,
                          differentiable=False, n_out=None)
