"""Dropout: a Bernoulli keep-mask scaled by 1 / (1 - p).

The mask is drawn with ``ember.rand``, so under ``vmap`` the randomness mode applies
(``'different'`` draws a mask per example, ``'same'`` shares one, ``'error'`` refuses), as
with PyTorch's functorch.
"""
import warnings

import ember

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "feature_alpha_dropout",
           "alpha_dropout"]


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(shape, p, dtype):
    """1 with probability 1 - p, else 0.  ``ember.rand`` follows vmap's randomness mode."""
    return ember.lt(ember.rand(shape, dtype=dtype), 1.0 - p).to(dtype)


def _apply(input, shape, p, inplace):
    if p == 1.0:
        out = input * 0.0
    else:
        out = input * (_keep_mask(shape, p, input.dtype) / (1.0 - p))
    return input.copy_(out) if inplace else out


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) while
    ``training``; identity otherwise."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _apply(input, tuple(input.shape), p, inplace)


def _channel_shape(input):
    return tuple(input.shape[:2]) + (1,) * (input.ndim - 2)


def _feature_dropout(input, p, training, inplace):
    """Zero whole channels: the mask has the input's shape up to the channel dim, then 1s."""
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if not training or p == 0.0:
        return input
    return _apply(input, _channel_shape(input), p, inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, L) or (C, L)."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D "
                           "input. Note that dropout1d exists to provide channel-wise dropout "
                           "on inputs with 1 spatial dimension, a channel dimension, and an "
                           "optional batch dimension (i.e. 2D or 3D inputs).")
    if input.ndim == 2:
        return ember.squeeze(_feature_dropout(ember.unsqueeze(input, 0), p, training, False), 0) \
            if not inplace else input.copy_(dropout1d(input, p, training))
    return _feature_dropout(input, p, training, inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, H, W) or (C, H, W); a 3-D input is taken as (N, C, L) with
    a warning, as PyTorch does."""
    _check_p(p)
    nd = input.ndim
    if nd not in (3, 4):
        warnings.warn(f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated and "
                      "will result in an error in a future release. To retain the behavior and "
                      "silence this warning, please use dropout instead. Note that dropout2d "
                      "exists to provide channel-wise dropout on inputs with 2 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. "
                      "3D or 4D inputs).", stacklevel=2)
    if nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape "
                      "(C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, D, H, W) or (C, D, H, W)."""
    _check_p(p)
    if input.ndim == 4:
        out = ember.squeeze(_feature_dropout(ember.unsqueeze(input, 0), p, training, False), 0)
        return input.copy_(out) if inplace else out
    return _feature_dropout(input, p, training, inplace)


_ALPHA = 1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


def _alpha(input, shape, p, training, inplace):
    """SELU-preserving dropout: dropped units take the negative saturation value and an
    affine map keeps mean 0 and variance 1."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        out = input * 0.0
    else:
        keep = _keep_mask(shape, p, input.dtype)
        a = ((1 - p) * (1 + p * _ALPHA ** 2)) ** -0.5
        b = (1 - keep) * (-_ALPHA * a) + _ALPHA * a * p
        out = input * (keep * a) + b
    return input.copy_(out) if inplace else out


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _alpha(input, tuple(input.shape), p, training, inplace)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _alpha(input, _channel_shape(input), p, training, inplace)
