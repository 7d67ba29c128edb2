"""Loss primitives: ``nll_loss`` and the pointwise losses PyTorch users see as
``NllLossBackward0``, ``MseLossBackward0``, ``SmoothL1LossBackward0``, ``HuberLossBackward0``,
``BinaryCrossEntropyBackward0`` and ``BinaryCrossEntropyWithLogitsBackward0``.

A pointwise loss is ``reduce(f(x, y, *consts))``: the forward is NumPy, the derivatives in x and
y are ember ops (so VJP, JVP and higher derivatives come from them) and the batching rule
computes the unreduced loss and reduces each example separately.  ``nll_loss`` is linear in
its input, so its JVP is itself and its VJP is a one-hot mask (a non-differentiable
primitive of the targets) scaled by the output gradient.
"""
import numpy as np

import ember
from ..._tensor import Tensor
from ...ops._primitive import Primitive
from ...ops._util import npdtype, move_bdim_to_front
from ...ops.shape import reshape

__all__ = ["nll", "class_mask", "pointwise_loss"]


def _np_reduce(v, reduction):
    if reduction == "none":
        return v
    if reduction == "sum":
        return v.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return v.mean() if v.size else np.array(np.nan, dtype=v.dtype)


def reduce(v, reduction, dims=None):
    """Ember-op reduction (``dims`` restricts it, for per-example reduction under vmap)."""
    if reduction == "none":
        return v
    if dims is None:
        return ember.sum(v) if reduction == "sum" else ember.mean(v)
    return ember.sum(v, dims) if reduction == "sum" else ember.mean(v, dims)


def _align(v, batched, B, nd):
    """A (possibly batched) operand with its batch dim at 0 and rank ``nd + 1``."""
    if v is None or not isinstance(v, Tensor):
        return v
    if not batched:
        return v
    n = v.ndim - 1
    if n < nd:
        s = tuple(v.shape)
        v = reshape(v, (s[0],) + (1,) * (nd - n) + s[1:])
    return v


# ------------------------------------------------------------------ pointwise losses

def pointwise_loss(name, f, dx, dy, node_name):
    """``f(x, y, *consts, **kw)`` elementwise loss on arrays; ``dx``/``dy`` its partial
    derivatives in ember ops.  The primitive takes ``(x, y, *consts)`` of one shape (consts
    broadcastable or None) and a ``reduction`` param."""

    def impl(x, y, *consts, reduction, **kw):
        with np.errstate(divide="ignore", invalid="ignore"):
            return _np_reduce(np.asarray(f(x, y, *consts, **kw), dtype=x.dtype), reduction)

    def scale(g, x, reduction):
        if reduction == "mean":
            n = x.numel()
            return g / n if n else g
        return g

    def rule(d):
        def r(g, out, x, y, *consts, reduction, **kw):
            res = ember.mul(scale(g, x, reduction), d(x, y, *consts, **kw))
            return res if tuple(res.shape) == tuple(x.shape) else ember.expand(res, x.shape)
        return r

    def tangent(d):
        def r(t, out, x, y, *consts, reduction, **kw):
            return reduce(ember.mul(t, d(x, y, *consts, **kw)), reduction)
        return r

    def batch(prim, args, batched, reduction, **kw):
        B = next(a.shape[0] for a, b in zip(args, batched) if b)
        x, y = args[0], args[1]
        nd = x.ndim - 1 if batched[0] else x.ndim
        x = move_bdim_to_front(x, batched[0], B)
        y = move_bdim_to_front(y, batched[1], B)
        consts = [_align(c, b, B, nd) for c, b in zip(args[2:], batched[2:])]
        per = prim(x, y, *consts, reduction="none", **kw)
        if reduction == "none" or nd == 0:
            return per
        return reduce(per, reduction, tuple(range(1, nd + 1)))

    return Primitive(name, impl, vjp=(rule(dx), rule(dy), None, None),
                     jvp=(tangent(dx), tangent(dy), None, None), batch=batch,
                     node_name=node_name)


# ------------------------------------------------------------------ nll_loss

def _class_mask_impl(t, num_classes, ignore_index, cdim, dtype):
    from ..._backend import array_module
    classes = array_module(t).arange(num_classes).reshape((num_classes,) + (1,) * (t.ndim - cdim))
    tt = np.expand_dims(t, cdim)
    return ((tt == classes) & (tt != ignore_index)).astype(dtype)


class_mask = Primitive(
    "nll_class_mask", _class_mask_impl,
    batch=lambda prim, args, batched, cdim, **p: prim(args[0], cdim=cdim + 1, **p),
    differentiable=False)


def _plain_classes(t, w, shape, ignore_index, reduction, cdim):
    """The classifier's case: (N, C) scores, no class weights, a reduced loss, and every
    target a valid class that is not ``ignore_index`` (one gather forward, one scatter back)."""
    return bool(w is None and len(shape) == 2 and cdim == 1 and reduction != "none" and t.size
                and t.min() >= 0 and t.max() < shape[1]
                and (ignore_index < 0 or not (t == ignore_index).any()))


