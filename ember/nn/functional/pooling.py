"""Pooling: ``max_pool1d/2d`` (a primitive returning values and flat indices, as PyTorch's
``MaxPool2DWithIndicesBackward0``), ``avg_pool1d/2d`` (a depthwise convolution with a ones
kernel divided by a constant window-size map) and ``adaptive_avg_pool1d/2d`` (products with
constant bin-averaging matrices).  Everything is vectorised over batch and output pixels.
"""
import math

import numpy as np

from ..._tensor import Tensor, make_tensor
from ...ops._primitive import Primitive, joint
from ...ops._util import move_bdim_to_front, npdtype
from ...ops.shape import reshape, unsqueeze, squeeze
from ...ops.linalg import matmul
from ...ops.elementwise import div
from ._convolution import conv, _windows

__all__ = ["max_pool1d", "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices"]


# ------------------------------------------------------------------ geometry

def _pool_out(in_size, ksize, stride, padding, dilation, ceil_mode):
    out = []
    for n, k, s, p, d in zip(in_size, ksize, stride, padding, dilation):
        o = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (o - 1) * s >= n + p:
            o -= 1
        out.append(o)
    return tuple(out)


def _pads(in_size, out, ksize, stride, padding, dilation):
    """(lo, hi) per dim so that exactly ``out`` windows fit (hi < 0 drops unused input)."""
    return tuple((p, (o - 1) * s + d * (k - 1) + 1 - n - p)
                 for n, o, k, s, p, d in zip(in_size, out, ksize, stride, padding, dilation))


def _tuple(v, nd, op, what):
    if isinstance(v, int):
        return (v,) * nd
    v = tuple(int(a) for a in v)
    if len(v) == 1:
        return v * nd
    if len(v) != nd:
        plural = {1: "a single int", 2: "a single int, or a tuple of two ints"}[nd]
        raise RuntimeError(f"{op}: {what} must either be {plural}")
    return v


def _setup(op, nd, input, kernel_size, stride, padding, dilation, ceil_mode):
    if input.ndim not in (nd + 1, nd + 2):
        if nd == 1:
            raise RuntimeError(f"{op}: Expected 2D or 3D (batch mode) tensor with optional 0 "
                               f"dim batch size for input, but got:{list(input.shape)}")
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    k = _tuple(kernel_size, nd, op, "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        _tuple(stride, nd, op, "stride")
    p = _tuple(padding, nd, op, "padding")
    d = _tuple(dilation, nd, op, "dilation")
    if any(a <= 0 for a in k):
        raise RuntimeError(f"{op}: kernel_size must be greater than zero, but got {list(k)}")
    if any(a <= 0 for a in s):
        raise RuntimeError("stride should not be zero")
    for pp, kk, dd in zip(p, k, d):
        if pp > ((kk - 1) * dd + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={pp}, kernel_size={kk} and dilation={dd}")
    batched = input.ndim == nd + 2
    x = input if batched else unsqueeze(input, 0)
    in_size = tuple(x.shape[2:])
    out = _pool_out(in_size, k, s, p, d, ceil_mode)
    if any(o <= 0 for o in out):
        C = x.shape[1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (C,) + in_size))}). "
                           f"Calculated output size: ({'x'.join(map(str, (C,) + out))}). "
                           f"Output size is too small")
    return x, batched, k, s, p, d, out


# ------------------------------------------------------------------ max pooling primitives

