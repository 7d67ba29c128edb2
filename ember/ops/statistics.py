"""Statistics and differences: diff, aminmax, cov, corrcoef, quantile, nanquantile, mode, cdist,
dist, trapezoid/trapz, cumulative_trapezoid, logcumsumexp, renorm.

Everything but ``mode`` and ``logcumsumexp`` is a composite of differentiable ember ops, so the
gradients of every order, forward mode and vmap come from the parts.  Distances use a
"safe root" (the root is taken of a value replaced by 1 where it is 0, and the result masked
back) so that the gradient at zero distance is 0, as in PyTorch, instead of NaN.
``logcumsumexp`` is a primitive: a running log-add-exp is stable where ``log(cumsum(exp))``
overflows; its rules are written with logcumsumexp itself (stable, and differentiable again).
"""
import numpy as np

from .. import _dtype as D
from .. import return_types as R
from .._tensor import Tensor, wrap_dim
from ._primitive import Primitive
from ._util import batch_dim_shift, npdtype
from .reduction import SELECT_RULES, reduce_along

__all__ = ["diff", "aminmax", "cov", "corrcoef", "quantile", "nanquantile", "mode", "cdist",
           "dist", "trapezoid", "trapz", "cumulative_trapezoid", "logcumsumexp", "renorm"]


def _E():
    import ember
    return ember


def _is_float(t):
    return t.dtype.is_floating_point or t.dtype.is_complex


def _to_float(t):
    return t if _is_float(t) else t.to(D.get_default_dtype())


def _scalar_name(t):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "float16": "Half", "float32": "Float", "float64": "Double"}.get(
        str(np.dtype(npdtype(t))), str(t.dtype))


# ------------------------------------------------------------------ diff

def diff(input, n=1, dim=-1, prepend=None, append=None):
    """n-th forward difference along ``dim`` (after concatenating prepend/append); for bool
    tensors the difference is ``!=``."""
    E = _E()
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = wrap_dim(dim, input.ndim, "diff")
    parts = []
    for extra, what in ((prepend, "prepend"), (append, "append")):
        if extra is not None and extra.ndim != input.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as "
                               "input")
    if prepend is not None:
        parts.append(prepend)
    parts.append(input)
    if append is not None:
        parts.append(append)
    x = E.cat(parts, dim=d) if len(parts) > 1 else input
    for _ in range(n):
        m = x.shape[d]
        if m == 0:
            break
        hi = E.narrow(x, d, 1, m - 1)
        lo = E.narrow(x, d, 0, m - 1)
        x = E.logical_xor(hi, lo) if x.dtype == D.bool else E.sub(hi, lo)
    return x


# ------------------------------------------------------------------ aminmax

