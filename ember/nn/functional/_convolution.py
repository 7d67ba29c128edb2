"""The convolution primitives: N-d grouped, strided, dilated, padded convolution and its two
adjoints, with every rule.

Three bilinear primitives form a set closed under differentiation:

* ``conv(x, w, b)``      -> y        the forward convolution (``ConvolutionBackward0``)
* ``conv_t(y, w, b)``    -> x-shaped the adjoint in ``x`` (= transposed convolution)
* ``conv_w(x, y)``       -> w-shaped the adjoint in ``w`` (the weight gradient)

Each one's VJPs are the other two (``<conv(x, w), g> = <x, conv_t(g, w)> = <w, conv_w(x, g)>``),
its JVP is itself applied to a tangent (it is bilinear), and its batching rule folds the vmap
dimension into the batch (``N``) or, when the weight is batched, into the channels with
``groups * B`` groups.  The array work is im2col, per chunk of images (about 1 MiB of columns,
so copy and GEMM stay in cache).  The forward convolution copies a strided window view of
the padded input into a tap-major column matrix (G, C/G*K, n*P) and multiplies over the
groups.  With stride 1 the two adjoints work on the flat padded grid instead (``_Flat``): a
kernel tap is a constant shift there, so the weight gradient's im2col is one contiguous copy
per tap and the input gradient's col2im one contiguous add per tap (strided convolutions
scatter columns back with one add per kernel offset and output row).
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


def _window_view(x, ksize, stride, padding, dilation, groups):
    """(N, G, C/G, *out, *k) view of every window of the padded input, and the output size."""
    N, C = x.shape[:2]
    xp = _pad(x, padding)
    out = out_size(x.shape[2:], ksize, stride, padding, dilation)
    win = _windows(xp, ksize, stride, dilation, out)
    return win.reshape((N, groups, C // groups) + out + tuple(ksize)), out


class _Scratch:
    """Flat buffers reused from one batch chunk to the next: a fresh large array per chunk
    page-faults, which costs as much as the copy into it."""

    def __init__(self, like):
        self.like = like
        self.bufs = {}

    def get(self, key, shape, zero=False, once=False):
        """A ``shape`` view of buffer ``key``; ``zero``: filled with zeros (only when the buffer
        is created, with ``once``: callers that write the same positions every time)."""
        size = math.prod(shape)
        buf = self.bufs.get(key)
        fresh = buf is None or buf.size < size
        if fresh:
            buf = self.bufs[key] = np.empty_like(self.like, shape=(size,))
        view = buf[:size].reshape(shape)
        if zero and (fresh or not once):
            view.fill(0)
        return view

    def cols(self, win, sl, ones=False):
        """im2col of images ``sl``: (G, C/G*K, n*P), taps as rows.  The copy reads whole output
        rows of the input (contiguous for stride 1), twice as fast as positions-as-rows.
        ``ones``: one more row of ones (G, C/G*K + 1, n*P), for a bias column in the GEMM."""
        nd = (win.ndim - 3) // 2
        G, Cg = win.shape[1:3]
        order = (1, 2) + tuple(range(3 + nd, 3 + 2 * nd)) + (0,) + tuple(range(3, 3 + nd))
        src = win[sl].transpose(order)                         # (G, C/G, *k, n, *out)
        k = math.prod(win.shape[3 + nd:])
        nP = math.prod(src.shape[-1 - nd:])
        dst = self.get("cols", (G, Cg * k + ones, nP))
        np.copyto(dst[:, :Cg * k].reshape(src.shape), src)
        if ones:
            dst[:, -1] = 1
        return dst

    def channels_first(self, a, groups):
        """(n, O, *s) -> dense (G, O/G, n*P): the channel-major layout of the GEMMs."""
        n, O = a.shape[:2]
        P = math.prod(a.shape[2:])
        dst = self.get("chf", (O, n, P))
        np.copyto(dst, a.reshape(n, O, P).transpose(1, 0, 2))
        return dst.reshape(groups, O // groups, n * P)


def _to_batch_first(dst, a, bias):
    """Write (C, n, *s) into dst's (n, C, *s), adding ``bias`` per channel in the same pass."""
    nd = a.ndim - 2
    a = a.transpose((1, 0) + tuple(range(2, 2 + nd)))
    if bias is None:
        dst[...] = a
    else:
        np.add(a, bias.reshape((1, a.shape[1]) + (1,) * nd), out=dst, casting="unsafe")


