"""Attach the op functions to ``Tensor`` as methods and Python operators."""
from ._tensor import Tensor
from .ops import elementwise as E, reduction as R, shape as S, linalg as L, join as J
from .ops import indexing as I, creation as C


def _rev(fn):
    return lambda self, other: fn(other, self)


def install():
    T = Tensor
    T.__add__ = T.add = lambda self, other, *, alpha=1: E.add(self, other, alpha=alpha)
    T.__radd__ = lambda self, other: E.add(other, self)
    T.__sub__ = T.sub = lambda self, other, *, alpha=1: E.sub(self, other, alpha=alpha)
    T.__rsub__ = lambda self, other: E.sub(other, self)
    T.__mul__ = T.mul = E.mul
    T.__rmul__ = lambda self, other: E.mul(other, self)
    T.__truediv__ = T.div = T.divide = T.true_divide = E.div
    T.__rtruediv__ = lambda self, other: E.div(other, self)
    T.__neg__ = T.neg = T.negative = E.neg
    T.__pos__ = lambda self: self
    T.__pow__ = T.pow = E.pow
    T.__rpow__ = lambda self, other: E.pow(other, self)
    T.__matmul__ = T.matmul = L.matmul
    T.__rmatmul__ = lambda self, other: L.matmul(other, self)
    T.mm, T.mv, T.dot, T.bmm = L.mm, L.mv, L.dot, L.bmm
    for name in ("sin", "cos", "exp", "log", "tanh", "sqrt", "reciprocal", "square"):
        setattr(T, name, getattr(E, name))
    T.sum = R.sum
    T.mean = R.mean
    T.sum_to_size = R.sum_to_size
    T.reshape = S.reshape
    T.view = S.view
    T.view_as = lambda self, other: S.reshape(self, tuple(other.shape))
    T.reshape_as = T.view_as
    T.expand = S.expand
    T.expand_as = lambda self, other: S.expand(self, tuple(other.shape))
    T.unsqueeze = S.unsqueeze
    T.squeeze = S.squeeze
    T.permute = S.permute
    T.transpose = T.swapaxes = T.swapdims = S.transpose
    T.t = S.t
    T.movedim = T.moveaxis = S.movedim
    T.flatten = S.flatten
    T.T = property(lambda self: S.permute(self, tuple(reversed(range(self.ndim)))))
    T.mT = property(lambda self: S.transpose(self, -2, -1))
    T.split = J.split
    T.chunk = J.chunk
    T.unbind = J.unbind
    T.narrow = J.narrow
    T.select = I.select
    T.__getitem__ = I.getitem
    T.to = _to
    T.float = lambda self: E.to_dtype(self, "float32")
    T.double = lambda self: E.to_dtype(self, "float64")
    T.half = lambda self: E.to_dtype(self, "float16")
    T.long = lambda self: E.to_dtype(self, "int64")
    T.int = lambda self: E.to_dtype(self, "int32")
    T.bool = lambda self: E.to_dtype(self, "bool")
    T.type_as = lambda self, other: E.to_dtype(self, other.dtype)


def _to(self, *args, dtype=None, device=None, copy=False, non_blocking=False, **kw):
    from . import _dtype as D
    from ._backend import device as Dev
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, D.dtype):
            dtype = a
        elif isinstance(a, (str, Dev)) and not (isinstance(a, str) and a in D._NAMES):
            device = a
        elif a is not None:
            dtype = a
    out = self
    if dtype is not None:
        out = E.to_dtype(out, dtype)
    if copy and out is self:
        out = out.clone()
    return out
