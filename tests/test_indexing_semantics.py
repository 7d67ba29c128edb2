"""Indexing, views and padding checked against PyTorch: every key form for ``x[key]`` and
``x[key] = v`` (values, shapes, dtypes, gradients, node names), views sharing memory and
version counters with their base, writes under grad / vmap / jacrev, the in-place index
methods, ``F.pad`` modes, and PyTorch's exception types and messages."""
import numpy as np
import pytest

import ember
from ember.func import vmap, jacrev, jacfwd, grad
import ember.nn.functional as EF

torch = pytest.importorskip("torch")
import torch.func as tf  # noqa: E402
import torch.nn.functional as TF  # noqa: E402

try:
    from hypothesis import given, settings, strategies as st
except ImportError:      # property tests need hypothesis
    given = None

X = np.arange(120, dtype=np.float64).reshape(4, 5, 6) / 7.0


def E(a, **kw):
    return ember.tensor(np.array(a), **kw)


def Tt(a, **kw):
    return torch.tensor(np.array(a), **kw)


def convert(key, T):
    """The same key for ember or torch (arrays become tensors of the module)."""
    if isinstance(key, tuple):
        return tuple(convert(k, T) for k in key)
    if isinstance(key, np.ndarray):
        return T.tensor(key)
    return key


def same(a, b, tol=1e-12):
    a = a.detach().numpy() if isinstance(a, ember.Tensor) else np.asarray(a)
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, atol=tol, rtol=0)


MASK3 = np.arange(30).reshape(5, 6) % 3 == 0
KEYS = [
    0, -1, (1, 2), (1, 2, 3), slice(1, 3), slice(None, None, 2), (slice(None), slice(1, -1)),
    (Ellipsis, 2), (2, Ellipsis), (None, 1), (slice(None), None, 0), (Ellipsis, None),
    (), Ellipsis, slice(0, 100), (slice(3, 1),), (slice(None), slice(None, None, 4), 5),
    [0, 2], [[0, 1], [1, 3]], np.array([3, 0, 3]), np.array([[1], [2]]),
    (np.array([0, 1]), np.array([2, 3])), (np.array([0, 1]), slice(None), np.array([2, 3])),
    (slice(None), np.array([0, 1]), np.array([2, 3])), (0, slice(None), np.array([1, 4])),
    (np.array([0, 2]), 1), (np.array([0, 2]), slice(1, None)), (np.array([1, 3]), None, 0),
    (np.array([[0], [1]]), slice(None), np.array([1, 2, 3])),
    (np.array([0, 1]), None, np.array([0, 1])), (slice(None), np.array([0, 1]), None,
                                                  np.array([0, 1])),
    np.array([True, False, True, True]), (slice(None), MASK3), MASK3[None].repeat(4, 0),
    (np.array([True, False, True, False]), slice(None, None, 2)),
    (Ellipsis, np.array([True, False, True, False, False, True])), True, False, (None, True),
    (1, True, np.array([0, 4])), np.array(2), (np.array(1), np.array([0, 1])),
    np.array([], dtype=np.int64), (slice(None), [-1, -5]),
]


@pytest.mark.parametrize("key", KEYS, ids=[repr(k)[:40] for k in KEYS])
def test_getitem_matches_torch(key):
    x, tx = E(X, requires_grad=True), Tt(X, requires_grad=True)
    with pytest.warns(UserWarning) if isinstance(key, list) and any(
            isinstance(k, list) for k in key) else _nowarn():
        out = x[convert(key, ember)]
    tout = tx[convert(key, torch)]
    same(out, tout)
    assert out.grad_fn.name() == type(tout.grad_fn).__name__
    w = np.random.default_rng(0).standard_normal(tuple(tout.shape))
    (g,) = ember.autograd.grad((out * E(w)).sum(), x)
    (tg,) = torch.autograd.grad((tout * Tt(w)).sum(), tx)
    same(g, tg)


class _nowarn:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def test_basic_keys_are_views():
    x = E(X.copy())
    v = x[1:, ::2, None, 0]
    assert v._base is x
    v.add_(1.0)
    np.testing.assert_allclose(x.numpy()[1:, ::2, 0], X[1:, ::2, 0] + 1)
    assert x._version == v._version == 1
    x.mul_(2.0)
    assert v._version == 2
    np.testing.assert_allclose(v.numpy()[:, :, 0], x.numpy()[1:, ::2, 0])
    a = x[[0, 1]]           # advanced keys copy
    a.zero_()
    assert float(x.sum()) != 0.0 and a._base is None


