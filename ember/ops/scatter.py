"""gather / scatter / scatter_add along one dimension, and take_along_dim.

All of them address ``out[i][j][k]`` with ``index[i][j][k]`` replacing the coordinate of
``dim``: one open-mesh index grid over ``index``'s shape, so ``index`` may be smaller than the
input in the other dims.  Under vmap the batch dim is just one more grid dim (unbatched
operands are broadcast views), so no rule loops over the batch."""
import numpy as np

from .._tensor import Tensor, wrap_dim
from ._primitive import Primitive, joint
from ._util import npdtype, move_bdim_to_front, batch_size_of

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "take_along_dim"]


def _grid(index, dim):
    nd = index.ndim
    g = [np.arange(s).reshape((1,) * k + (s,) + (1,) * (nd - k - 1))
         for k, s in enumerate(index.shape)]
    g[dim] = index
    return tuple(g)


def _gather_impl(x, index, dim):
    return x[_grid(index, dim)]


def _scatter_impl(ufunc):
    def impl(x, index, src, dim):
        out = np.array(x)
        g = _grid(index, dim)
        if ufunc is None:
            out[g] = src
        else:
            ufunc.at(out, g, np.asarray(src, dtype=out.dtype))
        return out
    return impl


def _batch(prim, args, batched, dim, **params):
    B = batch_size_of(args, batched)
    vals = [move_bdim_to_front(a, b, B) if isinstance(a, Tensor) else a
            for a, b in zip(args, batched)]
    return prim(*vals, dim=dim + 1, **params)


def _gather_vjp(g, out, x, index, dim):
    from .creation import zeros_like
    return _scatter_add(zeros_like(x), index, g, dim=dim)


_gather = Primitive("gather", _gather_impl, vjp=_gather_vjp,
                    jvp=lambda t, out, x, index, dim: _gather(t, index, dim=dim),
                    batch=_batch, saves=())


def _scatter_jvp(ts, out, x, index, src, dim):
    from .creation import zeros_like
    tx = ts[0] if ts[0] is not None else zeros_like(out)
    return _scatter(tx, index, ts[2] if ts[2] is not None else 0, dim=dim)


def _scatter_add_jvp(ts, out, x, index, src, dim):
    from .creation import zeros_like
    tx = ts[0] if ts[0] is not None else zeros_like(out)
    return tx if ts[2] is None else _scatter_add(tx, index, ts[2], dim=dim)


_scatter = Primitive(
    "scatter", _scatter_impl(None),
    vjp=(lambda g, out, x, index, src, dim: _scatter(g, index, 0, dim=dim), None,
         lambda g, out, x, index, src, dim: _gather(g, index, dim=dim)),
    jvp=joint(_scatter_jvp), batch=_batch, saves=())

_scatter_add = Primitive(
    "scatter_add", _scatter_impl(np.add),
    vjp=(lambda g, out, x, index, src, dim: g, None,
         lambda g, out, x, index, src, dim: _gather(g, index, dim=dim)),
    jvp=joint(_scatter_add_jvp), batch=_batch, saves=())


def _no_derivative(*args, **kwargs):
    raise RuntimeError("derivative for aten::scatter is not implemented")


_scatter_mul = Primitive("scatter_multiply", _scatter_impl(np.multiply), vjp=_no_derivative,
                         jvp=_no_derivative, batch=_batch, saves=(),
                         node_name="ScatterBackward0")


def _check_index(input, dim, index, op, what="input"):
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if npdtype(index) not in (np.int64, np.int32):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")
    if index.ndim != input.ndim and index.numel() != 0:
        raise RuntimeError(f"Index tensor must have the same number of dimensions as {what} "
                           f"tensor")
    d = wrap_dim(dim, input.ndim, op)
    if index.__class__ is Tensor and index._data.size:
        a = index._data
        n = input.shape[d] if input.ndim else 1
        bad = a.max() if a.max() >= n else (a.min() if a.min() < 0 else None)
        if bad is not None:
            raise RuntimeError(f"index {int(bad)} is out of bounds for dimension {d} with size "
                               f"{n}")
    return d


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """``out[i][j] = input[index[i][j]][j]`` (for dim 0): values picked along ``dim``."""
    from .shape import reshape
    d = _check_index(input, dim, index, "gather")
    xs, ish = tuple(input.shape), tuple(index.shape)
    if input.ndim == 0:
        return reshape(_gather(reshape(input, (1,)), reshape(index, (1,)), dim=0), ish)
    for k in range(len(ish)):
        if k != d and ish[k] > xs[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{list(ish)} to be no larger than self {list(xs)} apart from "
                               f"dimension {d}")
    return _gather(input, index, dim=d)


