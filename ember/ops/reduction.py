"""Reductions: sum, mean, prod, max/min/amax/amin, argmax, logsumexp, var/std, norm, all/any.

Every reduction primitive takes ``dims`` (a sorted tuple resolved by the public function
against the *logical* ndim) and ``keepdim``, so its batching rule only shifts ``dims``.  Where
PyTorch names the backward node differently with and without ``dim`` (SumBackward0 /
SumBackward1), the two are primitives sharing one impl and one set of rules.

Selection gradients (max(dim), sort, topk, median, cummax) go back to the selected positions
through the private ``gather``/``scatter`` primitive pair defined at the end of this file.
"""
import builtins
import math as _m

import numpy as np

from .. import _dtype as D
from .. import return_types as R
from .._tensor import Tensor, wrap_dim
from ._primitive import Primitive, joint
from ._util import npdtype, batch_dims_shift, batch_dim_shift, move_bdim_to_front
from .elementwise import add, sub, mul, div, exp, sqrt, pow, to_dtype
from .comparison import eq, ne, gt, lt, where, logical_and, logical_or, logical_not
from .shape import reshape, expand, unsqueeze, squeeze
from .inplace import _tname

__all__ = ["sum", "mean", "prod", "nansum", "nanmean", "max", "min", "amax", "amin", "argmax",
           "argmin", "logsumexp", "var", "std", "var_mean", "std_mean", "norm", "all", "any",
           "count_nonzero", "sum_to_size"]


# ------------------------------------------------------------------ helpers

def reduce_dims(dim, ndim, op, empty_is_all=True):
    """Resolve ``dim`` (None, int or sequence) to a sorted tuple; None (and by default ``()``)
    mean every dim.  A 0-d tensor accepts dim 0 / -1 and reduces nothing."""
    if dim is None:
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
    return r if keepdim or not dims else reshape(r, _kept_shape(tuple(x.shape), dims))


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


def _require_float(input, op, msg=None):
    if npdtype(input).kind not in "fc":
        raise RuntimeError(msg or f"{op}(): expected input to have floating point or complex "
                                  f"dtype but got {_tname(input.dtype)}")


def _sign(x):
    """sign(x) as a constant of x's dtype (comparisons carry no gradient)."""
    dt = npdtype(x)
    return sub(to_dtype(gt(x, 0), dt), to_dtype(lt(x, 0), dt))


# ------------------------------------------------------------------ sum, mean, nansum

def _sum_impl(x, dims, keepdim, dtype):
    return np.sum(x, axis=dims, keepdims=keepdim, dtype=_int_acc(x, dtype))


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
    n = _count(x.shape, dims)
    s = np.sum(x, axis=dims, keepdims=keepdim)
    return s / n if n else np.full(np.shape(s), np.nan, x.dtype)


def _mean_vjp(g, out, x, dims, keepdim):
    return _expand_back(div(g, _count(tuple(x.shape), dims)), x, dims, keepdim)