def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over all elements or along ``dim``, as ``return_types.aminmax``."""
    E = _E()
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as "
                               "the operation has no identity.")
        dims = tuple(range(input.ndim))
    else:
        d = wrap_dim(dim, input.ndim, "aminmax") if input.ndim else 0
        if input.ndim and input.shape[d] == 0:
            raise IndexError(f"aminmax(): Expected reduction dim {d} to have non-zero size.")
        dims = d
    if input.ndim == 0:
        return R.aminmax(E.clone(input), E.clone(input))
    return R.aminmax(E.amin(input, dim=dims, keepdim=keepdim),
                     E.amax(input, dim=dims, keepdim=keepdim))


# ------------------------------------------------------------------ cov, corrcoef

def _check_cov_weights(w, name, nobs, dtype_ok, kind):
    """PyTorch's checks of cov's fweights/aweights (rank, dtype, length, sign)."""
    if w.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                           f"{name} with {w.ndim} dimensions")
    if not dtype_ok:
        raise RuntimeError(f"cov(): expected {name} to have {kind} dtype but got {name} with "
                           f"{_scalar_name(w)} dtype")
    if w.numel() != nobs:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                           f"observations in the input but got {w.numel()} != {nobs}")
    if w.__class__ is Tensor and w.numel() and bool(_E().any(w < 0)):
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance of the variables in the rows of ``input`` (observations in columns), with
    optional integer frequency weights and float observation weights."""
    E = _E()
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.ndim} dimensions")
    x = E.reshape(input, (1, -1)) if input.ndim < 2 else input
    x = _to_float(x)
    nobs = x.shape[1]
    w = None
    if fweights is not None:
        _check_cov_weights(fweights, "fweights", nobs,
                           not (_is_float(fweights) or fweights.dtype == D.bool), "integral")
        w = fweights
    if aweights is not None:
        _check_cov_weights(aweights, "aweights", nobs, aweights.dtype.is_floating_point,
                           "floating point")
        w = aweights if w is None else E.mul(w, aweights)
    if w is None:
        avg = E.mean(x, dim=1, keepdim=True)
        norm = nobs - correction
    else:
        w = E.reshape(w, (-1,))
        wsum = E.sum(w)
        avg = E.div(E.sum(E.mul(x, w), dim=1, keepdim=True), wsum)
        if correction == 0:
            norm = wsum
        elif aweights is None:
            norm = E.sub(wsum, correction)
        else:
            norm = E.sub(wsum, E.div(E.mul(E.sum(E.mul(w, aweights)), correction), wsum))
    if isinstance(norm, Tensor):
        norm = E.clamp(norm, min=0)
    elif norm <= 0:
        norm = 0
    xm = E.sub(x, avg)
    xw = xm if w is None else E.mul(xm, w)
    c = E.matmul(xw, E.transpose(E.conj(xm) if xm.dtype.is_complex else xm, 0, 1))
    if isinstance(norm, Tensor):
        c = E.div(c, norm.to(c.dtype))
    else:
        c = E.div(c, float(norm)) if norm else E.div(c, 0.0)
    return E.squeeze(c)


def corrcoef(input):
    """Pearson correlation coefficients of the rows of ``input`` (clipped to [-1, 1])."""
    E = _E()
    if input.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but "
                           f"got an input with {input.ndim} dimensions")
    c = cov(input)
    if c.ndim == 0:
        return E.div(c, c)
    s = E.sqrt(E.diagonal(c))
    c = E.div(E.div(c, E.unsqueeze(s, 1)), E.unsqueeze(s, 0))
    return E.clamp(c, -1, 1)


# ------------------------------------------------------------------ quantile

