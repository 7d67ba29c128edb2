"""Shape ops: reshape/view, expand, squeeze/unsqueeze, permute/transpose/movedim."""
import numpy as np

from .._tensor import wrap_dim
from ._primitive import Primitive
from ._util import broadcast_shapes

__all__ = ["reshape", "view", "expand", "unsqueeze", "squeeze", "permute", "transpose",
           "movedim", "moveaxis", "swapaxes", "swapdims", "t", "flatten", "broadcast_to"]


def _infer_shape(shape, numel, op):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def _shape_arg(size):
    if len(size) == 1 and not isinstance(size[0], int):
        return tuple(int(s) for s in size[0])
    return tuple(int(s) for s in size)


def _reshape_batch(prim, args, batched, shape):
    x = args[0]
    return prim(x, shape=(x.shape[0],) + shape)


_reshape = Primitive("reshape", lambda x, shape: x.reshape(shape),
                     vjp=lambda g, out, x, shape: _reshape(g, shape=tuple(x.shape)),
                     jvp=lambda t, out, x, shape: _reshape(t, shape=shape),
                     batch=_reshape_batch, saves=(), is_view=True, node_name="ViewBackward0")


def reshape(input, *shape):
    """Same data with a new shape; a view when the memory layout allows it."""
    shape = _infer_shape(_shape_arg(shape), input.numel(), "reshape")
    if tuple(input.shape) == shape:
        return _reshape(input, shape=shape)
    return _reshape(input, shape=shape)


view = reshape


def _expand_vjp(g, out, x, shape):
    from .reduction import sum_to_size
    return sum_to_size(g, tuple(x.shape))


def _expand_batch(prim, args, batched, shape):
    x = args[0]
    nd = x.ndim - 1
    if nd < len(shape):
        x = _reshape(x, shape=(x.shape[0],) + (1,) * (len(shape) - nd) + tuple(x.shape[1:]))
    return prim(x, shape=(x.shape[0],) + shape)


_expand = Primitive("expand", lambda x, shape: np.broadcast_to(x, shape),
                    vjp=_expand_vjp, jvp=lambda t, out, x, shape: _expand(t, shape=shape),
                    batch=_expand_batch, saves=(), is_view=True)


def expand(input, *sizes):
    """Broadcast to a larger shape without copying (-1 keeps a dimension)."""
    sizes = _shape_arg(sizes)
    xs = tuple(input.shape)
    if len(sizes) < len(xs):
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(xs)}}}, size={list(sizes)}): the "
                           f"number of sizes provided ({len(sizes)}) must be greater or equal to "
                           f"the number of dimensions in the tensor ({len(xs)})")
    off = len(sizes) - len(xs)
    shape = list(sizes)
    for i, s in enumerate(xs):
        if shape[off + i] == -1:
            shape[off + i] = s
        elif s != 1 and s != shape[off + i]:
            raise RuntimeError(f"The expanded size of the tensor ({shape[off + i]}) must match "
                               f"the existing size ({s}) at non-singleton dimension {off + i}.  "
                               f"Target sizes: {list(sizes)}.  Tensor sizes: {list(xs)}")
    shape = tuple(shape)
    if shape == xs:
        return input
    return _expand(input, shape=shape)


def broadcast_to(input, size):
    return expand(input, tuple(size))


def _unsqueeze_batch(prim, args, batched, dim):
    return prim(args[0], dim=dim + 1)


_unsqueeze = Primitive("unsqueeze", lambda x, dim: np.expand_dims(x, dim),
                       vjp=lambda g, out, x, dim: _squeeze(g, dims=(dim,)),
                       jvp=lambda t, out, x, dim: _unsqueeze(t, dim=dim),
                       batch=_unsqueeze_batch, saves=(), is_view=True)


def unsqueeze(input, dim):
    return _unsqueeze(input, dim=wrap_dim(dim, input.ndim + 1, "unsqueeze"))


_squeeze = Primitive("squeeze", lambda x, dims: np.squeeze(x, axis=dims),
                     vjp=lambda g, out, x, dims: _reshape(g, shape=tuple(x.shape)),
                     jvp=lambda t, out, x, dims: _squeeze(t, dims=dims),
                     batch=lambda prim, args, batched, dims: prim(args[0], dims=tuple(
                         d + 1 for d in dims)),
                     saves=(), is_view=True)


def squeeze(input, dim=None):
    """Remove size-1 dimensions (all of them, or those in ``dim``)."""
    shape = tuple(input.shape)
    if dim is None:
        dims = tuple(i for i, s in enumerate(shape) if s == 1)
    else:
        ds = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = tuple(sorted(set(wrap_dim(d, len(shape), "squeeze") for d in ds)))
        dims = tuple(d for d in dims if shape[d] == 1)
    return _squeeze(input, dims=dims)


def _inverse_perm(p):
    inv = [0] * len(p)
    for i, j in enumerate(p):
        inv[j] = i
    return tuple(inv)


_permute = Primitive("permute", lambda x, dims: np.transpose(x, dims),
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


def _transpose_impl(x, dim0, dim1):
    return np.swapaxes(x, dim0, dim1)


_transpose = Primitive("transpose", _transpose_impl,
                       vjp=lambda g, out, x, dim0, dim1: _transpose(g, dim0=dim0, dim1=dim1),
                       jvp=lambda t, out, x, dim0, dim1: _transpose(t, dim0=dim0, dim1=dim1),
                       batch=lambda prim, args, batched, dim0, dim1: prim(
                           args[0], dim0=dim0 + 1, dim1=dim1 + 1),
                       saves=(), is_view=True)


def transpose(input, dim0, dim1):
    nd = input.ndim
    d0, d1 = wrap_dim(dim0, nd, "transpose"), wrap_dim(dim1, nd, "transpose")
    if nd == 0:
        return _reshape(input, shape=())
    return _transpose(input, dim0=d0, dim1=d1)


swapaxes = swapdims = transpose


def t(input):
    nd = input.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return transpose(input, 0, 1) if nd == 2 else input


def movedim(input, source, destination):
    nd = input.ndim
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    src = [wrap_dim(d, nd, "movedim") for d in src]
    dst = [wrap_dim(d, nd, "movedim") for d in dst]
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
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return reshape(input, shape[:s] + (n,) + shape[e + 1:])


METHODS = {
    "reshape": reshape, "view": view, "expand": expand, "unsqueeze": unsqueeze,
    "squeeze": squeeze, "permute": permute, "transpose": transpose, "swapaxes": transpose,
    "swapdims": transpose, "t": t, "movedim": movedim, "moveaxis": movedim, "flatten": flatten,
    "view_as": lambda self, other: reshape(self, tuple(other.shape)),
    "reshape_as": lambda self, other: reshape(self, tuple(other.shape)),
    "expand_as": lambda self, other: expand(self, tuple(other.shape)),
    "broadcast_to": broadcast_to,
    "T": property(lambda self: permute(self, tuple(reversed(range(self.ndim))))),
    "mT": property(lambda self: transpose(self, -2, -1)),
}
INPLACE = {}
