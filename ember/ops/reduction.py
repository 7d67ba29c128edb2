"""Reductions: sum, mean, prod, max/min/amax/amin, argmax, logsumexp, var/std, all/any.

Every reduction primitive takes ``dims`` (a sorted tuple resolved by the public function
against the *logical* ndim) and ``keepdim``, so its batching rule only shifts ``dims``.  Where
PyTorch names the backward node differently with and without ``dim`` (SumBackward0 /
SumBackward1), the two are primitives sharing one impl and one set of rules.

Selection gradients (max(dim), sort, topk, median, cummax) go back to the selected positions
through the gather / scatter primitives of ``scatter.py``.  ``torch.norm`` lives in ``norms.py``.
"""
import builtins
import math as _m
import warnings

import numpy as np

from .. import _dtype as D
from .. import return_types as R
from .._tensor import Tensor, wrap_dim
from ._primitive import Primitive, joint
from ._util import npdtype, batch_dims_shift, batch_dim_shift
from .elementwise import add, sub, mul, div, exp, to_dtype
from .comparison import eq, ne, where, logical_and, logical_or, logical_not
from .shape import reshape, expand, unsqueeze, squeeze
from .creation import zeros_like
from .scatter import _gather, _scatter, _scatter_add
from .inplace import _tname

__all__ = ["sum", "mean", "prod", "nansum", "nanmean", "max", "min", "amax", "amin", "argmax",
           "argmin", "logsumexp", "var", "std", "var_mean", "std_mean", "all", "any",
           "count_nonzero", "sum_to_size"]


# ------------------------------------------------------------------ helpers

def reduce_dims(dim, ndim, op, empty_is_all=True):
    """Resolve ``dim`` (None, int or sequence) to a sorted tuple; None (and by default ``()``)
    mean every dim.  A 0-d tensor accepts dim 0 / -1 and reduces nothing."""
    if dim is None or (empty_is_all and dim == ()):
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        d = wrap_dim(dim, ndim, op)
        return (d,) if ndim else ()
    dims = [wrap_dim(d, ndim, op) for d in dim]
    if len(set(dims)) != len(dims):
        dup = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(f"dim {dup} appears multiple times in the list of dims")
    if not dims and empty_is_all:
        return tuple(range(ndim))
    return tuple(sorted(dims)) if ndim else ()


def _kept_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _keep(r, x, dims, keepdim):
    """A reduced value (``out`` or a gradient) reshaped to keep the reduced dims as size 1."""
    if keepdim or not dims or r.ndim == 0:       # a 0-d value broadcasts as it is
        return r
    return reshape(r, _kept_shape(tuple(x.shape), dims))


def _expand_back(g, x, dims, keepdim):
    return expand(_keep(g, x, dims, keepdim), tuple(x.shape))


def _cast_like(g, x):
    return to_dtype(g, npdtype(x))


