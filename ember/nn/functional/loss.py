"""Loss functions with PyTorch's reductions, options, checks and legacy arguments."""
import warnings

import numpy as np

import ember
from ._loss_prims import nll, pointwise_loss, reduce as _reduce, class_mask
from .activation import softplus, log_softmax

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "cosine_embedding_loss", "margin_ranking_loss"]


def _legacy_reduction(size_average, reduce_, reduction):
    if size_average is None and reduce_ is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce_ = True if reduce_ is None else reduce_
    ret = ("mean" if size_average else "sum") if reduce_ else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{ret}' instead.", stacklevel=3)
    return ret


def _check_reduction(reduction, allowed=("none", "mean", "sum")):
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _broadcast_pair(input, target, warn=True):
    if tuple(target.shape) != tuple(input.shape):
        if warn:
            warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                          f"size ({input.shape}). This will likely lead to incorrect results "
                          f"due to broadcasting. Please ensure they have the same size.",
                          stacklevel=3)
        input, target = ember.broadcast_tensors(input, target)
    return input, target


def _same_size(weight, input):
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")


# ------------------------------------------------------------------ regression losses

_mse = pointwise_loss("mse_loss", lambda x, y: (x - y) ** 2,
                      lambda x, y: (x - y) * 2, lambda x, y: (y - x) * 2, "MseLossBackward0")


def _huber_f(x, y, delta):
    d = np.abs(x - y)
    return np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))


def _huber_dx(x, y, delta):
    d = x - y       # the linear branch only where |d| > delta: a NaN difference stays NaN
    return ember.where(ember.gt(ember.abs(d), delta), ember.sign(d) * delta, d)


_huber = pointwise_loss("huber_loss", _huber_f, _huber_dx,
                        lambda x, y, delta: -_huber_dx(x, y, delta), "HuberLossBackward0")


def _smooth_l1_f(x, y, beta):
    d = np.abs(x - y)
    return np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)


def _smooth_l1_dx(x, y, beta):
    d = x - y       # the linear branch only where |d| > beta: a NaN difference stays NaN
    return ember.where(ember.gt(ember.abs(d), beta), ember.sign(d), d / beta)


_smooth_l1 = pointwise_loss("smooth_l1_loss", _smooth_l1_f, _smooth_l1_dx,
                            lambda x, y, beta: -_smooth_l1_dx(x, y, beta),
                            "SmoothL1LossBackward0")


