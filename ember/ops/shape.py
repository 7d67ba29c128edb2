"""Shape ops that are views: reshape/view, expand, squeeze/unsqueeze, permute/transpose/movedim,
flatten/unflatten, broadcasting helpers.  The copying rearrangements (repeat, tile, flip, roll,
repeat_interleave) live in ``rearrange.py`` and are re-exported from here."""
from math import prod
from operator import index

import numpy as np

from .._backend import array_module

from .._tensor import Tensor, Size, wrap_dim
from ._primitive import Primitive
from ._util import broadcast_shapes as _bshapes

__all__ = ["reshape", "view", "expand", "unsqueeze", "squeeze", "permute", "transpose",
           "movedim", "moveaxis", "swapaxes", "swapdims", "t", "flatten", "unflatten",
           "broadcast_to", "broadcast_tensors", "broadcast_shapes", "atleast_1d", "atleast_2d",
           "atleast_3d", "ravel"]

_VIEW_ERR = ("view size is not compatible with input tensor's size and stride (at least one "
             "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")


def _infer_shape(shape, numel):
    """Resolve one -1 entry and check the element count."""
    if -1 not in shape and min(shape, default=0) >= 0:
        if prod(shape) != numel:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        return shape
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    neg = shape.index(-1)
    known = -prod(shape)
    if known == 0 and numel == 0:
        raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} "
                           f"because the unspecified dimension size -1 can be any value and is "
                           f"ambiguous")
    if known == 0 or numel % known:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape[:neg] + (numel // known,) + shape[neg + 1:]


def _shape_arg(size):
    """``f(2, 3)`` or ``f((2, 3))`` -> (2, 3)."""
    if len(size) == 1 and not isinstance(size[0], (int, np.integer)):
        size = size[0]
    return tuple(map(index, size))


def _numel(x):
    return x._data.size if x.__class__ is Tensor else x.numel()


def _view_impl(x, shape):
    """A view when the strides allow it; otherwise a fresh copy (never a copy that looks like a
    view, so in-place writes through the result stay correct)."""
    try:
        return x.reshape(shape, copy=False)
    except ValueError:
        return _copy_impl(x, shape)


def _reshape_batch(prim, args, batched, shape):
    x = args[0]
    return prim(x, shape=(x.shape[0],) + shape)


_view = Primitive("view", _view_impl,
                  vjp=lambda g, out, x, shape: _view(g, shape=tuple(x.shape)),
                  jvp=lambda t, out, x, shape: _view(t, shape=shape),
                  batch=_reshape_batch, saves=(), is_view=True)

def _copy_impl(x, shape):
    out = array_module(x).empty(shape, x.dtype)
    out.reshape(x.shape)[...] = x
    return out


_reshape_copy = Primitive("reshape_copy", _copy_impl,
                          vjp=lambda g, out, x, shape: _view(g, shape=tuple(x.shape)),
                          jvp=lambda t, out, x, shape: _view(t, shape=shape),
                          batch=_reshape_batch, saves=(), node_name="UnsafeViewBackward0")


def _viewable(x, shape):
    """Whether the memory behind ``x`` can be seen with ``shape`` without copying.  Inside
    transforms this asks the physical array (batch dims lead), so a wrapper is only marked
    a view of its base when the inner values really share memory."""
    if x.__class__ is Tensor:
        arr = x._data
    else:
        arr = x
        while arr._is_wrapper:
            arr = arr._inner
        arr = arr._data
        shape = arr.shape[:arr.ndim - x.ndim] + shape
    if arr.flags.c_contiguous:
        return True
    try:
        arr.reshape(shape, copy=False)
        return True
    except ValueError:
        return False


def reshape(input, *shape):
    """Same data with a new shape: a view when the memory layout allows it, else a copy."""
    shape = _infer_shape(_shape_arg(shape), _numel(input))
    if not _viewable(input, shape):
        return _reshape_copy(input, shape=shape)
    return _view(input, shape=shape)


_view_dtype = Primitive("view_dtype", lambda x, dtype: x.view(dtype),
                        batch=lambda prim, args, batched, dtype: prim(args[0], dtype=dtype),
                        is_view=True, differentiable=False)


def view(input, *shape):
    """A view with a new shape (raises when the strides do not allow one) or a new dtype."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list, Size)):
        from .. import _dtype as D
        npd = D.to_numpy_dtype(shape[0])
        if input.dtype.itemsize != npd.itemsize and input.ndim == 0:
            raise RuntimeError("self.dim() cannot be 0 to view "
                               f"{input.dtype} as {shape[0]} (different element sizes)")
        return _view_dtype(input, dtype=npd)
    shape = _infer_shape(_shape_arg(shape), _numel(input))
    if not _viewable(input, shape):
        raise RuntimeError(_VIEW_ERR)
    return _view(input, shape=shape)


def _expand_vjp(g, out, x, shape):
    from .reduction import sum_to_size
    return sum_to_size(g, tuple(x.shape))


def _expand_batch(prim, args, batched, shape):
    x = args[0]
    nd = x.ndim - 1
    if nd < len(shape):
        x = _view(x, shape=(x.shape[0],) + (1,) * (len(shape) - nd) + tuple(x.shape[1:]))
    return prim(x, shape=(x.shape[0],) + shape)


def _expand_impl(x, shape):
    """A read-only broadcast view (built directly on the buffer when x is contiguous)."""
    if x.__class__ is np.ndarray and x.flags.c_contiguous and x.size:
        off = len(shape) - x.ndim
        xs, st = x.shape, x.strides
        out = np.ndarray(shape, x.dtype, x, 0, (0,) * off + tuple(
            0 if xs[i] != shape[off + i] else st[i] for i in range(len(xs))))
        out.flags.writeable = False
        return out
    return np.broadcast_to(x, shape)


_expand = Primitive("expand", _expand_impl,
                    vjp=_expand_vjp, jvp=lambda t, out, x, shape: _expand(t, shape=shape),
                    batch=_expand_batch, saves=(), is_view=True)


def _tname(t):
    from .inplace import _tname as tn
    return tn(t.dtype)


def expand(input, *sizes):
    """Broadcast to a larger shape without copying (-1 keeps a dimension)."""
    sizes = _shape_arg(sizes)
    xs = tuple(input.shape)
    if len(sizes) < len(xs):
        raise RuntimeError(f"expand(torch.{_tname(input)}Tensor{{{list(xs)}}}, size={list(sizes)}"
                           f"): the number of sizes provided ({len(sizes)}) must be greater or "
                           f"equal to the number of dimensions in the tensor ({len(xs)})")
    off = len(sizes) - len(xs)
    shape = list(sizes)
    for i, s in enumerate(xs):
        if shape[off + i] == -1:
            shape[off + i] = s
        elif s != 1 and s != shape[off + i]:
            raise RuntimeError(f"The expanded size of the tensor ({shape[off + i]}) must match "
                               f"the existing size ({s}) at non-singleton dimension {off + i}.  "
                               f"Target sizes: {list(sizes)}.  Tensor sizes: {list(xs)}")
    for i in range(off):
        if shape[i] < 0:
            raise RuntimeError(f"The expanded size of the tensor ({shape[i]}) isn't allowed in a "
                               f"leading, non-existing dimension {i}")
    return _expand(input, shape=tuple(shape))


def broadcast_to(input, size):
    return expand(input, tuple(size))


def broadcast_shapes(*shapes):
    """The shape all ``shapes`` broadcast to (a ``torch.Size``)."""
    shapes = [(s,) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes]
    nd = max((len(s) for s in shapes), default=0)
    res = [1] * nd
    for k, s in enumerate(shapes):
        for i, d in enumerate(s):
            j = nd - len(s) + i
            if d < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {d}: "
                                   f"{list(s)}")
            if res[j] == 1:
                res[j] = d
            elif d != 1 and d != res[j]:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {d} at "
                                   f"{i - len(s)}! Mismatching argument at index {k} had "
                                   f"{tuple(s)}; but expected shape should be broadcastable to "
                                   f"{res}")
    return Size(res)


def broadcast_tensors(*tensors):
    """Expand every tensor to their common broadcast shape (views)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = _bshapes(*[tuple(t.shape) for t in tensors])
    return tuple(t if tuple(t.shape) == shape else _expand(t, shape=shape) for t in tensors)


def _unsqueeze_impl(x, dim):
    s = x.shape
    return x.reshape(s[:dim] + (1,) + s[dim:])


_unsqueeze = Primitive("unsqueeze", _unsqueeze_impl,
                       vjp=lambda g, out, x, dim: _squeeze(g, dims=(dim,)),
                       jvp=lambda t, out, x, dim: _unsqueeze(t, dim=dim),
                       batch=lambda prim, args, batched, dim: prim(args[0], dim=dim + 1),
                       saves=(), is_view=True)


def unsqueeze(input, dim):
    return _unsqueeze(input, dim=wrap_dim(dim, input.ndim + 1, "unsqueeze"))


def _squeeze_impl(x, dims):
    s = x.shape
    return x.reshape(tuple(n for i, n in enumerate(s) if i not in dims))


_squeeze = Primitive("squeeze", _squeeze_impl,
                     vjp=lambda g, out, x, dims: _view(g, shape=tuple(x.shape)),
                     jvp=lambda t, out, x, dims: _squeeze(t, dims=dims),
                     batch=lambda prim, args, batched, dims: prim(args[0], dims=tuple(
                         d + 1 for d in dims)),
                     saves=(), is_view=True)


def squeeze(input, dim=None):
    """Remove size-1 dimensions (all of them, or those among ``dim``, an int or a tuple)."""
    shape = tuple(input.shape)
    if dim is None:
        dims = tuple(i for i, s in enumerate(shape) if s == 1)
    else:
        ds = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        dims = tuple(sorted(set(wrap_dim(d, len(shape), "squeeze") for d in ds)))
        dims = tuple(d for d in dims if shape[d] == 1)
    return _squeeze(input, dims=dims)


def _inverse_perm(p):
    inv = [0] * len(p)
    for i, j in enumerate(p):
        inv[j] = i
    return tuple(inv)


_permute = Primitive("permute", lambda x, dims: x.transpose(dims),
                     vjp=lambda g, out, x, dims: _permute(g, dims=_inverse_perm(dims)),
                     jvp=lambda t, out, x, dims: _permute(t, dims=dims),
                     batch=lambda prim, args, batched, dims: prim(
                         args[0], dims=(0,) + tuple(d + 1 for d in dims)),
                     saves=(), is_view=True)


def permute(input, *dims):
    dims = _shape_arg(dims)
    nd = input.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, nd, "permute") for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _permute(input, dims=dims)


