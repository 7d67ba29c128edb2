"""Padding: ``constant_pad_nd`` (a primitive; negative pads crop) and ``pad`` (exported as
``nn.functional.pad``) with modes constant, reflect, replicate and circular.

``pad`` lists widths from the last dimension backwards, as PyTorch does.  The non-constant
modes gather along each padded dimension with a constant index array, so their gradients
(scatter-add of the incoming gradient) and batching come from the ``index`` primitive."""
from functools import lru_cache

import numpy as np

from .._tensor import make_tensor
from ._primitive import Primitive
from .._backend import array_module

__all__ = ["constant_pad_nd"]


def _widths(pad, nd):
    k = len(pad) // 2
    return [(0, 0)] * (nd - k) + [(pad[2 * j], pad[2 * j + 1]) for j in reversed(range(k))]


def _cpad_impl(x, pad, value):
    w = _widths(pad, x.ndim)
    crop = tuple(slice(max(-lo, 0), x.shape[i] - max(-hi, 0)) for i, (lo, hi) in enumerate(w))
    x = x[crop]
    shape = tuple(s + max(lo, 0) + max(hi, 0) for s, (lo, hi) in zip(x.shape, w))
    out = np.full(shape, value, dtype=x.dtype)
    out[tuple(slice(max(lo, 0), max(lo, 0) + s) for s, (lo, hi) in zip(x.shape, w))] = x
    return out


_cpad = Primitive("constant_pad_nd", _cpad_impl,
                  vjp=lambda g, out, x, pad, value: _cpad(g, pad=tuple(-p for p in pad), value=0),
                  jvp=lambda t, out, x, pad, value: _cpad(t, pad=pad, value=0),
                  batch=lambda prim, args, batched, pad, value: prim(args[0], pad=pad,
                                                                      value=value),
                  saves=())


def _check_pad(input, pad):
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{input.ndim}")


def constant_pad_nd(input, pad, value=0):
    """Pad (or crop, for negative widths) the last ``len(pad) // 2`` dims with ``value``."""
    pad = tuple(int(p) for p in pad)
    _check_pad(input, pad)
    shape = tuple(input.shape)
    for (lo, hi), s in zip(_widths(pad, len(shape)), shape):
        if s + lo + hi < 0:
            raise RuntimeError(f"The input size {s}, plus negative padding {lo} and {hi} "
                               f"resulted in a negative output size, which is invalid. Check "
                               f"dimension {shape.index(s)} of your input.")
    if input.dtype.is_floating_point or input.dtype.is_complex:
        value = float(value) if not isinstance(value, complex) else value
    elif value != int(value):
        value = int(value)
    return _cpad(input, pad=pad, value=value)


_MODES = ("constant", "reflect", "replicate", "circular")


def _check_widths(mode, n, lo, hi, dim, shape, pad):
    if mode == "reflect" and (lo >= n or hi >= n):
        raise RuntimeError(f"Argument #{len(pad) + 2}: Padding size should be less than the "
                           f"corresponding input dimension, but got: padding ({lo}, {hi}) at "
                           f"dimension {dim} of input {list(shape)}")
    if mode == "circular":
        m = n + min(lo, 0) + min(hi, 0)
        if m <= 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
        if lo > m or hi > m:
            raise RuntimeError("Padding value causes wrapping around more than once.")


@lru_cache(maxsize=256)
def _source_positions(mode, n, lo, hi):
    """Where each padded position along one dim reads from (lo/hi may be negative); a
    read-only constant cached per geometry, as a solver pads the same shape every step."""
    pos = np.arange(-lo, n + hi)
    if mode == "reflect":
        pos = np.abs(pos)
        pos = np.where(pos >= n, 2 * (n - 1) - pos, pos)
    elif mode == "replicate":
        pos = np.clip(pos, 0, n - 1)
    else:   # circular: negative widths crop first, the rest wraps around what is left
        m = n + min(lo, 0) + min(hi, 0)
        pos = max(-lo, 0) + np.arange(-max(lo, 0), m + max(hi, 0)) % m
    pos = pos.astype(np.int64)
    pos.flags.writeable = False
    return pos