def _count(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _int_acc(x, dtype):
    """PyTorch accumulates integer and bool sums/products in int64."""
    return np.int64 if dtype is None and x.dtype.kind in "biu" else dtype


def _pair(name, impl, **rules):
    """Primitives for the no-dim and dim overloads: <Name>Backward0 / <Name>Backward1."""
    node = "".join(p.capitalize() for p in name.split("_"))
    return (Primitive(name, impl, node_name=node + "Backward0", **rules),
            Primitive(name + "_dim", impl, node_name=node + "Backward1", **rules))


def _require_float(input, msg):
    """Raise ``msg`` (``{}`` is the dtype's PyTorch name) unless the input is float/complex."""
    if npdtype(input).kind not in "fc":
        raise RuntimeError(msg.format(_tname(input.dtype)))


# ------------------------------------------------------------------ sum, mean, nansum

def _sum_impl(x, dims, keepdim, dtype):
    return x.sum(axis=dims, dtype=_int_acc(x, dtype), keepdims=keepdim)


_sum, _sum_d = _pair(
    "sum", _sum_impl,
    vjp=lambda g, out, x, dims, keepdim, dtype: _cast_like(_expand_back(g, x, dims, keepdim), x),
    jvp=lambda t, out, x, dims, keepdim, dtype: _sum(t, dims=dims, keepdim=keepdim, dtype=dtype),
    batch=batch_dims_shift, saves=())


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim`` (int, tuple, or all); integer and bool inputs sum to int64."""
    dims = reduce_dims(dim, input.ndim, "sum")
    npd = None if dtype is None else D.to_numpy_dtype(dtype)
    return (_sum if dim is None else _sum_d)(input, dims=dims, keepdim=bool(keepdim), dtype=npd)


def _mean_impl(x, dims, keepdim):
    if _count(x.shape, dims):
        return x.mean(axis=dims, keepdims=keepdim)
    return np.full(np.shape(x.sum(axis=dims, keepdims=keepdim)), np.nan, x.dtype)


def _mean_vjp(g, out, x, dims, keepdim):
    return _expand_back(div(g, _count(tuple(x.shape), dims)), x, dims, keepdim)


_mean, _mean_d = _pair("mean", _mean_impl, vjp=_mean_vjp,
                       jvp=lambda t, out, x, dims, keepdim: _mean(t, dims=dims, keepdim=keepdim),
                       batch=batch_dims_shift, saves=())


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Arithmetic mean; PyTorch requires a floating (or complex) input or ``dtype``."""
    if dtype is not None:
        input = to_dtype(input, dtype)
    _require_float(input, "mean(): could not infer output dtype. Input dtype must be either a "
                   "floating point or complex dtype. Got: {}")
    dims = reduce_dims(dim, input.ndim, "mean")
    return (_mean if dim is None else _mean_d)(input, dims=dims, keepdim=bool(keepdim))


def _isnan(x):
    return ne(x, x)


_nansum = Primitive(
    "nansum", lambda x, dims, keepdim, dtype: np.nansum(x, axis=dims, keepdims=keepdim,
                                                         dtype=_int_acc(x, dtype)),
    vjp=lambda g, out, x, dims, keepdim, dtype: _cast_like(
        where(_isnan(x), 0.0, _expand_back(g, x, dims, keepdim)), x),
    jvp=lambda t, out, x, dims, keepdim, dtype: _sum(where(_isnan(x), 0.0, t), dims=dims,
                                                     keepdim=keepdim, dtype=dtype),
    batch=batch_dims_shift)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum treating NaN as zero."""
    dims = reduce_dims(dim, input.ndim, "nansum")
    npd = None if dtype is None else D.to_numpy_dtype(dtype)
    return _nansum(input, dims=dims, keepdim=bool(keepdim), dtype=npd)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of the non-NaN elements (a composite, as in PyTorch: DivBackward0)."""
    if dtype is not None:
        input = to_dtype(input, dtype)
    _require_float(input, "nanmean(): expected input to have floating point or complex dtype "
                   "but got {}")
    dims = reduce_dims(dim, input.ndim, "nanmean")
    n = _sum_d(logical_not(_isnan(input)), dims=dims, keepdim=bool(keepdim), dtype=None)
    return div(_nansum(input, dims=dims, keepdim=bool(keepdim), dtype=None), n)


# ------------------------------------------------------------------ prod

def _prod_impl(x, dims, keepdim, dtype):
    return x.prod(axis=dims, dtype=_int_acc(x, dtype), keepdims=keepdim)


def _others_product(x, dims):
    """d prod(x) / dx_i, the product of the other elements, exact when the slice holds zeros.

    With one zero the other positions get ``x_zero * p / x_i`` (zero, but carrying the right
    derivative), and with two zeros each zero gets the other one's value times ``p``, so the
    second derivative is exact as well (as in PyTorch)."""
    zero = eq(x, 0)
    nz = _sum(zero, dims=dims, keepdim=True, dtype=None)
    xs = where(zero, 1.0, x)
    p = _prod(xs, dims=dims, keepdim=True, dtype=None)
    zval = _sum(where(zero, x, 0.0), dims=dims, keepdim=True, dtype=None)
    one = where(zero, p, div(mul(zval, p), xs))
    two = where(zero, mul(sub(zval, x), p), 0.0)
    return where(eq(nz, 0), div(p, xs), where(eq(nz, 1), one, where(eq(nz, 2), two, 0.0)))


_prod, _prod_d = _pair(
    "prod", _prod_impl,
    vjp=lambda g, out, x, dims, keepdim, dtype: _cast_like(
        mul(_expand_back(g, x, dims, keepdim), _others_product(x, dims)), x),
    jvp=lambda t, out, x, dims, keepdim, dtype: _sum(mul(t, _others_product(x, dims)),
                                                     dims=dims, keepdim=keepdim, dtype=dtype),
    batch=batch_dims_shift)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product of all elements or along one ``dim``; integer inputs multiply in int64."""
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    dims = reduce_dims(dim, input.ndim, "prod")
    npd = None if dtype is None else D.to_numpy_dtype(dtype)
    return (_prod if dim is None else _prod_d)(input, dims=dims, keepdim=bool(keepdim), dtype=npd)


# ------------------------------------------------------------------ max, min, amax, amin

def _distribute(x, out, dims, keepdim, nan_aware):
    """(mask of the elements equal to the reduced value, as floats; their count per slice)."""
    o = _keep(out, x, dims, keepdim)
    m = eq(x, o)
    if nan_aware:
        m = logical_or(m, logical_and(_isnan(x), _isnan(o)))
    m = to_dtype(m, npdtype(x))
    return m, _sum(m, dims=dims, keepdim=True, dtype=None)


def evenly_rules(nan_aware):
    """VJP/JVP splitting the gradient evenly among the elements equal to the result (ties).

    ``nan_aware`` (max(), median()) sends it to the NaN a NaN result came from; amax/amin
    give NaN gradients there, as PyTorch does."""
    def vjp(g, out, x, dims, keepdim):
        m, n = _distribute(x, out, dims, keepdim, nan_aware)
        return mul(div(_expand_back(g, x, dims, keepdim), n), m)

    def jvp(t, out, x, dims, keepdim):
        m, n = _distribute(x, out, dims, keepdim, nan_aware)
        r = div(_sum(mul(t, m), dims=dims, keepdim=True, dtype=None), n)
        return r if keepdim else reshape(r, tuple(out.shape))
    return dict(vjp=vjp, jvp=jvp, batch=batch_dims_shift, uses_output=True)


def _amax_impl(x, dims, keepdim):
    return x.max(axis=dims, keepdims=keepdim)


def _amin_impl(x, dims, keepdim):
    return x.min(axis=dims, keepdims=keepdim)


_amax = Primitive("amax", _amax_impl, **evenly_rules(False))
_amin = Primitive("amin", _amin_impl, **evenly_rules(False))
_max_all = Primitive("max", _amax_impl, node_name="MaxBackward1", **evenly_rules(True))
_min_all = Primitive("min", _amin_impl, node_name="MinBackward1", **evenly_rules(True))


def _max_dim_impl(x, dim, keepdim):
    return x.max(axis=dim, keepdims=keepdim), x.argmax(axis=dim, keepdims=keepdim).astype(
        np.int64, copy=False)


def _min_dim_impl(x, dim, keepdim):
    return x.min(axis=dim, keepdims=keepdim), x.argmin(axis=dim, keepdims=keepdim).astype(
        np.int64, copy=False)


def select_vjp(g, out, x, dim, keepdim=True, accumulate=False, **_):
    """Reverse rule of ops returning (values, indices) along ``dim``: scatter into indices."""
    gv, idx = g[0], out[1]
    z = zeros_like(x)
    if gv is None:
        return z
    if not keepdim:
        gv, idx = unsqueeze(gv, dim), unsqueeze(idx, dim)
    return (_scatter_add if accumulate else _scatter)(z, idx, gv, dim=dim)


def select_jvp(tangents, out, x, dim, keepdim=True, **_):
    idx = out[1] if keepdim else unsqueeze(out[1], dim)
    tv = _gather(tangents[0], idx, dim=dim)
    return (tv if keepdim else squeeze(tv, dim)), None


SELECT_RULES = dict(vjp=select_vjp, jvp=joint(select_jvp), batch=batch_dim_shift, n_out=2,
                    nondiff_out=(1,), uses_output=True, saves=())

_max_dim = Primitive("max_dim", _max_dim_impl, node_name="MaxBackward0", **SELECT_RULES)
_min_dim = Primitive("min_dim", _min_dim_impl, node_name="MinBackward0", **SELECT_RULES)


def reduce_along(prim, rtype, input, dim, op, empty_ok=False, **params):
    """Call a (values, indices) primitive along ``dim``; a 0-d input is viewed as 1-d."""
    if input.ndim == 0:
        wrap_dim(dim, 0, op)
        return rtype(*(reshape(o, ()) for o in prim(reshape(input, (1,)), dim=0, **params)))
    d = wrap_dim(dim, input.ndim, op)
    if input.shape[d] == 0 and not empty_ok:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    return rtype(*prim(input, dim=d, **params))


def _full_minmax(prim, input, op):
    if input.numel() == 0:
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() "
                           f"== 0. Specify the reduction dim with the 'dim' argument.")
    return prim(input, dims=tuple(range(input.ndim)), keepdim=False)


def max(input, dim=None, keepdim=False):
    """``max(x)``: the largest element; ``max(x, dim)``: (values, indices); ``max(x, other)``:
    elementwise maximum."""
    if dim is None:
        return _full_minmax(_max_all, input, "max")
    if isinstance(dim, Tensor):
        from .math import maximum
        return maximum(input, dim)
    return reduce_along(_max_dim, R.max, input, dim, "max", keepdim=bool(keepdim))


def min(input, dim=None, keepdim=False):
    """``min(x)``, ``min(x, dim)`` -> (values, indices), ``min(x, other)`` (elementwise)."""
    if dim is None:
        return _full_minmax(_min_all, input, "min")
    if isinstance(dim, Tensor):
        from .math import minimum
        return minimum(input, dim)
    return reduce_along(_min_dim, R.min, input, dim, "min", keepdim=bool(keepdim))


def _amaxmin(prim, input, dim, keepdim, op):
    dims = reduce_dims(dim, input.ndim, op)
    if input.numel() == 0:
        if dim is None or dim == () or dim == []:
            _full_minmax(prim, input, op)
        for d in dims:
            if input.shape[d] == 0:
                raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    return prim(input, dims=dims, keepdim=bool(keepdim))


def amax(input, dim=(), keepdim=False):
    """Maximum over ``dim`` (all by default); ties share the gradient evenly."""
    return _amaxmin(_amax, input, dim, keepdim, "amax")


def amin(input, dim=(), keepdim=False):
    return _amaxmin(_amin, input, dim, keepdim, "amin")


def _arg_batch(prim, args, batched, dim, keepdim):
    x = args[0]
    if dim is not None:
        return prim(x, dim=dim + 1, keepdim=keepdim)
    shape = tuple(x.shape)
    r = prim(reshape(x, (shape[0], _count(shape, range(1, len(shape))))), dim=1, keepdim=False)
    return reshape(r, (shape[0],) + (1,) * (len(shape) - 1)) if keepdim else r


def _argmaxmin(name):
    def impl(x, dim, keepdim):
        if dim is None:         # over the flattened input
            r = getattr(x, name)()
            return np.full((1,) * x.ndim, r, np.int64) if keepdim else np.int64(r)
        return getattr(x, name)(axis=dim, keepdims=keepdim).astype(np.int64, copy=False)
    prim = Primitive(name, impl, batch=_arg_batch, differentiable=False)

    def fn(input, dim=None, keepdim=False):
        if dim is None:
            if input.numel() == 0:
                raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                                 f"input.numel() == 0.")
            return prim(input, dim=None, keepdim=bool(keepdim))
        d = wrap_dim(dim, input.ndim, name)
        if input.ndim == 0:
            return prim(input, dim=None, keepdim=False)
        if input.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        return prim(input, dim=d, keepdim=bool(keepdim))
    fn.__name__ = name
    fn.__doc__ = f"Index (int64) of the first {name[3:]}imum over ``dim`` or the flattened input."
    return fn


argmax = _argmaxmin("argmax")
argmin = _argmaxmin("argmin")


# ------------------------------------------------------------------ logsumexp

def _lse_impl(x, dims, keepdim):
    if builtins.any(x.shape[d] == 0 for d in dims):
        return np.full(_kept_shape(x.shape, dims) if keepdim else
                       tuple(s for i, s in enumerate(x.shape) if i not in dims), -np.inf, x.dtype)
    m = x.max(axis=dims, keepdims=True)
    finite = np.isfinite(m)
    if finite.all():
        r = np.log(np.exp(x - m).sum(axis=dims, keepdims=True)) + m
    else:                   # slices of +-inf (or NaN) are not shifted; log(0) is -inf
        m = np.where(finite, m, 0).astype(x.dtype, copy=False)
        with np.errstate(divide="ignore"):
            r = np.log(np.exp(x - m).sum(axis=dims, keepdims=True)) + m
    return r if keepdim else r.reshape(tuple(n for i, n in enumerate(x.shape) if i not in dims))


def _lse_weights(out, x, dims, keepdim):
    return exp(sub(x, _keep(out, x, dims, keepdim)))


_logsumexp = Primitive(
    "logsumexp", _lse_impl,
    vjp=lambda g, out, x, dims, keepdim: mul(_expand_back(g, x, dims, keepdim),
                                             _lse_weights(out, x, dims, keepdim)),
    jvp=lambda t, out, x, dims, keepdim: _sum(mul(t, _lse_weights(out, x, dims, keepdim)),
                                              dims=dims, keepdim=keepdim, dtype=None),
    batch=batch_dims_shift, uses_output=True)


def logsumexp(input, dim, keepdim=False):
    """``log(sum(exp(x)))`` over ``dim``, computed stably (shifted by the maximum)."""
    if npdtype(input).kind not in "fc":
        input = to_dtype(input, D.get_default_dtype())
    return _logsumexp(input, dims=reduce_dims(dim, input.ndim, "logsumexp"),
                      keepdim=bool(keepdim))


# ------------------------------------------------------------------ var, std

def _moments(x, dims, correction, keepdim):
    """(variance with ``correction``, mean with kept dims); NaN / inf where dof <= 0."""
    n = _count(x.shape, dims)
    mu = x.mean(axis=dims, keepdims=True) if n else x.sum(axis=dims, keepdims=True)
    d = x - mu
    d = d * d if d.dtype.kind != "c" else (d * d.conj()).real
    s = d.sum(axis=dims, keepdims=keepdim)
    dof = n - correction
    if dof > 0:
        return s / dof, mu
    with np.errstate(divide="ignore", invalid="ignore"):
        return s / builtins.max(dof, 0), mu


def _two_over_dof(x, dims, correction):
    d = builtins.max(_count(tuple(x.shape), dims) - correction, 0)
    return 2.0 / d if d else _m.inf


def _centered(x, dims):
    return sub(x, _mean(x, dims=dims, keepdim=True))


def _var_grad(g, out, x, dims, correction, keepdim):
    return mul(_expand_back(g, x, dims, keepdim),
               mul(_centered(x, dims), _two_over_dof(x, dims, correction)))


def _var_tangent(t, out, x, dims, correction, keepdim):
    return mul(_sum(mul(_centered(x, dims), t), dims=dims, keepdim=keepdim, dtype=None),
               _two_over_dof(x, dims, correction))


def _two_std(out, x, dims, keepdim):
    """2 * std with zeros replaced by 1 (where std == 0 the centered values vanish too)."""
    o = _keep(out, x, dims, keepdim)
    return mul(where(eq(o, 0), 1.0, o), 2.0)


def _std_grad(g, out, x, dims, correction, keepdim):
    return div(_var_grad(g, out, x, dims, correction, keepdim), _two_std(out, x, dims, keepdim))


def _std_tangent(t, out, x, dims, correction, keepdim):
    den = _two_std(out, x, dims, keepdim)
    return div(_var_tangent(t, out, x, dims, correction, keepdim),
               den if keepdim else reshape(den, tuple(out.shape)))


_var = Primitive("var", lambda x, **p: _moments(x, **p)[0], vjp=_var_grad, jvp=_var_tangent,
                 batch=batch_dims_shift)
_std = Primitive("std", lambda x, **p: np.sqrt(_moments(x, **p)[0]), vjp=_std_grad,
                 jvp=_std_tangent, batch=batch_dims_shift, uses_output=True)


def _with_mean(grad, tangent, root):
    """(var|std, mean) in one primitive, as PyTorch's VarMeanBackward0 / StdMeanBackward0."""
    def impl(x, dims, correction, keepdim):
        v, mu = _moments(x, dims, correction, keepdim)
        return (np.sqrt(v) if root else v), (mu if keepdim else mu.reshape(np.shape(v)))

    def vjp(g, out, x, dims, correction, keepdim):
        r = None
        if g[0] is not None:
            r = grad(g[0], out[0], x, dims, correction, keepdim)
        if g[1] is not None:
            gm = _mean_vjp(g[1], None, x, dims, keepdim)
            r = gm if r is None else add(r, gm)
        return r

    def jvp(tangents, out, x, dims, correction, keepdim):
        t = tangents[0]
        return (tangent(t, out[0], x, dims, correction, keepdim),
                _mean(t, dims=dims, keepdim=keepdim))
    return dict(impl=impl, vjp=vjp, jvp=joint(jvp), batch=batch_dims_shift, n_out=2,
                uses_output=True)


_var_mean = Primitive("var_mean", **_with_mean(_var_grad, _var_tangent, False))
_std_mean = Primitive("std_mean", **_with_mean(_std_grad, _std_tangent, True))


def _var_args(op, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):          # var(x, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}(): cannot pass both 'unbiased' and 'correction'")
    _require_float(input, "std and var only support floating point and complex dtypes")
    c = correction if correction is not None else (0 if unbiased is False else 1)
    dims = reduce_dims(dim, input.ndim, op)
    if _count(tuple(input.shape), dims) - c <= 0:
        warnings.warn(f"{op}(): degrees of freedom is <= 0. Correction should be strictly less "
                      f"than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    return dict(dims=dims, correction=c, keepdim=bool(keepdim))


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance with Bessel's correction by default (``correction=1``; ``unbiased=False`` is 0)."""
    return _var(input, **_var_args("var", input, dim, unbiased, keepdim, correction))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation; its gradient is 0 where the deviation is 0 (as in PyTorch)."""
    return _std(input, **_var_args("std", input, dim, unbiased, keepdim, correction))


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) in one pass."""
    return _var_mean(input, **_var_args("var_mean", input, dim, unbiased, keepdim, correction))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _std_mean(input, **_var_args("std_mean", input, dim, unbiased, keepdim, correction))


# ------------------------------------------------------------------ all, any, count_nonzero

def _logical_reduce(name):
    def impl(x, dims, keepdim):
        r = getattr(x, name)(axis=dims, keepdims=keepdim)
        return r.astype(np.uint8) if x.dtype.char == "B" else r
    prim = Primitive(name, impl, batch=batch_dims_shift, differentiable=False)

    def fn(input, dim=None, keepdim=False):
        return prim(input, dims=reduce_dims(dim, input.ndim, name, empty_is_all=False),
                    keepdim=bool(keepdim))
    fn.__name__ = name
    fn.__doc__ = f"Whether {name} element(s) over ``dim`` are true (bool; uint8 for uint8)."
    return fn


all = _logical_reduce("all")
any = _logical_reduce("any")

_count_nonzero = Primitive("count_nonzero", lambda x, dims: (x != 0).sum(axis=dims,
                                                                       dtype=np.int64),
                           batch=batch_dims_shift, differentiable=False)


def count_nonzero(input, dim=None):
    return _count_nonzero(input, dims=reduce_dims(dim, input.ndim, "count_nonzero"))


# ------------------------------------------------------------------ sum_to_size

def _sum_to_size_impl(x, shape):
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                      if s == 1 and x.shape[lead + i] != 1)
    r = np.sum(x, axis=axes, keepdims=True) if axes else x
    return r.reshape(shape)


def _sum_to_size_batch(prim, args, batched, shape):
    g = args[0]
    lead = g.ndim - 1 - len(shape)
    if lead:
        g = _sum(g, dims=tuple(range(1, 1 + lead)), keepdim=False, dtype=None)
    return prim(g, shape=(g.shape[0],) + tuple(shape))


_sum_to_size = Primitive("sum_to_size", _sum_to_size_impl,
                         vjp=lambda g, out, x, shape: expand(g, tuple(x.shape)),
                         jvp=lambda t, out, x, shape: _sum_to_size(t, shape=shape),
                         batch=_sum_to_size_batch, saves=(), node_name="SumBackward1")


def sum_to_size(input, *size):
    """Sum broadcast dimensions away so the result has ``size`` (reverse of expand)."""
    shape = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else tuple(size)
    if tuple(input.shape) == shape:
        return input
    return _sum_to_size(input, shape=shape)


METHODS = {"sum": sum, "mean": mean, "prod": prod, "nansum": nansum, "nanmean": nanmean,
           "max": max, "min": min, "amax": amax, "amin": amin, "argmax": argmax,
           "argmin": argmin, "logsumexp": logsumexp, "var": var, "std": std,
           "all": all, "any": any, "count_nonzero": count_nonzero, "sum_to_size": sum_to_size}
INPLACE = {}