_CHUNK_BYTES = 1 << 20


def _chunks(N, per_image):
    """Batch slices whose columns take about 1 MiB: im2col and GEMM then stay in cache
    (1.5x faster than one im2col of the whole batch, and far less memory)."""
    n = max(1, _CHUNK_BYTES // max(per_image, 1))
    return [slice(s, min(s + n, N)) for s in range(0, N, n)] or [slice(0, 0)]


def _conv_impl(x, w, b, stride, padding, dilation, groups):
    N = x.shape[0]
    O = w.shape[0]
    ksize = tuple(w.shape[2:])
    win, out = _window_view(x, ksize, stride, padding, dilation, groups)
    wm = w.reshape(groups, O // groups, math.prod(w.shape[1:]))
    dt = np.result_type(x, w) if b is None else np.result_type(x, w, b)
    y = np.empty_like(x, dtype=dt, shape=(N, O) + out)
    scratch = _Scratch(x)
    P = math.prod(out)
    wb = None
    for sl in _chunks(N, x.itemsize * groups * wm.shape[2] * P):
        n = sl.stop - sl.start
        if n == 1:                      # one image: the GEMM writes its output in place,
            if wb is None:              # the bias as one more column of the weight
                wb = wm if b is None else np.concatenate(
                    [wm, b.reshape(groups, O // groups, 1).astype(wm.dtype, copy=False)], 2)
            np.matmul(wb, scratch.cols(win, sl, ones=b is not None),
                      out=y[sl].reshape(wm.shape[:2] + (P,)))
            continue
        yc = np.matmul(wm, scratch.cols(win, sl), out=scratch.get("y", wm.shape[:2] + (n * P,)))
        _to_batch_first(y[sl], yc.reshape((O, n) + out), b)
    return y


class _Flat:
    """Stride-1 geometry on the flat padded grid.  Output position ``q`` (flat, on the grid of
    the padded input, rows as wide as the padded input) and kernel tap ``t`` meet at input
    ``q + off[t]``, so the columns of tap ``t`` are the padded input shifted by ``off[t]``: one
    contiguous copy (im2col) or add (col2im) per tap over all channels of a group, instead of
    one per output row and channel.  Positions ``q`` between output rows are off the output;
    the output gradient is zero there, so they add nothing (a shifted entry that leaves its
    channel is such a zero).  The GEMMs run over ``L`` grid positions instead of the output's
    (the row padding: ~8% for 3x3 kernels on 26x26 inputs)."""

    def __init__(self, in_size, out, ksize, padding, dilation):
        nd = len(out)
        self.padded = tuple(n + lo + max(hi, 0) for n, (lo, hi) in zip(in_size, padding))
        gst = tuple(math.prod(self.padded[i + 1:]) for i in range(nd))
        self.offs = [sum(k * d * s for k, d, s in zip(kk, dilation, gst))
                     for kk in np.ndindex(*ksize)]
        self.L = sum((o - 1) * s for o, s in zip(out, gst)) + 1
        self.PD = math.prod(self.padded)
        self.out = out
        self.wide = (out[0],) + self.padded[1:]      # output rows, each as wide as the grid
        self.interior = (slice(None), slice(None)) + tuple(
            slice(lo, lo + n) for n, (lo, hi) in zip(in_size, padding))
        self.direct = self.padded == tuple(in_size) and all(lo == 0 for lo, _ in padding)

    def spread(self, scratch, g):
        """(n, O, *out) -> (n, O, L) view of the output (gradient) on the grid."""
        n, O = g.shape[:2]
        if self.wide == self.out:
            return g.reshape(n, O, self.L)
        gw = scratch.get("gw", (n, O) + self.wide, zero=True, once=True)
        gw[(slice(None), slice(None)) + tuple(slice(0, o) for o in self.out)] = g
        return gw.reshape(n, O, math.prod(self.wide))[:, :, :self.L]

    def padded_flat(self, scratch, x):
        """(n, C, *in) -> (n, C*PD): the zero-padded input, flat."""
        n, C = x.shape[:2]
        if not self.direct:
            xp = scratch.get("xp", (n, C) + self.padded, zero=True, once=True)
            xp[self.interior] = x
            x = xp
        return x.reshape(n, C * self.PD)


def _conv_t_flat(g, w, b, padding, dilation, groups, in_size, x):
    """Stride-1 transposed convolution on the flat grid (``_Flat``): a GEMM into tap-major
    columns (n, G, K, C/G, PD) whose off-grid entries are zero, then one add per tap."""
    N, O = g.shape[:2]
    ksize = tuple(w.shape[2:])
    G, Cg = groups, w.shape[1]
    Og, C, K = O // G, Cg * G, math.prod(ksize)
    fl = _Flat(in_size, tuple(g.shape[2:]), ksize, padding, dilation)
    PD, L, CP = fl.PD, fl.L, C * fl.PD
    # rows (tap, channel) per group
    wk = w.reshape(G, Og, Cg, K).transpose(0, 3, 2, 1).reshape(G, K * Cg, Og)
    bias = None if b is None else b.reshape((1, C) + (1,) * len(ksize))
    scratch = _Scratch(g)
    for sl in _chunks(N, g.itemsize * K * CP):
        n = sl.stop - sl.start
        gw = fl.spread(scratch, g[sl]).reshape(n, G, Og, L)
        # entries past L are never written: zero from the buffer's creation on
        cols = scratch.get("cols", (n, G, K, Cg, PD), zero=True, once=True)
        np.matmul(wk, gw, out=cols.reshape(n, G, K * Cg, PD)[..., :L])
        xf = scratch.get("xf", (n, CP + max(fl.offs)))
        xf[:, :CP] = cols[:, :, 0].reshape(n, CP)  # tap 0: offset 0, covers every entry
        xf[:, CP:] = 0
        for t in range(1, K):
            off = fl.offs[t]
            xf[:, off:off + CP].reshape(n, G, Cg * PD)[...] += \
                cols[:, :, t].reshape(n, G, Cg * PD)
        xp = xf[:, :CP].reshape((n, C) + fl.padded)[fl.interior]
        if bias is None:
            x[sl] = xp
        else:
            np.add(xp, bias, out=x[sl], casting="unsafe")
    return x


def _conv_w_flat(x, g, padding, dilation, groups, ksize):
    """Stride-1 weight gradient on the flat grid (``_Flat``): im2col is one shifted copy per
    tap, then dwᵀ = cols @ gᵀ over grid positions (zero output gradient off the grid)."""
    N, C = x.shape[:2]
    O = g.shape[1]
    G = groups
    Cg, Og, K = C // G, O // G, math.prod(ksize)
    fl = _Flat(tuple(x.shape[2:]), tuple(g.shape[2:]), ksize, padding, dilation)
    PD, L = fl.PD, fl.L
    CgP = Cg * PD
    dwt = np.zeros_like(g, dtype=np.result_type(x, g), shape=(G, K * Cg, Og))
    scratch = _Scratch(x)
    per_group = x.itemsize * K * CgP
    # blocks of groups when one image's columns are large (vmap's per-sample weight gradients
    # are one image with batch * groups groups)
    gb = max(1, min(G, _CHUNK_BYTES // per_group))
    for sl in _chunks(N, per_group * G) if gb == G else [slice(i, i + 1) for i in range(N)]:
        n = sl.stop - sl.start
        for g0 in range(0, G, gb):
            nb = min(gb, G - g0)
            gw = fl.spread(scratch, g[sl, g0 * Og:(g0 + nb) * Og]).reshape(n, nb, Og, L)
            xf = fl.padded_flat(scratch, x[sl, g0 * Cg:(g0 + nb) * Cg]).reshape(n, nb, CgP)
            # each tap block's tail (past the group's end) stays zero from creation on
            cols = scratch.get("cols", (n, nb, K, CgP), zero=True, once=True)
            for t, off in enumerate(fl.offs):
                cols[:, :, t, :CgP - off] = xf[:, :, off:]
            part = np.matmul(cols.reshape(n, nb, K * Cg, PD)[..., :L],
                             gw.transpose(0, 1, 3, 2), out=scratch.get("dw", (n, nb, K * Cg, Og)))
            dwt[g0:g0 + nb] += part.sum(0) if n > 1 else part[0]
    return np.ascontiguousarray(dwt.reshape(G, K, Cg, Og).transpose(0, 3, 2, 1)).reshape(
        (O, Cg) + tuple(ksize))


def _conv_t_impl(g, w, b, stride, padding, dilation, groups, in_size):
    if (all(s == 1 for s in stride) and g.size and
            np.isfinite(w).all()):    # off-grid columns are then exact zeros
        dt = np.result_type(g, w) if b is None else np.result_type(g, w, b)
        x = np.empty_like(g, dtype=dt, shape=(g.shape[0], w.shape[1] * groups) + tuple(in_size))
        return _conv_t_flat(g, w, b, padding, dilation, groups, in_size, x)
    N, O = g.shape[:2]
    out = tuple(g.shape[2:])
    ksize = tuple(w.shape[2:])
    Cg = w.shape[1]
    C = Cg * groups
    P = math.prod(out)
    wmt = w.reshape(groups, O // groups, Cg * math.prod(ksize)).transpose(0, 2, 1)
    padded = tuple(n + lo + max(hi, 0) for n, (lo, hi) in zip(in_size, padding))
    crop = tuple(slice(lo, lo + n) for n, (lo, hi) in zip(in_size, padding))
    dt = np.result_type(g, w) if b is None else np.result_type(g, w, b)
    x = np.empty_like(g, dtype=dt, shape=(N, C) + tuple(in_size))
    scratch = _Scratch(g)
    for sl in _chunks(N, g.itemsize * C * math.prod(ksize) * P):
        n = sl.stop - sl.start
        cols = np.matmul(wmt, scratch.channels_first(g[sl], groups),
                         out=scratch.get("cols", (groups, wmt.shape[1], n * P)))
        cols = cols.reshape((C,) + ksize + (n,) + out)
        xp = scratch.get("xp", (C, n) + padded, zero=True)
        for kk in np.ndindex(*ksize):       # col2im: one vectorised add per kernel offset
            win = tuple(slice(k * d, k * d + s * (o - 1) + 1, s)
                        for k, d, s, o in zip(kk, dilation, stride, out))
            xp[(slice(None), slice(None)) + win] += cols[(slice(None),) + kk]
        _to_batch_first(x[sl], xp[(slice(None), slice(None)) + crop], b)
    return x


def _conv_w_impl(x, g, stride, padding, dilation, groups, ksize):
    if all(s == 1 for s in stride) and g.size:
        dw = _conv_w_flat(x, g, padding, dilation, groups, ksize)
        if np.isfinite(dw).all():   # else an inf in x met the zeros off the grid: redo exactly
            return dw
    return _conv_w_cols(x, g, stride, padding, dilation, groups, ksize)


def _conv_w_cols(x, g, stride, padding, dilation, groups, ksize):
    N, O = g.shape[:2]
    win, out = _window_view(x, ksize, stride, padding, dilation, groups)
    K = (x.shape[1] // groups) * math.prod(ksize)
    # accumulate dwᵀ = cols @ gᵀ: OpenBLAS runs this orientation 20% faster than g @ colsᵀ
    dwt = np.zeros_like(g, dtype=np.result_type(x, g), shape=(groups, K, O // groups))
    scratch = _Scratch(x)
    for sl in _chunks(N, x.itemsize * groups * K * math.prod(out)):
        part = np.matmul(scratch.cols(win, sl),
                         scratch.channels_first(g[sl], groups).transpose(0, 2, 1),
                         out=scratch.get("dw", dwt.shape))
        dwt += part
    return np.ascontiguousarray(dwt.transpose(0, 2, 1)).reshape(
        (O, x.shape[1] // groups) + tuple(ksize))


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
