"""ember.func transforms: the seeds' usage, compositions, pytrees, errors, chunking."""
import collections
import math

import numpy as np
import pytest

import ember
from ember.func import grad, grad_and_value, vjp, jvp, vmap, jacrev, jacfwd, hessian, linearize

try:
    import torch
    import torch.func as tf
except ImportError:
    torch = None


def T(a, dtype=np.float64):
    return ember.tensor(np.asarray(a, dtype=dtype))


def close(a, b, tol=1e-6):
    a = a.detach().numpy() if isinstance(a, ember.Tensor) else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


rng = np.random.default_rng(0)


# ------------------------------------------------------------------ basics

def test_grad_sin_and_second_order():
    x = T(0.7)
    close(grad(ember.sin)(x), math.cos(0.7))
    close(grad(grad(ember.sin))(x), -math.sin(0.7))
    close(grad(grad(grad(ember.sin)))(x), -math.cos(0.7))


def test_no_perturbation_confusion():
    c = T(3.0)
    assert float(grad(lambda x: grad(lambda y: x * y)(c))(c)) == 1.0
    # the inner function closes over the outer variable and differentiates w.r.t. its own
    f = lambda x: grad(lambda y: (x * y) ** 2)(x)      # d/dy (xy)^2 at y=x = 2x^3
    close(grad(f)(T(2.0)), 6 * 4.0)


def test_vjp_and_jvp():
    x = T(rng.standard_normal(3))
    out, vjp_fn = vjp(ember.sin, x)
    ct = T(rng.standard_normal(3))
    (g,) = vjp_fn(ct)
    close(g, ct.numpy() * np.cos(x.numpy()))
    x, y = T(rng.standard_normal(5)), T(rng.standard_normal(5))
    _, t = jvp(lambda a, b: a * b, (x, y), (ember.ones(5, dtype=ember.float64),) * 2)
    close(t, x.numpy() + y.numpy())


def test_vjp_fn_reusable_and_vmappable():
    w, b = T(rng.standard_normal((4, 4))), T(rng.standard_normal(4))
    x = T(rng.standard_normal(4))
    _, vjp_fn = vjp(lambda x: (w @ x + b).tanh(), x)
    rows = [vjp_fn(r)[0] for r in ember.eye(4, dtype=ember.float64)]
    (jac,) = vmap(vjp_fn)(ember.eye(4, dtype=ember.float64))
    close(jac, ember.stack(rows))
    close(jac, jacrev(lambda x: (w @ x + b).tanh())(x))


def test_argnums_and_has_aux():
    f = lambda x, y: ((x * y).sum(), x + y)
    x, y = T([1.0, 2.0]), T([3.0, 4.0])
    (gx, gy), aux = grad(f, argnums=(0, 1), has_aux=True)(x, y)
    close(gx, y)
    close(gy, x)
    close(aux, x.numpy() + y.numpy())
    g, (v, aux2) = grad_and_value(f, has_aux=True)(x, y)
    close(v, 11.0)
    out, fn, aux3 = vjp(lambda x: (x.sin(), x.cos()), x, has_aux=True)
    close(aux3, np.cos([1.0, 2.0]))
    jac, aux4 = jacrev(lambda x: (x.sin(), x.sum()), has_aux=True)(x)
    close(jac, np.diag(np.cos([1.0, 2.0])))
    jac, aux5 = jacfwd(lambda x: (x.sin(), x.sum()), has_aux=True)(x)
    close(jac, np.diag(np.cos([1.0, 2.0])))
    close(aux5, 3.0)


def test_pytrees():
    Point = collections.namedtuple("Point", "x y")
    params = {"w": T([1.0, 2.0]), "b": T(0.5)}
    g = grad(lambda p, z: (p["w"] * z).sum() + p["b"] * 3)(params, T([3.0, 4.0]))
    assert list(g) == ["w", "b"]
    close(g["w"], [3.0, 4.0])
    close(g["b"], 3.0)
    out = vmap(lambda p: Point(p.x * 2, None), in_dims=(Point(0, None),))(
        Point(T([[1.0, 2.0], [3.0, 4.0]]), T(1.0)))
    assert isinstance(out, Point) and out.y is None
    close(out.x, [[2.0, 4.0], [6.0, 8.0]])
    res = vmap(lambda d: {"s": d["a"] + d["b"]}, in_dims=({"a": 0, "b": None},))(
        {"a": T([1.0, 2.0]), "b": T(10.0)})
    close(res["s"], [11.0, 12.0])