def _scatter_call(prim, input, dim, index, src, op):
    from .shape import reshape
    from .indexing import basic_view
    d = _check_index(input, dim, index, op, "self")
    if index.numel() == 0:
        from .copy import clone
        return clone(input)
    xs, ish = tuple(input.shape), tuple(index.shape)
    if isinstance(src, Tensor):
        if src.dtype is not input.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
        ss = tuple(src.shape)
        if len(ss) != len(ish) or any(ish[k] > ss[k] or (k != d and ish[k] > xs[k])
                                      for k in range(len(ish))):
            raise RuntimeError(f"Expected index {list(ish)} to be smaller than self {list(xs)} "
                               f"apart from dimension {d} and to be smaller size than src "
                               f"{list(ss)}")
        if ss != ish:
            src = basic_view(src, tuple(slice(0, s) for s in ish))
    else:
        for k in range(len(ish)):
            if k != d and ish[k] > xs[k]:
                raise RuntimeError(f"Expected index {list(ish)} to be smaller than self "
                                   f"{list(xs)} apart from dimension {d}")
    if input.ndim == 0:
        s1 = reshape(src, (1,)) if isinstance(src, Tensor) else src
        return reshape(prim(reshape(input, (1,)), reshape(index, (1,)), s1, dim=0), ())
    return prim(input, index, src, dim=d)


def scatter(input, dim, index, src=None, *, value=None, reduce=None, out=None):
    """A copy of ``input`` with ``src`` (a tensor or a scalar ``value``) written at ``index``
    along ``dim``; ``reduce='add'``/``'multiply'`` combine with the existing values."""
    if src is None:
        if value is None:
            raise TypeError("scatter() missing required argument 'src' or 'value'")
        src = value
    if not isinstance(src, Tensor):
        src = float(src) if input.dtype.is_floating_point else src
    if reduce is None:
        return _scatter_call(_scatter, input, dim, index, src, "scatter")
    if reduce == "add":
        return _scatter_call(_scatter_add, input, dim, index, src, "scatter")
    if reduce == "multiply":
        return _scatter_call(_scatter_mul, input, dim, index, src, "scatter")
    raise RuntimeError("reduce argument must be either add or multiply.")


def scatter_add(input, dim, index, src):
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (duplicates add up)."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' (position 3) must be Tensor, not "
                        f"{type(src).__name__}")
    return _scatter_call(_scatter_add, input, dim, index, src, "scatter_add")


# ------------------------------------------------------------------ scatter_reduce

_REDUCE = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum,
           "amin": np.minimum}


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    big = np.inf if dtype.kind in "fc" else np.iinfo(dtype).max
    return -big if reduce == "amax" else big


def _scatter_reduce_impl(x, index, src, dim, reduce, include_self):
    out = np.array(x)
    g = _grid(index, dim)
    if not include_self:
        out[g] = _identity(reduce, out.dtype)
    _REDUCE[reduce].at(out, g, src)
    if reduce == "mean":
        count = np.full(out.shape, 1 if include_self else 0, np.int64)
        np.add.at(count, g, 1)
        count = np.maximum(count, 1)
        out = out / count if out.dtype.kind in "fc" else out // count
        out = out.astype(x.dtype, copy=False)
    return out