_mean, _mean_d = _pair("mean", _mean_impl, vjp=_mean_vjp,
                       jvp=lambda t, out, x, dims, keepdim: _mean(t, dims=dims, keepdim=keepdim),
                       batch=batch_dims_shift, saves=())


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Arithmetic mean; PyTorch requires a floating (or complex) input or ``dtype``."""
    if dtype is not None:
        input = to_dtype(input, dtype)
    _require_float(input, "mean", "mean(): could not infer output dtype. Input dtype must be "
                   f"either a floating point or complex dtype. Got: {_tname(input.dtype)}")
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
    _require_float(input, "nanmean")
    dims = reduce_dims(dim, input.ndim, "nanmean")
    n = _sum_d(logical_not(_isnan(input)), dims=dims, keepdim=bool(keepdim), dtype=None)
    return div(_nansum(input, dims=dims, keepdim=bool(keepdim), dtype=None), n)


# ------------------------------------------------------------------ prod

def _prod_impl(x, dims, keepdim, dtype):
    return np.prod(x, axis=dims, keepdims=keepdim, dtype=_int_acc(x, dtype))


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
    return np.amax(x, axis=dims, keepdims=keepdim)


def _amin_impl(x, dims, keepdim):
    return np.amin(x, axis=dims, keepdims=keepdim)


_amax = Primitive("amax", _amax_impl, **evenly_rules(False))
_amin = Primitive("amin", _amin_impl, **evenly_rules(False))
_max_all = Primitive("max", _amax_impl, node_name="MaxBackward1", **evenly_rules(True))
_min_all = Primitive("min", _amin_impl, node_name="MinBackward1", **evenly_rules(True))


def _arg_select_impl(argf):
    def impl(x, dim, keepdim):
        i = argf(x, axis=dim, keepdims=True)
        v = np.take_along_axis(x, i, axis=dim)
        if not keepdim:
            v, i = v.squeeze(dim), i.squeeze(dim)
        return v, i.astype(np.int64, copy=False)
    return impl


def select_vjp(g, out, x, dim, keepdim=True, accumulate=False, **_):
    """Reverse rule of ops returning (values, indices) along ``dim``: scatter into indices."""
    gv, idx = g[0], out[1]
    if gv is None:
        from .creation import zeros_like
        return zeros_like(x)
    if not keepdim:
        gv, idx = unsqueeze(gv, dim), unsqueeze(idx, dim)
    return _scatter(gv, idx, dim=dim, shape=tuple(x.shape), accumulate=accumulate)


def select_jvp(tangents, out, x, dim, keepdim=True, **_):
    idx = out[1] if keepdim else unsqueeze(out[1], dim)
    tv = _gather(tangents[0], idx, dim=dim, accumulate=False)
    return (tv if keepdim else squeeze(tv, dim)), None


SELECT_RULES = dict(vjp=select_vjp, jvp=joint(select_jvp), batch=batch_dim_shift, n_out=2,
                    nondiff_out=(1,), uses_output=True, saves=())

_max_dim = Primitive("max_dim", _arg_select_impl(np.argmax), node_name="MaxBackward0",
                     **SELECT_RULES)
_min_dim = Primitive("min_dim", _arg_select_impl(np.argmin), node_name="MinBackward0",
                     **SELECT_RULES)


def reduce_along(prim, rtype, input, dim, op, **params):
    """Call a (values, indices) primitive along ``dim``; a 0-d input is viewed as 1-d."""
    if input.ndim == 0:
        wrap_dim(dim, 0, op)
        return rtype(*prim(reshape(input, (1,)), dim=0, **dict(params, keepdim=False)))
    d = wrap_dim(dim, input.ndim, op)
    if input.shape[d] == 0:
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


def _argmaxmin(argf, name):
    prim = Primitive(name, lambda x, dim, keepdim: argf(x, axis=dim, keepdims=keepdim).astype(
        np.int64, copy=False), batch=batch_dim_shift, differentiable=False)

    def fn(input, dim=None, keepdim=False):
        if dim is None:
            if input.numel() == 0:
                raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                                 f"input.numel() == 0.")
            r = prim(reshape(input, (-1,)), dim=0, keepdim=False)
            return reshape(r, (1,) * input.ndim) if keepdim else r
        if input.ndim == 0:
            wrap_dim(dim, 0, name)
            return prim(reshape(input, (1,)), dim=0, keepdim=False)
        d = wrap_dim(dim, input.ndim, name)
        if input.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        return prim(input, dim=d, keepdim=bool(keepdim))
    fn.__name__ = name
    fn.__doc__ = f"Index (int64) of the first {name[3:]}imum over ``dim`` or the flattened input."
    return fn


argmax = _argmaxmin(np.argmax, "argmax")
argmin = _argmaxmin(np.argmin, "argmin")


# ------------------------------------------------------------------ logsumexp

def _lse_impl(x, dims, keepdim):
    if builtins.any(x.shape[d] == 0 for d in dims):
        return np.full(_kept_shape(x.shape, dims) if keepdim else
                       tuple(s for i, s in enumerate(x.shape) if i not in dims), -np.inf, x.dtype)
    m = np.amax(x, axis=dims, keepdims=True)
    m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
    s = np.sum(np.exp(x - m), axis=dims, keepdims=True)
    with np.errstate(divide="ignore"):
        r = np.log(s) + m
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

def _dof(x, dims, correction):
    return builtins.max(_count(tuple(x.shape), dims) - correction, 0)


def _var_impl(x, dims, correction, keepdim):
    n = _count(x.shape, dims)
    if n - correction > 0:
        return np.var(x, axis=dims, ddof=correction, keepdims=keepdim)
    mu = np.sum(x, axis=dims, keepdims=True) / builtins.max(n, 1)
    d = np.abs(x - mu)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sum(d * d, axis=dims, keepdims=keepdim) / builtins.max(n - correction, 0)


def _var_scale(x, dims, correction):
    d = _dof(x, dims, correction)
    return 1.0 / d if d else _m.inf


def _centered(x, dims):
    return sub(x, _mean(x, dims=dims, keepdim=True))


def _var_grad(g, x, dims, correction, keepdim):
    return mul(_expand_back(g, x, dims, keepdim),
               mul(_centered(x, dims), 2.0 * _var_scale(x, dims, correction)))


def _var_tangent(t, x, dims, correction, keepdim):
    return mul(_sum(mul(_centered(x, dims), t), dims=dims, keepdim=keepdim, dtype=None),
               2.0 * _var_scale(x, dims, correction))


def _std_den(out, x, dims, keepdim):
    """2 * std, with zeros replaced by 1: where std == 0 the centered values vanish too."""
    o = _keep(out, x, dims, keepdim)
    return mul(where(eq(o, 0), 1.0, o), 2.0)


def _std_grad(g, out, x, dims, correction, keepdim):
    return div(_var_grad(g, x, dims, correction, keepdim), _std_den(out, x, dims, keepdim))


def _std_tangent(t, out, x, dims, correction, keepdim):
    den = _std_den(out, x, dims, keepdim)
    return div(_var_tangent(t, x, dims, correction, keepdim),
               den if keepdim else reshape(den, tuple(out.shape)))


_var = Primitive("var", _var_impl,
                 vjp=lambda g, out, x, **p: _var_grad(g, x, **p),
                 jvp=lambda t, out, x, **p: _var_tangent(t, x, **p), batch=batch_dims_shift)
_std = Primitive("std", lambda x, **p: np.sqrt(_var_impl(x, **p)),
                 vjp=lambda g, out, x, **p: _std_grad(g, out, x, **p),
                 jvp=lambda t, out, x, **p: _std_tangent(t, out, x, **p),
                 batch=batch_dims_shift, uses_output=True)


def _with_mean(grad, tangent, root):
    """(var|std, mean) in one primitive, as PyTorch's VarMeanBackward0 / StdMeanBackward0."""
    def impl(x, dims, correction, keepdim):
        v = _var_impl(x, dims, correction, keepdim)
        return (np.sqrt(v) if root else v), np.mean(x, axis=dims, keepdims=keepdim)

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