_transpose = Primitive("transpose", lambda x, dim0, dim1: np.swapaxes(x, dim0, dim1),
                       vjp=lambda g, out, x, dim0, dim1: _transpose(g, dim0=dim0, dim1=dim1),
                       jvp=lambda t, out, x, dim0, dim1: _transpose(t, dim0=dim0, dim1=dim1),
                       batch=lambda prim, args, batched, dim0, dim1: prim(
                           args[0], dim0=dim0 + 1, dim1=dim1 + 1),
                       saves=(), is_view=True)


def transpose(input, dim0, dim1):
    nd = input.ndim
    d0, d1 = wrap_dim(dim0, nd, "transpose"), wrap_dim(dim1, nd, "transpose")
    if nd == 0:
        return _view(input, shape=())
    return _transpose(input, dim0=d0, dim1=d1)


swapaxes = swapdims = transpose


def t(input):
    """Transpose a matrix; 0-d and 1-d tensors come back as (a view of) themselves."""
    nd = input.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return _transpose(input, dim0=0, dim1=1) if nd == 2 else _view(input, shape=tuple(input.shape))


def movedim(input, source, destination):
    nd = input.ndim
    src = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
    dst = (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    src = [wrap_dim(d, nd, "movedim") for d in src]
    dst = [wrap_dim(d, nd, "movedim") for d in dst]
    if len(set(src)) != len(src):
        raise RuntimeError("movedim: repeated dim in `source` " + f"({list(src)})")
    if len(set(dst)) != len(dst):
        raise RuntimeError("movedim: repeated dim in `destination` " + f"({list(dst)})")
    order = [None] * nd
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(nd) if i not in src)
    order = tuple(o if o is not None else next(rest) for o in order)
    if order == tuple(range(nd)):
        return input
    return _permute(input, dims=order)