def _max_pool_impl(x, ksize, stride, padding, dilation, out_size):
    """Running max over the kernel taps (a few vectorised passes per tap: an argmax over a
    tiny last axis is ~5x slower); ties keep the first tap and NaN wins, as PyTorch's CPU
    kernel does.  Indices are flat positions in each input plane."""
    out = out_size
    in_size = x.shape[2:]
    pads = _pads(in_size, out, ksize, stride, padding, dilation)
    fill = -np.inf if x.dtype.kind in "fc" else np.iinfo(x.dtype).min
    xp = x
    if any(hi < 0 for _, hi in pads):
        xp = xp[(slice(None), slice(None)) +
                tuple(slice(0, n + min(hi, 0)) for n, (_, hi) in zip(in_size, pads))]
    if any(lo or hi > 0 for lo, hi in pads):
        xp = np.pad(xp, ((0, 0), (0, 0)) + tuple((lo, max(hi, 0)) for lo, hi in pads),
                    constant_values=fill)
    win = _windows(xp, ksize, stride, dilation, out)          # (N, C, *out, *k), a view
    nd = len(ksize)
    mult = [math.prod(in_size[i + 1:]) for i in range(nd)]
    taps = [win[(Ellipsis,) + kk] for kk in np.ndindex(*ksize)]
    K = len(taps)
    if K == 1:
        vals = taps[0].copy()
    else:                                     # pairwise: fewer passes over strided windows
        vals = np.maximum(taps[0], taps[1])   # NaN propagates, as in PyTorch
        for i in range(2, K - 1, 2):
            np.maximum(vals, np.maximum(taps[i], taps[i + 1]), out=vals)
        if K % 2 and K > 2:
            np.maximum(vals, taps[-1], out=vals)
    # the first tap that reaches the max, as min over taps of (t if it reaches it else K),
    # in byte arithmetic (masked writes and argmax over a tiny axis are 5x slower)
    tdt = np.uint8 if K < 255 else np.intp
    tap = np.full(vals.shape, K - 1, dtype=tdt)
    ne = np.empty(vals.shape, dtype=bool)
    m = np.empty(vals.shape, dtype=tdt)
    for t in range(K - 1):
        np.not_equal(taps[t], vals, out=ne)
        np.multiply(ne.view(np.uint8), tdt(K - t), out=m, casting="unsafe")
        m += tdt(t)
        np.minimum(tap, m, out=tap)
    if x.dtype.kind in "fc":
        nan = np.isnan(vals)
        if nan.any():                         # NaN maxima: PyTorch keeps the last NaN tap
            for t, v in enumerate(taps):
                tap[np.isnan(v) & nan] = t
    delta = np.asarray([sum(k * d * m for k, d, m in zip(kk, dilation, mult))
                        for kk in np.ndindex(*ksize)], dtype=np.int64, like=vals)
    base = np.zeros((1,) * nd, dtype=np.int64, like=vals)
    for i in range(nd):
        o = np.arange(out[i], like=vals).reshape([-1 if j == i else 1 for j in range(nd)])
        base = base + (o * stride[i] - padding[i]) * mult[i]
    flat = delta.take(tap)
    flat += base
    return vals, flat


def _gather_impl(x, idx):
    N, C = x.shape[:2]
    got = np.take_along_axis(x.reshape(N, C, math.prod(x.shape[2:])),
                             idx.reshape(N, C, math.prod(idx.shape[2:])), -1)
    return got.reshape(idx.shape)


def _scatter_impl(g, idx, in_size, unique=False):
    """Add ``g`` at the flat positions ``idx`` of each plane; ``unique`` (windows that do not
    overlap, so no position repeats) writes instead of accumulating, 5x faster."""
    N, C = g.shape[:2]
    L = math.prod(in_size)
    P = math.prod(idx.shape[2:])
    base = (np.arange(N * C, dtype=np.int64, like=idx) * L).reshape(N, C, 1)
    flat = (idx.reshape(N, C, P) + base).ravel()
    if unique:
        acc = np.zeros_like(g, shape=(N * C * L,))
        acc[flat] = g.ravel()
        return acc.reshape((N, C) + tuple(in_size))
    acc = np.bincount(flat, weights=g.ravel(), minlength=N * C * L)
    return acc.astype(g.dtype, copy=False).reshape((N, C) + tuple(in_size))


def _fold(v, batched, B):
    v = move_bdim_to_front(v, batched, B)
    s = tuple(v.shape)
    return reshape(v, (s[0] * s[1],) + s[2:])


def _unfold(v, B, N):
    return reshape(v, (B, N) + tuple(v.shape)[1:])


def _batch_folded(call):
    """Batching rule of a pooling primitive: fold the vmap dim into N and back."""
    def rule(prim, args, batched, **params):
        B = next(a.shape[0] for a, b in zip(args, batched) if b)
        N = next(a.shape[1] if b else a.shape[0] for a, b in zip(args, batched)
                 if isinstance(a, Tensor))
        res = call(*[_fold(a, b, B) if isinstance(a, Tensor) else a
                     for a, b in zip(args, batched)], **params)
        if isinstance(res, tuple):
            return tuple(_unfold(r, B, N) for r in res)
        return _unfold(res, B, N)
    return rule