def _vg(g, out, x, dims, correction, keepdim):
    return _var_grad(g, x, dims, correction, keepdim)


def _vt(t, out, x, dims, correction, keepdim):
    return _var_tangent(t, x, dims, correction, keepdim)


_var_mean = Primitive("var_mean", **_with_mean(_vg, _vt, False))
_std_mean = Primitive("std_mean", **_with_mean(_std_grad, _std_tangent, True))


def _var_args(op, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):          # var(x, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}(): cannot pass both 'unbiased' and 'correction'")
    _require_float(input, op, "std and var only support floating point and complex dtypes")
    c = correction if correction is not None else (0 if unbiased is False else 1)
    dims = reduce_dims(dim, input.ndim, op)
    if _count(tuple(input.shape), dims) - c <= 0:
        import warnings
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


# ------------------------------------------------------------------ norm

def _vnorm_impl(x, ord, dims, keepdim):
    a = np.abs(x)
    if ord == 2:
        return np.sqrt(np.sum(a * a, axis=dims, keepdims=keepdim))
    if ord == 1:
        return np.sum(a, axis=dims, keepdims=keepdim)
    if ord == _m.inf:
        return np.amax(a, axis=dims, keepdims=keepdim)
    if ord == -_m.inf:
        return np.amin(a, axis=dims, keepdims=keepdim)
    if ord == 0:
        return np.sum(a != 0, axis=dims, keepdims=keepdim).astype(a.dtype)
    return np.sum(a ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)


def _norm_factor(out, x, ord, dims, keepdim):
    """d norm / dx; zero where x is zero for p < 1 and where the norm is zero (PyTorch)."""
    if ord == 0:
        from .creation import zeros_like
        return zeros_like(x)
    s = _sign(x)
    if ord == 1:
        return s
    o = _keep(out, x, dims, keepdim)
    if ord == 2:
        return div(x, where(eq(o, 0), 1.0, o))
    if _m.isinf(ord):
        m = to_dtype(eq(mul(x, s), o), npdtype(x))
        return div(mul(s, m), _sum(m, dims=dims, keepdim=True, dtype=None))
    ax = where(eq(x, 0), 1.0, mul(x, s))
    return div(mul(s, pow(ax, ord - 1)), pow(where(eq(o, 0), 1.0, o), ord - 1))