moveaxis = movedim


def flatten(input, start_dim=0, end_dim=-1):
    shape = tuple(input.shape)
    nd = len(shape)
    if nd == 0:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, nd, "flatten"), wrap_dim(end_dim, nd, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return reshape(input, shape[:s] + (n,) + shape[e + 1:])


def unflatten(input, dim, sizes):
    """Split dimension ``dim`` into ``sizes`` (one entry may be -1)."""
    shape = tuple(input.shape)
    d = wrap_dim(dim, len(shape), "unflatten")
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        sizes = _infer_shape(sizes, shape[d])
    except RuntimeError:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({shape[d]}) in the input tensor") from None
    return reshape(input, shape[:d] + sizes + shape[d + 1:])


def ravel(input):
    """The flattened tensor (a view when the layout allows it)."""
    return reshape(input, (-1,))


def _unfold_impl(x, dim, size, step):
    n = (x.shape[dim] - size) // step + 1
    st = x.strides
    shape = x.shape[:dim] + (n,) + x.shape[dim + 1:] + (size,)
    strides = st[:dim] + (st[dim] * step,) + st[dim + 1:] + (st[dim],)
    out = np.lib.stride_tricks.as_strided(x, shape, strides, writeable=step >= size and
                                          x.flags.writeable)
    return out


def _unfold_vjp(g, out, x, dim, size, step):
    """Each window's gradient is added back where it came from (windows may overlap)."""
    from .creation import zeros_like
    from .indexing_prims import _index_put
    from .._tensor import make_tensor
    n = g.shape[dim]
    pos = make_tensor(np.arange(n)[:, None] * step + np.arange(size))
    return _index_put(zeros_like(x), movedim(g, -1, dim + 1), pos, dims=(dim,), accumulate=True)


_unfold = Primitive("unfold", _unfold_impl, vjp=_unfold_vjp,
                    jvp=lambda t, out, x, dim, size, step: _unfold(t, dim=dim, size=size,
                                                                   step=step),
                    batch=lambda prim, args, batched, dim, size, step: prim(
                        args[0], dim=dim + 1, size=size, step=step),
                    saves=(), is_view=True)


def unfold(input, dimension, size, step):
    """All windows of ``size`` elements along ``dimension``, ``step`` apart, as a new last dim
    (a view; windows that overlap are read-only)."""
    if input.ndim == 0:
        return reshape(unfold(reshape(input, (1,)), 0, size, step), (1,))
    d = wrap_dim(dimension, input.ndim, "unfold")
    n = input.shape[d]
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    return _unfold(input, dim=d, size=int(size), step=int(step))


def _atleast(nd, fill):
    def fn(*tensors):
        if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
            return tuple(fn(t) for t in tensors[0])
        if len(tensors) != 1:
            return tuple(fn(t) for t in tensors)
        x = tensors[0]
        if x.ndim >= nd:
            return x
        return reshape(x, fill(tuple(x.shape)))
    fn.__name__ = f"atleast_{nd}d"
    fn.__doc__ = f"View with at least {nd} dimensions (``torch.atleast_{nd}d``)."
    return fn


atleast_1d = _atleast(1, lambda s: (1,))
atleast_2d = _atleast(2, lambda s: (1,) * (2 - len(s)) + s)
atleast_3d = _atleast(3, lambda s: {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)])


def _same_shape(fn):
    return lambda self, other: fn(self, tuple(other.shape))


METHODS = {
    "reshape": reshape, "view": view, "expand": expand, "unsqueeze": unsqueeze,
    "squeeze": squeeze, "permute": permute, "transpose": transpose, "swapaxes": transpose,
    "swapdims": transpose, "t": t, "movedim": movedim, "moveaxis": movedim, "flatten": flatten,
    "unflatten": unflatten, "view_as": _same_shape(view), "reshape_as": _same_shape(reshape),
    "expand_as": _same_shape(expand), "broadcast_to": broadcast_to, "ravel": ravel,
    "unfold": unfold,
    "T": property(lambda self: permute(self, tuple(reversed(range(self.ndim))))),
    "mT": property(lambda self: transpose(self, -2, -1)),
}
INPLACE = {}

from .rearrange import *  # noqa: E402,F401,F403  (copying rearrangements, exported from here)
from . import rearrange as _rearrange  # noqa: E402

__all__ += _rearrange.__all__
METHODS.update(_rearrange.METHODS)
INPLACE.update(_rearrange.INPLACE)