def test_view_chain_write_through_and_grad():
    x = E(X.copy(), requires_grad=True)
    tx = Tt(X.copy(), requires_grad=True)
    outs = []
    for T, base in ((ember, x), (torch, tx)):
        y = base * 1
        y[1:].narrow(1, 0, 2)[..., 3] = (base[0, :2, :1] ** 2).squeeze(-1)
        y[0][:, None][2:4] *= 3.0
        outs.append(y)
    same(outs[0], outs[1])
    assert outs[0].grad_fn.name() == outs[1].grad_fn.name() == "torch::autograd::CopySlices"
    g = ember.autograd.grad(outs[0].sum(), x)[0]
    tg = torch.autograd.grad(outs[1].sum(), tx)[0]
    same(g, tg)


def test_reshape_view_or_copy():
    x = E(np.arange(12.0).reshape(3, 4))
    r = x.reshape(4, 3)
    r[0, 0] = 100.0
    assert float(x[0, 0]) == 100.0
    c = x.t().reshape(12)
    c[0] = -1.0
    assert float(x[0, 0]) == 100.0
    xg = x.clone().requires_grad_()
    assert xg.t().reshape(12).grad_fn.name() == "UnsafeViewBackward0"
    assert xg.reshape(2, 6).grad_fn.name() == "ViewBackward0"
    with pytest.raises(RuntimeError, match="view size is not compatible with input tensor's "
                                           r"size and stride .* Use .reshape\(...\) instead."):
        x.t().view(12)
    assert x.t().reshape(12).is_contiguous()


SET_CASES = [
    ("mask_scalar", lambda T: T.tensor(X[..., 0] > 4.0), lambda T: 2.5),
    ("mask_0d", lambda T: T.tensor(X[..., 0] > 4.0), lambda T: T.tensor(-1.0, dtype=T.float64)),
    ("mask_values", lambda T: T.tensor(X > 10.0), lambda T: T.arange(float((X > 10.0).sum()),
                                                                     dtype=T.float64)),
    ("list", lambda T: [0, 2], lambda T: T.ones(5, 6, dtype=T.float64)),
    ("list_bcast", lambda T: [3, 1], lambda T: T.linspace(0, 1, 6, dtype=T.float64)),
    ("index_slice", lambda T: (T.tensor([2, 0]), slice(1, None)), lambda T: 7.0),
    ("two_idx", lambda T: (T.tensor([0, 1]), slice(None), T.tensor([5, 2])),
     lambda T: T.full((2, 5), 3.0, dtype=T.float64)),
    ("int_and_idx", lambda T: (1, T.tensor([4, 0])), lambda T: T.zeros(2, 6, dtype=T.float64)),
    ("ellipsis_mask", lambda T: (Ellipsis, T.tensor([True, False] * 3)), lambda T: 0.0),
    ("none_idx", lambda T: (None, T.tensor([1])), lambda T: 9.0),
]


@pytest.mark.parametrize("name,key,val", SET_CASES, ids=[c[0] for c in SET_CASES])
def test_setitem_matches_torch(name, key, val):
    x, tx = E(X.copy()), Tt(X.copy())
    x[key(ember)] = val(ember)
    tx[key(torch)] = val(torch)
    same(x, tx)


@pytest.mark.parametrize("name,key,val", SET_CASES, ids=[c[0] for c in SET_CASES])
def test_setitem_grad_matches_torch(name, key, val):
    def run(T, base, v):
        y = base * 2
        vv = val(T)
        if isinstance(vv, (T.Tensor,)):
            vv = vv * v
        y[key(T)] = vv
        return (y ** 2).sum()
    x, v = E(X, requires_grad=True), E(1.5, requires_grad=True)
    tx, tv = Tt(X, requires_grad=True), Tt(1.5, requires_grad=True)
    g = ember.autograd.grad(run(ember, x, v), (x, v), allow_unused=True)
    tg = torch.autograd.grad(run(torch, tx, tv), (tx, tv), allow_unused=True)
    same(g[0], tg[0], 1e-9)
    if tg[1] is not None:
        same(g[1], tg[1], 1e-9)