def test_out_dims_and_in_dims_negative():
    x = T(rng.standard_normal((3, 4)))
    close(vmap(lambda r: r * 2, in_dims=-1, out_dims=1)(x), x.numpy() * 2)
    a, b = vmap(lambda r: (r.sum(), r), out_dims=(0, 1))(x)
    close(b, x.numpy().T)
    close(vmap(lambda r: ember.ones(2), out_dims=0)(x), np.ones((3, 2)))


# ------------------------------------------------------------------ compositions

def _f(x):
    return (x.sin() * x.exp()).sum()


def _numgrad(f, x, eps=1e-6):
    x = x.numpy()
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        a, b = x.copy(), x.copy()
        a[i] += eps
        b[i] -= eps
        g[i] = (float(f(T(a))) - float(f(T(b)))) / (2 * eps)
    return g


def test_hessian_forms_agree():
    x = T(rng.standard_normal(4))
    h = hessian(_f)(x)
    close(jacrev(jacrev(_f))(x), h)
    close(jacfwd(jacfwd(_f))(x), h)
    close(jacrev(jacfwd(_f))(x), h)
    num = np.stack([_numgrad(lambda z: grad(_f)(z)[i], x) for i in range(4)])
    close(h, num, 1e-5)


def test_vmap_grad_and_grad_vmap():
    xs = T(rng.standard_normal((5, 3)))
    per = vmap(grad(_f))(xs)
    for i in range(5):
        close(per[i], grad(_f)(xs[i]))
    g = grad(lambda xs: vmap(_f)(xs).sum())(xs)
    close(g, per)


def test_vmap_vmap_and_vmap_jvp_vjp_vmap():
    x = T(rng.standard_normal((2, 3, 4)))
    close(vmap(vmap(lambda r: r.sin().sum()))(x), np.sin(x.numpy()).sum(-1))
    t = T(rng.standard_normal((2, 3, 4)))
    res = vmap(lambda a, b: jvp(lambda z: z.sin(), (a,), (b,))[1])(x, t)
    close(res, np.cos(x.numpy()) * t.numpy())
    out, fn = vjp(vmap(lambda r: r.sin()), x)
    close(fn(t)[0], np.cos(x.numpy()) * t.numpy())
    close(jvp(grad(_f), (x[0, 0],), (t[0, 0],))[1], hessian(_f)(x[0, 0]) @ t[0, 0])
    hv = hessian(vmap(lambda r: r.sin()))
    close(hv(x[0, 0]).shape, (4, 4, 4))


def test_requires_grad_tensors_inside_transforms():
    w = ember.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    g = grad(lambda x: (w * x).sum() ** 2)(T([1.0, 1.0, 1.0]))
    # g = 2 (w.x) w; with x = 1, sum(g) = 2 sum(w)^2 and d/dw sum(g) = 4 sum(w) = 24
    g.sum().backward()
    close(w.grad, [24.0, 24.0, 24.0])


def test_autograd_grad_inside_transforms():
    def f(x):
        w2 = ember.tensor(np.array([1.0, -2.0]), requires_grad=True)
        (gw,) = ember.autograd.grad((w2 * 2).sum(), w2)
        return (gw * x).sum()
    close(grad(f)(T([3.0, 4.0])), [2.0, 2.0])
    close(vmap(f)(T(np.ones((3, 2)))), [4.0, 4.0, 4.0])
    # as in PyTorch, the graph of an outer tensor does not see the transformed input
    w = ember.tensor(np.array([1.0, -2.0]), requires_grad=True)

    def g(x):
        (gw,) = ember.autograd.grad((w * x).sum(), w, create_graph=True)
        return (gw * x).sum()
    with pytest.raises(RuntimeError, match="not have been used in the graph"):
        grad(g)(T([3.0, 4.0]))


