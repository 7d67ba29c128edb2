"""Joining and splitting: cat, stack (and h/v/d/column_stack), split, tensor_split, chunk,
unbind, narrow.  Split-like ops return views of their input."""
import numpy as np

from .._tensor import Tensor, wrap_dim
from ._primitive import Primitive, joint
from ._util import result_npdtype, move_bdim_to_front, batch_size_of

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack",
           "column_stack", "split", "split_with_sizes", "unsafe_split", "tensor_split", "hsplit",
           "vsplit", "dsplit", "chunk", "unsafe_chunk", "unbind", "narrow", "narrow_copy"]


def _zeros_for(ts, xs):
    from .creation import zeros_like
    return [t if t is not None else zeros_like(x) for t, x in zip(ts, xs)]


def _seq_batch(prim, args, batched, dim):
    """cat/stack under vmap: unbatched members get the batch dim (a broadcast view)."""
    B = batch_size_of(args, batched)
    return prim(*[move_bdim_to_front(a, b, B) for a, b in zip(args, batched)], dim=dim + 1)


_cat = Primitive("cat", lambda *xs, dim: np.concatenate(xs, axis=dim),
                 vjp=joint(lambda g, out, *xs, dim: _split(
                     g, sizes=tuple(x.shape[dim] for x in xs), dim=dim)),
                 jvp=joint(lambda ts, out, *xs, dim: _cat(*_zeros_for(ts, xs), dim=dim)),
                 batch=_seq_batch, saves=())


def _tensor_list(tensors, op):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not Tensor")
    return list(tensors)


def cat(tensors, dim=0, *, out=None):
    """Concatenate along an existing dimension (dtypes are promoted)."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    # PyTorch's legacy rule: 1-d empty tensors are skipped whatever the other shapes
    ts = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    ref = ts[0]
    nd = ref.ndim
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               f"concatenated")
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
    dt = result_npdtype(*tensors)
    from .elementwise import to_dtype
    return _cat(*[to_dtype(t, dt) for t in ts], dim=d)


concat = concatenate = cat


def _stack_vjp(g, out, *xs, dim):
    return _unbind(g, dim=dim)


_stack = Primitive("stack", lambda *xs, dim: np.stack(xs, axis=dim),
                   vjp=joint(_stack_vjp),
                   jvp=joint(lambda ts, out, *xs, dim: _stack(*_zeros_for(ts, xs), dim=dim)),
                   batch=_seq_batch, saves=())


def stack(tensors, dim=0, *, out=None):
    """Stack along a new dimension; every tensor must have the same shape."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    s0 = tuple(tensors[0].shape)
    for i, t in enumerate(tensors):
        if tuple(t.shape) != s0:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(s0)} "
                               f"at entry 0 and {list(t.shape)} at entry {i}")
    d = wrap_dim(dim, len(s0) + 1, "stack")
    dt = result_npdtype(*tensors)
    from .elementwise import to_dtype
    return _stack(*[to_dtype(t, dt) for t in tensors], dim=d)


def hstack(tensors):
    from .shape import atleast_1d
    ts = [atleast_1d(t) for t in _tensor_list(tensors, "hstack")]
    return cat(ts, 0 if ts and ts[0].ndim == 1 else 1)


def vstack(tensors):
    from .shape import atleast_2d
    return cat([atleast_2d(t) for t in _tensor_list(tensors, "vstack")], 0)


row_stack = vstack


def dstack(tensors):
    from .shape import atleast_3d
    return cat([atleast_3d(t) for t in _tensor_list(tensors, "dstack")], 2)


def column_stack(tensors):
    from .shape import reshape
    ts = [reshape(t, (t.numel(), 1)) if t.ndim <= 1 else t
          for t in _tensor_list(tensors, "column_stack")]
    return cat(ts, 1)


# ------------------------------------------------------------------ splitting (views)

def _split_impl(x, sizes, dim):
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=dim))


def _split_rules(name, node):
    prim = Primitive(name, _split_impl,
                     vjp=lambda gs, outs, x, sizes, dim: _cat(*gs, dim=dim),
                     jvp=joint(lambda ts, outs, x, sizes, dim: prim(ts[0], sizes=sizes, dim=dim)),
                     batch=lambda prim, args, batched, sizes, dim: prim(args[0], sizes=sizes,
                                                                         dim=dim + 1),
                     saves=(), is_view=True, n_out=None, uses_output=True, node_name=node)
    return prim


_split = _split_rules("split_with_sizes", "SplitWithSizesBackward0")
_split_int = _split_rules("split", "SplitBackward0")