def test_augmented_mixed_key_under_transforms():
    idx = np.array([2, 0])

    def f(T, x, v):
        y = x.clone()
        y[T.tensor(idx), 1:] += v * x[0, 0]
        return y

    x = np.random.default_rng(1).standard_normal((3, 4))
    v = np.random.default_rng(2).standard_normal(3)
    same(f(ember, E(x), E(v)), f(torch, Tt(x), Tt(v)), 1e-12)
    same(jacrev(lambda a: f(ember, a, E(v)))(E(x)),
         tf.jacrev(lambda a: f(torch, a, Tt(v)))(Tt(x)), 1e-12)
    xs = np.random.default_rng(3).standard_normal((5, 3, 4))
    same(vmap(lambda a, b: f(ember, a, b), (0, None))(E(xs), E(v)),
         tf.vmap(lambda a, b: f(torch, a, b), (0, None))(Tt(xs), Tt(v)), 1e-12)
    vs = np.random.default_rng(4).standard_normal((5, 3))
    # a batched value written into an unbatched buffer: PyTorch's vmap refuses, ember promotes
    same(vmap(lambda b: f(ember, E(x), b))(E(vs)),
         torch.stack([f(torch, Tt(x), Tt(b)) for b in vs]), 1e-12)
    same(vmap(jacrev(lambda a: f(ember, a, E(v)).sum(0)))(E(xs)),
         tf.vmap(tf.jacrev(lambda a: f(torch, a, Tt(v)).sum(0)))(Tt(xs)), 1e-12)


@pytest.mark.parametrize("case", ["buffer", "pad_view", "mask", "index"])
def test_write_through_views_under_transforms(case):
    """Writes through a view of a view: the intermediate view sees the new history (grad) or
    becomes a transform value (a buffer created inside the transform)."""
    def f(T, x):
        if case == "buffer":
            y = T.zeros(3, 4, dtype=T.float64)
            u = y[1]
            u[1:] = x[0, 1:] * 3
            return u * y.sum()
        p = TF.pad if T is torch else EF.pad
        u = p(x[None], (1, 1), mode="circular")[0]
        if case == "pad_view":
            u[:, 1:-1] = u[:, 1:-1].clone() ** 2
        elif case == "mask":
            u[u > 1.5] = 0.0
        else:
            u[:, T.tensor([0, 3])] = x[:, :2] * 5
        return u.sum(0)
    x = np.linspace(0.3, 2.7, 4)[None]
    for e, t in ((jacfwd, tf.jacfwd), (jacrev, tf.jacrev)):
        same(e(lambda a: f(ember, a))(E(x)), t(lambda a: f(torch, a))(Tt(x)))
    xs = np.random.default_rng(12).uniform(0, 3, (3, 1, 4))
    same(vmap(lambda a: f(ember, a))(E(xs)), torch.stack([f(torch, Tt(a)) for a in xs]))


def test_zero_dim_index_tensors():
    x, tx = E(X, requires_grad=True), Tt(X, requires_grad=True)
    out, tout = x.index_select(1, E(3)), tx.index_select(1, Tt(3))
    same(out, tout)
    same(ember.autograd.grad(out.sum(), x)[0], torch.autograd.grad(tout.sum(), tx)[0])
    same(x[E(2), 1], tx[Tt(2), 1])
    assert x[E(2), 1].grad_fn.name() == "SelectBackward0"
    idx = np.array([1, 0, 3])       # a batched 0-d index is an advanced index per example
    got = vmap(lambda i: x[i, 1:] * 2)(E(idx))
    same(got, torch.stack([tx[int(i), 1:] * 2 for i in idx]))
    got = vmap(lambda i: x.index_select(2, i))(E(idx))
    same(got, torch.stack([tx.index_select(2, Tt(i)) for i in idx]))


def test_mask_write_under_vmap_and_grad():
    def f(T, x):
        y = x * 1.0
        y[y > 0.5] = 0.0
        y[T.tensor([0, 2])] = y[T.tensor([1, 1])] * 3
        return (y ** 2).sum()
    xs = np.random.default_rng(5).standard_normal((4, 3, 2))
    # PyTorch's vmap refuses masked writes; ember batches them (a where), compare with a loop
    same(vmap(grad(lambda a: f(ember, a)))(E(xs)),
         torch.stack([tf.grad(lambda a: f(torch, a))(Tt(x)) for x in xs]), 1e-12)


def test_batched_masks_write_through_where():
    xs = np.random.default_rng(6).standard_normal((4, 5))

    def f(x):
        y = x.clone()
        y[x > 0] = 0.0
        return y
    same(vmap(f)(E(xs)), np.where(xs > 0, 0.0, xs))
    with pytest.raises(RuntimeError, match="dynamic shape"):
        vmap(lambda x: x[x > 0].sum())(E(xs))