_gather = Primitive("max_pool_gather", _gather_impl,
                    vjp=(lambda g, out, x, idx: _scatter(g, idx, in_size=tuple(x.shape[2:])),
                         None),
                    jvp=(lambda t, out, x, idx: _gather(t, idx), None), saves=(1,))
_scatter = Primitive("max_pool_scatter", _scatter_impl,
                     vjp=(lambda g, out, x, idx, in_size, unique=False: _gather(g, idx), None),
                     jvp=(lambda t, out, x, idx, in_size, unique=False:
                          _scatter(t, idx, in_size=in_size, unique=unique), None), saves=(1,))
_gather.batch = _batch_folded(lambda x, idx: _gather(x, idx))
_scatter.batch = _batch_folded(lambda g, idx, in_size, unique=False:
                               _scatter(g, idx, in_size=in_size, unique=unique))


def _disjoint(ksize, stride, dilation, **_):
    """Whether pooling windows never overlap (each input position is in at most one)."""
    return all((k - 1) * d + 1 <= s for k, s, d in zip(ksize, stride, dilation))


def _make_max_pool(nd):
    prim = Primitive(
        f"max_pool{nd}d_with_indices", _max_pool_impl,
        vjp=lambda g, out, x, **p: _scatter(g[0], out[1], in_size=tuple(x.shape[2:]),
                                            unique=_disjoint(**p)),
        jvp=joint(lambda ts, out, x, **p: (_gather(ts[0], out[1]), None)),
        n_out=2, nondiff_out=(1,), uses_output=True, saves=(),
        node_name=f"MaxPool{nd}DWithIndicesBackward0")
    prim.batch = _batch_folded(lambda x, **p: prim(x, **p))
    return prim


_MAX_POOL = {1: _make_max_pool(1), 2: _make_max_pool(2)}


def _max_pool(op, nd, input, kernel_size, stride, padding, dilation, ceil_mode):
    x, batched, k, s, p, d, out = _setup(op, nd, input, kernel_size, stride, padding, dilation,
                                         ceil_mode)
    vals, idx = _MAX_POOL[nd](x, ksize=k, stride=s, padding=p, dilation=d, out_size=out)
    if not batched:
        vals, idx = squeeze(vals, 0), squeeze(idx, 0)
    return vals, idx


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over sliding windows of (N, C, L); ``return_indices`` also gives each maximum's
    flat position in the input (for ``max_unpool``)."""
    vals, idx = max_pool1d_with_indices(input, kernel_size, stride, padding, dilation,
                                        ceil_mode)
    return (vals, idx) if return_indices else vals


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over sliding windows of (N, C, H, W); indices are flat over H*W."""
    vals, idx = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation,
                                        ceil_mode)
    return (vals, idx) if return_indices else vals


# ------------------------------------------------------------------ average pooling

def _window_counts(in_size, out, ksize, stride, padding, include_pad):
    """Number of elements each output window averages, as an (*out) array."""
    total = np.ones((), dtype=np.float64)
    for n, o, k, s, p in zip(in_size, out, ksize, stride, padding):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if not include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        total = np.multiply.outer(total, (end - start).astype(np.float64))
    return total


def _avg_pool(op, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1} to {nd + 2} dimensions, but got "
                           f"{input.ndim}-dimensional tensor for argument #1 'self' (while "
                           f"checking arguments for {op})")
    x, batched, k, s, p, d, out = _setup(op, nd, input, kernel_size, stride, padding, 1,
                                         ceil_mode)
    in_size = tuple(x.shape[2:])
    C = x.shape[1]
    npd = npdtype(x)
    ones = make_tensor(np.ones((C, 1) + k, dtype=npd))
    pads = _pads(in_size, out, k, s, p, d)
    summed = conv(x, ones, None, stride=s, padding=pads, dilation=d, groups=C)
    if divisor_override:
        y = div(summed, divisor_override)
    else:
        counts = _window_counts(in_size, out, k, s, p, count_include_pad)
        y = div(summed, make_tensor(counts.astype(npd)))
    return y if batched else squeeze(y, 0)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over sliding windows of (N, C, L)."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over sliding windows of (N, C, H, W); ``count_include_pad=False`` averages only
    the real input elements of windows that overlap the padding."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


# ------------------------------------------------------------------ adaptive average pooling

def _adaptive_bounds(n, o):
    """PyTorch's adaptive windows: output i covers input [floor(i n / o), ceil((i + 1) n / o))."""
    i = np.arange(o)
    return (i * n) // o, -((-(i + 1) * n) // o)