def _weighted(elementwise, weight, reduction, mean_by_weight):
    v = elementwise * weight
    if reduction == "mean" and mean_by_weight:
        return ember.sum(v) / ember.sum(weight)
    return _reduce(v, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error; a ``weight`` of the input's size gives sum(w l) / sum(w)."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    x, y = _broadcast_pair(input, target)
    if weight is None:
        return _mse(x, y, reduction=reduction)
    _same_size(weight, input)
    return _weighted(_mse(x, y, reduction="none"), weight, reduction, True)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    x, y = _broadcast_pair(input, target)
    diff = ember.abs(x - y)
    if weight is None:
        return _reduce(diff, reduction)
    _same_size(weight, input)
    return _weighted(diff, weight, reduction, True)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Quadratic for |x - y| < delta, linear (slope delta) beyond."""
    _check_reduction(reduction)
    x, y = _broadcast_pair(input, target)
    if weight is None:
        return _huber(x, y, reduction=reduction, delta=float(delta))
    _same_size(weight, input)
    return _weighted(_huber(x, y, reduction="none", delta=float(delta)), weight, reduction,
                     False)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Huber loss divided by ``beta`` (``beta=0`` is the L1 loss)."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    x, y = _broadcast_pair(input, target)
    return _smooth_l1(x, y, reduction=reduction, beta=float(beta))


# ------------------------------------------------------------------ classification losses

_LOG_MIN = -100.0


def _bce_f(x, y, w=None):
    if not ((x >= 0) & (x <= 1)).all():          # NaN fails too, as in PyTorch
        raise RuntimeError("all elements of input should be between 0 and 1")
    lx = np.maximum(np.log(x), _LOG_MIN)
    l1x = np.maximum(np.log1p(-x), _LOG_MIN)
    loss = -(y * lx + (1 - y) * l1x)
    return loss if w is None else loss * w


def _bce_dx(x, y, w=None):
    d = (x - y) / ember.clamp_min(x * (1 - x), 1e-12)
    return d if w is None else d * w


def _bce_dy(x, y, w=None):
    d = ember.clamp_min(ember.log(1 - x), _LOG_MIN) - ember.clamp_min(ember.log(x), _LOG_MIN)
    return d if w is None else d * w


_bce = pointwise_loss("binary_cross_entropy", _bce_f, _bce_dx, _bce_dy,
                      "BinaryCrossEntropyBackward0")


def _softplus_np(v):
    return np.maximum(v, 0) + np.log1p(np.exp(-np.abs(v)))


def _bce_logits_f(x, y, w=None, pw=None):
    lw = 1 if pw is None else 1 + (pw - 1) * y
    loss = (1 - y) * x + lw * _softplus_np(-x)
    return loss if w is None else loss * w


def _bce_logits_dx(x, y, w=None, pw=None):
    lw = 1 if pw is None else (pw - 1) * y + 1
    d = (1 - y) - ember.sigmoid(-x) * lw
    return d if w is None else d * w


def _bce_logits_dy(x, y, w=None, pw=None):
    d = -x if pw is None else softplus(-x) * (pw - 1) - x
    return d if w is None else d * w


_bce_logits = pointwise_loss("binary_cross_entropy_with_logits", _bce_logits_f,
                             _bce_logits_dx, _bce_logits_dy,
                             "BinaryCrossEntropyWithLogitsBackward0")


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-w (y log x + (1 - y) log(1 - x)) for probabilities x; logs are clamped at -100."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the "
                         f"input size ({input.shape}) is deprecated. Please ensure they have "
                         f"the same size.")
    if weight is not None:
        weight = ember.broadcast_to(weight, input.shape)
    return _bce(input, target, weight, reduction=reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """Sigmoid + binary cross entropy in one stable expression; ``pos_weight`` weighs the
    positive term per class (broadcast along the last dim)."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    return _bce_logits(input, target, weight, pos_weight, reduction=reduction)


def _check_target(target):
    if target.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_tname(target)}")


def _tname(t):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int32": "Int",
            "int16": "Short", "int8": "Char", "bool": "Bool"}.get(t.dtype.name, t.dtype.name)


