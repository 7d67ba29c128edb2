"""In-place parameter updates for optimizers: straight NumPy / BLAS on plain tensors (one pass,
no temporaries beyond PyTorch's), the general in-place ops otherwise (e.g. inside transforms).

``y += a * x`` goes through BLAS ``axpy``: besides saving a pass, it allocates nothing, and a
parameter-sized temporary freed at every step makes glibc return the top of the heap to the
OS and fault it back in on the next step (that cost a third of an MLP step)."""
import numpy as np
from scipy.linalg import blas as _blas

from .._tensor import Tensor
from ..ops.inplace import bump_version


def _plain(*ts):
    """Base-level tensors (Parameters included), not transform wrappers."""
    return all(isinstance(t, Tensor) and not t._is_wrapper for t in ts)


_AXPY = {np.dtype(np.float32): _blas.saxpy, np.dtype(np.float64): _blas.daxpy}


def _axpy(y, x, alpha):
    """``y += alpha * x`` in place on arrays of one dtype and shape."""
    axpy = _AXPY.get(y.dtype)
    if axpy is not None and y.flags.c_contiguous and x.flags.c_contiguous and y.size:
        axpy(x.reshape(-1), y.reshape(-1), a=alpha)
    else:
        np.add(y, np.multiply(x, alpha, dtype=y.dtype), out=y)


def add_scaled_(p, g, alpha):
    """``p += alpha * g``"""
    if _plain(p, g) and p._data.dtype == g._data.dtype and p.shape == g.shape:
        _axpy(p._data, g._data, alpha)
        bump_version(p, "add_")
    else:
        p.add_(g, alpha=alpha)


def lerp_(m, g, w):
    """``m += w * (g - m)`` (an exponential moving average)."""
    if _plain(m, g) and m._data.dtype == g._data.dtype and m.shape == g.shape:
        a = m._data
        a *= 1 - w
        _axpy(a, g._data, w)
        bump_version(m, "lerp_")
    else:
        m.mul_(1 - w).add_(g, alpha=w)


def momentum_(buf, g, mom, damp):
    """``buf = mom * buf + (1 - damp) * g`` (SGD's momentum buffer)."""
    if _plain(buf, g) and buf._data.dtype == g._data.dtype and buf.shape == g.shape:
        a = buf._data
        a *= mom
        if damp == 0:
            a += g._data
        else:
            _axpy(a, g._data, 1 - damp)
        bump_version(buf, "add_")
    else:
        buf.mul_(mom).add_(g, alpha=1 - damp)


def sq_avg_(v, g, beta):
    """``v = beta * v + (1 - beta) * g * g``"""
    if _plain(v, g) and v._data.dtype == g._data.dtype and v.shape == g.shape:
        a = v._data
        a *= beta
        gd = g._data
        a += np.multiply(gd, gd * (1 - beta), dtype=a.dtype)
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
