"""nn.utils: gradient clipping and parameter/vector conversion against PyTorch."""
import numpy as np
import pytest

import ember
import ember.nn as nn

torch = pytest.importorskip("torch")


def _grads(lib, scale=1.0):
    rng = np.random.default_rng(0)
    ps = []
    for shape in ((3, 4), (5,), (2, 2, 2)):
        p = lib.nn.Parameter(lib.tensor(rng.standard_normal(shape)))
        p.grad = lib.tensor(rng.standard_normal(shape) * scale)
        ps.append(p)
    ps.append(lib.nn.Parameter(lib.ones(2, dtype=lib.float64)))      # no grad: skipped
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    pe, pt = _grads(ember), _grads(torch)
    te = nn.utils.clip_grad_norm_(pe, max_norm, norm_type=norm_type, foreach=True)
    tt = torch.nn.utils.clip_grad_norm_(pt, max_norm, norm_type=norm_type)
    np.testing.assert_allclose(te.numpy(), tt.numpy(), rtol=1e-12)
    for a, b in zip(pe[:3], pt[:3]):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)
    assert pe[3].grad is None


def test_clip_grad_norm_nonfinite_and_single_tensor():
    pe = _grads(ember)
    pe[0].grad[0, 0] = float("nan")
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        nn.utils.clip_grad_norm_(pe, 1.0, error_if_nonfinite=True)
    p = nn.Parameter(ember.ones(4))
    p.grad = ember.full((4,), 3.0)
    total = nn.utils.clip_grad_norm_(p, 1.0)
    assert abs(float(total) - 6.0) < 1e-6
    np.testing.assert_allclose(p.grad.numpy(), np.full(4, 0.5), rtol=1e-5)
    assert float(nn.utils.clip_grad_norm_([], 1.0)) == 0.0


def test_clip_grad_value_matches_torch():
    pe, pt = _grads(ember, 3.0), _grads(torch, 3.0)
    nn.utils.clip_grad_value_(pe, 1.5)
    torch.nn.utils.clip_grad_value_(pt, 1.5)
    for a, b in zip(pe[:3], pt[:3]):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_parameters_vector_round_trip():
    m = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    v = nn.utils.parameters_to_vector(m.parameters())
    assert v.shape == (11,) and v.requires_grad
    tm = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    tm.load_state_dict({k: torch.tensor(t.detach().numpy()) for k, t in m.state_dict().items()})
    np.testing.assert_array_equal(
        v.detach().numpy(), torch.nn.utils.parameters_to_vector(tm.parameters()).detach().numpy())
    nn.utils.vector_to_parameters(ember.arange(11.0), m.parameters())
    assert m[0].weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert m[1].bias.tolist() == [10.0] and isinstance(m[1].bias, nn.Parameter)
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        nn.utils.vector_to_parameters([1.0], m.parameters())