def _nll_setup(input, target, weight):
    """Shape checks; returns (N, C, *d) input, (N, *d) target, the weight reshaped along the
    class dim, and whether the input was unbatched."""
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    unbatched = input.ndim == 1
    if unbatched:
        if target.ndim != 0:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        input, target = ember.unsqueeze(input, 0), ember.unsqueeze(target, 0)
    N, C = input.shape[0], input.shape[1]
    if target.ndim >= 1 and target.shape[0] != N:
        raise ValueError(f"Expected input batch_size ({N}) to match target batch_size "
                         f"({target.shape[0]}).")
    if input.ndim == 2 and target.ndim != 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    expected = (N,) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    _check_target(target)
    if weight is not None:
        if weight.ndim != 1 or weight.shape[0] != C:
            raise RuntimeError(f"weight tensor should be defined either for all {C} classes or "
                               f"no classes but got weight tensor of shape: {list(weight.shape)}")
        weight = ember.reshape(weight, (1, C) + (1,) * (input.ndim - 2))
    return input, target, weight, unbatched


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log likelihood of class ``target`` under log-probabilities ``input``
    ((N, C) or (N, C, d1, ...)); 'mean' divides by the total weight of the counted targets."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    x, t, w, unbatched = _nll_setup(input, target, weight)
    out = nll(x, t, w, ignore_index, reduction)
    return ember.squeeze(out, 0) if unbatched and reduction == "none" else out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """log_softmax over the class dim (1) followed by ``nll_loss``; ``target`` holds class
    indices, or class probabilities when it has the input's shape and a float dtype."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    cdim = 0 if input.ndim == 1 else 1
    logp = log_softmax(input, cdim)
    C = input.shape[cdim]
    if tuple(target.shape) == tuple(input.shape) and target.dtype.is_floating_point:
        return _soft_target_ce(logp, target, weight, reduction, label_smoothing, cdim, C)
    loss = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0.0:
        return loss
    x, t, w, unbatched = _nll_setup(logp, target, weight)
    smooth = -ember.sum(x if w is None else x * w, 1)
    valid = class_mask(t, num_classes=C, ignore_index=ignore_index, cdim=1, dtype=np.bool_)
    valid = ember.any(valid, 1)
    smooth = ember.where(valid, smooth, ember.zeros_like(smooth))
    if reduction == "none":
        smooth = ember.squeeze(smooth, 0) if unbatched else smooth
    elif reduction == "sum":
        smooth = ember.sum(smooth)
    else:
        m = class_mask(t, num_classes=C, ignore_index=ignore_index, cdim=1,
                       dtype=logp.dtype.np)
        smooth = ember.sum(smooth) / ember.sum(m if w is None else m * w)
    return loss * (1 - label_smoothing) + smooth * (label_smoothing / C)


def _soft_target_ce(logp, target, weight, reduction, eps, cdim, C):
    if eps > 0:
        target = target * (1 - eps) + eps / C
    prod = logp * target
    if weight is not None:
        if weight.ndim != 1 or weight.shape[0] != C:
            raise RuntimeError(f"weight tensor should be defined either for all {C} classes or "
                               f"no classes but got weight tensor of shape: {list(weight.shape)}")
        prod = prod * ember.reshape(weight, (C,) + (1,) * (logp.ndim - cdim - 1))
    loss = -ember.sum(prod, cdim)
    if reduction == "mean":
        return ember.sum(loss) / (logp.numel() // C if logp.numel() else 1)
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target || exp(input)) pointwise: target (log target - input); 'batchmean' divides the
    sum by the batch size (the mathematical KL divergence)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, ("none", "mean", "sum", "batchmean"))
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    if log_target:
        pointwise = ember.exp(target) * (target - input)
    else:
        safe = ember.where(ember.gt(target, 0), target, ember.ones_like(target))
        pointwise = ember.where(ember.gt(target, 0), target * ember.log(safe),
                                ember.zeros_like(target)) - target * input
    if reduction == "batchmean":
        total = ember.sum(pointwise)
        return total / input.shape[0] if input.ndim else total
    return _reduce(pointwise, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) for target 1, max(0, cos(x1, x2) - margin) for target -1."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.ndim != input2.ndim or input1.ndim - 1 != target.ndim:
        raise RuntimeError(f"cosine_embedding_loss: expected input1 and input2 of dimension "
                           f"{target.ndim + 1} for a {target.ndim}D target, but got "
                           f"{input1.ndim}D and {input2.ndim}D")
    d = input1.ndim - 1
    eps = 1e-12
    dot = ember.sum(input1 * input2, d)
    mag = (ember.sum(input1 * input1, d) + eps) * (ember.sum(input2 * input2, d) + eps)
    cos = dot / ember.sqrt(mag)
    zeros = ember.zeros_like(cos)
    pos = ember.where(ember.eq(target, 1), 1 - cos, zeros)
    neg = ember.where(ember.eq(target, -1), ember.clamp_min(cos - margin, 0), zeros)
    return _reduce(pos + neg, reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -target (x1 - x2) + margin)."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if not (input1.ndim == input2.ndim == target.ndim):
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.shape}, input2: {input2.shape}, "
                           f"target: {target.shape} ")
    loss = ember.clamp_min(-target * (input1 - input2) + margin, 0)
    return _reduce(loss, reduction)