@lru_cache(maxsize=256)
def _circ_parts(n, lo, hi):
    """Circular padding of one dim of size n as three slices (left wrap, body, right wrap)
    of the source: negative widths crop first, the rest wraps around what is left."""
    c = max(-lo, 0)
    m = n + min(lo, 0) + min(hi, 0)
    L, R = max(lo, 0), max(hi, 0)
    return slice(c + m - L, c + m), slice(c, c + m), slice(c, c + R)


def _circ_impl(x, dim, lo, hi):
    """Circular padding of dim ``dim`` (negative: counted from the end) by concatenating
    slices (``dim`` is negative, so the same params serve a batched array)."""
    a, b, c = _circ_parts(x.shape[dim], lo, hi)
    if dim == -1:
        parts = (x[..., a], x[..., b], x[..., c])
    else:
        pre = (slice(None),) * (x.ndim + dim)
        parts = (x[pre + (a,)], x[pre + (b,)], x[pre + (c,)])
    if x.__class__ is np.ndarray:
        return np.concatenate(parts, axis=dim)
    return array_module(x).concatenate(parts, axis=dim)


def _circ_back_impl(g, dim, n, lo, hi):
    """The adjoint of ``_circ_impl``: each source position sums the copies made of it."""
    a, b, c = _circ_parts(n, lo, hi)
    pre = (slice(None),) * (g.ndim + dim)
    shape = list(g.shape)
    shape[dim] = n
    out = array_module(g).zeros(tuple(shape), g.dtype)
    L = a.stop - a.start
    m = b.stop - b.start
    out[pre + (b,)] = g[pre + (slice(L, L + m),)]
    out[pre + (a,)] += g[pre + (slice(0, L),)]
    out[pre + (c,)] += g[pre + (slice(L + m, None),)]
    return out


def _same_params(prim, args, batched, **params):
    return prim(*args, **params)


def _circ_phys(arrays, batched, **params):
    return _circ_impl(arrays[0], **params)


_circ = Primitive("pad_circular", _circ_impl,
                  vjp=lambda g, out, x, dim, lo, hi: _circ_back(g, dim=dim, n=x.shape[dim],
                                                                lo=lo, hi=hi),
                  jvp=lambda t, out, x, dim, lo, hi: _circ(t, dim=dim, lo=lo, hi=hi),
                  batch=_same_params, saves=(), node_name="torch::autograd::CopySlices")
_circ_back = Primitive("pad_circular_backward", _circ_back_impl,
                       vjp=lambda g, out, gy, dim, n, lo, hi: _circ(g, dim=dim, lo=lo, hi=hi),
                       jvp=lambda t, out, gy, dim, n, lo, hi: _circ_back(t, dim=dim, n=n, lo=lo,
                                                                         hi=hi),
                       batch=_same_params, saves=())
_circ.vmap_phys = _circ_phys


def _circ_back_phys(arrays, batched, **params):
    return _circ_back_impl(arrays[0], **params)


_circ_back.vmap_phys = _circ_back_phys


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dimensions: ``pad = (left, right, top, bottom, ...)``."""
    from .indexing_prims import _index
    pad = tuple(p if p.__class__ is int else int(p) for p in pad)
    if mode == "circular" and len(pad) == 2 and (value is None or value == 0):
        # the common 1-D case in one step (the checks of the general path below, inlined)
        shape = tuple(input.shape)
        nd = len(shape)
        if 2 <= nd <= 3:
            lo, hi = pad
            n = shape[-1]
            _check_widths(mode, n, lo, hi, nd - 1, shape, pad)
            if lo or hi:
                return _circ(input, dim=-1, lo=lo, hi=hi)
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode == "constant":
        return constant_pad_nd(input, pad, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    _check_pad(input, pad)
    nd, k = input.ndim, len(pad) // 2
    if not k + 1 <= nd <= k + 2 or k > 3:
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {nd}D input tensor.\nSupported "
            f"combinations for non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads "
            f"last dimension)\n  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n  "
            f"- 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    shape = tuple(input.shape)
    out = input
    for d, (lo, hi) in enumerate(_widths(pad, nd)):
        if lo == 0 and hi == 0:
            continue
        _check_widths(mode, shape[d], lo, hi, d, shape, pad)
        if mode == "circular":
            out = _circ(out, dim=d - nd, lo=lo, hi=hi)
            continue
        out = _index(out, make_tensor(_source_positions(mode, shape[d], lo, hi)), dims=(d,))
    if out is input:
        from .copy import clone
        return clone(input)
    return out


METHODS = {}
INPLACE = {}
