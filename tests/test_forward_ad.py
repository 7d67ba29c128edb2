"""ember.autograd.forward_ad against torch.autograd.forward_ad: dual levels, make_dual /
unpack_dual, tangents through ordinary ops, in-place writes and models with parameters,
interplay with the tape, level exit, errors, nesting and threads."""
import threading

import numpy as np
import pytest

import ember
import ember.autograd.forward_ad as fwAD

torch = pytest.importorskip("torch")
tfwAD = torch.autograd.forward_ad

RNG = np.random.default_rng(1)


def pair(*shape, requires_grad=False):
    a = RNG.standard_normal(shape)
    return (ember.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


def close(a, b, atol=1e-10):
    assert a is not None and b is not None
    a = a.detach().numpy() if isinstance(a, ember.Tensor) else np.asarray(a)
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, atol=atol, rtol=1e-7)


def run_both(fn, *shapes, requires_grad=False):
    """Run ``fn(T, fw, *duals)`` in a dual level on both libraries; returns both unpacked."""
    inputs = [pair(*s, requires_grad=requires_grad) for s in shapes]
    tangents = [pair(*s) for s in shapes]
    res = []
    for k, (T, fw) in enumerate(((ember, fwAD), (torch, tfwAD))):
        with fw.dual_level():
            duals = [fw.make_dual(x[k], t[k]) for x, t in zip(inputs, tangents)]
            out = fn(T, *duals)
            res.append(fw.unpack_dual(out))
    return res


OPS = {
    "sin_mul": (lambda T, x, y: T.sin(x) * y, [(3,), (3,)]),
    "exp_log": (lambda T, x, y: T.exp(x) + T.log(y * y + 1), [(2, 3), (3,)]),
    "div_pow": (lambda T, x, y: x / (y * y + 1) + x ** 3, [(3,), (3,)]),
    "tanh_sqrt": (lambda T, x, y: T.tanh(x) * T.sqrt(y * y + 2), [(4,), (4,)]),
    "matmul": (lambda T, x, y: T.matmul(x, y), [(2, 3), (3, 4)]),
    "reductions": (lambda T, x, y: x.sum(0) * y.mean(), [(3, 2), (5,)]),
    "shapes": (lambda T, x, y: x.reshape(6).expand(2, 6).permute(1, 0) * y.t().reshape(6, 1),
               [(2, 3), (3, 2)]),
    "join": (lambda T, x, y: T.cat([x, T.stack([y, y]).reshape(-1)], 0), [(3,), (2,)]),
    "split_where": (lambda T, x, y: T.where(x > 0, x, y).split(2)[1], [(5,), (5,)]),
    "index": (lambda T, x, y: x[1:, ::2] * y[0], [(3, 4), (2,)]),
    "transpose_neg": (lambda T, x, y: -x.transpose(0, 1) - y, [(2, 3), (3, 2)]),
}


@pytest.mark.parametrize("name", list(OPS))
def test_tangents_through_ops(name):
    fn, shapes = OPS[name]
    (pe, te), (pt, tt) = run_both(fn, *shapes)
    close(pe, pt)
    close(te, tt)


def test_unpack_dual_result():
    x, _ = pair(3)
    t, _ = pair(3)
    with fwAD.dual_level() as level:
        assert level == 0
        d = fwAD.make_dual(x, t)
        u = fwAD.unpack_dual(d)
        assert isinstance(u, fwAD.UnpackedDualTensor) and isinstance(u, tuple)
        primal, tangent = u
        assert u.primal is primal and u.tangent is tangent
        assert tangent is t                       # stored as-is, as in PyTorch
        np.testing.assert_array_equal(primal.numpy(), x.numpy())
        assert fwAD.unpack_dual(primal).tangent is None
        plain = ember.ones(3)
        p, tg = fwAD.unpack_dual(plain)
        assert tg is None and p is plain
        (_, t_plain) = fwAD.unpack_dual(plain * 2)
        assert t_plain is None                    # no tangent in, no tangent out
    assert fwAD.UnpackedDualTensor._fields == tfwAD.UnpackedDualTensor._fields


def test_no_level_and_exit():
    x, xt = pair(3)
    p, t = fwAD.unpack_dual(x)
    assert p is x and t is None
    with fwAD.dual_level():
        d = fwAD.make_dual(x, ember.ones(3))
        y = d * 2
        assert fwAD.unpack_dual(y).tangent is not None
    # after the level: the tangents are gone and the tensors are plain tensors again
    p, t = fwAD.unpack_dual(y)
    assert t is None and p is y
    assert type(y) is ember.Tensor and type(d) is ember.Tensor
    np.testing.assert_allclose(y.numpy(), 2 * x.numpy())
    np.testing.assert_allclose((y + d).numpy(), 3 * x.numpy())
    with tfwAD.dual_level():
        dt = tfwAD.make_dual(xt, torch.ones(3, dtype=xt.dtype))
        yt = dt * 2
    assert tfwAD.unpack_dual(yt).tangent is None


