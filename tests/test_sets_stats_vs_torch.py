"""Differential tests against PyTorch for the search/set/counting ops (no gradients), the index
grids and the error types/messages of the grid, set and statistics families."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _conv(T, a):
    return T.tensor(a) if isinstance(a, np.ndarray) else a


def _same(a, b):
    if not isinstance(a, tuple):
        a, b = (a,), (b,)
    assert type(b) is tuple or len(a) == len(b)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert tuple(x.shape) == tuple(y.shape)
        assert str(x.dtype) == str(y.dtype)
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-6, equal_nan=True)


def _both(name, *args, **kw):
    a = getattr(ember, name)(*[_conv(ember, x) for x in args],
                             **{k: _conv(ember, v) for k, v in kw.items()})
    b = getattr(torch, name)(*[_conv(torch, x) for x in args],
                             **{k: _conv(torch, v) for k, v in kw.items()})
    _same(a, b)


RNG = np.random.default_rng(0)
INTS = RNG.integers(0, 4, size=(5, 3))


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("inv", [False, True])
@pytest.mark.parametrize("cnt", [False, True])
def test_unique(dim, inv, cnt):
    _both("unique", INTS, return_inverse=inv, return_counts=cnt, dim=dim)
    _both("unique", INTS.astype(float), sorted=False, return_inverse=inv, return_counts=cnt,
          dim=dim)
    _both("unique_consecutive", INTS, return_inverse=inv, return_counts=cnt, dim=dim)


def test_unique_edge_cases():
    _both("unique", np.array(3), return_inverse=True, return_counts=True)
    _both("unique", np.array([np.nan, 1.0, np.nan, 1.0]), return_inverse=True,
          return_counts=True)
    _both("unique_consecutive", np.array([1, 1, 2, 2, 1, 3, 3]), return_inverse=True,
          return_counts=True)
    _both("unique", np.zeros((0, 3)), dim=0, return_inverse=True, return_counts=True)
    assert ember.tensor([1, 2]).unique().tolist() == [1, 2]


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_bucketize(right):
    seq = np.sort(RNG.integers(0, 10, size=(6,)).astype(float))
    v = RNG.integers(-1, 11, size=(2, 4)).astype(float)
    _both("searchsorted", seq, v, right=right)
    _both("searchsorted", seq, 3.0, right=right)
    _both("searchsorted", np.sort(RNG.normal(size=(2, 3, 5)), -1), RNG.normal(size=(2, 3, 4)),
          right=right, out_int32=True)
    _both("bucketize", v, seq, right=right)
    perm = RNG.permutation(6)
    _both("searchsorted", seq[perm], v, side="right" if right else "left",
          sorter=np.argsort(seq[perm]))


def test_bincount_histc():
    b = RNG.integers(0, 7, size=(10,))
    _both("bincount", b)
    _both("bincount", b, minlength=12)
    _both("bincount", b, RNG.normal(size=10))
    _both("bincount", b, RNG.normal(size=10).astype(np.float32))
    _both("bincount", b, RNG.integers(0, 3, size=10))
    _both("bincount", np.zeros(0, np.int64))
    h = RNG.normal(size=(50,)).astype(np.float32)
    for a in [(10,), (7, -1, 1), (3, 0, 0), (5, 2, 2)]:
        _both("histc", h, *a)
        _both("histc", h.astype(float), *a)
    _both("histc", np.zeros(0))


def test_vmap_of_counting_ops():
    b = RNG.integers(0, 5, size=(2, 5))
    got = ember.vmap(lambda v: ember.bincount(v, minlength=6))(ember.tensor(b))
    exp = torch.vmap(lambda v: torch.bincount(v, minlength=6))(torch.tensor(b))
    _same(got, exp)
    with pytest.raises(RuntimeError, match="dynamic"):
        ember.vmap(ember.unique)(ember.tensor(b))


@pytest.mark.parametrize("args", [(3, 3), (3, 4, -1), (4, 3, 2), (0, 3), (3, 0), (2, 5, -5)])
def test_tri_indices(args):
    _same(ember.tril_indices(*args), torch.tril_indices(*args))
    _same(ember.triu_indices(*args), torch.triu_indices(*args))
    _same(ember.tril_indices(*args, dtype=ember.int32), torch.tril_indices(*args,
                                                                           dtype=torch.int32))


def test_grids_and_stats_values():
    _same(ember.vander(ember.tensor([1, 2, 3]), 4), torch.vander(torch.tensor([1, 2, 3]), 4))
    _same(ember.block_diag(ember.tensor(1), ember.ones(2, 2, dtype=ember.float64)),
          torch.block_diag(torch.tensor(1), torch.ones(2, 2, dtype=torch.float64)))
    _same(ember.combinations(ember.tensor([1.0, 2.0]), 0),
          torch.combinations(torch.tensor([1.0, 2.0]), 0))
    _same(ember.diff(ember.tensor([True, False, False])), torch.diff(torch.tensor([True, False,
                                                                                   False])))
    _same(ember.trapezoid(ember.tensor([1, 2, 4])), torch.trapezoid(torch.tensor([1, 2, 4])))
    _same(ember.cov(ember.tensor([[1, 2, 4], [0, 1, 1]])),
          torch.cov(torch.tensor([[1, 2, 4], [0, 1, 1]])))
    _same(tuple(ember.mode(ember.tensor([1.0, 2, 2, 3, 3, 0, 3, 2]))),
          tuple(torch.mode(torch.tensor([1.0, 2, 2, 3, 3, 0, 3, 2]))))
    _same(tuple(ember.frexp(ember.tensor([0.0, -3.5, float("inf")]))),
          tuple(torch.frexp(torch.tensor([0.0, -3.5, float("inf")]))))
    _same(ember.heaviside(ember.tensor([-1.0, 0, float("nan"), 2]), ember.tensor([0.5])),
          torch.heaviside(torch.tensor([-1.0, 0, float("nan"), 2]), torch.tensor([0.5])))
    _same(ember.copysign(ember.tensor([1, 0]), -0.0), torch.copysign(torch.tensor([1, 0]), -0.0))
    _same(ember.sinc(ember.tensor([True])), torch.sinc(torch.tensor([True])))
    _same(ember.i0(ember.tensor([1, 2])), torch.i0(torch.tensor([1, 2])))
    x = np.array([-1.0, 0.0, 40.0, 300.0])
    _same(ember.logcumsumexp(ember.tensor(x), 0), torch.logcumsumexp(torch.tensor(x), 0))
    r = ember.aminmax(ember.tensor([[1, 2, 4]]), dim=1)
    assert type(r).__name__ == "aminmax" and r.min.tolist() == [1] and r.max.tolist() == [4]


def test_cdist_gradient_is_zero_at_zero_distance():
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    ember.cdist(x, x).sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))
    tx = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    torch.cdist(tx, tx).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-6)


ERRORS = [
    lambda T: T.meshgrid(T.tensor([1, 2]), T.tensor([[1]]), indexing="ij"),
    lambda T: T.meshgrid(T.tensor([1, 2]), T.tensor([1.0]), indexing="ij"),
    lambda T: T.meshgrid(T.tensor([1, 2]), T.tensor([1]), indexing="foo"),
    lambda T: T.vander(T.ones(2, 2)),
    lambda T: T.combinations(T.ones(2), -1),
    lambda T: T.cartesian_prod(T.ones(2, 2)),
    lambda T: T.block_diag(T.ones(2, 2, 2)),
    lambda T: T.tril_indices(-1, 4),
    lambda T: T.searchsorted(T.tensor([[1.0, 2], [0, 3]]), T.tensor([0.5, 1.5])),
    lambda T: T.searchsorted(T.tensor([1.0, 2]), T.tensor([1.0]), side="left", right=True),
    lambda T: T.searchsorted(T.tensor([1.0, 2]), T.tensor([1.0]), side="x"),
    lambda T: T.bucketize(T.tensor([1.0, 2]), T.tensor([[1.0, 2]])),
    lambda T: T.bincount(T.tensor([-1, 2])),
    lambda T: T.bincount(T.tensor([[1, 2]])),
    lambda T: T.bincount(T.tensor([1.0, 2])),
    lambda T: T.bincount(T.tensor([1, 2]), minlength=-1),
    lambda T: T.bincount(T.tensor([1, 2]), weights=T.tensor([1.0])),
    lambda T: T.histc(T.tensor([1, 2, 3]), bins=3),
    lambda T: T.histc(T.tensor([1.0, 2]), bins=4, min=3, max=1),
    lambda T: T.histc(T.tensor([float("inf"), 1.0]), bins=2),
    lambda T: T.unique(T.tensor(3), dim=0),
    lambda T: T.quantile(T.tensor([1, 2]), 0.5),
    lambda T: T.quantile(T.tensor([1.0, 2]), 1.5),
    lambda T: T.quantile(T.tensor([1.0, 2]), T.tensor([0.5], dtype=T.float64)),
    lambda T: T.quantile(T.tensor([1.0, 2]), T.tensor([[0.5]])),
    lambda T: T.quantile(T.tensor([]), 0.5),
    lambda T: T.quantile(T.tensor([1.0, 2]), 0.5, interpolation="foo"),
    lambda T: T.logcumsumexp(T.tensor([1, 2]), 0),
    lambda T: T.cov(T.ones(2, 2, 2)),
    lambda T: T.cov(T.ones(2, 3), fweights=T.tensor([1.0, 2, 3])),
    lambda T: T.cov(T.ones(2, 3), fweights=T.tensor([1, -2, 3])),
    lambda T: T.cov(T.ones(2, 3), aweights=T.tensor([1, 2, 3])),
    lambda T: T.cov(T.ones(2, 3), aweights=T.tensor([1.0, 2])),
    lambda T: T.diff(T.tensor(1.0)),
    lambda T: T.diff(T.tensor([1.0, 2]), n=-1),
    lambda T: T.diff(T.tensor([1, 2, 4]), prepend=T.tensor([[1]])),
    lambda T: T.aminmax(T.zeros(0)),
    lambda T: T.mode(T.zeros(2, 0)),
    lambda T: T.cdist(T.ones(3), T.ones(3)),
    lambda T: T.cdist(T.ones(3, 2), T.ones(3, 4)),
    lambda T: T.cdist(T.ones(3, 2), T.ones(3, 2), p=-1),
    lambda T: T.cdist(T.ones(3, 2, dtype=T.long), T.ones(3, 2, dtype=T.long)),
    lambda T: T.renorm(T.ones(3), 2, 0, 1),
    lambda T: T.renorm(T.ones(3, 3), 0, 0, 1),
    lambda T: T.renorm(T.ones(3, 3), 2, 0, -1),
    lambda T: T.heaviside(T.tensor([1.0]), T.tensor(1.0, dtype=T.float64)),
    lambda T: T.frexp(T.tensor([1, 2])),
    lambda T: T.ldexp(T.tensor([1.0]), 2),
    lambda T: T.trapezoid(T.tensor([1.0, 2, 4]), T.tensor([1.0, 2])),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors_match_pytorch(k):
    with pytest.raises(Exception) as te:
        ERRORS[k](torch)
    with pytest.raises(type(te.value)) as ee:
        ERRORS[k](ember)
    tmsg = str(te.value).split("\n")[0]
    assert str(ee.value).split("\n")[0][:40] == tmsg[:40]
