"""The primitives that compute other primitives' gradients in one call (log_softmax's,
relu's, tanh's, sigmoid's): their own rules are checked directly, since the op table reaches them only through
the ops whose backward they are.  Batching against a loop for every in_dims combination,
gradcheck and gradgradcheck in float64, JVP against the VJP."""
import itertools

import numpy as np
import pytest

import ember
from ember.func import vmap, jvp, vjp
from ember.ops.elementwise import _tanh_backward
from ember.ops.math import _threshold_backward, _sigmoid_backward
from ember.ops.softmax import _log_softmax_backward

RNG = np.random.default_rng(0)
NAMES = ["lsb", "thr", "tanh", "sigmoid"]


def _lsb(g, out, dim=1):
    return _log_softmax_backward(g, out, dim=dim)


def _thr(g, out):
    return _threshold_backward(g, out)


def _args(name):
    g = ember.tensor(RNG.standard_normal((3, 4, 5)))
    if name == "lsb":
        out = ember.nn.functional.log_softmax(ember.tensor(RNG.standard_normal((3, 4, 5))), 2)
        return _lsb, (g, out)
    x = ember.tensor(RNG.standard_normal((3, 4, 5)))
    if name == "tanh":
        return _tanh_backward, (g, ember.tanh(x))
    if name == "sigmoid":
        return _sigmoid_backward, (g, ember.sigmoid(x))
    return _thr, (g, ember.relu(x))


@pytest.mark.parametrize("name", NAMES)
def test_batching_matches_a_loop(name):
    f, (G, O) = _args(name)
    for dims in itertools.product((0, None), repeat=2):
        if dims == (None, None):
            continue
        args = [a if d == 0 else a[0] for a, d in zip((G, O), dims)]
        got = vmap(f, in_dims=dims)(*args)
        want = ember.stack([f(*(a[b] if d == 0 else a for a, d in zip(args, dims)))
                            for b in range(3)])
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_and_gradgradcheck(name):
    f, (G, O) = _args(name)
    g = G[0].detach().requires_grad_()
    # relu's output is piecewise constant in the mask: keep it away from the kink
    o = (O[0].detach() + (0.5 if name == "thr" else 0.0)).requires_grad_()
    assert ember.autograd.gradcheck(f, (g, o))
    assert ember.autograd.gradgradcheck(f, (g, o))


@pytest.mark.parametrize("name", NAMES)
def test_jvp_agrees_with_vjp(name):
    f, (G, O) = _args(name)
    g, o = G[0], O[0]
    u = (ember.tensor(RNG.standard_normal((4, 5))), ember.tensor(RNG.standard_normal((4, 5))))
    v = ember.tensor(RNG.standard_normal((4, 5)))
    _, ju = jvp(f, (g, o), u)
    _, pull = vjp(f, g, o)
    vj = pull(v)
    lhs = float((v * ju).sum())
    rhs = float(sum((a * b).sum() for a, b in zip(vj, u)))
    assert abs(lhs - rhs) < 1e-10 * max(1.0, abs(lhs))


def test_relu_gradient_passes_through_nan_like_pytorch():
    """PyTorch selects ``0 if out <= 0 else g``: a NaN output keeps its gradient."""
    torch = pytest.importorskip("torch")
    x = [float("nan"), -1.0, 2.0, 0.0, float("inf")]
    g = [1.0, 1.0, float("inf"), 5.0, 3.0]
    grads = []
    for T in (ember, torch):
        t = T.tensor(x, requires_grad=True)
        T.relu(t).backward(T.tensor(g))
        grads.append(np.asarray(t.grad.numpy()))
    np.testing.assert_array_equal(grads[0], grads[1])