def test_backward_inside_transform_raises():
    w = ember.tensor(np.array([1.0, -2.0]), requires_grad=True)

    def f(x):
        (w * x).sum().backward()
        return (x * x).sum()
    with pytest.raises(RuntimeError, match="backward\\(\\) called inside"):
        grad(f)(T([3.0, 4.0]))


# ------------------------------------------------------------------ errors

def test_grad_requires_scalar_output():
    with pytest.raises(RuntimeError, match="scalar"):
        grad(lambda x: x * 2)(T([1.0, 2.0]))


def test_vmap_size_mismatch_names_arguments():
    with pytest.raises(ValueError) as e:
        vmap(lambda a, b: a + b)(T(np.ones((3, 2))), T(np.ones((4, 2))))
    msg = str(e.value)
    assert "args[0] of shape [3, 2]" in msg and "args[1] of shape [4, 2]" in msg


def test_vmap_data_dependent_control_flow_errors():
    def f(x):
        if x.sum() > 0:
            return x
        return -x
    with pytest.raises(RuntimeError, match="where"):
        vmap(f)(T(np.ones((3, 2))))
    with pytest.raises(RuntimeError, match="item"):
        vmap(lambda x: x.item())(T([1.0, 2.0]))


def test_vmap_in_dims_errors():
    with pytest.raises(ValueError, match="in_dim"):
        vmap(lambda x: x, in_dims=2)(T([1.0, 2.0]))
    with pytest.raises(ValueError, match="expected `in_dims` to be int"):
        vmap(lambda x: x, in_dims=None)(T([1.0]))


# ------------------------------------------------------------------ in-place under vmap

def test_inplace_buffer_made_inside_becomes_batched():
    def f(x):
        y = ember.zeros(4, dtype=ember.float64)
        y[0] = x[1]
        y[1:3] = x[:2] * 2
        y += x
        return y
    x = T(rng.standard_normal((5, 4)))
    out = vmap(f)(x)
    for i in range(5):
        close(out[i], f(x[i]))
    close(jacrev(f)(x[0]), jacfwd(f)(x[0]))


def test_inplace_into_captured_tensor_raises():
    buf = ember.zeros(3)
    with pytest.raises(RuntimeError, match="outlives"):
        vmap(lambda x: buf.copy_(x) if hasattr(buf, "copy_") else buf.__setitem__(0, x[0]))(
            ember.ones(2, 3))
    assert type(buf) is ember.Tensor


# ------------------------------------------------------------------ chunking, linearize

def test_chunk_size_gives_identical_results():
    x = T(rng.standard_normal((7, 3)))
    f = lambda r: (r.sin() * r).sum(0)
    close(vmap(f, chunk_size=2)(x), vmap(f)(x), 0)
    g = lambda z: (z.sin() * z.exp())
    z = T(rng.standard_normal(6))
    close(jacrev(g, chunk_size=4)(z), jacrev(g)(z), 0)
    close(hessian(_f, chunk_size=1)(z), hessian(_f)(z), 1e-12)


def test_linearize_does_not_rerun_forward():
    calls = []

    def f(x):
        calls.append(1)
        return x.sin() * x
    x = T(rng.standard_normal(4))
    out, fn = linearize(f, x)
    for _ in range(3):
        t = T(rng.standard_normal(4))
        close(fn(t), jvp(f, (x,), (t,))[1])
    assert len(calls) == 1 + 3


# ------------------------------------------------------------------ against torch.func

@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
def test_against_torch_func():
    xn = rng.standard_normal((3, 4))
    x, tx = T(xn), torch.from_numpy(xn)

    def f(T_, x):
        return (x.sin() * x.cos().exp()).sum()
    close(vmap(grad(lambda r: f(ember, r)))(x), tf.vmap(tf.grad(lambda r: f(torch, r)))(tx))
    close(hessian(lambda r: f(ember, r))(x[0]), tf.hessian(lambda r: f(torch, r))(tx[0]))
    close(jacrev(lambda r: r.sin() @ r.cos().T)(x), tf.jacrev(lambda r: r.sin() @ r.cos().T)(tx))