@pytest.mark.parametrize("fn", [
    lambda T, x, i: x[i],
    lambda T, x, i: x[:, i],
    lambda T, x, i: x[i, :, i],
    lambda T, x, i: x[i, 1:, i],
    lambda T, x, i: x[:, i, i],
    lambda T, x, i: x[None, i, 2],
    lambda T, x, i: x[..., i] * 2,
    lambda T, x, i: x.index_select(1, i),
    lambda T, x, i: T.take(x, i),
    lambda T, x, i: x.index_put((i,), T.ones(4, 4, dtype=T.float64), accumulate=True),
    lambda T, x, i: x.index_put((i, i), T.ones((), dtype=T.float64)),
    lambda T, x, i: x.index_add(2, i, T.ones(4, 4, 2, dtype=T.float64)),
])
@pytest.mark.parametrize("dims", [(0, 0), (None, 0), (0, None), (2, 0)])
def test_vmap_advanced_indices(fn, dims):
    rng = np.random.default_rng(7)
    bx = 3
    x = rng.standard_normal((bx, 4, 4, 4)) if dims[0] is not None else \
        rng.standard_normal((4, 4, 4))
    if dims[0] == 2:
        x = np.moveaxis(x, 0, 2).copy()
    i = rng.integers(0, 4, size=(bx, 2)) if dims[1] is not None else rng.integers(0, 4, 2)
    got = vmap(lambda a, b: fn(ember, a, b), dims)(E(x), E(i))
    exp = tf.vmap(lambda a, b: fn(torch, a, b), dims)(Tt(x), Tt(i))
    same(got, exp)


def test_vmapped_slice_assignment_solver():
    """The RTE-seed pattern: a vmapped time loop with in-place slice writes and circular pad."""
    def solve(T, F, u0):
        u = u0.repeat(2, 1)
        u = F.pad(u[None, ...], (1, 1), mode="circular")[0]
        for _ in range(5):
            old = u.clone()
            u[:, 1:-1] = old[:, 1:-1] - 0.1 * (old[:, 1:-1] - old[:, :-2])
            u[0:1, 1:-1] += 0.01 * old[1:2, 2:]
            u = F.pad(u[None, ..., 1:-1], (1, 1), mode="circular")[0]
        return u
    u0 = np.random.default_rng(8).standard_normal((3, 1, 6))
    same(vmap(lambda a: solve(ember, EF, a))(E(u0)),
         tf.vmap(lambda a: solve(torch, TF, a))(Tt(u0)), 1e-12)
    same(vmap(jacrev(lambda a: solve(ember, EF, a).sum(0)))(E(u0)),
         tf.vmap(tf.jacrev(lambda a: solve(torch, TF, a).sum(0)))(Tt(u0)), 1e-12)


INPLACE = [
    lambda T, y: y.masked_fill_(y > 0.3, -1.0),
    lambda T, y: y.index_add_(0, T.tensor([0, 0, 2]), T.ones(3, 5, 6, dtype=T.float64), alpha=3),
    lambda T, y: y.index_copy_(1, T.tensor([4, 1]), T.zeros(4, 2, 6, dtype=T.float64)),
    lambda T, y: y.index_fill_(2, T.tensor([0, 0, 5]), 2.0),
    lambda T, y: y.scatter_(2, T.tensor([[[1, 0]]]).expand(4, 5, 2), -3.0),
    lambda T, y: y.scatter_add_(0, T.zeros(2, 5, 6, dtype=T.long),
                                T.ones(2, 5, 6, dtype=T.float64)),
    lambda T, y: y.index_put_((T.tensor([1, 1]), T.tensor([2, 2])), T.tensor(1.0, dtype=T.float64),
                              accumulate=True),
    lambda T, y: y.masked_scatter_(y > 1.0, T.arange(120.0, dtype=T.float64)),
    lambda T, y: y.scatter_reduce_(1, T.tensor([[[0, 4]] * 6] * 4).transpose(1, 2),
                                   T.ones(4, 2, 6, dtype=T.float64) * 3, "amax"),
]


@pytest.mark.parametrize("k", range(len(INPLACE)))
def test_inplace_index_methods(k):
    fn = INPLACE[k]
    x, tx = E(X, requires_grad=True), Tt(X, requires_grad=True)
    y, ty = x * 1, tx * 1
    r, tr = fn(ember, y), fn(torch, ty)
    assert r is y and tr is ty
    same(y, ty)
    assert y._version == ty._version
    w = np.cos(X)
    same(ember.autograd.grad((y * E(w)).sum(), x)[0],
         torch.autograd.grad((ty * Tt(w)).sum(), tx)[0])


