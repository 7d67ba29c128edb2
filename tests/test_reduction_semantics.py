"""PyTorch semantics of reductions, sorting and softmax beyond the op table: errors and their
messages, gradient conventions with ties / zeros / NaN, named-tuple results, dtypes and
backward node names.  Expected values are PyTorch's (checked against it when installed)."""
import pickle

import numpy as np
import pytest

import ember

try:
    import torch
except ImportError:      # the PyTorch oracle is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")
NAN = float("nan")


def _grad(T, f, x, g=None):
    """Gradient of ``<g, f(x)>`` (g = 1, 2, 3, ... by default) for T in (ember, torch)."""
    x = T.tensor(x, dtype=T.float64, requires_grad=True)
    y = f(T, x)
    y = y[0] if isinstance(y, tuple) else y
    if g is None:
        g = np.arange(1.0, y.numel() + 1).reshape(tuple(y.shape))
    (gx,) = T.autograd.grad((y * T.tensor(g, dtype=T.float64)).sum(), [x], allow_unused=True)
    return np.zeros(tuple(x.shape)) if gx is None else gx.detach().numpy()


# ---------------------------------------------------------------- errors

X2 = np.arange(6.0).reshape(2, 3)

ERRORS = [
    ("sum", lambda T, x: T.sum(x, 3), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 3)"),
    ("amax", lambda T, x: x.amax(-3), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got -3)"),
    ("max.dim", lambda T, x: T.max(x, 3), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 3)"),
    ("scalar", lambda T, x: T.tensor(3.0).sum(1), IndexError,
     "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    ("sort", lambda T, x: x.sort(2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("cumsum", lambda T, x: x.cumsum(-3), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got -3)"),
    ("softmax", lambda T, x: x.softmax(2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("dup", lambda T, x: x.sum((0, 0)), RuntimeError,
     "dim 0 appears multiple times in the list of dims"),
    ("dup.amax", lambda T, x: x.amax((1, -1)), RuntimeError,
     "dim 1 appears multiple times in the list of dims"),
    ("max.empty", lambda T, x: T.zeros(0).max(), RuntimeError,
     "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
     "reduction dim with the 'dim' argument."),
    ("min.empty", lambda T, x: T.zeros(2, 0).min(), RuntimeError,
     "min(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
     "reduction dim with the 'dim' argument."),
    ("amax.empty", lambda T, x: T.zeros(0).amax(), RuntimeError,
     "amax(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
     "reduction dim with the 'dim' argument."),
    ("amax.empty_dim", lambda T, x: T.zeros(2, 0).amax(1), IndexError,
     "amax(): Expected reduction dim 1 to have non-zero size."),
    ("max.empty_dim", lambda T, x: T.zeros(0, 3).max(0), IndexError,
     "max(): Expected reduction dim 0 to have non-zero size."),
    ("median.empty_dim", lambda T, x: T.zeros(0, 3).median(0), IndexError,
     "median(): Expected reduction dim 0 to have non-zero size."),
    ("argmax.empty", lambda T, x: T.zeros(0).argmax(), IndexError,
     "argmax(): Expected reduction dim to be specified for input.numel() == 0."),
    ("mean.int", lambda T, x: T.tensor([1, 2]).mean(), RuntimeError,
     "mean(): could not infer output dtype. Input dtype must be either a floating point or "
     "complex dtype. Got: Long"),
    ("mean.bool", lambda T, x: T.tensor([True]).mean(), RuntimeError,
     "mean(): could not infer output dtype. Input dtype must be either a floating point or "
     "complex dtype. Got: Bool"),
    ("var.int", lambda T, x: T.tensor([1, 2]).var(), RuntimeError,
     "std and var only support floating point and complex dtypes"),
    ("norm.int", lambda T, x: T.tensor([1, 2]).norm(), RuntimeError,
     "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
    ("nanmean.int", lambda T, x: T.tensor([1, 2]).nanmean(), RuntimeError,
     "nanmean(): expected input to have floating point or complex dtype but got Long"),
    ("topk.k", lambda T, x: x.topk(4), RuntimeError, "selected index k out of range"),
    ("kthvalue.k", lambda T, x: x.kthvalue(4, 1), RuntimeError,
     "kthvalue(): selected number k out of range for dimension 1"),
    ("kthvalue.0", lambda T, x: x.kthvalue(0), RuntimeError,
     "kthvalue(): selected number k out of range for dimension 1"),
    ("softmax.int", lambda T, x: T.tensor([1, 2]).softmax(0), NotImplementedError,
     "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
]


@pytest.mark.parametrize("name,f,exc,msg", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(name, f, exc, msg):
    with pytest.raises(exc) as info:
        f(ember, ember.tensor(X2))
    assert str(info.value) == msg
    if torch is not None:
        with pytest.raises(exc) as tinfo:
            f(torch, torch.tensor(X2))
        assert str(tinfo.value) == msg


# ---------------------------------------------------------------- gradient conventions

CONVENTIONS = [
    # ties: full max/min/median and amax/amin split evenly, dim variants pick one index
    ("max.ties", lambda T, x: x.max(), [1.0, 3, 3, 2], [0, 0.5, 0.5, 0]),
    ("min.ties", lambda T, x: x.min(), [[1.0, 0], [0, 4]], [[0, 0.5], [0.5, 0]]),
    ("amax.ties", lambda T, x: x.amax(1), [[1.0, 3, 3], [4, 4, 4]],
     [[0, 0.5, 0.5], [2 / 3, 2 / 3, 2 / 3]]),
    ("amin.ties_dims", lambda T, x: x.amin((0, 1)), [[1.0, 1], [2, 1]],
     [[1 / 3, 1 / 3], [0, 1 / 3]]),
    ("max.dim_ties", lambda T, x: x.max(1), [[1.0, 3, 3], [4, 4, 4]], [[0, 1, 0], [2, 0, 0]]),
    ("min.dim_ties", lambda T, x: x.min(0), [[1.0, 3], [1, 3], [0, 3]],
     [[0, 2], [0, 0], [1, 0]]),
    ("median.ties", lambda T, x: x.median(), [3.0, 1, 3, 3, 2], [1 / 3, 0, 1 / 3, 1 / 3, 0]),
    ("median.dim_ties", lambda T, x: x.median(1), [[1.0, 2, 2, 3], [5, 5, 5, 5]],
     [[0, 1, 0, 0], [0, 2, 0, 0]]),
    ("median.dim_ties_odd", lambda T, x: x.median(0), [3.0, 1, 3, 2, 3, 2], [0, 0, 0, 0, 0, 1]),
    ("median.dim_all_equal", lambda T, x: x.median(0), [2.0] * 7, [0, 0, 0, 1, 0, 0, 0]),
    ("sort.stable_desc", lambda T, x: x.sort(1, descending=True),
     [[1.0, 2, 2, 3], [5, 5, 5, 5]], [[4, 2, 3, 1], [5, 6, 7, 8]]),
    ("cummax.ties", lambda T, x: x.cummax(0), [2.0, 0, 3, 1, 3, 5], [3, 0, 7, 0, 5, 6]),
    ("cummin.ties", lambda T, x: x.cummin(0), [2.0, 0, 3, 1, 0, 5], [1, 9, 0, 0, 11, 0]),
    # zeros
    ("prod.one_zero", lambda T, x: x.prod(), [0.0, -2, 2, 1], [-4, 0, 0, 0]),
    ("prod.two_zeros", lambda T, x: x.prod(), [0.0, -2, 0, 1], [0, 0, 0, 0]),
    ("prod.dim_zeros", lambda T, x: x.prod(1), [[2.0, 0, 3], [0, 0, 1], [1, 2, 4]],
     [[0, 6, 0], [0, 0, 0], [24, 12, 6]]),
    ("cumprod.zeros", lambda T, x: x.cumprod(0), [2.0, 0, 3, 1, 0, 5], [1, 46, 0, 0, 0, 0]),
    ("cumprod.leading_zero", lambda T, x: x.cumprod(0), [0.0, 2, 3], [23, 0, 0]),
    ("std.zero", lambda T, x: x.std(1), [[2.0, 2, 2], [1, 2, 3]], [[0, 0, 0], [-1, 0, 1]]),
    ("norm.zero", lambda T, x: x.norm(), [0.0, 0, 0], [0, 0, 0]),
    ("norm.p1", lambda T, x: x.norm(1), [0.0, 1, -2], [0, 1, -1]),
    ("norm.inf_ties", lambda T, x: x.norm(float("inf")), [0.0, -2, 2, 1], [0, -0.5, 0.5, 0]),
    ("norm.p_half_zero", lambda T, x: x.norm(0.5), [0.0, -2, 2, 1],
     [0, -2.7071067811865475, 2.7071067811865475, 3.8284271247461903]),
    ("norm.p0", lambda T, x: x.norm(0), [0.0, -2, 2, 1], [0, 0, 0, 0]),
    # NaN
    ("max.nan", lambda T, x: x.max(), [1.0, NAN, 2], [0, 1, 0]),
    ("amax.nan", lambda T, x: x.amax(), [1.0, NAN, 2], [NAN, NAN, NAN]),
    ("max.dim_nan", lambda T, x: x.max(0), [1.0, NAN, 2, NAN], [0, 1, 0, 0]),
    ("median.nan", lambda T, x: x.median(), [1.0, NAN, 2], [0, 1, 0]),
    ("nanmedian", lambda T, x: x.nanmedian(0), [3.0, NAN, 1, 2], [0, 0, 0, 1]),
    ("logsumexp.neg_inf", lambda T, x: x.logsumexp(0), [-np.inf] * 3, [NAN] * 3),
]


@pytest.mark.filterwarnings("ignore:.*encountered:RuntimeWarning")     # NaN / inf cases
@pytest.mark.parametrize("name,f,x,expected", CONVENTIONS, ids=[c[0] for c in CONVENTIONS])
def test_gradient_conventions(name, f, x, expected):
    np.testing.assert_allclose(_grad(ember, f, x), expected, atol=1e-12)
    if torch is not None:
        np.testing.assert_allclose(_grad(torch, f, x), expected, atol=1e-12)


SECOND_ORDER = [
    ("prod.one_zero", lambda T, x: x.prod(), [0.0, -2, 3, 1.5]),
    ("prod.two_zeros", lambda T, x: x.prod(), [0.0, -2, 0, 1.5]),
    ("prod.dim", lambda T, x: x.prod(1), [[0.0, -2, 3], [1, 0, 0], [2, 3, 0.5]]),
    ("cumprod.one_zero", lambda T, x: x.cumprod(0), [2.0, 0, 3, 1.5]),
    ("cumprod.leading_zero", lambda T, x: x.cumprod(0), [0.0, 1.5, -2]),
]


@needs_torch
@pytest.mark.parametrize("name,f,x", SECOND_ORDER, ids=[c[0] for c in SECOND_ORDER])
def test_second_derivative_with_zeros(name, f, x):
    """Double backward through prod/cumprod at zeros, as PyTorch computes it."""
    def hvp(T):
        t = T.tensor(x, dtype=T.float64, requires_grad=True)
        y = f(T, t)
        w = T.tensor(np.arange(1.0, y.numel() + 1).reshape(tuple(y.shape)), dtype=T.float64)
        (g,) = T.autograd.grad((y * w).sum(), [t], create_graph=True)
        v = T.tensor(np.linspace(1, 2, t.numel()).reshape(tuple(t.shape)), dtype=T.float64)
        (h,) = T.autograd.grad((g * v).sum(), [t])
        return h.detach().numpy()
    np.testing.assert_allclose(hvp(ember), hvp(torch), atol=1e-12)


# ---------------------------------------------------------------- NaN and ordering

@needs_torch
@pytest.mark.parametrize("f", [
    lambda T, x: x.max(), lambda T, x: x.argmax(), lambda T, x: x.argmin(),
    lambda T, x: tuple(x.max(0)), lambda T, x: tuple(x.min(0)), lambda T, x: tuple(x.sort()),
    lambda T, x: tuple(x.sort(descending=True)), lambda T, x: x.median(),
    lambda T, x: tuple(x.median(0)), lambda T, x: tuple(x.nanmedian(0)),
    lambda T, x: x.nanmedian(), lambda T, x: tuple(x.cummax(0)), lambda T, x: tuple(x.cummin(0)),
    lambda T, x: tuple(x.topk(2)), lambda T, x: tuple(x.topk(2, largest=False)),
    lambda T, x: tuple(x.kthvalue(2)), lambda T, x: x.amax(), lambda T, x: x.nansum(),
    lambda T, x: x.nanmean(), lambda T, x: x.logsumexp(0), lambda T, x: x.softmax(0),
])
def test_nan_semantics(f):
    a = np.array([1.0, NAN, 2, NAN, -1])
    got, exp = f(ember, ember.tensor(a)), f(torch, torch.tensor(a))
    for g, e in zip(got if isinstance(got, tuple) else (got,),
                    exp if isinstance(exp, tuple) else (exp,)):
        np.testing.assert_array_equal(g.numpy(), e.numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_sort_is_stable_with_many_ties(dtype):
    """Large inputs with ties (where an unstable sort reorders them) keep index order."""
    a = np.random.default_rng(0).integers(0, 4, size=(3, 300)).astype(dtype)
    x = ember.tensor(a)
    up, down = x.sort(1), x.sort(1, descending=True)
    np.testing.assert_array_equal(up.indices.numpy(), np.argsort(a, 1, kind="stable"))
    np.testing.assert_array_equal(down.indices.numpy(), np.argsort(-a, 1, kind="stable"))
    np.testing.assert_array_equal(x.argsort(1, descending=True).numpy(),
                                  np.argsort(-a, 1, kind="stable"))
    np.testing.assert_array_equal(x.median(1).indices.numpy(),
                                  np.argsort(a, 1, kind="stable")[:, 149])
    if torch is not None:
        t = torch.tensor(a)
        np.testing.assert_array_equal(up.indices.numpy(), t.sort(dim=1, stable=True).indices.numpy())
        np.testing.assert_array_equal(down.indices.numpy(),
                                      t.sort(dim=1, descending=True, stable=True).indices.numpy())
        np.testing.assert_array_equal(x.median(1).indices.numpy(), t.median(1).indices.numpy())


def test_stable_softmax_and_logsumexp():
    x = ember.tensor([[1000.0, 1001.0, -1000.0], [-np.inf, 0.0, 1.0]])
    np.testing.assert_allclose(x.softmax(1).numpy()[0], [0.26894142, 0.73105858, 0], rtol=1e-6)
    np.testing.assert_allclose(x.log_softmax(1).numpy()[0],
                               [-1.31326169, -0.31326169, -2001.31326169], rtol=1e-6)
    np.testing.assert_allclose(x.logsumexp(1).numpy(), [1001.31326169, 1.31326169], rtol=1e-6)
    assert ember.tensor([np.inf, -np.inf]).logsumexp(0).item() == np.inf
    assert ember.zeros(2, 0).logsumexp(1).tolist() == [-np.inf, -np.inf]


def test_empty_reductions():
    e = ember.zeros(2, 0)
    assert e.sum(1).tolist() == [0, 0] and e.prod(1).tolist() == [1, 1]
    assert np.isnan(e.mean()) and tuple(e.amax(0).shape) == (0,)
    assert tuple(e.max(0).values.shape) == (0,) and e.norm(dim=1).tolist() == [0, 0]
    assert tuple(e.sort(1).values.shape) == (2, 0) and tuple(e.topk(0).indices.shape) == (2, 0)
    assert tuple(e.cumsum(1).shape) == (2, 0) and tuple(e.cummax(1).indices.shape) == (2, 0)
    assert tuple(e.softmax(1).shape) == (2, 0) and tuple(e.argsort(1).shape) == (2, 0)


# ---------------------------------------------------------------- named tuples

def test_named_tuples():
    x = ember.tensor([[1.0, 5, 2], [7, 0, 3]])
    r = x.max(1)
    assert type(r) is ember.return_types.max and type(r).__name__ == "max"
    assert isinstance(r, tuple) and len(r) == 2
    v, i = r
    assert v is r.values is r[0] and i is r.indices is r[1]
    assert v.tolist() == [5, 7] and i.tolist() == [1, 0] and i.dtype == ember.int64
    assert repr(r) == ("torch.return_types.max(\nvalues=" + repr(r.values) + ",\nindices="
                       + repr(r.indices) + ")")
    assert ember.return_types.max((v, i)) == r
    assert pickle.loads(pickle.dumps(ember.return_types.sort((1, 2)))) == (1, 2)
    for name, res in [("min", x.min(0)), ("sort", x.sort()), ("topk", x.topk(1)),
                      ("median", x.median(1)), ("kthvalue", x.kthvalue(1)),
                      ("cummax", x.cummax(1)), ("cummin", x.cummin(0)),
                      ("nanmedian", x.nanmedian(0))]:
        assert type(res).__name__ == name and res._fields == ("values", "indices")


@needs_torch
def test_named_tuple_repr_matches_torch():
    a = np.array([[1.0, 5, 2], [7, 0, 3]], dtype=np.float32)
    for f in (lambda T, x: x.max(1), lambda T, x: x.sort(0), lambda T, x: x.topk(2),
              lambda T, x: T.median(x, 1, keepdim=True)):
        assert repr(f(ember, ember.tensor(a))) == repr(f(torch, torch.tensor(a)))


def test_named_tuple_through_vmap():
    x = ember.tensor(np.random.default_rng(0).standard_normal((4, 3, 5)))
    r = ember.vmap(lambda t: t.max(1))(x)
    assert type(r) is ember.return_types.max
    np.testing.assert_array_equal(r.indices.numpy(), np.argmax(x.numpy(), 2))


# ---------------------------------------------------------------- dtypes and node names

I = np.array([[1, 2, 3], [4, 5, 6]])
DTYPES = [
    ("sum.int", lambda T: T.tensor(I).sum(), "int64"),
    ("sum.int32", lambda T: T.tensor(I, dtype=T.int32).sum(1), "int64"),
    ("sum.bool", lambda T: T.tensor([True, False]).sum(), "int64"),
    ("sum.int_dtype", lambda T: T.tensor(I).sum(dtype=T.float32), "float32"),
    ("prod.bool", lambda T: T.tensor([True, True]).prod(), "int64"),
    ("prod.uint8", lambda T: T.tensor([2, 3], dtype=T.uint8).prod(), "int64"),
    ("mean.dtype", lambda T: T.tensor(I).mean(dtype=T.float64), "float64"),
    ("max.int", lambda T: T.tensor(I).max(), "int64"),
    ("max.bool", lambda T: T.tensor([True, False]).max(), "bool"),
    ("max.dim_int", lambda T: T.tensor(I, dtype=T.int32).max(1)[0], "int32"),
    ("argmax", lambda T: T.tensor(I).argmax(1), "int64"),
    ("all.float", lambda T: T.tensor([1.0, 0.0]).all(), "bool"),
    ("all.uint8", lambda T: T.tensor([1, 0], dtype=T.uint8).all(), "uint8"),
    ("any.int", lambda T: T.tensor(I).any(1), "bool"),
    ("count_nonzero", lambda T: T.count_nonzero(T.tensor(I)), "int64"),
    ("cumsum.bool", lambda T: T.tensor([True, True]).cumsum(0), "int64"),
    ("cumprod.int32", lambda T: T.tensor(I, dtype=T.int32).cumprod(1), "int64"),
    ("logsumexp.int", lambda T: T.tensor(I).logsumexp(1), "float32"),
    ("median.int", lambda T: T.tensor(I).median(), "int64"),
    ("sort.bool", lambda T: T.tensor([True, False]).sort()[0], "bool"),
    ("softmax.dtype", lambda T: T.tensor(I).softmax(1, dtype=T.float64), "float64"),
    ("nansum.int", lambda T: T.tensor(I).nansum(), "int64"),
    ("sum.f16", lambda T: T.tensor([1.0, 2.0], dtype=T.float16).sum(), "float16"),
]


@pytest.mark.parametrize("name,f,dtype", DTYPES, ids=[d[0] for d in DTYPES])
def test_result_dtypes(name, f, dtype):
    assert f(ember).dtype == getattr(ember, dtype)
    if torch is not None:
        assert f(torch).dtype == getattr(torch, dtype)


NODES = [
    ("SumBackward0", lambda T, x: x.sum()), ("SumBackward1", lambda T, x: x.sum(1)),
    ("SumBackward0", lambda T, x: x.sum(dtype=T.float32)),
    ("MeanBackward0", lambda T, x: x.mean()), ("MeanBackward1", lambda T, x: x.mean((0, 1))),
    ("ProdBackward0", lambda T, x: x.prod()), ("ProdBackward1", lambda T, x: x.prod(0)),
    ("MaxBackward1", lambda T, x: x.max()), ("MaxBackward0", lambda T, x: x.max(1)[0]),
    ("MinBackward1", lambda T, x: x.min()), ("MinBackward0", lambda T, x: x.min(1)[0]),
    ("AmaxBackward0", lambda T, x: x.amax(1)), ("AminBackward0", lambda T, x: x.amin()),
    ("LogsumexpBackward0", lambda T, x: x.logsumexp(1)), ("VarBackward0", lambda T, x: x.var()),
    ("StdBackward0", lambda T, x: x.std(1)),
    ("VarMeanBackward0", lambda T, x: T.var_mean(x, 1)[1]),
    ("StdMeanBackward0", lambda T, x: T.std_mean(x)[0]),
    ("LinalgVectorNormBackward0", lambda T, x: x.norm()),
    ("LinalgVectorNormBackward0", lambda T, x: x.norm(1, dim=1)),
    ("NansumBackward0", lambda T, x: x.nansum()), ("DivBackward0", lambda T, x: x.nanmean()),
    ("CumsumBackward0", lambda T, x: x.cumsum(1)), ("CumprodBackward0", lambda T, x: x.cumprod(0)),
    ("CummaxBackward0", lambda T, x: x.cummax(1)[0]),
    ("CumminBackward0", lambda T, x: x.cummin(1)[0]),
    ("SortBackward0", lambda T, x: x.sort()[0]), ("SortBackward0", lambda T, x: T.msort(x)),
    ("TopkBackward0", lambda T, x: x.topk(2)[0]),
    ("KthvalueBackward0", lambda T, x: x.kthvalue(2)[0]),
    ("MedianBackward0", lambda T, x: x.median()), ("MedianBackward1", lambda T, x: x.median(1)[0]),
    ("NanmedianBackward0", lambda T, x: x.nanmedian()),
    ("NanmedianBackward1", lambda T, x: x.nanmedian(0)[0]),
    ("SoftmaxBackward0", lambda T, x: x.softmax(1)),
    ("LogSoftmaxBackward0", lambda T, x: x.log_softmax(0)),
    ("SoftmaxBackward0", lambda T, x: T.softmax(x, 1, dtype=T.float32)),
]


@pytest.mark.parametrize("node,f", NODES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(NODES)])
def test_node_names(node, f):
    a = np.random.default_rng(0).standard_normal((3, 4))
    assert f(ember, ember.tensor(a, requires_grad=True)).grad_fn.name() == node
    if torch is not None:
        assert f(torch, torch.tensor(a, requires_grad=True)).grad_fn.name() == node


def test_argument_forms():
    x = ember.tensor([[1.0, 2, 4], [3, 5, 8]])
    assert x.var(0, True, True).tolist() == [[2.0, 4.5, 8.0]]          # (dim, unbiased, keepdim)
    assert x.var(False).item() == pytest.approx(np.var(x.numpy()))     # var(unbiased)
    assert x.std(1, correction=0).tolist() == pytest.approx(np.std(x.numpy(), 1).tolist())
    assert x.sum(()).item() == 23 and x.amax(()).item() == 8          # () reduces everything
    assert x.any(()).tolist() == [[True] * 3] * 2                     # ... but not for any/all
    assert x.argmax(keepdim=True).tolist() == [[5]]
    assert tuple(ember.tensor(3.0).max(0)) == (3.0, 0)
    assert tuple(ember.tensor(3.0).sort().values.shape) == ()
    assert x.norm("fro", dim=(0, 1)).item() == pytest.approx(np.sqrt(119))
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        assert np.isnan(ember.tensor([1.0]).var().item())
    with pytest.raises(TypeError):
        x.var(0, unbiased=False, correction=1)