_vector_norm = Primitive(
    "linalg_vector_norm", _vnorm_impl,
    vjp=lambda g, out, x, ord, dims, keepdim: mul(_expand_back(g, x, dims, keepdim),
                                                  _norm_factor(out, x, ord, dims, keepdim)),
    jvp=lambda t, out, x, ord, dims, keepdim: _sum(mul(t, _norm_factor(out, x, ord, dims,
                                                                       keepdim)),
                                                   dims=dims, keepdim=keepdim, dtype=None),
    batch=batch_dims_shift, uses_output=True)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """``linalg.vector_norm``: the ord-norm of ``x`` flattened over ``dim`` (all by default)."""
    if dtype is not None:
        x = to_dtype(x, dtype)
    _require_float(x, "linalg.vector_norm", "linalg.vector_norm: Expected a floating point or "
                   f"complex tensor as input. Got {_tname(x.dtype)}")
    ord = float(ord)
    dims = reduce_dims(dim, x.ndim, "linalg.vector_norm")
    if ord < 0 or _m.isinf(ord):
        if x.numel() == 0 and (not dims or builtins.any(x.shape[d] == 0 for d in dims)):
            raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on an empty "
                               f"tensor because the operation does not have an identity")
    return _vector_norm(x, ord=ord, dims=dims, keepdim=bool(keepdim))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """``torch.norm``: vector p-norms over ``dim`` ('fro' is the 2-norm), or 'nuc'."""
    if p is None:
        p = "fro"
    if isinstance(p, str):
        if p == "nuc":
            from .decomp import matrix_norm
            return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim,
                               dtype=dtype)
        if p != "fro":
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        if dim is not None and not isinstance(dim, int) and len(dim) > 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                               f"{' '.join(str(d) for d in dim)}")
        p = 2
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


# ------------------------------------------------------------------ all, any, count_nonzero

def _logical_reduce(npf, name):
    def impl(x, dims, keepdim):
        r = npf(x, axis=dims, keepdims=keepdim)
        return r.astype(np.uint8) if x.dtype == np.uint8 else r
    prim = Primitive(name, impl, batch=batch_dims_shift, differentiable=False)

    def fn(input, dim=None, keepdim=False):
        return prim(input, dims=reduce_dims(dim, input.ndim, name, empty_is_all=False),
                    keepdim=bool(keepdim))
    fn.__name__ = name
    fn.__doc__ = f"Whether {name} element(s) over ``dim`` are true (bool; uint8 for uint8)."
    return fn


all = _logical_reduce(np.all, "all")
any = _logical_reduce(np.any, "any")

_count_nonzero = Primitive("count_nonzero", lambda x, dims: np.sum(x != 0, axis=dims,
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


# ------------------------------------------------------------------ gather / scatter along dim
# Private pair for selection gradients: out = x[..., idx, ...] along ``dim`` and its adjoint
# (``accumulate`` adds repeated indices, needed by cummax; sort/topk/max have distinct ones).

def _along_key(shape, idx, dim):
    nd = len(shape)
    key = []
    for k in range(nd):
        if k == dim:
            key.append(idx)
        else:
            s = [1] * nd
            s[k] = shape[k]
            key.append(np.arange(shape[k]).reshape(s))
    return tuple(key)


def _scatter_impl(g, idx, dim, shape, accumulate):
    out = np.zeros(shape, dtype=g.dtype)
    key = _along_key(shape, idx, dim)
    if accumulate:
        np.add.at(out, key, g)
    else:
        out[key] = g
    return out


def _along_batch(prim, args, batched, dim, **params):
    B = args[0].shape[0] if batched[0] else args[1].shape[0]
    a, i = (move_bdim_to_front(v, b, B) for v, b in zip(args, batched))
    if "shape" in params:
        params["shape"] = (B,) + params["shape"]
    return prim(a, i, dim=dim + 1, **params)


_gather = Primitive(
    "gather_along", lambda x, idx, dim, accumulate: np.take_along_axis(x, idx, axis=dim),
    vjp=(lambda g, out, x, idx, dim, accumulate: _scatter(g, idx, dim=dim, shape=tuple(x.shape),
                                                          accumulate=accumulate), None),
    jvp=(lambda t, out, x, idx, dim, accumulate: _gather(t, idx, dim=dim,
                                                         accumulate=accumulate), None),
    batch=_along_batch, saves=(1,), node_name="GatherBackward0")

_scatter = Primitive(
    "scatter_along", _scatter_impl,
    vjp=(lambda g, out, src, idx, dim, shape, accumulate: _gather(g, idx, dim=dim,
                                                                  accumulate=accumulate), None),
    jvp=(lambda t, out, src, idx, dim, shape, accumulate: _scatter(
        t, idx, dim=dim, shape=shape, accumulate=accumulate), None),
    batch=_along_batch, saves=(1,), node_name="ScatterBackward0")


METHODS = {"sum": sum, "mean": mean, "prod": prod, "nansum": nansum, "nanmean": nanmean,
           "max": max, "min": min, "amax": amax, "amin": amin, "argmax": argmax,
           "argmin": argmin, "logsumexp": logsumexp, "var": var, "std": std, "norm": norm,
           "all": all, "any": any, "count_nonzero": count_nonzero, "sum_to_size": sum_to_size}
INPLACE = {}