def test_index_put_on_leaf_and_dtype_errors():
    x = E(np.zeros(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x[[0, 1]] = 1.0
    z = ember.zeros(3)
    with pytest.raises(RuntimeError, match="Index put requires the source and destination "
                                           "dtypes match, got Float for the destination and "
                                           "Double for the source."):
        z[[0, 1]] = ember.ones(2, dtype=ember.float64)
    with pytest.raises(TypeError, match="must be tuple of Tensors, not Tensor"):
        z.index_put_(ember.tensor([0]), ember.tensor(1.0))
    with pytest.raises(RuntimeError, match=r"shape mismatch: value tensor of shape \[3\] cannot "
                                           r"be broadcast to indexing result of shape \[2\]"):
        z[[0, 1]] = ember.ones(3)
    z[ember.tensor([True, False, True])] = ember.tensor(2.0, dtype=ember.float64)
    assert z.tolist() == [2.0, 0.0, 2.0]


ERRORS = [
    (lambda x: x[5], IndexError, "index 5 is out of bounds for dimension 0 with size 4"),
    (lambda x: x[:, -6], IndexError, "index -6 is out of bounds for dimension 1 with size 5"),
    (lambda x: x[0, 0, 0, 0], IndexError, "too many indices for tensor of dimension 3"),
    (lambda x: x[..., ...], IndexError, r"an index can only have a single ellipsis \('...'\)"),
    (lambda x: x[::-1], ValueError, "step must be greater than zero"),
    (lambda x: x[ember.tensor([1.0])], IndexError,
     "tensors used as indices must be long, int, byte or bool tensors"),
    (lambda x: x[ember.tensor([4])], IndexError,
     "index 4 is out of bounds for dimension 0 with size 4"),
    (lambda x: x[:, [0, 5]], IndexError, "index 5 is out of bounds for dimension 1 with size 5"),
    (lambda x: x[ember.tensor([True, False])], IndexError,
     r"The shape of the mask \[2\] at index 0 does not match the shape of the indexed tensor "
     r"\[4, 5, 6\] at index 0"),
    (lambda x: x[[0, 1], [0, 1, 2]], IndexError, r"shape mismatch: indexing tensors could not "
     r"be broadcast together with shapes \[2\], \[3\]"),
    (lambda x: x[1.5], IndexError, r"only integers, slices \(`:`\), ellipsis \(`...`\), None and "
     r"long or byte Variables are valid indices \(got float\)"),
    (lambda x: x.select(1, 7), IndexError, r"select\(\): index 7 out of range for tensor of size "
     r"\[4, 5, 6\] at dimension 1"),
    (lambda x: x.index_select(0, ember.tensor([9])), IndexError, "index out of range in self"),
    (lambda x: x.gather(0, ember.tensor([[[9]]])), RuntimeError,
     "index 9 is out of bounds for dimension 0 with size 4"),
    (lambda x: x.take(ember.tensor([500])), IndexError,
     "out of range: tried to access index 500 on a tensor of 120 elements."),
    (lambda x: x.view(7, -1), RuntimeError, r"shape '\[7, -1\]' is invalid for input of size 120"),
    (lambda x: x.expand(2, 4), RuntimeError, "the number of sizes provided"),
    (lambda x: x.repeat(2), RuntimeError, "Number of dimensions of repeat dims can not be smaller"),
    (lambda x: ember.cat([x, x[0]]), RuntimeError, "Tensors must have same number of dimensions"),
    (lambda x: x.masked_fill(x, 1.0), RuntimeError, "masked_fill_ only supports boolean masks"),
    (lambda x: x.narrow(0, 3, 2), RuntimeError, r"start \(3\) \+ length \(2\) exceeds dimension"),
    (lambda x: x.unfold(0, 5, 1), RuntimeError,
     "maximum size for tensor at dimension 0 is 4 but size is 5"),
    (lambda x: x.scatter_reduce(0, ember.zeros(1, 1, 1, dtype=ember.long), x, "max"),
     RuntimeError, "reduce argument must be either sum, prod, mean, amax or amin, got max"),
    (lambda x: ember.select_scatter(x, x[0, 0], 0, 1), RuntimeError,
     r"expected src to have a size equal to the slice of self. src size = \[6\], slice size = "
     r"\[5, 6\]"),
    (lambda x: x[0][0][0][0], IndexError, "invalid index of a 0-dim tensor"),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_error_messages(k):
    fn, exc, msg = ERRORS[k]
    with pytest.raises(exc, match=msg):
        fn(E(X))


PADS = [((1, 2), "constant", 0.5, (2, 3)), ((-1, 2, 0, 1), "constant", None, (2, 3, 4)),
        ((2, 1), "reflect", None, (2, 4)), ((1, 2, 2, 0), "reflect", None, (1, 3, 4)),
        ((1, 1, 2, 0, 0, 1), "reflect", None, (1, 2, 3, 4)), ((3, 1), "replicate", None, (2, 3)),
        ((1, 2, 1, 1), "replicate", None, (2, 2, 3)), ((1, 2), "circular", None, (1, 2, 4)),
        ((2, 2, 1, 0), "circular", None, (1, 3, 4)), ((-1, 2), "circular", None, (2, 4))]


@pytest.mark.parametrize("pad,mode,value,shape", PADS)
def test_pad_matches_torch(pad, mode, value, shape):
    a = np.random.default_rng(9).standard_normal(shape)
    x, tx = E(a, requires_grad=True), Tt(a, requires_grad=True)
    kw = {} if value is None else {"value": value}
    out, tout = EF.pad(x, pad, mode=mode, **kw), TF.pad(tx, pad, mode=mode, **kw)
    same(out, tout)
    w = np.random.default_rng(10).standard_normal(tuple(tout.shape))
    same(ember.autograd.grad((out * E(w)).sum(), x)[0],
         torch.autograd.grad((tout * Tt(w)).sum(), tx)[0])
    bx = np.random.default_rng(11).standard_normal((2,) + shape)
    same(vmap(lambda v: EF.pad(v, pad, mode=mode, **kw))(E(bx)),
         tf.vmap(lambda v: TF.pad(v, pad, mode=mode, **kw))(Tt(bx)))


@pytest.mark.parametrize("call", [
    lambda F, x: F.pad(x, (1, 1), mode="reflect"),
    lambda F, x: F.pad(x[None], (5, 0), mode="reflect"),
    lambda F, x: F.pad(x[None], (6, 0), mode="circular"),
    lambda F, x: F.pad(x, (1, 1, 1)),
    lambda F, x: F.pad(x, (1, 1), mode="foo"),
    lambda F, x: F.pad(x[None], (1, 1), mode="reflect", value=2.0),
    lambda F, x: F.pad(x, (1, 1) * 2),
])
def test_pad_errors_match_torch(call):
    a = np.arange(5.0)
    with pytest.raises(Exception) as te:
        call(TF, Tt(a))
    with pytest.raises(type(te.value)) as ee:
        call(EF, E(a))
    assert str(ee.value) == str(te.value)


if given is not None:
    def _basic_key(shape):
        def entry(n):
            return st.one_of(
                st.integers(-n, n - 1) if n else st.just(slice(None)),
                st.builds(slice, st.one_of(st.none(), st.integers(-n - 2, n + 2)),
                          st.one_of(st.none(), st.integers(-n - 2, n + 2)),
                          st.one_of(st.none(), st.integers(1, 3))))
        return st.tuples(*[entry(n) for n in shape]).flatmap(
            lambda t: st.tuples(st.integers(0, len(t)), st.booleans(), st.booleans()).map(
                lambda p: _decorate(t, *p)))

    def _decorate(key, cut, none, ell):
        key = list(key[:cut])
        if none:
            key.insert(len(key) // 2, None)
        if ell:
            key.append(Ellipsis)
        return tuple(key)

    @settings(max_examples=150, deadline=None)
    @given(_basic_key((4, 5, 6)))
    def test_random_basic_keys(key):
        x, tx = E(X.copy(), requires_grad=True), Tt(X.copy(), requires_grad=True)
        out, tout = x[key], tx[key]
        same(out, tout)
        assert out.grad_fn.name() == type(tout.grad_fn).__name__
        (g,) = ember.autograd.grad(out.sum() * 2, x)
        (tg,) = torch.autograd.grad(tout.sum() * 2, tx)
        same(g, tg)
        base = E(X.copy())
        v = base[key]
        if v.numel():
            v.fill_(-7.0)
            tb = Tt(X.copy())
            tb[key] = -7.0
            same(base, tb)