def _nll_impl(x, t, w, ignore_index, reduction, cdim):
    C = x.shape[cdim]
    if _plain_classes(t, w, x.shape, ignore_index, reduction, cdim):
        total = x[np.arange(t.shape[0]), t].sum(dtype=x.dtype)
        return np.asarray(-total if reduction == "sum" else -total / t.shape[0], dtype=x.dtype)
    valid = t != ignore_index
    tt = np.where(valid, t, 0)
    bad = (tt < 0) | (tt >= C)
    if bad.any():
        raise IndexError(f"Target {int(tt[bad].flat[0])} is out of bounds.")
    idx = np.expand_dims(tt, cdim)
    picked = np.take_along_axis(x, idx, cdim).squeeze(cdim)
    if w is None:
        wt = valid.astype(x.dtype)
    else:
        wt = np.take_along_axis(np.broadcast_to(w, x.shape), idx, cdim).squeeze(cdim) * valid
    loss = -picked * wt
    if reduction == "none":
        return loss.astype(x.dtype, copy=False)
    if reduction == "sum":
        return loss.sum(dtype=x.dtype)
    return (loss.sum() / wt.sum()).astype(x.dtype)     # 0/0 -> nan silently, as PyTorch


def _weighted_mask(x, t, w, ignore_index, cdim):
    m = class_mask(t, num_classes=x.shape[cdim], ignore_index=ignore_index, cdim=cdim,
                   dtype=npdtype(x))
    return m if w is None else ember.mul(m, w)


def _nll_vjp(g, out, x, t, w, ignore_index, reduction, cdim):
    return _nll_grad(g, t, w, shape=tuple(x.shape), dtype=npdtype(x), ignore_index=ignore_index,
                     reduction=reduction, cdim=cdim)


def _nll_grad_impl(g, t, w, shape, dtype, ignore_index, reduction, cdim):
    """The dense gradient of nll_loss in its input: -g * weight at each target class."""
    if _plain_classes(t, w, shape, ignore_index, reduction, cdim):
        out = np.zeros(shape, dtype)
        out[np.arange(shape[0]), t] = -g if reduction == "sum" else -g / shape[0]
        return out
    m = _class_mask_impl(t, shape[cdim], ignore_index, cdim, dtype)
    if w is not None:
        m = m * w
    if reduction == "none":
        g = np.expand_dims(g, cdim)
    elif reduction == "mean":
        g = g / m.sum(dtype=dtype)
    return np.asarray(-(m * g), dtype=dtype)


def _nll_grad_batch(prim, args, batched, shape, dtype, ignore_index, reduction, cdim):
    g, t, w = args
    bg, bt, bw = batched
    B = next(a.shape[0] for a, b in zip(args, batched) if b)
    nd = len(shape)
    m = class_mask(t, num_classes=shape[cdim], ignore_index=ignore_index, cdim=cdim + bt,
                   dtype=dtype)                      # (B?, N, C, *d)
    if w is not None:
        if bw:
            w = reshape(w, (B,) + (1,) * (nd - (w.ndim - 1)) + tuple(w.shape)[1:])
        m = ember.mul(m, w)
    mb = m.ndim > nd                                 # the mask carries the batch dim
    if reduction == "none":
        g = ember.unsqueeze(g, cdim + bg)
    else:
        if reduction == "mean":
            g = ember.div(g, ember.sum(m, tuple(range(1, m.ndim))) if mb else ember.sum(m))
        if bg or mb:
            g = reshape(g, (-1,) + (1,) * nd)
    out = ember.neg(ember.mul(m, g))
    return out if out.ndim > nd else ember.expand(ember.unsqueeze(out, 0), (B,) + shape)


# g -> d nll / d input is linear in g and its adjoint is nll_loss itself, so the rules of each
# are the other (any order of derivatives stays two primitives)
_nll_grad = Primitive(
    "nll_loss_backward", _nll_grad_impl,
    vjp=(lambda gg, out, g, t, w, shape, dtype, **p: _nll(gg, t, w, **p), None, None),
    jvp=(lambda tg, out, g, t, w, shape, dtype, **p: _nll_grad(tg, t, w, shape=shape,
                                                               dtype=dtype, **p), None, None),
    batch=_nll_grad_batch, saves=(1, 2), node_name="NllLossBackwardBackward0")


def _nll_batch(prim, args, batched, ignore_index, reduction, cdim):
    x, t, w = args
    B = next(a.shape[0] for a, b in zip(args, batched) if b)
    x = move_bdim_to_front(x, batched[0], B)
    t = move_bdim_to_front(t, batched[1], B)
    if w is not None and not batched[2]:
        w = reshape(w, (1,) + tuple(w.shape))
    per = prim(x, t, w, ignore_index=ignore_index, reduction="none", cdim=cdim + 1)
    if reduction == "none":
        return per
    dims = tuple(range(1, per.ndim))
    total = ember.sum(per, dims) if dims else per
    if reduction == "sum":
        return total
    m = _weighted_mask(x, t, w, ignore_index, cdim + 1)
    return ember.div(total, ember.sum(m, tuple(range(1, m.ndim))))


_nll = Primitive("nll_loss", _nll_impl, vjp=(_nll_vjp, None, None),
                 jvp=(lambda tx, out, x, t, w, **p: _nll(tx, t, w, **p), None, None),
                 batch=_nll_batch, saves=(1, 2))


def nll(x, t, w, ignore_index, reduction, cdim=1):
    """``x``: (N, C, *d) log-probabilities, ``t``: (N, *d) classes, ``w``: None or a tensor
    broadcastable to ``x`` holding the class weights along ``cdim``."""
    return _nll(x, t, w, ignore_index=ignore_index, reduction=reduction, cdim=cdim)
