"""In-place parameter updates for optimizers: straight NumPy on plain tensors (one pass, no
temporaries beyond PyTorch's), the general in-place ops otherwise (e.g. inside transforms)."""
import numpy as np

from .._tensor import Tensor
from ..ops.inplace import bump_version


def _plain(*ts):
    """Base-level tensors (Parameters included), not transform wrappers."""
    return all(isinstance(t, Tensor) and not t._is_wrapper for t in ts)


def add_scaled_(p, g, alpha):
    """``p += alpha * g``"""
    if _plain(p, g) and p._data.dtype == g._data.dtype:
        a = p._data
        np.add(a, np.multiply(g._data, alpha, dtype=a.dtype), out=a)
        bump_version(p, "add_")
    else:
        p.add_(g, alpha=alpha)


def lerp_(m, g, w):
    """``m += w * (g - m)`` (an exponential moving average)."""
    if _plain(m, g) and m._data.dtype == g._data.dtype:
        a = m._data
        a *= 1 - w
        a += w * g._data
        bump_version(m, "lerp_")
    else:
        m.mul_(1 - w).add_(g, alpha=w)


def momentum_(buf, g, mom, damp):
    """``buf = mom * buf + (1 - damp) * g`` (SGD's momentum buffer)."""
    if _plain(buf, g) and buf._data.dtype == g._data.dtype:
        a = buf._data
        a *= mom
        a += g._data if damp == 0 else (1 - damp) * g._data
        bump_version(buf, "add_")
    else:
        buf.mul_(mom).add_(g, alpha=1 - damp)


def sq_avg_(v, g, beta):
    """``v = beta * v + (1 - beta) * g * g``"""
    if _plain(v, g) and v._data.dtype == g._data.dtype:
        a = v._data
        a *= beta
        a += (1 - beta) * (g._data * g._data)
        bump_version(v, "mul_")
    else:
        v.mul_(beta).add_(g * g, alpha=1 - beta)


def scale_(p, s):
    """``p *= s``"""
    if _plain(p):
        p._data *= s
        bump_version(p, "mul_")
    else:
        p.mul_(s)