def test_tangent_ignores_grad_mode():
    (pe, te), (pt, tt) = run_both(lambda T, x: _in_no_grad(T, lambda: T.sin(x) * x), (3,))
    close(te, tt)


def _in_no_grad(T, f):
    with T.no_grad():
        return f()


def test_backward_through_dual_tensors():
    """A dual tensor is its primal to the tape: backward reaches the leaf under it, and the
    tangent itself is differentiable."""
    x, xt = pair(3, requires_grad=True)
    v, vt = pair(3)
    res = []
    for T, fw, a, t in ((ember, fwAD, x, v), (torch, tfwAD, xt, vt)):
        with fw.dual_level():
            d = fw.make_dual(a, t)
            assert d.requires_grad and not d.is_leaf and d.grad_fn is not None
            y = (d * d).sin()
            assert y.requires_grad and y.grad_fn.name() == "SinBackward0"
            primal, tangent = fw.unpack_dual(y)
            assert tangent.requires_grad
            y.sum().backward(retain_graph=True)
            g1 = a.grad.clone()
            a.grad = None
            tangent.sum().backward()
            res.append((primal, tangent, g1, a.grad))
    for e, t in zip(*res):
        close(e, t)


def test_model_with_parameters():
    """Forward-mode through a small model whose parameters require grad (as a module's)."""
    w1 = RNG.standard_normal((4, 3))
    w2 = RNG.standard_normal((2, 4))
    b = RNG.standard_normal(4)
    x, xt = pair(5, 3)
    v, vt = pair(5, 3)
    res = []
    for T, fw, a, t in ((ember, fwAD, x, v), (torch, tfwAD, xt, vt)):
        W1, W2, B = (T.tensor(p, requires_grad=True) for p in (w1, w2, b))

        def model(inp):
            return T.matmul(T.tanh(T.matmul(inp, W1.t()) + B), W2.t())
        with fw.dual_level():
            out, jvp = fw.unpack_dual(model(fw.make_dual(a, t)))
            jvp.pow(2).sum().backward()          # a loss on the JVP, trained by backward
        res.append((out, jvp, W1.grad, W2.grad, B.grad))
    for e, t in zip(*res):
        close(e, t)


def test_inplace_writes_carry_tangents():
    x, xt = pair(3)
    v, vt = pair(3)
    res = []
    for T, fw, a, t in ((ember, fwAD, x, v), (torch, tfwAD, xt, vt)):
        with fw.dual_level():
            d = fw.make_dual(a, t)
            buf = T.zeros(3, dtype=T.float64)
            buf.add_(d)
            buf.mul_(d)
            mat = T.zeros(2, 3, dtype=T.float64)
            mat[0] = d
            row = mat[1]
            row.add_(d * 3)
            got = [fw.unpack_dual(buf), fw.unpack_dual(mat), fw.unpack_dual(row)]
        res.append([u for pt in got for u in pt] + [buf, mat])
    for e, t in zip(*res):
        close(e, t)
    assert type(res[0][-1]) is ember.Tensor


def test_decorator_and_functional_jvp_agree():
    x, _ = pair(4)
    v, _ = pair(4)

    @fwAD.dual_level()
    def jvp_of_cube(a, t):
        return fwAD.unpack_dual(fwAD.make_dual(a, t) ** 3).tangent

    _, expected = ember.func.jvp(lambda a: a ** 3, (x,), (v,))
    close(jvp_of_cube(x, v), expected)
    close(jvp_of_cube(x, v), 3 * x.numpy() ** 2 * v.numpy())


def test_dual_level_under_vmap():
    x, xt = pair(4, 3)
    v, vt = pair(4, 3)

    def f(a, t):
        with fwAD.dual_level():
            return fwAD.unpack_dual(ember.sin(fwAD.make_dual(a, t)).sum()).tangent

    got = ember.func.vmap(f)(x, v)
    close(got, (torch.cos(xt) * vt).sum(1))


def test_nested_levels_hyper_dual():
    """ember nests levels (PyTorch does not): two levels give a second derivative."""
    x, xt = pair(3)
    v, _ = pair(3)
    w, _ = pair(3)
    with fwAD.dual_level() as l0:
        a = fwAD.make_dual(x, v, level=l0)
        with fwAD.dual_level() as l1:
            assert (l0, l1) == (0, 1)
            b = fwAD.make_dual(a, w, level=l1)
            y = ember.sin(b) * b
            p1, t1 = fwAD.unpack_dual(y, level=l1)        # both still dual at level 0
            f, df_v = fwAD.unpack_dual(p1, level=l0)
            df_w, d2f = fwAD.unpack_dual(t1, level=l0)
            # unpacking the outer level first splits the same hyper-dual number
            q0, s0 = fwAD.unpack_dual(y, level=l0)
            assert fwAD.unpack_dual(q0, level=l1).tangent is not None
        assert fwAD.unpack_dual(p1).tangent is not None
    xn, vn, wn = x.numpy(), v.numpy(), w.numpy()
    close(f, np.sin(xn) * xn)
    close(df_v, (np.cos(xn) * xn + np.sin(xn)) * vn)
    close(df_w, (np.cos(xn) * xn + np.sin(xn)) * wn)
    close(d2f, (2 * np.cos(xn) - np.sin(xn) * xn) * vn * wn)
    close(s0, df_v)              # l1 has exited: s0 is a plain tensor again
    with tfwAD.dual_level():
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            tfwAD.enter_dual_level()


