"""softmax and log_softmax: own primitives, stable (shifted by the maximum) and with rules
written on the output (SoftmaxBackward0, LogSoftmaxBackward0); nn.functional (softmin too)
builds on them."""
import numpy as np

from .._tensor import wrap_dim
from ._primitive import Primitive
from ._util import npdtype, batch_dim_shift, batch_size_of, move_bdim_to_front
from .elementwise import sub, mul, neg, exp, to_dtype
from .shape import reshape
from .reduction import _sum
from .inplace import _tname

__all__ = ["softmax", "log_softmax"]


def _softmax_impl(x, dim):
    if x.shape[dim] == 0:
        return x.copy()
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    e /= e.sum(axis=dim, keepdims=True)
    return e


def _log_softmax_impl(x, dim):
    if x.shape[dim] == 0:
        return x.copy()
    z = x - x.max(axis=dim, keepdims=True)
    z -= np.log(np.exp(z).sum(axis=dim, keepdims=True))
    return z


def _rowsum(v, dim):
    return _sum(v, dims=(dim,), keepdim=True, dtype=None)


# d softmax: out * (g - <g, out>);  d log_softmax: g - exp(out) * sum(g)
_softmax = Primitive("softmax", _softmax_impl,
                     vjp=lambda g, out, x, dim: mul(out, sub(g, _rowsum(mul(g, out), dim))),
                     jvp=lambda t, out, x, dim: mul(out, sub(t, _rowsum(mul(t, out), dim))),
                     batch=batch_dim_shift, uses_output=True, saves=())
def _log_softmax_backward_impl(g, out, dim):
    r = np.exp(out)
    r *= g.sum(axis=dim, keepdims=True)
    return np.subtract(g, r, out=r)


def _lsb_batch(prim, args, batched, dim):
    B = batch_size_of(args, batched)
    g, out = (move_bdim_to_front(a, b, B) for a, b in zip(args, batched))
    return prim(g, out, dim=dim + 1)


# log_softmax's gradient g - exp(out) * sum(g) as one primitive (the training loop's backward
# runs it every step); its own rules make every higher derivative
_log_softmax_backward = Primitive(
    "log_softmax_backward", _log_softmax_backward_impl,
    vjp=(lambda G, r, g, out, dim: sub(G, _rowsum(mul(G, exp(out)), dim)),
         lambda G, r, g, out, dim: neg(mul(mul(G, exp(out)), _rowsum(g, dim)))),
    jvp=(lambda t, r, g, out, dim: _log_softmax_backward(t, out, dim=dim),
         lambda t, r, g, out, dim: neg(mul(mul(t, exp(out)), _rowsum(g, dim)))),
    batch=_lsb_batch, saves={0: (1,), 1: (0, 1)},
    node_name="LogSoftmaxBackwardDataBackward0")

_log_softmax = Primitive("log_softmax", _log_softmax_impl,
                         vjp=lambda g, out, x, dim: _log_softmax_backward(g, out, dim=dim),
                         jvp=lambda t, out, x, dim: sub(t, _rowsum(mul(exp(out), t), dim)),
                         batch=batch_dim_shift, uses_output=True, saves=())


def _apply(prim, input, dim, dtype, op):
    if dtype is not None:
        input = to_dtype(input, dtype)
    if npdtype(input).kind not in "fc":
        raise NotImplementedError(f'"{op}_lastdim_kernel_impl" not implemented for '
                                  f"'{_tname(input.dtype)}'")
    if input.ndim == 0:
        wrap_dim(dim, 0, op)
        return reshape(prim(reshape(input, (1,)), dim=0), ())
    return prim(input, dim=wrap_dim(dim, input.ndim, op))


def softmax(input, dim, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim`` (``dtype`` casts the input first)."""
    return _apply(_softmax, input, dim, dtype, "softmax")


def log_softmax(input, dim, dtype=None):
    """``x - logsumexp(x)`` along ``dim``, without forming softmax (no underflow to -inf)."""
    return _apply(_log_softmax, input, dim, dtype, "log_softmax")


METHODS = {"softmax": softmax, "log_softmax": log_softmax}
INPLACE = {}
