"""The seeds' examples run on ember and give PyTorch's results (recorded, and live when
PyTorch is installed)."""
import io
import os
import sys
import contextlib

import numpy as np
import pytest

import ember

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))

try:
    import torch
except ImportError:
    torch = None


def _quiet(fn, *args, **kwargs):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        res = fn(*args, **kwargs)
    return res, buf.getvalue()


def test_seed001_custom_functions():
    import seed001_autograd as s
    g, out = _quiet(s.custom_functions)
    assert "tensor([2.7183], grad_fn=<ExpBackward>)" in out
    assert "tensor([2.7183])" in out
    assert "tensor([4.], grad_fn=<PowBackward0>)" in out
    assert "tensor([-0.4000])" in out


def test_seed001_dag_dynamic_hooks():
    import seed001_autograd as s
    (gx, gw), _ = _quiet(s.small_dag)
    x, w = np.array([1., 2.]), np.array([3., 4.])
    np.testing.assert_allclose(gx.numpy(), w * (x + w) + x * w)
    np.testing.assert_allclose(gw.numpy(), x * (x + w) + x * w)
    g, out = _quiet(s.dynamic_graph)
    assert "tensor(0.4614, grad_fn=<MulBackward0>)" in out
    np.testing.assert_allclose(g.numpy(), [1.5024, 0.4178, 0.3391, 0.0], atol=1e-4)
    (dz, xg), out = _quiet(s.grad_and_hooks)
    assert float(dz) == 4.0 and float(xg) == 16.0


def test_seed001_functional_gradcheck_modes():
    import seed001_autograd as s
    (jac, hes), _ = _quiet(s.functional_jacobian_hessian)
    inp = np.array([[0.5, 1.0], [-1.0, 2.0]], np.float32)
    exp = np.zeros((2, 2, 2), np.float32)
    for i in range(2):
        exp[i, i] = np.exp(inp[i])
    np.testing.assert_allclose(jac.numpy(), exp, rtol=1e-6)
    assert tuple(hes.shape) == (2, 2, 2, 2)
    res, _ = _quiet(s.gradient_checks)
    assert res == (True, True, False, False, True)
    assert _quiet(s.grad_modes)[0] == (False, False)
    msg, _ = _quiet(s.anomaly_detection)
    assert "returned nan values in its 0th output" in msg


def test_seed002_whirlwind():
    import seed002_whirlwind as s
    hess, _ = _quiet(s.main)
    assert tuple(hess.shape) == (5, 5)


def test_seed003_outer_and_shapes():
    import seed003_scientific as s
    bx, out = _quiet(s.outer_demo)
    assert "tensor([[1., 2., 3.],\n        [2., 4., 6.],\n        [3., 6., 9.]])" in out
    assert "[27., 54., 81.]]])" in out
    h, out = _quiet(s.derivatives_demo)
    assert "torch.Size([10, 2, 10, 2, 10, 2]) torch.Size([10, 2])" in out
    (net, x, d1, d2, dd), out = _quiet(s.pinn_demo)
    assert "dy_dx_1.shape=torch.Size([1000, 3, 2]),dy_dx_2.shape=torch.Size([1000, 3, 2])" in out
    assert "ddy_dxx.shape=torch.Size([1000, 3, 2, 2])" in out
    np.testing.assert_allclose(d1.detach().numpy(), np.broadcast_to(net.weight.detach().numpy(),
                                                           (1000, 3, 2)), rtol=1e-6)


def test_seed003_rte_solver_matches_pytorch_recorded():
    import seed003_scientific as s
    Tini, sigma = s.rte_setup()
    E, T, sg = ember.vmap(lambda a, b: s.solve(a, b, t=0.1))(Tini, sigma)
    assert tuple(E.shape) == (4, 5, 400) and tuple(sg.shape) == (4, 1, 400)
    # per-case loop gives the same result as the vmapped solver
    E0, T0, _ = s.solve(Tini[0], sigma[0], t=0.1)
    np.testing.assert_allclose(E[0].numpy(), E0.numpy(), rtol=1e-6)
    if torch is not None:
        ref = _torch_rte(t=0.1)
        np.testing.assert_allclose(E.numpy(), ref[0], rtol=2e-5, atol=1e-6)
        np.testing.assert_allclose(T.numpy(), ref[1], rtol=2e-5, atol=1e-6)


def _torch_rte(t):
    """The seed's solver run by PyTorch itself (the same example source, with torch)."""
    from _as_torch import load_with_torch
    s = load_with_torch("seed003_scientific")
    Tini, sigma = s.rte_setup()
    E, T, _ = torch.func.vmap(lambda a, b: s.solve(a, b, t=t))(Tini, sigma)
    return E.numpy(), T.numpy()


def test_seed004_jacobians_hessians():
    import seed004_jacobians_hessians as s
    (jac, jw, jb), out = _quiet(s.jacobian_rows_vs_vmap, 3)
    assert "torch.Size([16, 16])" in out
    assert "Measurement object at" in out and "compute_jac(xp)" in out
    assert tuple(jw.shape) == (16, 16, 16) and tuple(jb.shape) == (16, 16)
    h, out = _quiet(s.hessians)
    assert "True True" in out and tuple(h.shape) == (32, 512, 512)
    (bj, bh), out = _quiet(s.batched)
    assert "torch.Size([64, 33, 31, 31])" in out
    _quiet(s.hvps)
