"""Activations and the softmax family.

The pointwise activations PyTorch users see in ``grad_fn`` (``GeluBackward0``,
``LeakyReluBackward0``, ``SiluBackward0`` ...) are primitives built by one factory: a NumPy
forward that is numerically stable, and ``f'(x)`` written in ember ops, which serves as VJP
(``g * f'(x)``), JVP (``t * f'(x)``) and, being ember ops, as its own higher derivatives.
They batch elementwise.  relu, sigmoid, tanh, softmax and log_softmax come from ember's core.
"""
import math
import warnings

import numpy as np
from scipy import special

import ember
from ...ops._primitive import Primitive
from ...ops._util import batch_unary

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu",
           "selu_", "celu", "celu_", "gelu", "silu", "mish", "softplus", "softsign",
           "hardtanh", "hardtanh_", "hardsigmoid", "hardswish", "sigmoid", "tanh",
           "logsigmoid", "softmax", "log_softmax", "softmin", "threshold", "tanhshrink",
           "glu"]


def _float(x):
    from ... import _dtype as D
    return x if x.dtype.kind in "fc" else x.astype(D.get_default_dtype().np)


def _activation(name, forward, scaled_derivative, node_name=None):
    """A pointwise primitive; ``scaled_derivative(v, x, **params)`` returns ``v * f'(x)``."""
    return Primitive(name, lambda x, **p: forward(_float(x), **p),
                     vjp=lambda g, out, x, **p: scaled_derivative(g, x, **p),
                     jvp=lambda t, out, x, **p: scaled_derivative(t, x, **p),
                     batch=batch_unary, node_name=node_name)


def _mask(cond, v):
    """``v`` where ``cond`` holds, 0 elsewhere (keeps NaN out of the unused branch)."""
    return ember.where(cond, v, ember.zeros_like(v))