_INTERP = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, op):
    E = _E()
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if input.numel() == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    if input.dtype not in (D.float32, D.float64):
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype")
    if interpolation not in _INTERP:
        raise RuntimeError(f"{op}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{op}() q must be a scalar or 1D tensor")
        if q.dtype != input.dtype:
            raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor")
        qv = np.asarray(q.detach().cpu().numpy()) if q.__class__ is Tensor else None
        if qv is not None and qv.size and (qv.min() < 0 or qv.max() > 1):
            raise RuntimeError(f"{op}() q values must be in the range [0, 1]")
        qt, q_scalar = q, q.ndim == 0
    else:
        q = float(q)
        if not 0 <= q <= 1:
            raise RuntimeError(f"{op}() q must be in the range [0, 1] but got {q}")
        qt, q_scalar = E.tensor(q, dtype=input.dtype), True
    if dim is None:
        x = E.reshape(input, (-1,))
        d = 0
    else:
        d = wrap_dim(dim, input.ndim, op) if input.ndim else 0
        x = E.reshape(input, (1,)) if input.ndim == 0 else input
    x = E.movedim(x, d, -1)                              # (..., n), sorted: NaN last
    n = x.shape[-1]
    srt = E.sort(x, dim=-1).values
    nan = E.isnan(srt)
    if ignore_nan:
        cnt = E.sub(n, E.sum(nan, dim=-1, keepdim=True))  # valid entries per row
        last = E.clamp(E.sub(cnt, 1), min=0).to(input.dtype)
        rowbad = E.eq(cnt, 0)
    else:
        last = E.full((1,), float(n - 1), dtype=input.dtype)
        rowbad = E.any(nan, dim=-1, keepdim=True)
    qs = E.reshape(qt, (-1,))
    lead = tuple(srt.shape[:-1])
    # ranks: (..., nq)
    rank = E.mul(E.unsqueeze(qs, 0) if lead else qs, last) if lead else E.mul(qs, last)
    if interpolation == "lower":
        rank = E.floor(rank)
    elif interpolation == "higher":
        rank = E.ceil(rank)
    elif interpolation == "nearest":
        rank = E.round(rank)
    rank = rank.detach()
    lo_i = E.floor(rank).to(D.int64)
    hi_i = E.ceil(rank).to(D.int64)
    shape = lead + (qs.shape[0],)
    lo_i = E.expand(lo_i, shape)
    hi_i = E.expand(hi_i, shape)
    lo_v = E.gather(srt, -1, lo_i)
    hi_v = E.gather(srt, -1, hi_i)
    if interpolation == "midpoint":
        res = E.add(lo_v, E.mul(E.sub(hi_v, lo_v), 0.5))
    elif interpolation == "linear":
        wgt = E.sub(rank, E.floor(rank))
        res = E.lerp(lo_v, hi_v, E.expand(wgt, shape))
    else:
        res = lo_v
    res = E.where(E.expand(rowbad, shape), E.full((), float("nan"), dtype=input.dtype), res)
    res = E.movedim(res, -1, 0)                           # (nq, ...)
    if keepdim:
        if dim is None:
            res = E.reshape(res, (res.shape[0],) + (1,) * input.ndim)
        elif input.ndim:
            res = E.unsqueeze(res, d + 1)
    if q_scalar:
        res = E.squeeze(res, 0)
    return res


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The q-th quantiles of ``input`` (all elements, or along ``dim``); a row holding NaN
    gives NaN.  A 1-d ``q`` puts the quantiles in a new leading dimension."""
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """``quantile`` ignoring NaN (a row of only NaN gives NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")


# ------------------------------------------------------------------ mode

def _mode_impl(x, dim, keepdim):
    """Most frequent value along ``dim`` (the smallest among equally frequent ones) and the
    last index where it occurs, as PyTorch returns; vectorised over the other dims: sort each
    row, measure every run of equal values from its start and end positions, pick the first
    longest run."""
    xm = np.moveaxis(x, dim, -1)
    lead, n = xm.shape[:-1], xm.shape[-1]
    x2 = xm.reshape(-1, n)
    rows = np.arange(x2.shape[0])
    order = np.argsort(x2, axis=1, kind="stable")
    s = np.take_along_axis(x2, order, 1)
    pos = np.arange(n)
    new_run = np.ones(s.shape, bool)
    new_run[:, 1:] = s[:, 1:] != s[:, :-1]
    ends = np.ones(s.shape, bool)
    ends[:, :-1] = new_run[:, 1:]
    start = np.maximum.accumulate(np.where(new_run, pos, 0), axis=1)
    end = np.minimum.accumulate(np.where(ends, pos, n - 1)[:, ::-1], axis=1)[:, ::-1]
    k = np.argmax(end - start, axis=1)            # first longest run: the smallest value
    vals = s[rows, k]
    idx = order[rows, end[rows, k]]               # a stable sort keeps the last index last
    vals, idx = vals.reshape(lead), idx.reshape(lead)
    if keepdim:
        vals, idx = np.expand_dims(vals, dim), np.expand_dims(idx, dim)
    return vals, idx


_mode = Primitive("mode", _mode_impl, **SELECT_RULES)


def mode(input, dim=-1, keepdim=False):
    """(values, indices): the most frequent value along ``dim`` and its (last) index."""
    return reduce_along(_mode, R.mode, input, dim, "mode", keepdim=bool(keepdim))


# ------------------------------------------------------------------ distances

def _safe_root(s, p):
    """``s ** (1/p)`` for s >= 0 with gradient 0 (not NaN/inf) where s == 0 (NaN stays NaN)."""
    E = _E()
    pos = E.logical_not(E.eq(s, 0))
    safe = E.where(pos, s, E.ones_like(s))
    r = E.sqrt(safe) if p == 2 else E.pow(safe, 1.0 / p)
    return E.where(pos, r, E.zeros_like(s))


def _abs_pow(d, p):
    """|d| ** p with gradient 0 at d == 0 (also for p < 1)."""
    E = _E()
    if p == 1:
        return E.abs(d)
    if p == 2:
        return E.mul(d, d)
    a = E.abs(d)
    nz = E.ne(a, 0)
    return E.where(nz, E.pow(E.where(nz, a, E.ones_like(a)), p), E.zeros_like(a))


def _pnorm_last(d, p, dims):
    """The p-norm of ``d`` over ``dims`` (p = 0 counts non-zeros; +-inf: max/min |d|)."""
    E = _E()
    if p == 0:
        return E.sum(E.ne(d, 0), dim=dims).to(d.dtype)
    if p == float("inf"):
        return E.amax(E.abs(d), dim=dims)
    if p == float("-inf"):
        return E.amin(E.abs(d), dim=dims)
    s = E.sum(_abs_pow(d, p), dim=dims)
    return s if p == 1 else _safe_root(s, p)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distances between the rows of ``x1`` (..., P, M) and of ``x2`` (..., R, M);
    batch dims broadcast.  The gradient at zero distance is 0."""
    E = _E()
    if x1.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D")
    if x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    if not x1.dtype.is_floating_point:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: "
                           f"{_scalar_name(x1)}")
    if not x2.dtype.is_floating_point:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X2 got: "
                           f"{_scalar_name(x2)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if compute_mode not in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    d = E.sub(E.unsqueeze(x1, -2), E.unsqueeze(x2, -3))          # (..., P, R, M)
    return _pnorm_last(d, float(p), -1)


def dist(input, other, p=2):
    """The p-norm of ``input - other`` (broadcast), a 0-d tensor."""
    E = _E()
    if not input.dtype.is_floating_point and not input.dtype.is_complex:
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. "
                           f"Got {_scalar_name(input)} instead.")
    d = E.sub(input, other)
    if d.ndim == 0:
        d = E.reshape(d, (1,))
    return _pnorm_last(d, float(p), tuple(range(d.ndim)))


# ------------------------------------------------------------------ trapezoid

def _trap_parts(y, x, dx, dim, op):
    """Per-interval areas * 2 along ``dim`` (moved last), as a float tensor."""
    E = _E()
    d = wrap_dim(dim, y.ndim, op)
    yl = _to_float(y)
    n = y.shape[d]
    if n == 0:
        return None, d
    hi = E.narrow(yl, d, 1, n - 1)
    lo = E.narrow(yl, d, 0, n - 1)
    s = E.add(hi, lo)
    if x is not None:
        if x.ndim == 1:
            if x.shape[0] != n:
                raise RuntimeError(f"{op}: There must be one `x` value for each sample point")
            dxv = E.diff(x)
            shape = [1] * y.ndim
            shape[d] = n - 1
            dxv = E.reshape(dxv, tuple(shape))
        else:
            dxv = diff(x, dim=dim)
        return E.mul(s, dxv), d
    return (E.mul(s, dx) if dx != 1 else s), d


def _spacing(x, dx, op):
    """(sample points, constant spacing): a number passed as ``x`` is the spacing."""
    if x is not None and dx is not None:
        raise TypeError(f"{op}() received an invalid combination of arguments")
    if x is not None and not isinstance(x, Tensor):
        dx, x = x, None
    return x, 1 if dx is None else dx


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """Trapezoidal rule along ``dim`` with sample points ``x`` or constant spacing ``dx``."""
    E = _E()
    x, dx = _spacing(x, dx, "trapezoid")
    parts, d = _trap_parts(y, x, dx, dim, "trapezoid")
    if parts is None:
        shape = tuple(s for i, s in enumerate(y.shape) if i != d)
        return E.zeros(shape, dtype=_to_float(y).dtype)
    return E.div(E.sum(parts, dim=d), 2)


def trapz(y, x=None, *, dx=None, dim=-1):
    """Alias of ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """Running trapezoidal integral along ``dim`` (one element fewer than ``y``)."""
    E = _E()
    x, dx = _spacing(x, dx, "cumulative_trapezoid")
    parts, d = _trap_parts(y, x, dx, dim, "cumulative_trapezoid")
    if parts is None:
        return _to_float(y).clone()
    return E.div(E.cumsum(parts, dim=d), 2)


# ------------------------------------------------------------------ logcumsumexp

def _lcse_impl(x, dim, reverse):
    if reverse:
        x = np.flip(x, dim)
    if x.dtype.kind == "c":
        m = np.maximum.accumulate(np.real(x), axis=dim)
        r = np.log(np.cumsum(np.exp(x - m), axis=dim)) + m
    elif x.shape[dim] == 0:
        r = x.copy()
    else:
        r = np.logaddexp.accumulate(x, axis=dim)
    return np.ascontiguousarray(np.flip(r, dim)) if reverse else r


def _signed_logs(v):
    """(log v where v > 0 else -inf, log -v where v < 0 else -inf)."""
    E = _E()
    ninf = E.full((), float("-inf"), dtype=v.dtype)
    one = E.ones_like(v)
    pos, neg = E.gt(v, 0), E.lt(v, 0)
    return (E.where(pos, E.log(E.where(pos, v, one)), ninf),
            E.where(neg, E.log(E.where(neg, E.neg(v), one)), ninf))


def _finite_out(out):
    # out_j = -inf only where every x_i (i <= j) is -inf: those terms are 0 anyway, and a
    # finite stand-in keeps -inf - (-inf) (NaN) out of the rules and their derivatives
    E = _E()
    return E.where(E.eq(out, float("-inf")), E.zeros_like(out), out)


def _lcse_vjp(g, out, x, dim, reverse):
    # dx_i = sum_{j >= i} g_j exp(x_i - out_j), split by the sign of g to stay in log space
    E = _E()
    lp, ln = _signed_logs(g)
    o = _finite_out(out)
    a = _lcse(E.sub(lp, o), dim=dim, reverse=not reverse)
    b = _lcse(E.sub(ln, o), dim=dim, reverse=not reverse)
    return E.sub(E.exp(E.add(x, a)), E.exp(E.add(x, b)))


def _lcse_jvp(t, out, x, dim, reverse):
    # dout_j = sum_{i <= j} t_i exp(x_i - out_j)
    E = _E()
    lp, ln = _signed_logs(t)
    o = _finite_out(out)
    a = _lcse(E.add(x, lp), dim=dim, reverse=reverse)
    b = _lcse(E.add(x, ln), dim=dim, reverse=reverse)
    return E.sub(E.exp(E.sub(a, o)), E.exp(E.sub(b, o)))


_lcse = Primitive("logcumsumexp", _lcse_impl, vjp=_lcse_vjp, jvp=_lcse_jvp,
                  batch=batch_dim_shift, uses_output=True)


def logcumsumexp(input, dim, *, out=None):
    """``log(cumsum(exp(input)))`` along ``dim``, computed stably."""
    if not _is_float(input):
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for "
                                  f"'{_scalar_name(input)}'")
    if input.ndim == 0:
        wrap_dim(dim, 0, "logcumsumexp")
        return _E().clone(input)
    res = _lcse(input, dim=wrap_dim(dim, input.ndim, "logcumsumexp"), reverse=False)
    if out is not None:
        out.copy_(res)
        return out
    return res


# ------------------------------------------------------------------ renorm

def renorm(input, p, dim, maxnorm):
    """Rescale each slice ``input.select(dim, i)`` whose p-norm exceeds ``maxnorm`` to norm
    ``maxnorm``."""
    E = _E()
    if input.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} "
                           f"dimensions")
    if not p > 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if not _is_float(input):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_scalar_name(input)}")
    d = wrap_dim(dim, input.ndim, "renorm")
    others = tuple(i for i in range(input.ndim) if i != d)
    norm = E.linalg.vector_norm(input, ord=p, dim=others, keepdim=True)
    over = E.gt(norm, maxnorm)
    factor = E.where(over, E.div(maxnorm, E.add(norm, 1e-7)), E.ones_like(norm))
    return E.mul(input, factor)


METHODS = {"diff": diff, "aminmax": aminmax, "cov": cov, "corrcoef": corrcoef,
           "quantile": quantile, "nanquantile": nanquantile, "mode": mode, "dist": dist,
           "logcumsumexp": logcumsumexp, "renorm": renorm}
INPLACE = {"renorm_": renorm}
