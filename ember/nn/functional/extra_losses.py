"""Shrink activations, PReLU and the less common losses (Gaussian and Poisson NLL, hinge
embedding, soft margin, multi-label soft margin, triplet margin), written as composites of
differentiable ember ops, so gradients, JVPs and vmap come from their parts."""
import math

import numpy as np

import ember
from ._loss_prims import reduce as _reduce
from .activation import logsigmoid
from .linear import pairwise_distance
from .loss import _legacy_reduction, _check_reduction

__all__ = ["hardshrink", "softshrink", "prelu", "gaussian_nll_loss", "poisson_nll_loss",
           "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
           "triplet_margin_loss"]


def _zeros(v):
    return ember.zeros_like(v)


# ------------------------------------------------------------------ activations

def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, 0 elsewhere."""
    inside = ember.logical_and(ember.ge(input, -lambd), ember.le(input, lambd))
    return ember.where(inside, _zeros(input), input)      # NaN stays NaN, as in PyTorch


_TNAME = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16"}


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 in between."""
    dt = input.dtype
    if dt.is_floating_point:
        top = np.finfo(dt.np).max
        if not 0 <= lambd <= top:
            raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype "
                               f"{_TNAME.get(dt.name, dt.name)}, but found {lambd:g}")
    inside = ember.logical_and(ember.ge(input, -lambd), ember.le(input, lambd))
    return ember.where(inside, _zeros(input),
                       ember.where(ember.gt(input, lambd), input - lambd, input + lambd))


def prelu(input, weight):
    """max(0, x) + weight min(0, x); a weight of C values applies along the channel dim 1."""
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim}")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got "
                           f"{_TNAME.get(input.dtype.name, input.dtype.name)} and "
                           f"{_TNAME.get(weight.dtype.name, weight.dtype.name)}")
    n = weight.numel()
    if n != 1:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        C = input.shape[1] if input.ndim >= 2 else 1
        if n != C:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {n} and channel size = {C}.")
        if input.ndim >= 2:
            weight = ember.reshape(weight, (C,) + (1,) * (input.ndim - 2))
    elif weight.ndim == 1 and input.ndim == 0:
        weight = ember.reshape(weight, ())
    return ember.where(ember.gt(input, 0), input, input * weight)


# ------------------------------------------------------------------ losses

def _any_negative(var):
    """Whether ``var`` has a negative entry; under vmap the answer differs per example, so
    the check is skipped there (such entries are clamped at eps like small ones)."""
    try:
        return bool(ember.any(ember.lt(var.detach(), 0)))
    except RuntimeError as e:
        if str(e).startswith("vmap:"):
            return False
        raise


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 (log max(var, eps) + (input - target)^2 / max(var, eps)) (+ 0.5 log 2 pi if
    ``full``); ``var`` may drop the last dim or have size 1 there (one variance per example),
    or be a float.  The clamp at ``eps`` does not stop the gradient."""
    if not isinstance(var, ember.Tensor):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = ember.full_like(input, float(var))
    vs, xs = tuple(var.shape), tuple(input.shape)
    if vs != xs:
        if xs[:-1] == vs:
            var = ember.unsqueeze(var, -1)
        elif not (xs[:-1] == vs[:-1] and len(vs) == len(xs) and vs[-1] == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    if _any_negative(var):
        raise ValueError("var has negative entry/entries")
    var = var + (ember.clamp_min(var, eps) - var).detach()
    loss = 0.5 * (ember.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """exp(input) - target input (``log_input``) or input - target log(input + eps); ``full``
    adds Stirling's approximation target log target - target + 0.5 log(2 pi target) where
    target > 1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if log_input:
        loss = ember.exp(input) - target * input
    else:
        loss = input - target * ember.log(input + eps)
    if full:
        big = ember.gt(target, 1)
        safe = ember.where(big, target, ember.ones_like(target))
        stirling = safe * ember.log(safe) - safe + 0.5 * ember.log(2 * math.pi * safe)
        loss = loss + ember.where(big, stirling, _zeros(stirling))
    return _reduce(loss, reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """input where target is 1, max(0, margin - input) where target is -1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    zeros = ember.zeros((), dtype=input.dtype)
    margin_part = ember.where(ember.ne(target, 1), ember.clamp_min(margin - input, 0), zeros)
    self_part = ember.where(ember.ne(target, -1), input, zeros)
    return _reduce(margin_part + self_part, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target input))."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    return _reduce(ember.log1p(ember.exp(-target * input)), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Per-class binary cross entropy on logits, averaged over the classes (last dim)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    cdim = input.ndim - 1
    loss = ember.sum(loss, cdim) / input.shape[cdim]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) with the p-norm distance;
    ``swap`` uses min(d(a, n), d(p, n)) as the negative distance."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    a, po, n = anchor.ndim, positive.ndim, negative.ndim
    if not (a == po == n):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {a}D, positive "
                           f"{po}D, and negative {n}D inputs")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ember.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(ember.clamp_min(margin + d_pos - d_neg, 0), reduction)
