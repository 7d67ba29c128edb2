"""vmap's direct paths (elementwise, reductions, views, in-place writes on physical arrays)
give the same values, shapes and view/version behaviour as the per-example computation."""
import numpy as np
import pytest

import ember
from ember.func import vmap, grad


def _t(*shape, seed=0):
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def _loop(f, *xs):
    outs = [f(*[x[i] for x in xs]) for i in range(xs[0].shape[0])]
    return np.stack([o.numpy() for o in outs])


@pytest.mark.parametrize("f", [
    lambda x, y: x * y,                       # same rank
    lambda x, y: x - y[0],                    # batched operands of different logical ranks
    lambda x, y: y[0] + x,
    lambda x, y: ember.where(x > 0, x, y[0]),
    lambda x, y: x.sin() * 2.0 + 1,
])
def test_elementwise_mixed_ranks(f):
    x, y = _t(4, 3, 5), _t(4, 2, 3, 5, seed=1)
    g = lambda a, b: f(a, b)
    np.testing.assert_allclose(vmap(g)(x, y).numpy(), _loop(g, x, y), rtol=1e-6)


def test_unbatched_operand_of_higher_rank():
    x, c = _t(4, 5), _t(3, 5, seed=1)
    for f in (lambda a: a * c, lambda a: c - a, lambda a: ember.maximum(c, a)):
        np.testing.assert_allclose(vmap(f)(x).numpy(), _loop(f, x), rtol=1e-6)
        assert vmap(f)(x).shape == (4, 3, 5)


def test_reductions():
    x = _t(4, 3, 5)
    for f in (lambda a: a.sum(1), lambda a: a.mean((0, 1)), lambda a: a.amax(0),
              lambda a: a.sum(), lambda a: a.max(1)[0], lambda a: a.max(1)[1].float()):
        np.testing.assert_allclose(vmap(f)(x).numpy(), _loop(f, x), rtol=1e-5)


def test_stale_view_and_setitem_into_batched_buffer():
    def f(t):
        buf = ember.zeros(3, 6) + t[0] * 0     # a batched buffer
        row = buf[1]                  # a view, made stale by the next write to its base
        buf[:, 1:-1] = t[None, 1:-1] * 2
        buf[0, 0] = 7.0
        row[2:4] = t[:2]              # write through the stale view
        buf[..., -1] = buf[..., 1]
        return buf, row * 1
    x = _t(4, 6)
    got = vmap(f)(x)
    want = [np.stack(w) for w in zip(*[[o.numpy() for o in f(x[i])] for i in range(4)])]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-6)


def test_setitem_shape_error_and_unbatched_source():
    def bad(t):
        b = ember.zeros(3)
        b[:] = t
        return b
    with pytest.raises(RuntimeError):
        vmap(bad)(_t(4, 5))
    c = _t(5, seed=3)

    def ok(t):
        b = t * 1
        b[1:] = c[1:]
        return b
    np.testing.assert_allclose(vmap(ok)(_t(4, 5)).numpy(), _loop(ok, _t(4, 5)), rtol=1e-6)


def test_fast_paths_keep_grad_under_vmap():
    # values that record history (vmap inside grad) take the general path
    x = _t(4, 3).requires_grad_()
    y = vmap(lambda a: (a.sin() * a).sum())(x)
    (gx,) = ember.autograd.grad(y.sum(), x)
    xn = x.detach().numpy()
    np.testing.assert_allclose(gx.numpy(), np.cos(xn) * xn + np.sin(xn), rtol=1e-5)
    gv = vmap(grad(lambda a: (a.sin() * a).sum()))(x.detach())
    np.testing.assert_allclose(gv.numpy(), gx.numpy(), rtol=1e-5)


def test_views_share_versions():
    def f(t):
        u = t * 1
        v = u[1:]
        v.mul_(2)
        return u, v._version
    x = _t(4, 5)
    u, _ = vmap(f, out_dims=(0, None))(x)
    want = x.numpy().copy()
    want[:, 1:] *= 2
    np.testing.assert_allclose(u.numpy(), want, rtol=1e-6)