def split(tensor, split_size_or_sections, dim=0):
    """Split into chunks of a size (last may be smaller) or of the given sizes (views)."""
    d = wrap_dim(dim, tensor.ndim, "split")
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        s = int(split_size_or_sections)
        if s < 0 or (s == 0 and n > 0):
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [s] * (n // s) + ([n % s] if n % s else []) if s > 0 else [0]
        return _split_int(tensor, sizes=tuple(sizes or [0]), dim=d)
    sizes = [int(s) for s in split_size_or_sections]
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                           f"entries, but got split_sizes={sizes}")
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                           f"(input tensor's size at dimension {d}), but got "
                           f"split_sizes={sizes}")
    return _split(tensor, sizes=tuple(sizes), dim=d)


def split_with_sizes(input, split_sizes, dim=0):
    return split(input, list(split_sizes), dim)


unsafe_split = split


def tensor_split(input, indices_or_sections, dim=0):
    """NumPy's array_split: ``n`` nearly equal parts, or cuts at the given indices."""
    d = wrap_dim(dim, input.ndim, "tensor_split")
    n = input.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.dtype.is_floating_point or ios.dtype.is_complex or ios.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a "
                               "zero-dimensional or one-dimensional tensor of integers")
        ios = int(ios.item()) if ios.ndim == 0 else [int(v) for v in ios.tolist()]
    if isinstance(ios, (int, np.integer)):
        k = int(ios)
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
    else:
        cuts = [min(max(int(i) + (n if i < 0 else 0), 0), n) for i in ios]
        bounds = [0] + cuts + [n]
        sizes = [max(b - a, 0) for a, b in zip(bounds[:-1], bounds[1:])]
        starts = bounds[:-1]
        from .indexing import slice_dim
        return tuple(slice_dim(input, d, s, s + z) for s, z in zip(starts, sizes))
    return _split(input, sizes=tuple(sizes), dim=d)


def _dir_split(name, dim, min_nd):
    def fn(input, indices_or_sections):
        nd = input.ndim
        if nd < min_nd:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_nd} dimension, "
                               f"but got a tensor with {nd} dimensions!")
        d = 0 if name == "hsplit" and nd == 1 else dim
        if isinstance(indices_or_sections, (int, np.integer)):
            k, n = int(indices_or_sections), input.shape[d]
            if k == 0 or n % k:
                raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but "
                                   f"the size of the dimension {n} is not divisible by the "
                                   f"split_size {k}!")
        return tensor_split(input, indices_or_sections, d)
    fn.__name__ = name
    return fn


hsplit = _dir_split("hsplit", 1, 1)
vsplit = _dir_split("vsplit", 0, 2)
dsplit = _dir_split("dsplit", 2, 3)


def chunk(input, chunks, dim=0):
    """Split into at most ``chunks`` parts of equal size (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, input.ndim, "chunk")
    n = input.shape[d]
    if n == 0:
        return _split_int(input, sizes=(0,) * chunks, dim=d)
    return split(input, -(-n // chunks), d)


unsafe_chunk = chunk


def _unbind_impl(x, dim):
    pre = (slice(None),) * dim
    return tuple(x[pre + (i,)] for i in range(x.shape[dim]))


_unbind = Primitive("unbind", _unbind_impl,
                    vjp=lambda gs, outs, x, dim: _stack(*gs, dim=dim),
                    jvp=joint(lambda ts, outs, x, dim: _unbind(ts[0], dim=dim)),
                    batch=lambda prim, args, batched, dim: prim(args[0], dim=dim + 1),
                    saves=(), is_view=True, n_out=None, uses_output=True)


def unbind(input, dim=0):
    """The slices along ``dim`` as a tuple of views."""
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return _unbind(input, dim=wrap_dim(dim, input.ndim, "unbind"))


def narrow(input, dim, start, length):
    """A view of ``length`` elements of ``dim`` starting at ``start``."""
    from .indexing import slice_dim
    d = wrap_dim(dim, input.ndim, "narrow")
    n = input.shape[d]
    start = int(start)
    length = int(length)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return slice_dim(input, d, start, start + length)


def narrow_copy(input, dim, start, length):
    """``narrow`` as a new tensor rather than a view."""
    from .copy import clone
    return clone(narrow(input, dim, start, length))


METHODS = {"split": split, "split_with_sizes": split_with_sizes, "unsafe_split": unsafe_split,
           "unsafe_chunk": unsafe_chunk, "narrow_copy": narrow_copy,
           "tensor_split": tensor_split, "hsplit": hsplit, "vsplit": vsplit,
           "dsplit": dsplit, "chunk": chunk, "unbind": unbind, "narrow": narrow}
INPLACE = {}