def _sigmoid_np(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _softplus_np(x):
    """log(1 + exp(x)) without overflow."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


# ------------------------------------------------------------------ primitives

_hardtanh = _activation(
    "hardtanh", lambda x, min_val, max_val: np.clip(x, min_val, max_val),
    # PyTorch's select: 0 where x <= min or x >= max, so a NaN input keeps its gradient
    lambda v, x, min_val, max_val: _mask(ember.logical_not(ember.logical_or(
        ember.le(x, min_val), ember.ge(x, max_val))), v))

_leaky_relu = _activation(
    "leaky_relu", lambda x, slope: np.where(x > 0, x, x * slope),
    lambda v, x, slope: ember.where(ember.gt(x, 0), v, v * slope))


def _elu_np(x, alpha, scale, input_scale):
    neg = alpha * np.expm1(np.minimum(x, 0) * input_scale)
    return (scale * np.where(x > 0, x, neg)).astype(x.dtype, copy=False)


def _elu_d(v, x, alpha, scale, input_scale):
    # the exponential branch where x <= 0 (PyTorch's select: a NaN input takes the linear one)
    le = ember.le(x, 0)
    neg = ember.exp(ember.where(le, x, ember.zeros_like(x)) * input_scale)
    return ember.where(le, v * (neg * (scale * alpha * input_scale)), v * scale)


_elu = _activation("elu", _elu_np, _elu_d)
_celu = _activation("celu", _elu_np, _elu_d)

_SQRT_HALF = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_K = math.sqrt(2 / math.pi)


def _gelu_np(x, approximate):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(_K * (x + 0.044715 * x ** 3)))
    return (0.5 * x * (1 + special.erf(x * _SQRT_HALF))).astype(x.dtype, copy=False)


def _gelu_d(v, x, approximate):
    if approximate == "tanh":
        th = ember.tanh((x + x * x * x * 0.044715) * _K)
        d = (th + 1) * 0.5 + x * 0.5 * (1 - th * th) * _K * (1 + x * x * (3 * 0.044715))
        return v * d
    cdf = (ember.erf(x * _SQRT_HALF) + 1) * 0.5
    pdf = ember.exp(x * x * -0.5) * _INV_SQRT_2PI
    return v * (cdf + x * pdf)


_gelu = _activation("gelu", _gelu_np, _gelu_d)


def _silu_d(v, x):
    s = ember.sigmoid(x)
    return v * (s * (1 + x * (1 - s)))


_silu = _activation("silu", lambda x: x * _sigmoid_np(x), _silu_d)


def _mish_d(v, x):
    t = ember.tanh(softplus(x))
    return v * (t + x * ember.sigmoid(x) * (1 - t * t))


_mish = _activation("mish", lambda x: x * np.tanh(_softplus_np(x)), _mish_d)


def _softplus_fwd(x, beta, threshold):
    bx = x * beta
    return np.where(bx > threshold, x, _softplus_np(bx) / beta).astype(x.dtype, copy=False)


_softplus = _activation(
    "softplus", _softplus_fwd,
    lambda v, x, beta, threshold: ember.where(ember.gt(x * beta, threshold), v,
                                              v * ember.sigmoid(x * beta)))

_hardsigmoid = _activation(
    "hardsigmoid", lambda x: np.clip(x / 6 + 0.5, 0, 1).astype(x.dtype, copy=False),
    lambda v, x: _mask(ember.logical_and(ember.gt(x, -3.0), ember.lt(x, 3.0)), v / 6))


def _hardswish_d(v, x):
    mid = v * (x * 2 + 3) / 6
    return ember.where(ember.le(x, -3.0), ember.zeros_like(v),
                       ember.where(ember.lt(x, 3.0), mid, v))


_hardswish = _activation(
    "hardswish", lambda x: (x * np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False),
    _hardswish_d)

_logsigmoid = _activation(
    "log_sigmoid", lambda x: -_softplus_np(-x), lambda v, x: v * ember.sigmoid(-x),
    node_name="LogSigmoidBackward0")

_threshold = _activation(
    "threshold", lambda x, threshold, value: np.where(x > threshold, x, value).astype(x.dtype),
    lambda v, x, threshold, value: _mask(ember.gt(x, threshold), v))


# ------------------------------------------------------------------ public functions

def _inplace(input, result):
    """The ``inplace=True`` variants write the result back into ``input``."""
    return input.copy_(result)


def relu(input, inplace=False):
    out = ember.relu(input)
    return _inplace(input, out) if inplace else out


def relu_(input):
    return relu(input, inplace=True)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    out = _hardtanh(input, min_val=min_val, max_val=max_val)
    return _inplace(input, out) if inplace else out


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    """min(max(0, x), 6) (a ``hardtanh`` between 0 and 6, as in PyTorch)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    out = _leaky_relu(input, slope=float(negative_slope))
    return _inplace(input, out) if inplace else out


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def elu(input, alpha=1.0, inplace=False):
    out = _elu(input, alpha=float(alpha), scale=1.0, input_scale=1.0)
    return _inplace(input, out) if inplace else out


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants (an ``EluBackward0``)."""
    out = _elu(input, alpha=_SELU_ALPHA, scale=_SELU_SCALE, input_scale=1.0)
    return _inplace(input, out) if inplace else out


def selu_(input):
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    out = _celu(input, alpha=float(alpha), scale=1.0, input_scale=1.0 / alpha)
    return _inplace(input, out) if inplace else out


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


def gelu(input, approximate="none"):
    """x * Phi(x); ``approximate='tanh'`` uses the tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _gelu(input, approximate=approximate)


def silu(input, inplace=False):
    """x * sigmoid(x) (swish)."""
    out = _silu(input)
    return _inplace(input, out) if inplace else out


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    out = _mish(input)
    return _inplace(input, out) if inplace else out


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold."""
    return _softplus(input, beta=float(beta), threshold=float(threshold))


def softsign(input):
    return ember.div(input, ember.abs(input) + 1)


def hardsigmoid(input, inplace=False):
    out = _hardsigmoid(input)
    return _inplace(input, out) if inplace else out


def hardswish(input, inplace=False):
    out = _hardswish(input)
    return _inplace(input, out) if inplace else out


def sigmoid(input):
    return ember.sigmoid(input)


def tanh(input):
    return ember.tanh(input)


def logsigmoid(input):
    """log(sigmoid(x)), stable for large |x|."""
    return _logsigmoid(input)


def threshold(input, threshold, value, inplace=False):
    out = _threshold(input, threshold=float(threshold), value=float(value))
    return _inplace(input, out) if inplace else out


def tanhshrink(input):
    return input - ember.tanh(input)


def glu(input, dim=-1):
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    a, b = ember.chunk(input, 2, dim)
    return a * ember.sigmoid(b)


def _softmax_dim(name, ndim):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim`` (computed in ``dtype`` when given)."""
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim)
    return ember.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim)
    return ember.log_softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x)."""
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    return ember.softmax(ember.neg(input), dim)

