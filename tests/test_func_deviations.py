"""Where ember.func deliberately differs from torch.func 2.13 (more permissive, or where
torch.func has a bug): None pytree leaves, dict in_dims matched by key, out_dims of unbatched
outputs, chunk_size for jacfwd/hessian, batched writes into buffers made inside vmap, and the
wording of vmap's errors."""
import numpy as np
import pytest

import ember
import ember.func as ef

R = np.random.default_rng(99)
x3, y3 = R.standard_normal(3), R.standard_normal(3)
X43, Y34, M23 = R.standard_normal((4, 3)), R.standard_normal((3, 4)), R.standard_normal((2, 3))


def E(a):
    return ember.tensor(np.array(a))


def _close(a, b):
    np.testing.assert_allclose(np.asarray(a.detach().numpy()), np.asarray(b), rtol=1e-10,
                               atol=1e-12)


def test_none_leaves_pass_through():
    """torch's pytrees make None a leaf that vmap/grad reject; ember's None has no leaves."""
    x = E(X43)
    _close(ef.vmap(lambda a, b: a * 2)(x, None), X43 * 2)
    out = ef.vmap(lambda a: (a, None))(x)
    assert isinstance(out, tuple) and out[1] is None
    g = ef.grad(lambda t: t[0].sum())((E(x3), None))
    assert g[1] is None
    _close(g[0], np.ones(3))


def test_dict_in_dims_matched_by_key():
    """in_dims dicts are matched by key (torch 2.13 pairs them by insertion position)."""
    r = ef.vmap(lambda d: d["p"] + d["q"], in_dims=({"q": 1, "p": 0},))({"p": E(X43), "q": E(Y34)})
    _close(r, X43 + Y34.T)


def test_out_dims_on_unbatched_output():
    """An unbatched output is expanded, then placed at out_dim (torch errs or mis-sizes)."""
    y = E(y3)
    r = ef.vmap(lambda a: y * 2, out_dims=1)(E(X43))
    _close(r, np.broadcast_to((y3 * 2)[:, None], (3, 4)))
    r = ef.vmap(lambda a: y.sum(), out_dims=0)(E(X43))
    _close(r, np.full(4, y3.sum()))
    with pytest.raises(IndexError, match="Dimension out of range"):
        ef.vmap(lambda a: y.sum(), out_dims=1)(E(X43))
    a, b = ef.vmap(lambda a: (y * 2, a), chunk_size=3, out_dims=(None, 0))(E(X43))
    _close(a, y3 * 2)
    _close(b, X43)


def test_jacfwd_and_hessian_chunk_size():
    f = lambda a: (a.sin() * a.sum()).exp()      # noqa: E731
    x = E(R.standard_normal(5))
    for c in (1, 2, 5, 7):
        _close(ef.jacfwd(f, chunk_size=c)(x), ef.jacrev(f)(x).numpy())
        _close(ef.hessian(lambda a: f(a).sum(), chunk_size=c)(x),
               ef.hessian(lambda a: f(a).sum())(x).numpy())
    for fn in (ef.jacfwd, ef.hessian):
        with pytest.raises(ValueError, match="`chunk_size` should be greater than 0"):
            fn(f, chunk_size=0)


def test_batched_writes_into_buffers_made_inside():
    """PyTorch refuses to write a batched value into an unbatched buffer; ember promotes the
    buffer (made inside the function) to a batched one: the result equals a Python loop."""
    def f(a):
        buf = ember.zeros(5, dtype=ember.float64)
        buf[1:4] = a.sin()
        buf[0] = a.sum()
        buf.add_(a[0])
        buf[buf > 0.5] = 0.5          # a boolean-mask write (dynamic shape in PyTorch)
        return buf
    x = E(X43)
    out = ef.vmap(f)(x)
    for i in range(4):
        _close(out[i], f(x[i]).numpy())
    _close(ef.vmap(ef.grad(lambda a: f(a).sum()))(x),
           np.stack([ef.grad(lambda a: f(a).sum())(x[i]).numpy() for i in range(4)]))
    _close(ef.jacfwd(f)(x[0]), ef.jacrev(f)(x[0]).numpy())


def test_size_mismatch_names_every_mapped_argument():
    with pytest.raises(ValueError) as e:
        ef.vmap(lambda t, d, k: t[0])((E(X43), E(Y34)), {"w": E(M23)}, E(x3)[:1])
    msg = str(e.value)
    for part in ("args[0][0] of shape [4, 3] mapped over dim 0 (size 4)",
                 "args[0][1] of shape [3, 4] mapped over dim 0 (size 3)",
                 "args[1]['w'] of shape [2, 3] mapped over dim 0 (size 2)",
                 "args[2] of shape [1] mapped over dim 0 (size 1)"):
        assert part in msg


def test_data_dependent_control_flow_suggests_where():
    for bad in (lambda a: a.sum().item(), lambda a: a if a.sum() > 0 else -a,
                lambda a: float(a.sum()), lambda a: a.tolist()):
        with pytest.raises(RuntimeError, match=r"ember\.where"):
            ef.vmap(bad)(E(X43))
