"""Rearrangements that copy: repeat, tile, repeat_interleave, flip, roll, rot90.

``repeat``/``tile``/``repeat_interleave`` with an int are composites of views (reshape, expand)
and one copying reshape, so they get every transform from those rules; flip and roll are
primitives (NumPy's flip is a view, PyTorch's is a copy)."""
import numpy as np

from .._tensor import Tensor, wrap_dim
from ._primitive import Primitive
from .._backend import array_module

__all__ = ["repeat_interleave", "tile", "flip", "fliplr", "flipud", "roll", "rot90"]


def _ints(args):
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        args = tuple(args[0])
    return tuple(int(a) for a in args)


def _tile_impl(x, reps):
    """``np.tile(x, reps)`` for ``len(reps) >= x.ndim``, written as one broadcast copy into
    the result seen as (r0, s0, r1, s1, ...)."""
    s = x.shape
    pad = len(reps) - len(s)
    if pad:
        s = (1,) * pad + s
    split = []
    src = []
    for r, n in zip(reps, s):
        split += (r, n)
        src += (1, n)
    out = array_module(x).empty(tuple(r * n for r, n in zip(reps, s)), x.dtype)
    out.reshape(split)[...] = x.reshape(src)
    return out


def _repeat_vjp(g, out, x, reps):
    """Sum the copies: view g as (r0, s0, r1, s1, ...) and reduce the r axes (and the leading
    dims ``reps`` adds to x's rank)."""
    from .shape import _view
    from .reduction import sum as _sum
    shape = tuple(x.shape)
    pad = len(reps) - len(shape)
    split = reps[:pad] + tuple(v for r, s in zip(reps[pad:], shape) for v in (r, s))
    dims = tuple(range(pad)) + tuple(range(pad, len(split), 2))
    return _sum(_view(g, shape=split), dim=dims)


def _repeat_batch(prim, args, batched, reps):
    from .shape import _view
    x = args[0]
    s = tuple(x.shape)
    pad = len(reps) - (len(s) - 1)
    if pad:
        x = _view(x, shape=s[:1] + (1,) * pad + s[1:])
    return prim(x, reps=(1,) + reps)


def _repeat_phys(arrays, batched, reps):
    x = arrays[0]
    if not batched[0]:
        return None
    s = x.shape
    pad = len(reps) - (len(s) - 1)
    if pad:
        x = x.reshape(s[:1] + (1,) * pad + s[1:])
    return _tile_impl(x, (1,) + reps)


_repeat = Primitive("repeat", _tile_impl, vjp=_repeat_vjp,
                    jvp=lambda t, out, x, reps: _repeat(t, reps=reps), batch=_repeat_batch,
                    saves=())
_repeat.vmap_phys = _repeat_phys


def repeat(input, *sizes):
    """Tile the tensor ``sizes[i]`` times along each dimension (always a copy); ``sizes`` may
    add leading dimensions (one ``RepeatBackward0`` node, as in PyTorch)."""
    if len(sizes) == 1 and sizes[0].__class__ is not int:
        reps = _ints(sizes)
    else:
        for r in sizes:
            if r.__class__ is not int:
                reps = _ints(sizes)
                break
        else:
            reps = sizes
    nd = input.ndim
    if len(reps) < nd:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    for r in reps:
        if r < 0:
            shape = (1,) * (len(reps) - nd) + tuple(input.shape)
            out = [r * s for r, s in zip(reps, shape)]
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(out)}: "
                               f"{out}")
    return _repeat(input, reps=reps)


def tile(input, dims):
    """``repeat`` with ``dims`` padded by leading ones to the tensor's rank."""
    dims = _ints((dims,))
    nd = input.ndim
    if len(dims) < nd:
        dims = (1,) * (nd - len(dims)) + dims
    return repeat(input, dims)