def _adaptive_sizes(op, nd, input, output_size):
    """(input sizes, output sizes) of the pooled dims; ``None`` keeps that input size."""
    _check_adaptive_rank(op, nd, input)
    if isinstance(output_size, int):
        output_size = (output_size,) * nd
    output_size = tuple(output_size)
    if len(output_size) != nd:
        raise RuntimeError(f"{op}: internal error: output_size.size() must be {nd}")
    in_size = tuple(input.shape[-nd:])
    return in_size, tuple(n if o is None else o for o, n in zip(output_size, in_size))


def _bins(n, o, npd):
    """(o, n) matrix averaging the input positions of each adaptive window."""
    start, end = _adaptive_bounds(n, o)
    j = np.arange(n)
    m = (j >= start[:, None]) & (j < end[:, None])
    return make_tensor((m / (end - start)[:, None]).astype(npd))


def _adaptive(op, nd, input, output_size):
    in_size, output_size = _adaptive_sizes(op, nd, input, output_size)
    npd = npdtype(input)
    y = input
    if nd == 2:
        y = matmul(_bins(in_size[0], output_size[0], npd), y)
    from ...ops.shape import transpose
    return matmul(y, transpose(_bins(in_size[-1], output_size[-1], npd), 0, 1))


def adaptive_avg_pool1d(input, output_size):
    """Average pooling to a fixed output length, whatever the input length."""
    return _adaptive("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed (H, W) output (``None`` keeps that input size)."""
    return _adaptive("adaptive_avg_pool2d", 2, input, output_size)


# ------------------------------------------------------------------ adaptive max pooling

def _adaptive_windows(n, o):
    """(o, w) input positions of each adaptive window, short windows padded by repeating
    their last position (a repeat changes no maximum)."""
    start, end = _adaptive_bounds(n, o)
    w = int((end - start).max()) if o else 0
    return np.minimum(start[:, None] + np.arange(w), (end - 1)[:, None])


def _adaptive_max(op, nd, input, output_size, return_indices):
    from ...ops.indexing import index_select
    from ...ops.shape import reshape, permute
    from ...ops.reduction import max as _max
    in_size, output_size = _adaptive_sizes(op, nd, input, output_size)
    if any(n == 0 for n in in_size):
        raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch "
                           f"dimensions, but input has sizes {list(input.shape)} with "
                           f"dimension {input.ndim - nd + in_size.index(0)} being empty")
    lead = tuple(input.shape[:-nd])
    x = input
    wins = [_adaptive_windows(n, o) for n, o in zip(in_size, output_size)]
    for k, win in enumerate(wins):             # gather each dim's windows: (..., o, w)
        d = len(lead) + 2 * k
        x = index_select(x, d, make_tensor(win.reshape(-1)))
        x = reshape(x, tuple(x.shape[:d]) + win.shape + tuple(x.shape[d + 1:]))
    if nd == 2:                                 # (..., oh, wh, ow, ww) -> (..., oh, ow, wh ww)
        b = len(lead)
        x = permute(x, tuple(range(b)) + (b, b + 2, b + 1, b + 3))
        x = reshape(x, lead + output_size + (wins[0].shape[1] * wins[1].shape[1],))
    values, pick = _max(x, -1)
    if not return_indices:
        return values
    p = pick.numpy()                            # the flat input index of each maximum
    if nd == 1:
        idx = wins[0][np.arange(output_size[0]), p]
    else:
        ww = wins[1].shape[1]
        rows = wins[0][np.arange(output_size[0])[:, None], p // ww]
        cols = wins[1][np.arange(output_size[1])[None, :], p % ww]
        idx = rows * in_size[1] + cols
    return values, make_tensor(np.ascontiguousarray(idx, dtype=np.int64))


def _check_adaptive_rank(op, nd, input):
    if input.ndim not in (nd + 1, nd + 2):
        if nd == 1:
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional "
                               f"tensor for argument #1 'self' (while checking arguments for "
                               f"{op})")
        sep = ": " if "max" in op else " "          # PyTorch's two messages differ so
        raise RuntimeError(f"{op}(): Expected {nd + 1}D or {nd + 2}D tensor, but got{sep}"
                           f"{list(input.shape)}")


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, True)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over adaptive windows to a fixed output length (``return_indices``: also where)."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over adaptive windows to a fixed (H, W) output (``None`` keeps that size)."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)
