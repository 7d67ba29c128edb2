"""Joining and splitting: cat, stack, split, chunk, unbind, narrow."""
import numpy as np

from .._tensor import Tensor, wrap_dim
from ._primitive import Primitive, joint
from ._util import result_npdtype, npdtype

__all__ = ["cat", "concat", "concatenate", "stack", "split", "chunk", "unbind", "narrow"]


def _cat_vjp(g, out, *xs, dim):
    sizes = [x.shape[dim] for x in xs]
    return _split(g, sizes=tuple(sizes), dim=dim)


def _cat_jvp(tangents, out, *xs, dim):
    from .creation import zeros_like
    ts = [t if t is not None else zeros_like(x) for t, x in zip(tangents, xs)]
    return _cat(*ts, dim=dim)


def _cat_batch(prim, args, batched, dim):
    from .shape import expand, unsqueeze
    B = next(a.shape[0] for a, b in zip(args, batched) if b)
    vals = [a if b else expand(unsqueeze(a, 0), (B,) + tuple(a.shape))
            for a, b in zip(args, batched)]
    return prim(*vals, dim=dim + 1)


_cat = Primitive("cat", lambda *xs, dim: np.concatenate(xs, axis=dim), vjp=joint(_cat_vjp),
                 jvp=joint(_cat_jvp), batch=_cat_batch, saves=())


def cat(tensors, dim=0, *, out=None):
    """Concatenate along an existing dimension (dtypes are promoted)."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    ts = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    ref = ts[0]
    nd = ref.ndim
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, nd, "cat")
    rs = tuple(ref.shape)
    for i, t in enumerate(ts):
        s = tuple(t.shape)
        if len(s) != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and "
                               f"{len(s)}")
        for k in range(nd):
            if k != d and s[k] != rs[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {rs[k]} but got size {s[k]} for tensor "
                                   f"number {i} in the list.")
    dt = result_npdtype(*ts)
    from .elementwise import to_dtype
    ts = [to_dtype(t, dt) for t in ts]
    if len(ts) == 1:
        from .shape import reshape
        return _cat(ts[0], dim=d)
    return _cat(*ts, dim=d)


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    """Stack along a new dimension; every tensor must have the same shape."""
    from .shape import unsqueeze
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    s0 = tuple(tensors[0].shape)
    for i, t in enumerate(tensors):
        if tuple(t.shape) != s0:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(s0)} "
                               f"at entry 0 and {list(t.shape)} at entry {i}")
    d = wrap_dim(dim, len(s0) + 1, "stack")
    return cat([unsqueeze(t, d) for t in tensors], d)


def _split_impl(x, sizes, dim):
    idx = np.cumsum(sizes)[:-1]
    return tuple(np.split(x, idx, axis=dim))


def _split_vjp(gs, outs, x, sizes, dim):
    from .creation import zeros
    parts = [g if g is not None else _zeros_shaped(o) for g, o in zip(gs, outs)]
    return _cat(*parts, dim=dim)


def _zeros_shaped(o):
    from .creation import zeros_like
    return zeros_like(o)


_split = Primitive("split_with_sizes", _split_impl, vjp=_split_vjp,
                   jvp=joint(lambda ts, outs, x, sizes, dim: _split(ts[0], sizes=sizes, dim=dim)),
                   batch=lambda prim, args, batched, sizes, dim: prim(args[0], sizes=sizes,
                                                                       dim=dim + 1),
                   saves=(), is_view=True, n_out=None, uses_output=True,
                   node_name="SplitWithSizesBackward0")


def split(tensor, split_size_or_sections, dim=0):
    """Split into chunks of a size (last may be smaller) or of the given sizes."""
    d = wrap_dim(dim, tensor.ndim, "split")
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        if s <= 0 and n > 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [s] * (n // s) + ([n % s] if n % s else []) if s > 0 else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
    return _split(tensor, sizes=tuple(sizes), dim=d)


def chunk(input, chunks, dim=0):
    d = wrap_dim(dim, input.ndim, "chunk")
    n = input.shape[d]
    size = -(-n // chunks) if n else 1
    return split(input, max(size, 1), d)


def unbind(input, dim=0):
    from .shape import squeeze
    d = wrap_dim(dim, input.ndim, "unbind")
    parts = split(input, 1, d)
    return tuple(squeeze(p, d) for p in parts)


def narrow(input, dim, start, length):
    from .indexing import slice_dim
    d = wrap_dim(dim, input.ndim, "narrow")
    n = input.shape[d]
    if isinstance(start, Tensor):
        start = int(start)
    if start < 0:
        start += n
    if start < 0 or start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return slice_dim(input, d, start, start + length, 1)


METHODS = {"split": split, "chunk": chunk, "unbind": unbind, "narrow": narrow}
INPLACE = {}
