"""RNN, LSTM, GRU and their cells against PyTorch: with PyTorch's weights loaded, outputs,
final states and every gradient agree for stacked, bidirectional, batch_first, bias-free and
unbatched inputs, with and without initial states; reprs, parameter names, initial ranges and
errors too; the layers run under ember.func transforms."""
import math

import numpy as np
import pytest

import ember
from ember.func import functional_call, grad, vmap

torch = pytest.importorskip("torch")

_KW = [dict(), dict(num_layers=2), dict(bidirectional=True),
       dict(num_layers=2, bidirectional=True, batch_first=True), dict(bias=False)]


def _pair(cls, **kw):
    e = getattr(ember.nn, cls)(3, 4, **kw).double()
    t = getattr(torch.nn, cls)(3, 4, **kw).double()
    t.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in e.state_dict().items()})
    return e, t


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("k", range(len(_KW)))
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
def test_recurrent_layers_match_torch(cls, k, batched, with_state):
    kw = _KW[k]
    rng = np.random.default_rng(k)
    e, t = _pair(cls, **kw)
    assert repr(e) == repr(t)
    assert list(dict(e.named_parameters())) == list(dict(t.named_parameters()))
    shape = ((2, 5, 3) if kw.get("batch_first") else (5, 2, 3)) if batched else (5, 3)
    layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    hshape = (layers, 2, 4) if batched else (layers, 4)
    x, h0, c0 = rng.standard_normal(shape), rng.standard_normal(hshape), \
        rng.standard_normal(hshape)
    res = []
    for T, m in ((ember, e), (torch, t)):
        xx = T.tensor(x, requires_grad=True)
        hx = None
        if with_state:
            hx = (T.tensor(h0), T.tensor(c0)) if cls == "LSTM" else T.tensor(h0)
        out, h = m(xx, hx)
        hs = h if isinstance(h, tuple) else (h,)
        w = T.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)))
        ((out * w).sum() + sum((v ** 2).sum() for v in hs)).backward()
        res.append([out.detach().numpy(), xx.grad.numpy()] + [v.detach().numpy() for v in hs] +
                   [p.grad.numpy() for p in m.parameters()])
    for a, b in zip(*res):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=1e-10)


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_torch(cls):
    e, t = _pair(cls)
    assert repr(e) == repr(t)
    x = np.random.default_rng(0).standard_normal((2, 3))
    for batch in (x, x[0]):
        a, b = e(ember.tensor(batch)), t(torch.tensor(batch))
        for u, v in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
            np.testing.assert_allclose(u.detach().numpy(), v.detach().numpy(), atol=1e-12)


def test_initial_weights_are_uniform_in_plus_minus_one_over_sqrt_hidden():
    m = ember.nn.LSTM(10, 16, num_layers=2)
    k = 1 / math.sqrt(16)
    vals = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    assert vals.min() >= -k and vals.max() <= k and vals.std() > k / 3


def test_errors_match_torch():
    for T in (ember, torch):
        m = T.nn.GRU(3, 4)
        with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
            m(T.zeros(5, 2, 7))
        with pytest.raises(RuntimeError, match="Expected hidden size"):
            m(T.zeros(5, 2, 3), T.zeros(2, 2, 4))
        with pytest.raises(ValueError, match="dropout should be a number"):
            T.nn.LSTM(3, 4, dropout=1.5)


def test_lstm_under_function_transforms():
    """Per-sequence gradients of an LSTM by vmap(grad(functional_call)) equal a loop."""
    m = ember.nn.LSTM(3, 4, batch_first=True).double()
    params = {k: v.detach() for k, v in m.named_parameters()}
    xs = ember.tensor(np.random.default_rng(1).standard_normal((3, 5, 3)))

    def loss(p, x):
        out, (h, c) = functional_call(m, p, (x[None],))
        return (out ** 2).sum() + h.sum()
    batched = vmap(grad(loss), in_dims=(None, 0))(params, xs)
    for i in range(3):
        one = grad(loss)(params, xs[i])
        for name in params:
            np.testing.assert_allclose(batched[name][i].numpy(), one[name].numpy(), atol=1e-12)