def _repeat_indices(repeats, n, op="repeat_interleave"):
    r = np.asarray(repeats._data if isinstance(repeats, Tensor) else repeats)
    if r.ndim > 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    if r.dtype.kind not in "iu":
        raise RuntimeError("repeats has to be Long or Int tensor")
    r = r.reshape(-1)
    if r.size == 1 and n != 1:
        r = np.full(n, r[0])
    if r.size != n:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {r.size} and input.size(0) = {n}")
    if (r < 0).any():
        raise RuntimeError("repeats can not be negative")
    return np.repeat(np.arange(n, dtype=np.int64), r)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element ``repeats`` times along ``dim`` (flattened when dim is None).

    With a tensor of repeats the result size depends on its values, so they must be concrete;
    ``repeat_interleave(repeats)`` alone gives the repeated indices ``0, 0, 1, ...``."""
    from .creation import tensor
    from .shape import reshape, expand, unsqueeze, flatten, _reshape_copy
    if repeats is None:
        r = input
        if r.__class__ is not Tensor:
            raise RuntimeError("repeat_interleave: repeats must be a concrete tensor")
        return tensor(_repeat_indices(r, r.numel()))
    if dim is None:
        input = flatten(input)
        d = 0
    else:
        d = wrap_dim(dim, input.ndim, "repeat_interleave")
    shape = tuple(input.shape)
    if isinstance(repeats, Tensor) and repeats.numel() != 1 or \
            isinstance(repeats, (list, tuple, np.ndarray)):
        if isinstance(repeats, Tensor) and repeats.__class__ is not Tensor:
            raise RuntimeError("repeat_interleave: a tensor of repeats inside a function "
                               "transform must not depend on the transformed inputs (the "
                               "result size depends on its values)")
        from .indexing import index_select
        idx = _repeat_indices(repeats, shape[d] if shape else 1)
        if output_size is not None and idx.size != output_size:
            raise RuntimeError("repeat_interleave: Allocated size does not match required size")
        return index_select(input, d, tensor(idx))
    r = int(repeats)
    if r < 0:
        raise RuntimeError("repeats can not be negative")
    if not shape:
        input, shape = reshape(input, (1,)), (1,)
    x = unsqueeze(input, d + 1)
    x = expand(x, shape[:d + 1] + (r,) + shape[d + 1:])
    return _reshape_copy(x, shape=shape[:d] + (shape[d] * r,) + shape[d + 1:])


def _norm_dims(dims, nd, op):
    ds = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    ds = tuple(wrap_dim(d, nd, op) for d in ds)
    for i, d in enumerate(ds):
        if d in ds[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return ds


_flip = Primitive("flip", lambda x, dims: np.flip(x, dims).copy(),
                  vjp=lambda g, out, x, dims: _flip(g, dims=dims),
                  jvp=lambda t, out, x, dims: _flip(t, dims=dims),
                  batch=lambda prim, args, batched, dims: prim(args[0], dims=tuple(
                      d + 1 for d in dims)),
                  saves=())


def flip(input, *dims):
    """Reverse the order of elements along ``dims`` (a copy, as in PyTorch)."""
    if len(dims) == 1 and not isinstance(dims[0], (int, np.integer)):
        dims = tuple(dims[0])
    return _flip(input, dims=_norm_dims(dims, input.ndim, "flip"))


def fliplr(input):
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return _flip(input, dims=(1,))


def flipud(input):
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return _flip(input, dims=(0,))


def _roll_impl(x, shifts, dims):
    return np.roll(x, shifts, axis=dims)


_roll = Primitive("roll", _roll_impl,
                  vjp=lambda g, out, x, shifts, dims: _roll(g, shifts=tuple(-s for s in shifts),
                                                            dims=dims),
                  jvp=lambda t, out, x, shifts, dims: _roll(t, shifts=shifts, dims=dims),
                  batch=lambda prim, args, batched, shifts, dims: prim(
                      args[0], shifts=shifts, dims=tuple(d + 1 for d in dims)),
                  saves=())


def roll(input, shifts, dims=None):
    """Shift elements circularly along ``dims`` (the flattened tensor when dims is None)."""
    shifts = (int(shifts),) if isinstance(shifts, (int, np.integer)) else tuple(int(s) for s in
                                                                               shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims:0")
        from .shape import flatten, reshape
        shape = tuple(input.shape)
        return reshape(_roll(flatten(input), shifts=shifts, dims=(0,)), shape)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:"
                           f"{len(dims)}")
    nd = input.ndim
    dims = tuple(wrap_dim(d, nd, "roll") for d in dims)
    return _roll(input, shifts=shifts, dims=dims)


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane ``dims`` (from the first towards the
    second axis)."""
    from .shape import transpose
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    nd = input.ndim
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = wrap_dim(dims[0], nd, "rot90"), wrap_dim(dims[1], nd, "rot90")
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    k = k % 4
    if k == 1:
        return transpose(_flip(input, dims=(d1,)), d0, d1)
    if k == 2:
        return _flip(input, dims=(d0, d1))
    if k == 3:
        return transpose(_flip(input, dims=(d0,)), d0, d1)
    from .copy import clone
    return clone(input)


METHODS = {"repeat": repeat, "tile": tile, "repeat_interleave": repeat_interleave,
           "flip": flip, "fliplr": fliplr, "flipud": flipud, "roll": roll, "rot90": rot90}
INPLACE = {}
