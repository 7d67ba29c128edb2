"""vmap's one-call paths on physical arrays (``vmap_phys``: repeat, circular pad, matmul) and
getitem's fast key path give the same values, errors and gradients as the general rules."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.func import vmap, grad, jacrev, jvp


def _t(*shape, seed=0, dtype=np.float64):
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


def _loop(f, *xs, dims=None):
    dims = dims or (0,) * len(xs)
    B = next(x.shape[d] for x, d in zip(xs, dims) if d is not None)
    outs = [f(*[x if d is None else x.select(d, i) for x, d in zip(xs, dims)]) for i in range(B)]
    return np.stack([o.numpy() for o in outs])


# ------------------------------------------------------------------ matmul

@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((3,), (3, 4)), ((3,), (2, 3, 4)),
                                   ((2, 3), (3,)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                                   ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
                                   ((5, 2, 3), (3,)), ((1, 2, 3), (5, 3, 2))])
@pytest.mark.parametrize("dims", [(0, 0), (0, None), (None, 0), (1, 0)])
def test_matmul_all_rank_and_batch_combinations(sa, sb, dims):
    B = 4
    a = _t(*((B,) + sa if dims[0] == 0 else sa), seed=1)
    if dims[0] == 1:
        if len(sa) < 2:
            pytest.skip("no dim 1")
        a = _t(*(sa[:1] + (B,) + sa[1:]), seed=1)
    b = _t(*((B,) + sb if dims[1] == 0 else sb), seed=2)
    f = lambda x, y: x @ y
    got = vmap(f, in_dims=dims)(a, b)
    np.testing.assert_allclose(got.numpy(), _loop(f, a, b, dims=dims), rtol=1e-12)


def test_matmul_errors_and_grad_inside_vmap():
    a, b = _t(4, 3), _t(5, seed=1)
    with pytest.raises(RuntimeError):
        vmap(lambda x: x @ b)(a)
    w = _t(3, 2, seed=2)
    g = vmap(grad(lambda x: (x @ w).sin().sum()))(a)
    want = np.stack([grad(lambda x: (x @ w).sin().sum())(a[i]).numpy() for i in range(4)])
    np.testing.assert_allclose(g.numpy(), want, rtol=1e-12)


def test_matmul_with_grad_requiring_weight_records_history():
    w = _t(3, 2, seed=2).requires_grad_()
    x = _t(4, 3)
    y = vmap(lambda r: r @ w)(x)
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), x.numpy().sum(0)[:, None].repeat(2, 1),
                               rtol=1e-12)


# ------------------------------------------------------------------ repeat

@pytest.mark.parametrize("shape,reps", [((3,), (4, 1)), ((3,), (2,)), ((2, 3), (1, 2, 2)),
                                        ((), (3,)), ((), ()), ((2, 3), (2, 1)),
                                        ((2, 0), (3, 2)), ((2,), (0, 3))])
def test_repeat_values_and_grads(shape, reps):
    x = _t(4, *shape)
    f = lambda v: v.repeat(*reps) if reps else v.repeat(())
    got = vmap(f)(x)
    np.testing.assert_allclose(got.numpy(), _loop(f, x))
    np.testing.assert_array_equal(f(x[0]).numpy(), np.tile(x[0].numpy(), reps))
    if x.numel():
        xs = x.clone().requires_grad_()
        h = lambda v: (f(v) * f(v).detach().cos()).sum()
        gx = vmap(grad(h))(x)
        want = np.stack([grad(h)(x[i]).numpy() for i in range(4)])
        np.testing.assert_allclose(gx.numpy(), want, rtol=1e-12)
        vmap(lambda v: f(v).sum())(xs).sum().backward()
        assert xs.grad.shape == xs.shape


def test_repeat_node_and_errors():
    x = _t(3).requires_grad_()
    y = x.repeat(4, 1)
    assert y.grad_fn.name() == "RepeatBackward0"
    assert y.shape == (4, 3) and not np.shares_memory(y.detach().numpy(), x.detach().numpy())
    with pytest.raises(RuntimeError, match="can not be smaller"):
        _t(2, 3).repeat(2)
    with pytest.raises(RuntimeError, match="negative dimension"):
        x.repeat(-1, 2)
    assert x.repeat(np.int64(2)).shape == (6,)
    assert x.repeat((2, 1)).shape == (2, 3)
    assert x.repeat(ember.Size([2, 1])).shape == (2, 3)


# ------------------------------------------------------------------ circular pad

@pytest.mark.parametrize("shape,pad", [((2, 5), (1, 2)), ((1, 2, 5), (2, 1)),
                                       ((2, 5), (-2, 3)), ((2, 5), (3, -1)),
                                       ((1, 3, 4), (2, 2, 1, 0)), ((2, 5), (5, 0)),
                                       ((2, 5), (0, 1))])
def test_circular_pad_values_and_grads(shape, pad):
    x = _t(*shape)
    mode = "circular"
    ref = x.numpy()
    k = len(pad) // 2
    widths = [(0, 0)] * (len(shape) - k) + [(pad[2 * j], pad[2 * j + 1])
                                            for j in reversed(range(k))]
    for ax, (lo, hi) in enumerate(widths):
        ref = ref[(slice(None),) * ax + (slice(max(-lo, 0), ref.shape[ax] - max(-hi, 0)),)]
        ref = np.pad(ref, [(0, 0)] * ax + [(max(lo, 0), max(hi, 0))] +
                     [(0, 0)] * (ref.ndim - ax - 1), "wrap")
    np.testing.assert_array_equal(F.pad(x, pad, mode=mode).numpy(), ref)
    f = lambda v: F.pad(v, pad, mode=mode)
    xb = _t(3, *shape, seed=3)
    np.testing.assert_array_equal(vmap(f)(xb).numpy(), _loop(f, xb))
    # gradients, double backward and forward mode against the index-array formulation
    h = lambda v: (f(v) ** 3).sum()
    gx = vmap(grad(h))(xb)
    want = np.stack([grad(h)(xb[i]).numpy() for i in range(3)])
    np.testing.assert_allclose(gx.numpy(), want, rtol=1e-12)
    hess = jacrev(grad(h))(x)
    assert hess.shape == x.shape * 2
    t = _t(*shape, seed=4)
    _, tan = jvp(f, (x,), (t,))
    np.testing.assert_array_equal(tan.numpy(), f(t).numpy())


def test_circular_pad_errors():
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        F.pad(_t(2, 3), (4, 0), mode="circular")
    with pytest.raises(RuntimeError, match="empty dimension"):
        F.pad(_t(2, 3), (-2, -1), mode="circular")
    with pytest.raises(NotImplementedError):
        F.pad(_t(3), (1, 1), mode="circular")
    with pytest.raises(RuntimeError, match="value argument"):
        F.pad(_t(2, 3), (1, 1), mode="circular", value=1.0)
    x = _t(2, 3)
    y = F.pad(x, (0, 0), mode="circular")
    assert not np.shares_memory(y.numpy(), x.numpy())


# ------------------------------------------------------------------ getitem's fast key path

@pytest.mark.parametrize("key", [(slice(1, -1),), (0, slice(None)), (slice(None), 1),
                                 (None, slice(None, 2)), (1, None, slice(None, None, 2)),
                                 (slice(0, 4), slice(None)), (slice(-3, None),),
                                 (-1, slice(1, 2)), (np.int64(1),), (True,), (Ellipsis, 0),
                                 (slice(None), None, -2), ()])
def test_getitem_keys_match_numpy_and_vmap(key):
    x = _t(4, 5)
    got = x[key]
    np.testing.assert_array_equal(got.numpy(), x.numpy()[key])
    if got.numel() and x.numpy()[key].base is not None:
        assert np.shares_memory(got.numpy(), x.numpy())
    xb = _t(3, 4, 5)
    f = lambda v: v[key]
    np.testing.assert_array_equal(vmap(f)(xb).numpy(), _loop(f, xb))


def test_getitem_fast_path_errors_and_node_names():
    x = _t(4, 5).requires_grad_()
    with pytest.raises(IndexError, match="out of bounds"):
        x[4, 0]
    with pytest.raises(IndexError, match="too many indices"):
        x[0, 0, 0]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[:, ::-1]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[:, ::0]
    assert x[1:3, 0].grad_fn.name() == "SelectBackward0"
    assert x[0, 1:3].grad_fn.name() == "SliceBackward0"
    assert x[0, :].grad_fn.name() == "SelectBackward0"
    assert x[:, None].grad_fn.name() == "UnsqueezeBackward0"
    assert x[0:4, 0:5].grad_fn.name() == "AliasBackward0"
    assert x[-4:, :].grad_fn.name() == "SliceBackward0"
    y = x.detach()
    v = y[1:3, 2]
    v[0] = 9.0
    assert y[1, 2].item() == 9.0 and y._version == v._version == 1


# ------------------------------------------------------------------ promoted buffers' views

def _cases():
    def f1(v):                  # a view taken before the write through the base
        buf = ember.zeros(2, 4)
        row = buf[1]
        buf[1] = v
        return row

    def f2(v):                  # ... returned with the buffer
        buf = ember.zeros(2, 4)
        row = buf[1]
        buf[1] = v * 2
        return row, buf

    def f3(v):                  # ... used after the write, and a view of a view
        buf = ember.zeros(2, 4)
        row = buf[1]
        part = row[1:3]
        buf.add_(v)
        return row * 3 + 1, part

    def f4(v):                  # the returned view is made after the write
        buf = ember.zeros(2, 4)
        buf[0] = v
        return buf[0]

    def f5(v):                  # a write through one view, another view returned
        buf = ember.zeros(3, 4)
        a, b = buf[0], buf[1:]
        a.copy_(v)
        b[0] = a * 2
        return b
    return [f1, f2, f3, f4, f5]


@pytest.mark.parametrize("f", _cases())
def test_returning_a_view_of_a_promoted_buffer(f):
    x = _t(3, 4)
    got = vmap(f)(x)
    got = got if isinstance(got, tuple) else (got,)
    want = [f(x[i]) for i in range(3)]
    want = [np.stack([w[k].numpy() if isinstance(w, tuple) else w.numpy() for w in want])
            for k in range(len(got))]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-12)


def test_views_of_an_outside_buffer_are_restored_with_it():
    buf = ember.zeros(2, 4)
    row = buf[1]

    def f(v):
        buf[1] = v
        return v

    with pytest.raises(RuntimeError, match="outlives the vmapped function"):
        vmap(f)(_t(3, 4))
    assert buf.__class__ is ember.Tensor and row.__class__ is ember.Tensor
    assert row._base is buf and buf.shape == (2, 4) and row.shape == (4,)
    row[0] = 5.0
    assert buf[1, 0].item() == 5.0


# ------------------------------------------------------------------ vmap's entry fast path

def test_int_in_dims_fast_entry_matches_general_path():
    x, y = _t(3, 4), _t(4, 3, seed=1)
    np.testing.assert_allclose(vmap(lambda a, b: a * b, in_dims=-1)(y.t().contiguous().t(), y)
                               .numpy(), (y * y).t().numpy())
    np.testing.assert_allclose(vmap(lambda a, k=2.0: a * k)(x, k=3.0).numpy(), x.numpy() * 3)
    np.testing.assert_allclose(vmap(lambda a: a.sum(), chunk_size=2)(x).numpy(),
                               x.numpy().sum(1))
    assert vmap(lambda a: a, out_dims=1)(x).shape == (4, 3)
    r = vmap(lambda a: (a, a.sum()))(x)
    assert isinstance(r, tuple) and r[1].shape == (3,)
    assert vmap(lambda a: a[0])(x).data_ptr() != 0
    with pytest.raises(ValueError, match="same size in the mapped dimension"):
        vmap(lambda a, b: a + b)(x, _t(2, 4))
    with pytest.raises(ValueError, match="dimensionality"):
        vmap(lambda a: a, in_dims=2)(x)
    with pytest.raises(ValueError, match="cannot vmap over non-Tensor"):
        vmap(lambda a, b: a)(x, 1.0)
    with pytest.raises(ValueError, match="dimensionality 0"):
        vmap(lambda a: a)(ember.tensor(1.0))
    # nested: the outer value is a wrapper
    z = _t(2, 3, 4)
    np.testing.assert_allclose(vmap(vmap(lambda a: a * 2))(z).numpy(), z.numpy() * 2)