def _weights(out, x, index, src, dim, reduce, include_self):
    """(scattered-to mask, d out/d x, d out/d src gathered per src element): the local
    derivatives, so both rules and the JVP are weighted gathers/scatters of them."""
    from .creation import zeros_like, ones_like
    from .comparison import where, eq, logical_and
    from .elementwise import div, mul
    m = _scatter(zeros_like(x, dtype=np.bool_), index, True, dim=dim)
    incl = 1.0 if include_self else 0.0
    if reduce == "sum":
        return m, incl, 1.0
    if reduce == "mean":
        c = _scatter_add(zeros_like(x) + incl, index, ones_like(src), dim=dim)
        c = where(eq(c, 0), 1.0, c)
        return m, div(incl, c), div(1.0, _gather(c, index, dim=dim))
    if reduce in ("amax", "amin"):
        ex = logical_and(eq(x, out), include_self)
        es = eq(src, _gather(out, index, dim=dim))
        n = _scatter_add(ex.to(x.dtype), index, es.to(x.dtype), dim=dim)
        n = where(eq(n, 0), 1.0, n)
        return m, div(ex.to(x.dtype), n), div(es.to(x.dtype), _gather(n, index, dim=dim))
    # prod: the product of the other contributors (zeros handled by counting them)
    zx, zs = eq(x, 0), eq(src, 0)
    zeros = _scatter_add(mul(zx.to(x.dtype), incl), index, zs.to(x.dtype), dim=dim)
    nz = _scatter_reduce(where(zx, 1.0, x), index, where(zs, 1.0, src), dim=dim,
                         reduce="prod", include_self=include_self)

    def others(v, zv, z, p, q):
        return where(zv, where(eq(z, 1), q, 0.0), where(eq(z, 0), div(p, where(zv, 1.0, v)), 0.0))
    wx = mul(others(x, zx, zeros, out, nz), incl)
    ws = others(src, zs, _gather(zeros, index, dim=dim), _gather(out, index, dim=dim),
                _gather(nz, index, dim=dim))
    return m, wx, ws


def _sr_vjp_x(g, out, x, index, src, dim, reduce, include_self):
    from .comparison import where
    m, wx, _ = _weights(out, x, index, src, dim, reduce, include_self)
    return where(m, g * wx, g)


def _sr_vjp_src(g, out, x, index, src, dim, reduce, include_self):
    _, _, ws = _weights(out, x, index, src, dim, reduce, include_self)
    return _gather(g, index, dim=dim) * ws


def _sr_jvp(ts, out, x, index, src, dim, reduce, include_self):
    from .creation import zeros_like
    from .comparison import where
    tx = ts[0] if ts[0] is not None else zeros_like(x)
    m, wx, ws = _weights(out, x, index, src, dim, reduce, include_self)
    t_in = tx * wx
    if ts[2] is not None:
        t_in = _scatter_add(t_in, index, ts[2] * ws, dim=dim)
    return where(m, t_in, tx)


_scatter_reduce = Primitive("scatter_reduce", _scatter_reduce_impl,
                            vjp=(_sr_vjp_x, None, _sr_vjp_src), jvp=joint(_sr_jvp), batch=_batch,
                            uses_output=True, node_name="ScatterReduceBackward0")


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce ``src`` into ``input`` at ``index`` along ``dim`` with sum, prod, mean, amax or
    amin (``include_self`` says whether ``input``'s own values take part)."""
    if reduce not in _REDUCE:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    d = _check_index(input, dim, index, "scatter_reduce", "self")
    if index.numel() == 0:
        from .copy import clone
        return clone(input)
    return _scatter_call(lambda x, i, s, dim: _scatter_reduce(
        x, i, s, dim=dim, reduce=reduce, include_self=bool(include_self)),
        input, d, index, src, "scatter_reduce")


def take_along_dim(input, indices, dim=None, *, out=None):
    """Pick values along ``dim`` at ``indices`` (broadcast against ``input`` in the other
    dims); with ``dim=None`` both are flattened first."""
    from .shape import reshape, expand
    if dim is None:
        return gather(reshape(input, (-1,)), 0, reshape(indices, (-1,)))
    if input.ndim != indices.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {input.ndim} dimensions for input, "
                           f"and {indices.ndim} dimensions for indices")
    d = wrap_dim(dim, input.ndim, "take_along_dim")
    xs, ish = list(input.shape), list(indices.shape)
    from ._util import broadcast_shapes
    xs[d] = ish[d] = 1
    b = list(broadcast_shapes(tuple(xs), tuple(ish), op="take_along_dim"))
    bx, bi = list(b), list(b)
    bx[d], bi[d] = input.shape[d], indices.shape[d]
    return gather(expand(input, tuple(bx)), d, expand(indices, tuple(bi)))


METHODS = {"gather": gather, "scatter": scatter, "scatter_add": scatter_add,
           "scatter_reduce": scatter_reduce, "take_along_dim": take_along_dim}
INPLACE = {"scatter_": scatter, "scatter_add_": scatter_add, "scatter_reduce_": scatter_reduce}
