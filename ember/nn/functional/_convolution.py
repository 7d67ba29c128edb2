"""The convolution primitives: N-d grouped, strided, dilated, padded convolution and its two
adjoints, with every rule.

Three bilinear primitives form a set closed under differentiation:

* ``conv(x, w, b)``      -> y        the forward convolution (``ConvolutionBackward0``)
* ``conv_t(y, w, b)``    -> x-shaped the adjoint in ``x`` (= transposed convolution)
* ``conv_w(x, y)``       -> w-shaped the adjoint in ``w`` (the weight gradient)

Each one's VJPs are the other two (``<conv(x, w), g> = <x, conv_t(g, w)> = <w, conv_w(x, g)>``),
its JVP is itself applied to a tangent (it is bilinear), and its batching rule folds the vmap
dimension into the batch (``N``) or, when the weight is batched, into the channels with
``groups * B`` groups.  The array work is im2col: a strided window view of the padded input,
one copy into a column matrix and a batched matmul over the groups; the adjoint scatters
columns back with one vectorised add per kernel offset (a small, constant loop).
"""
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ...ops._primitive import Primitive

__all__ = ["conv", "conv_t", "conv_w", "out_size"]


def out_size(in_size, ksize, stride, padding, dilation):
    """Spatial output size of a convolution with (lo, hi) padding pairs per dim."""
    return tuple((n + lo + hi - d * (k - 1) - 1) // s + 1
                 for n, k, s, (lo, hi), d in zip(in_size, ksize, stride, padding, dilation))


def _pad(x, padding):
    """Zero-pad the spatial dims; a negative ``hi`` drops trailing input that no window
    reaches (transposed convolutions with ``output_padding`` produce such geometries)."""
    if any(hi < 0 for _, hi in padding):
        x = x[(slice(None), slice(None)) +
              tuple(slice(0, n + min(hi, 0)) for n, (_, hi) in zip(x.shape[2:], padding))]
    if any(lo or hi > 0 for lo, hi in padding):
        return np.pad(x, ((0, 0), (0, 0)) + tuple((lo, max(hi, 0)) for lo, hi in padding))
    return x


def _windows(xp, ksize, stride, dilation, out):
    """(N, C, *out, *k) view of the padded input: every window, without copying."""
    nd = len(ksize)
    st = xp.strides
    shape = xp.shape[:2] + tuple(out) + tuple(ksize)
    strides = (st[:2] + tuple(st[2 + i] * stride[i] for i in range(nd)) +
               tuple(st[2 + i] * dilation[i] for i in range(nd)))
    return as_strided(xp, shape, strides, writeable=False)