def test_thread_local_levels():
    seen = {}
    with fwAD.dual_level():
        def other():
            x = ember.ones(2)
            seen["unpack"] = fwAD.unpack_dual(x).tangent
            try:
                fwAD.make_dual(x, x)
            except RuntimeError as e:
                seen["error"] = str(e)
        th = threading.Thread(target=other)
        th.start()
        th.join()
    assert seen["unpack"] is None
    assert "no level exists" in seen["error"]


def test_errors_match_torch():
    x, xt = pair(3)
    calls = [
        lambda fw, T, a: fw.make_dual(a, a),                               # no level
        lambda fw, T, a: fw.exit_dual_level(),                             # no level to exit
    ]
    in_level = [
        lambda fw, T, a: fw.make_dual(a, T.ones(4, dtype=T.float64)),
        lambda fw, T, a: fw.make_dual(T.arange(3), a),
        lambda fw, T, a: fw.make_dual(a, T.arange(3)),
        lambda fw, T, a: fw.make_dual(fw.make_dual(a, a), a),
        lambda fw, T, a: fw.exit_dual_level(level=5),
    ]
    msgs = []
    for fw, T, a in ((fwAD, ember, x), (tfwAD, torch, xt)):
        got = []
        for c in calls:
            with pytest.raises((RuntimeError, ValueError)) as e:
                c(fw, T, a)
            got.append((e.type, str(e.value)))
        with fw.dual_level():
            for c in in_level:
                with pytest.raises((RuntimeError, ValueError)) as e:
                    c(fw, T, a)
                got.append((e.type, str(e.value)))
        msgs.append(got)
    assert msgs[0] == msgs[1]


def test_tangent_dtype_follows_primal():
    x32 = ember.ones(3)
    with fwAD.dual_level():
        d = fwAD.make_dual(x32, ember.ones(3, dtype=ember.float64))
        assert fwAD.unpack_dual(d).tangent.dtype is ember.float32
        assert (d * 2).dtype is ember.float32


def test_long_lived_level_does_not_accumulate():
    """A level kept open for many steps holds no growing list of dead dual tensors."""
    x = ember.ones(3)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, ember.ones(3))
        for _ in range(5000):
            y = d * 2 + 1
        interp = fwAD._LEVELS.stack[-1]
        assert len(interp.duals) < 2100
        np.testing.assert_allclose(fwAD.unpack_dual(y).tangent.numpy(), 2.0)


def _copy_params(src, dst):
    """Give an ember module the parameters of a torch module (same structure)."""
    with ember.no_grad():
        for (n, p), (m, q) in zip(dst.named_parameters(), src.named_parameters()):
            assert n == m
            p.copy_(ember.tensor(q.detach().numpy()))


def test_dual_tensors_through_nn_modules():
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    enet = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.Tanh(), ember.nn.Linear(4, 2))
    _copy_params(tnet, enet)
    x = RNG.standard_normal((5, 3)).astype(np.float32)
    v = RNG.standard_normal((5, 3)).astype(np.float32)
    res = []
    for T, fw, net in ((ember, fwAD, enet), (torch, tfwAD, tnet)):
        with fw.dual_level():
            out, jvp = fw.unpack_dual(net(fw.make_dual(T.tensor(x), T.tensor(v))))
            jvp.pow(2).sum().backward()
        res.append((out, jvp, net[0].weight.grad, net[0].bias.grad, net[2].weight.grad,
                    net[2].bias.grad))
    assert res[0][-1] is None and res[1][-1] is None    # the JVP does not depend on it
    for e, t in zip(res[0][:-1], res[1][:-1]):
        close(e, t, atol=1e-5)


def test_in_place_on_a_dual_and_on_its_clone():
    """In place on a dual updates its tangent as stored (PyTorch keeps the tangent as-is);
    a clone has its own tangent, so writing into it leaves the original untouched."""
    res = []
    for T, fw in ((ember, fwAD), (torch, tfwAD)):
        x, t = T.tensor([1., 2.]), T.tensor([1., 1.])
        with fw.dual_level():
            d = fw.make_dual(x, t)
            d.mul_(3)
            c = d.clone()
            c.mul_(2)
            res.append((t.clone(), x.clone(), fw.unpack_dual(c).tangent,
                        fw.unpack_dual(d).tangent))
    for e, t in zip(*res):
        close(e, t)
