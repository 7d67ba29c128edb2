"""Normalisation layers as composites: ``batch_norm``, ``instance_norm``, ``layer_norm``,
``group_norm``, ``rms_norm``.

Statistics use the biased variance; the running variance is updated with the unbiased one
(as PyTorch does), in place and outside autograd.
"""
import math

import ember
from ...autograd.grad_mode import no_grad

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm"]


def _stats(x, dims):
    mean = ember.mean(x, dims, keepdim=True)
    d = x - mean
    return mean, ember.mean(d * d, dims, keepdim=True)


def _normalize(x, mean, var, eps):
    return (x - mean) / ember.sqrt(var + eps)


def _channel_view(t, ndim):
    return ember.reshape(t, (1, t.shape[0]) + (1,) * (ndim - 2))


def _check_channels(name, t, C):
    if t is not None and t.numel() != C:
        raise RuntimeError(f"{name} should contain {C} elements not {t.numel()}")


def _affine(y, weight, bias):
    if weight is not None:
        y = y * _channel_view(weight, y.ndim)
    if bias is not None:
        y = y + _channel_view(bias, y.ndim)
    return y


def _update_running(running, stat, momentum):
    """running <- (1 - momentum) running + momentum stat, in place and not recorded."""
    with no_grad():
        running.mul_(1 - momentum).add_(stat.detach() * momentum)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) over the batch and spatial dims.  In training the
    batch statistics are used and, when given, the running statistics updated; otherwise the
    running statistics are used."""
    if input.ndim < 2:
        raise ValueError(f"Expected 2D or 3D input (got {input.ndim}D input)")
    C = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_channels(name, t, C)
    dims = (0,) + tuple(range(2, input.ndim))
    count = input.numel() // C if C else 0
    if training:
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {input.shape}")
    elif running_mean is None or running_var is None:
        raise RuntimeError(f"running_{'mean' if running_mean is None else 'var'} must be "
                           f"defined in evaluation mode")
    if training:
        mean, var = _stats(input, dims)
        if running_mean is not None:
            _update_running(running_mean, ember.reshape(mean, (C,)), momentum)
        if running_var is not None:
            _update_running(running_var, ember.reshape(var, (C,)) * (count / (count - 1)),
                            momentum)
    else:
        mean = _channel_view(running_mean, input.ndim)
        var = _channel_view(running_var, input.ndim)
    return _affine(_normalize(input, mean, var, eps), weight, bias)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) over its spatial dims."""
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or more input (got {input.ndim}D input)")
    N, C = input.shape[0], input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_channels(name, t, C)
    dims = tuple(range(2, input.ndim))
    spatial = math.prod(input.shape[2:])
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when "
                               "use_input_stats is false")
        mean = _channel_view(running_mean, input.ndim)
        var = _channel_view(running_var, input.ndim)
        return _affine(_normalize(input, mean, var, eps), weight, bias)
    if spatial <= 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{input.shape}")
    mean, var = _stats(input, dims)
    if running_mean is not None:
        _update_running(running_mean, ember.mean(ember.reshape(mean, (N, C)), 0), momentum)
    if running_var is not None:
        unbiased = ember.reshape(var, (N, C)) * (spatial / (spatial - 1))
        _update_running(running_var, ember.mean(unbiased, 0), momentum)
    return _affine(_normalize(input, mean, var, eps), weight, bias)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` dims; elementwise affine."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    ns = tuple(normalized_shape)
    k = len(ns)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*, {', '.join(map(str, ns))}], but got input of size"
                           f"{list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(t.shape)} and normalized_shape = "
                               f"{list(ns)}")
    dims = tuple(range(input.ndim - k, input.ndim))
    mean, var = _stats(input, dims)
    y = _normalize(input, mean, var, eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Split the channels into ``num_groups`` groups and normalise each group of each sample;
    per-channel affine."""
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim}")
    N, C = input.shape[0], input.shape[1]
    if C % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != C):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {list(t.shape)} and "
                               f"input of shape {list(input.shape)}")
    grouped = ember.reshape(input, (N, num_groups, -1))
    mean, var = _stats(grouped, (2,))
    y = ember.reshape(_normalize(grouped, mean, var, eps), tuple(input.shape))
    return _affine(y, weight, bias)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) over the trailing dims (eps defaults to the dtype's eps)."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    k = len(tuple(normalized_shape))
    if eps is None:
        eps = ember.finfo(input.dtype).eps
    dims = tuple(range(input.ndim - k, input.ndim))
    y = input / ember.sqrt(ember.mean(input * input, dims, keepdim=True) + eps)
    return y if weight is None else y * weight