def _columns(x, ksize, stride, padding, dilation, groups):
    """im2col: (G, N*P, C/G*K) columns of the windows, and the output size."""
    N, C = x.shape[:2]
    nd = len(ksize)
    xp = _pad(x, padding)
    out = out_size(x.shape[2:], ksize, stride, padding, dilation)
    win = _windows(xp, ksize, stride, dilation, out)
    win = win.reshape((N, groups, C // groups) + out + tuple(ksize))
    # -> (G, N, *out, C/G, *k)
    order = (1, 0) + tuple(range(3, 3 + nd)) + (2,) + tuple(range(3 + nd, 3 + 2 * nd))
    cols = win.transpose(order).reshape(groups, N * math.prod(out),
                                        (C // groups) * math.prod(ksize))
    return cols, out


def _conv_impl(x, w, b, stride, padding, dilation, groups):
    N = x.shape[0]
    O = w.shape[0]
    cols, out = _columns(x, w.shape[2:], stride, padding, dilation, groups)
    wm = w.reshape(groups, O // groups, math.prod(w.shape[1:]))
    y = np.matmul(cols, wm.transpose(0, 2, 1))               # (G, N*P, O/G)
    y = y.reshape((groups, N) + out + (O // groups,))
    nd = len(out)
    y = y.transpose((1, 0, 2 + nd) + tuple(range(2, 2 + nd))).reshape((N, O) + out)
    if b is not None:
        y = y + b.reshape((1, O) + (1,) * nd)
    return np.ascontiguousarray(y)


def _conv_t_impl(g, w, b, stride, padding, dilation, groups, in_size):
    N, O = g.shape[:2]
    out = g.shape[2:]
    nd = len(out)
    ksize = w.shape[2:]
    Cg = w.shape[1]
    C = Cg * groups
    P = math.prod(out)
    gm = g.reshape((N, groups, O // groups, P)).transpose(1, 0, 3, 2)
    gm = np.ascontiguousarray(gm.reshape(groups, N * P, O // groups))
    cols = np.matmul(gm, w.reshape(groups, O // groups, Cg * math.prod(ksize)))
    cols = cols.reshape((groups, N) + tuple(out) + (Cg,) + tuple(ksize))
    # -> (N, G, C/G, *out, *k) -> (N, C, *out, *k)
    order = (1, 0, 2 + nd) + tuple(range(2, 2 + nd)) + tuple(range(3 + nd, 3 + 2 * nd))
    cols = cols.transpose(order).reshape((N, C) + tuple(out) + tuple(ksize))
    padded = tuple(n + lo + max(hi, 0) for n, (lo, hi) in zip(in_size, padding))
    xp = np.zeros((N, C) + padded, dtype=np.result_type(g, w))
    for kk in np.ndindex(*ksize):
        sl = tuple(slice(k * d, k * d + s * (o - 1) + 1, s)
                   for k, d, s, o in zip(kk, dilation, stride, out))
        xp[(slice(None), slice(None)) + sl] += cols[(Ellipsis,) + kk]
    crop = tuple(slice(lo, lo + n) for n, (lo, hi) in zip(in_size, padding))
    x = xp[(slice(None), slice(None)) + crop]
    if b is not None:
        x = x + b.reshape((1, C) + (1,) * nd)
    return np.ascontiguousarray(x)


def _conv_w_impl(x, g, stride, padding, dilation, groups, ksize):
    N, O = g.shape[:2]
    cols, out = _columns(x, ksize, stride, padding, dilation, groups)
    P = math.prod(out)
    gm = g.reshape((N, groups, O // groups, P)).transpose(1, 2, 0, 3)
    gm = np.ascontiguousarray(gm.reshape(groups, O // groups, N * P))   # BLAS needs it dense
    dw = np.matmul(gm, cols)                                   # (G, O/G, C/G*K)
    return dw.reshape((O, x.shape[1] // groups) + tuple(ksize))


# ------------------------------------------------------------------ rules (in ember ops)

def _geom(p):
    return {k: p[k] for k in ("stride", "padding", "dilation", "groups")}


def _bias_grad(g):
    from ...ops.reduction import sum as esum
    return esum(g, dim=(0,) + tuple(range(2, g.ndim)))


def _bias_tangent(t, ndim):
    from ...ops.shape import reshape
    return reshape(t, (1, t.shape[0]) + (1,) * (ndim - 2))


_conv = Primitive(
    "convolution", _conv_impl,
    vjp=(lambda g, out, x, w, b, **p: conv_t(g, w, None, in_size=tuple(x.shape[2:]), **p),
         lambda g, out, x, w, b, **p: conv_w(x, g, ksize=tuple(w.shape[2:]), **p),
         lambda g, out, x, w, b, **p: _bias_grad(g)),
    jvp=(lambda t, out, x, w, b, **p: conv(t, w, None, **p),
         lambda t, out, x, w, b, **p: conv(x, t, None, **p),
         lambda t, out, x, w, b, **p: _bias_tangent(t, x.ndim)),
    node_name="ConvolutionBackward0", saves=(0, 1))

_conv_t = Primitive(
    "convolution_transpose", _conv_t_impl,
    vjp=(lambda g, out, y, w, b, in_size, **p: conv(g, w, None, **p),
         lambda g, out, y, w, b, in_size, **p: conv_w(g, y, ksize=tuple(w.shape[2:]), **p),
         lambda g, out, y, w, b, in_size, **p: _bias_grad(g)),
    jvp=(lambda t, out, y, w, b, in_size, **p: conv_t(t, w, None, in_size=in_size, **p),
         lambda t, out, y, w, b, in_size, **p: conv_t(y, t, None, in_size=in_size, **p),
         lambda t, out, y, w, b, in_size, **p: _bias_tangent(t, y.ndim)),
    node_name="ConvolutionBackward0", saves=(0, 1))

_conv_w = Primitive(
    "convolution_weight", _conv_w_impl,
    vjp=(lambda G, out, x, g, ksize, **p: conv_t(g, G, None, in_size=tuple(x.shape[2:]), **p),
         lambda G, out, x, g, ksize, **p: conv(x, G, None, **p)),
    jvp=(lambda t, out, x, g, ksize, **p: conv_w(t, g, ksize=ksize, **p),
         lambda t, out, x, g, ksize, **p: conv_w(x, t, ksize=ksize, **p)),
    node_name="ConvolutionBackwardBackward0")


def conv(x, w, b, *, stride, padding, dilation, groups):
    return _conv(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)


def conv_t(y, w, b, *, stride, padding, dilation, groups, in_size):
    return _conv_t(y, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups,
                   in_size=in_size)


def conv_w(x, g, *, stride, padding, dilation, groups, ksize):
    return _conv_w(x, g, stride=stride, padding=padding, dilation=dilation, groups=groups,
                   ksize=ksize)


# ------------------------------------------------------------------ batching rules
# The vmap dimension is at 0 of every batched value.  Folding it into N keeps one big
# convolution; a batched weight instead becomes B * groups groups over channels stacked as
# (B, C).

def _front(v, batched, B):
    from ...ops._util import move_bdim_to_front
    return move_bdim_to_front(v, batched, B)


def _fold_n(v):
    from ...ops.shape import reshape
    s = tuple(v.shape)
    return reshape(v, (s[0] * s[1],) + s[2:])


def _unfold_n(v, B, N):
    from ...ops.shape import reshape
    return reshape(v, (B, N) + tuple(v.shape)[1:])


def _to_channels(v):
    """(B, N, C, *s) -> (N, B*C, *s)."""
    from ...ops.shape import reshape, movedim
    s = tuple(v.shape)
    return reshape(movedim(v, 0, 1), (s[1], s[0] * s[2]) + s[3:])


def _from_channels(v, B):
    """(N, B*C, *s) -> (B, N, C, *s)."""
    from ...ops.shape import reshape, movedim
    s = tuple(v.shape)
    return movedim(reshape(v, (s[0], B, s[1] // B) + s[2:]), 1, 0)


def _fold_w(w):
    from ...ops.shape import reshape
    s = tuple(w.shape)
    return reshape(w, (s[0] * s[1],) + s[2:])


def _empty_batch(shape, like):
    from ...ops.creation import zeros
    return zeros(shape, dtype=like.dtype)


def _batch_size(args, batched):
    from ...ops._util import batch_size_of
    return batch_size_of(args, batched)


def _conv_batch(prim, args, batched, stride, padding, dilation, groups):
    x, w, b = args
    bx, bw, bb = batched
    B = _batch_size(args, batched)
    geom = dict(stride=stride, padding=padding, dilation=dilation)
    if not bw and not bb:
        return _unfold_n(conv(_fold_n(x), w, b, groups=groups, **geom), B, x.shape[1])
    xs = tuple(x.shape)[1:] if bx else tuple(x.shape)
    if B == 0:
        ksize = tuple(w.shape)[-len(stride):]
        out = out_size(xs[2:], ksize, stride, padding, dilation)
        O = w.shape[1] if bw else w.shape[0]
        return _empty_batch((0, xs[0], O) + out, x)
    x = _to_channels(_front(x, bx, B))
    w = _fold_w(_front(w, bw, B))
    if b is not None:
        b = _fold_w(_front(b, bb, B))
    return _from_channels(conv(x, w, b, groups=groups * B, **geom), B)


def _conv_t_batch(prim, args, batched, stride, padding, dilation, groups, in_size):
    y, w, b = args
    by, bw, bb = batched
    B = _batch_size(args, batched)
    geom = dict(stride=stride, padding=padding, dilation=dilation, in_size=in_size)
    if not bw and not bb:
        return _unfold_n(conv_t(_fold_n(y), w, b, groups=groups, **geom), B, y.shape[1])
    if B == 0:
        ys = tuple(y.shape)[1:] if by else tuple(y.shape)
        Cg = w.shape[2] if bw else w.shape[1]
        return _empty_batch((0, ys[0], Cg * groups) + tuple(in_size), y)
    y = _to_channels(_front(y, by, B))
    w = _fold_w(_front(w, bw, B))
    if b is not None:
        b = _fold_w(_front(b, bb, B))
    return _from_channels(conv_t(y, w, b, groups=groups * B, **geom), B)


def _conv_w_batch(prim, args, batched, stride, padding, dilation, groups, ksize):
    x, g = args
    B = _batch_size(args, batched)
    if B == 0:
        xs = tuple(x.shape)[1:] if batched[0] else tuple(x.shape)
        gs = tuple(g.shape)[1:] if batched[1] else tuple(g.shape)
        return _empty_batch((0, gs[1], xs[1] // groups) + tuple(ksize), x)
    x = _to_channels(_front(x, batched[0], B))
    g = _to_channels(_front(g, batched[1], B))
    dw = conv_w(x, g, stride=stride, padding=padding, dilation=dilation, groups=groups * B,
                ksize=ksize)
    from ...ops.shape import reshape
    s = tuple(dw.shape)
    return reshape(dw, (B, s[0] // B) + s[1:])


_conv.batch = _conv_batch
_conv_t.batch = _conv_t_batch
_conv_w.batch = _conv_w_batch
