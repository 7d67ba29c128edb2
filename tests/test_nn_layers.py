"""Every layer against PyTorch: weights copied from a torch layer, then forward values, input
gradients and parameter gradients compared; default initialisation distributions and
bounds; layers under function transforms."""
import math
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.func import vmap, jacrev, jacfwd, hessian, grad, functional_call

torch = pytest.importorskip("torch")


def E(t):
    return ember.tensor(t.detach().numpy())


def twin(build, dtype="float64"):
    """The same layer in both libraries, ember's loaded with torch's state."""
    torch.manual_seed(0)
    tm = build(torch).to(getattr(torch, dtype))
    em = build(ember).to(getattr(ember, dtype))
    em.load_state_dict(OrderedDict((k, E(v)) for k, v in tm.state_dict().items()))
    return em, tm


def check(em, tm, *inputs, atol=1e-8, out=lambda o: o, train=True):
    """Forward and backward of ``em`` and ``tm`` on the same inputs (floats require grad)."""
    em.train(train), tm.train(train)
    t_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f") if isinstance(a, np.ndarray)
            else a for a in inputs]
    e_in = [ember.tensor(a, requires_grad=a.dtype.kind == "f") if isinstance(a, np.ndarray)
            else a for a in inputs]
    yt, ye = out(tm(*t_in)), out(em(*e_in))
    assert tuple(ye.shape) == tuple(yt.shape)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), atol=atol, rtol=1e-6)
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    (yt * torch.tensor(g)).sum().backward()
    (ye * ember.tensor(g)).sum().backward()
    for a, b in zip(e_in, t_in):
        if isinstance(b, torch.Tensor) and b.requires_grad:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol, rtol=1e-6)
    for (name, p), q in zip(em.named_parameters(), tm.parameters()):
        if q.grad is None:
            assert p.grad is None, name
        else:
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), atol=atol, rtol=1e-6,
                                       err_msg=name)
    for (name, b), c in zip(em.named_buffers(), tm.buffers()):
        np.testing.assert_allclose(b.numpy(), c.numpy(), atol=atol, err_msg=name)
    return ye


def rnd(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


LAYERS = [
    ("Linear", lambda T: T.nn.Linear(4, 3), [(5, 4)]),
    ("Linear.nobias.3d", lambda T: T.nn.Linear(4, 3, bias=False), [(2, 5, 4)]),
    ("Bilinear", lambda T: T.nn.Bilinear(3, 2, 4), [(5, 3), (5, 2)]),
    ("Conv1d", lambda T: T.nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), [(2, 4, 9)]),
    ("Conv1d.circular", lambda T: T.nn.Conv1d(2, 3, 3, padding=1, padding_mode="circular"),
     [(2, 2, 6)]),
    ("Conv2d", lambda T: T.nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 2),
                                     dilation=(1, 2)), [(2, 3, 7, 6)]),
    ("Conv2d.same", lambda T: T.nn.Conv2d(2, 2, 4, padding="same", bias=False), [(1, 2, 5, 5)]),
    ("Conv2d.reflect", lambda T: T.nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"),
     [(2, 2, 4, 5)]),
    ("Conv2d.unbatched", lambda T: T.nn.Conv2d(2, 3, 3), [(2, 5, 5)]),
    ("ConvTranspose2d", lambda T: T.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1,
                                                       output_padding=1, groups=2),
     [(2, 4, 3, 4)]),
    ("MaxPool1d", lambda T: T.nn.MaxPool1d(3, 2, 1, ceil_mode=True), [(2, 3, 8)]),
    ("MaxPool2d", lambda T: T.nn.MaxPool2d((3, 2), stride=2, padding=1, dilation=(1, 2)),
     [(2, 3, 7, 8)]),
    ("AvgPool1d", lambda T: T.nn.AvgPool1d(3, 2, 1, count_include_pad=False), [(2, 3, 8)]),
    ("AvgPool2d", lambda T: T.nn.AvgPool2d(3, 2, 1, ceil_mode=True), [(2, 3, 6, 7)]),
    ("AdaptiveAvgPool1d", lambda T: T.nn.AdaptiveAvgPool1d(4), [(2, 3, 9)]),
    ("AdaptiveAvgPool2d", lambda T: T.nn.AdaptiveAvgPool2d((2, 3)), [(2, 3, 5, 7)]),
    ("LayerNorm", lambda T: T.nn.LayerNorm((3, 4)), [(2, 3, 4)]),
    ("LayerNorm.nobias", lambda T: T.nn.LayerNorm(4, eps=1e-3, bias=False), [(5, 4)]),
    ("GroupNorm", lambda T: T.nn.GroupNorm(2, 4), [(3, 4, 5)]),
    ("InstanceNorm1d", lambda T: T.nn.InstanceNorm1d(3, affine=True, track_running_stats=True),
     [(2, 3, 6)]),
    ("InstanceNorm2d.unbatched", lambda T: T.nn.InstanceNorm2d(3), [(3, 4, 4)]),
    ("Flatten", lambda T: T.nn.Flatten(), [(2, 3, 4)]),
    ("Unflatten", lambda T: T.nn.Unflatten(1, (2, 3)), [(4, 6)]),
    ("Identity", lambda T: T.nn.Identity(), [(4, 6)]),
]
ACTIVATIONS = ["ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
               "Softplus", "Softsign", "Hardtanh", "Hardsigmoid", "Hardswish", "Sigmoid", "Tanh",
               "LogSigmoid", "Tanhshrink", "GLU"]


@pytest.mark.parametrize("name,build,shapes", LAYERS, ids=[x[0] for x in LAYERS])
def test_layer_matches_torch(name, build, shapes):
    em, tm = twin(build)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Using padding=.same. with even kernel")
        check(em, tm, *[rnd(*s, seed=i) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_module_matches_torch(name):
    em, tm = twin(lambda T: getattr(T.nn, name)())
    check(em, tm, rnd(3, 4) * 3)


@pytest.mark.parametrize("build", [lambda T: T.nn.Softmax(1), lambda T: T.nn.LogSoftmax(-1),
                                   lambda T: T.nn.Softmin(0), lambda T: T.nn.Threshold(0.2, -1.0),
                                   lambda T: T.nn.GELU("tanh"), lambda T: T.nn.Softplus(3, 2)])
def test_configured_activation_modules(build):
    em, tm = twin(build)
    check(em, tm, rnd(3, 4))


def test_inplace_activation_module():
    x = ember.randn(3, 4)
    y = nn.ReLU(inplace=True)(x)
    assert y is x and float(x.min()) >= 0


def test_conv_transpose_output_size():
    em, tm = twin(lambda T: T.nn.ConvTranspose2d(2, 3, 3, stride=2))
    x = rnd(1, 2, 4, 4)
    ye = em(ember.tensor(x), output_size=[10, 9])
    yt = tm(torch.tensor(x), output_size=[10, 9])
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), atol=1e-10)
    with pytest.raises(ValueError, match="requested an output size of"):
        em(ember.tensor(x), output_size=[12, 9])


def test_max_pool_return_indices_module():
    em, tm = twin(lambda T: T.nn.MaxPool2d(2, return_indices=True))
    x = rnd(2, 3, 4, 6)
    (ve, ie), (vt, it) = em(ember.tensor(x)), tm(torch.tensor(x))
    np.testing.assert_array_equal(ie.numpy(), it.numpy())
    np.testing.assert_allclose(ve.numpy(), vt.numpy())


# ------------------------------------------------------------------ batch norm

@pytest.mark.parametrize("build,shape", [
    (lambda T: T.nn.BatchNorm1d(3), (6, 3)),
    (lambda T: T.nn.BatchNorm1d(3, momentum=None), (4, 3, 5)),
    (lambda T: T.nn.BatchNorm2d(3, affine=False), (2, 3, 4, 4)),
    (lambda T: T.nn.BatchNorm2d(3, track_running_stats=False), (2, 3, 2, 3)),
    (lambda T: T.nn.BatchNorm2d(3, momentum=0.3, bias=False), (3, 3, 2, 2)),
])
def test_batch_norm_train_then_eval(build, shape):
    em, tm = twin(build)
    for step in range(3):                    # running stats and num_batches_tracked follow
        check(em, tm, rnd(*shape, seed=step) * 2 + 1)
        em.zero_grad(), tm.zero_grad()
    for (k, a), b in zip(em.state_dict().items(), tm.state_dict().values()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-12, err_msg=k)
    check(em, tm, rnd(*shape, seed=7), train=False)
    em.train()
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        em(ember.ones((1, 3) + (1,) * (len(shape) - 2), dtype=ember.float64))


def test_batch_norm_momentum_none_is_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None)
    means = []
    for s in range(4):
        x = ember.tensor(rnd(5, 2, seed=s))
        means.append(x.mean(0).numpy())
        bn(x)
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean(means, 0), atol=1e-6)
    assert bn.num_batches_tracked.item() == 4


# ------------------------------------------------------------------ dropout, embedding

def test_dropout_modules_train_and_eval():
    ember.manual_seed(0)
    for cls in (nn.Dropout, nn.Dropout1d, nn.Dropout2d):
        m = cls(0.5)
        x = ember.ones(4, 6, 10) if cls is not nn.Dropout2d else ember.ones(4, 6, 3, 3)
        y = m(x)
        vals = set(np.unique(y.numpy()).tolist())
        assert vals <= {0.0, 2.0} and len(vals) == 2
        m.eval()
        assert m(x) is x
    with pytest.raises(ValueError):
        nn.Dropout(1.5)


def test_embedding_module_padding_and_init():
    em, tm = twin(lambda T: T.nn.Embedding(7, 3, padding_idx=2))
    idx = np.array([[0, 2, 5], [2, 6, 0]])
    check(em, tm, idx)
    assert float(em.weight.grad[2].abs().sum()) == 0
    ember.manual_seed(0)
    m = nn.Embedding(2000, 5, padding_idx=-1)
    w = m.weight.detach().numpy()
    assert m.padding_idx == 1999 and np.all(w[1999] == 0)
    assert abs(w[:-1].std() - 1) < 0.05 and abs(w[:-1].mean()) < 0.05
    pre = nn.Embedding.from_pretrained(ember.ones(3, 2))
    assert not pre.weight.requires_grad and pre(ember.tensor([1])).tolist() == [[1.0, 1.0]]


def test_embedding_max_norm_renormalises_in_place():
    em, tm = twin(lambda T: T.nn.Embedding(6, 4, max_norm=1.0))
    idx = np.array([1, 3, 3])
    check(em, tm, idx)
    np.testing.assert_allclose(em.weight.detach().numpy(), tm.weight.detach().numpy(), atol=1e-7)


# ------------------------------------------------------------------ attention, transformer

@pytest.mark.parametrize("kw,masks", [
    (dict(), {}),
    (dict(batch_first=True), {"key_padding_mask": "kpm"}),
    (dict(kdim=3, vdim=5, bias=False), {"attn_mask": "bool"}),
    (dict(add_bias_kv=True, add_zero_attn=True), {"attn_mask": "float",
                                                   "key_padding_mask": "kpm"}),
    (dict(batch_first=True), {"need_weights": False}),
    (dict(), {"average_attn_weights": False, "attn_mask": "bool3"}),
])
def test_multihead_attention_matches_torch(kw, masks):
    E_, H, L, S, N = 8, 2, 3, 4, 2
    em, tm = twin(lambda T: T.nn.MultiheadAttention(E_, H, **kw))
    bf = kw.get("batch_first", False)
    q = rnd(N, L, E_) if bf else rnd(L, N, E_)
    k = rnd(N, S, kw.get("kdim", E_), seed=1) if bf else rnd(S, N, kw.get("kdim", E_), seed=1)
    v = rnd(N, S, kw.get("vdim", E_), seed=2) if bf else rnd(S, N, kw.get("vdim", E_), seed=2)
    rng = np.random.default_rng(3)
    extra = {}
    for name, kind in masks.items():
        if kind == "kpm":
            m = np.zeros((N, S), bool)
            m[0, -1] = True
        elif kind == "bool":
            m = rng.uniform(size=(L, S)) > 0.7
            m[:, 0] = False
        elif kind == "bool3":
            m = rng.uniform(size=(N * H, L, S)) > 0.7
            m[..., 0] = False
        elif kind == "float":
            m = rng.standard_normal((L, S))
        else:
            extra[name] = kind
            continue
        extra[name] = m

    def call(T, mod, q, k, v):
        kws = {n: (T.tensor(m) if isinstance(m, np.ndarray) else m) for n, m in extra.items()}
        return mod(q, k, v, **kws)

    mixed = masks.get("attn_mask") == "float" and "key_padding_mask" in masks
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yt, wt = call(torch, tm, *(torch.tensor(a, requires_grad=True) for a in (q, k, v)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ye, we = call(ember, em, *(ember.tensor(a, requires_grad=True) for a in (q, k, v)))
    assert any("mismatched key_padding_mask" in str(w.message) for w in caught) == mixed
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), atol=1e-10)
    if wt is None:
        assert we is None
    else:
        np.testing.assert_allclose(we.detach().numpy(), wt.detach().numpy(), atol=1e-10)
    yt.sum().backward()
    ye.sum().backward()
    for (n, p), t in zip(em.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), atol=1e-9, err_msg=n)
    assert list(em.state_dict()) == list(tm.state_dict())


def test_multihead_attention_unbatched_and_init():
    em, tm = twin(lambda T: T.nn.MultiheadAttention(4, 2))
    x = rnd(3, 4)
    check(em, tm, x, x, x, out=lambda o: o[0])
    ember.manual_seed(0)
    m = nn.MultiheadAttention(64, 4)
    bound = math.sqrt(6 / (64 + 3 * 64))           # xavier_uniform_ on (3E, E)
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert float(m.in_proj_bias.abs().sum()) == 0 and float(m.out_proj.bias.abs().sum()) == 0


@pytest.mark.parametrize("kw", [dict(), dict(norm_first=True, activation="gelu"),
                                dict(batch_first=True, dim_feedforward=6, bias=False)])
def test_transformer_encoder_layer_matches_torch(kw):
    em, tm = twin(lambda T: T.nn.TransformerEncoderLayer(8, 2, dim_feedforward=kw.get(
        "dim_feedforward", 16), **{k: v for k, v in kw.items() if k != "dim_feedforward"}))
    x = rnd(2, 3, 8)
    check(em, tm, x, train=False, atol=1e-9)
    N, S = (2, 3) if kw.get("batch_first") else (3, 2)
    kpm = np.zeros((N, S), bool)
    kpm[0, -1] = True
    mask = torch.nn.Transformer.generate_square_subsequent_mask(S, dtype=torch.float64)
    np.testing.assert_array_equal(nn.generate_square_subsequent_mask(S, dtype=ember.float64)
                                  .numpy(), mask.numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yt = tm(torch.tensor(x), src_mask=mask, src_key_padding_mask=torch.tensor(kpm))
    with pytest.warns(UserWarning, match="mismatched src_key_padding_mask and src_mask"):
        ye = em(ember.tensor(x), src_mask=E(mask), src_key_padding_mask=ember.tensor(kpm))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), atol=1e-9)


def test_transformer_encoder_stack():
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    enc = nn.TransformerEncoder(layer, 3, norm=nn.LayerNorm(8))
    assert len(enc.layers) == 3 and enc.layers[0] is not layer
    assert enc(ember.randn(4, 2, 8)).shape == (4, 2, 8)
    tl = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    te = torch.nn.TransformerEncoder(tl, 3, norm=torch.nn.LayerNorm(8),
                                     enable_nested_tensor=False)
    assert list(enc.state_dict()) == list(te.state_dict())


# ------------------------------------------------------------------ losses

LOSS_MODULES = [
    ("MSELoss", lambda T: T.nn.MSELoss(), "reg"),
    ("L1Loss", lambda T: T.nn.L1Loss(reduction="sum"), "reg"),
    ("SmoothL1Loss", lambda T: T.nn.SmoothL1Loss(beta=0.5), "reg"),
    ("HuberLoss", lambda T: T.nn.HuberLoss(delta=0.3, reduction="none"), "reg"),
    ("NLLLoss", lambda T: T.nn.NLLLoss(weight=T.tensor([1.0, 2.0, 0.5], dtype=T.float64),
                                       ignore_index=1), "cls"),
    ("CrossEntropyLoss", lambda T: T.nn.CrossEntropyLoss(label_smoothing=0.1), "cls"),
    ("BCELoss", lambda T: T.nn.BCELoss(), "prob"),
    ("BCEWithLogitsLoss", lambda T: T.nn.BCEWithLogitsLoss(
        pos_weight=T.tensor([2.0, 0.5, 1.0], dtype=T.float64)), "logit"),
    ("KLDivLoss", lambda T: T.nn.KLDivLoss(reduction="batchmean"), "kl"),
]


@pytest.mark.parametrize("name,build,kind", LOSS_MODULES, ids=[x[0] for x in LOSS_MODULES])
def test_loss_modules_match_torch(name, build, kind):
    em, tm = twin(build)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3))
    y = {"reg": rng.standard_normal((4, 3)), "cls": np.array([0, 1, 2, 2]),
         "prob": rng.uniform(size=(4, 3)), "logit": rng.uniform(size=(4, 3)),
         "kl": rng.uniform(0.1, 1, size=(4, 3))}[kind]
    if kind == "prob":
        x = 1 / (1 + np.exp(-x))
    if kind == "kl":
        x = -np.abs(x)
    check(em, tm, x, y)


def test_pair_loss_modules():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    em, tm = twin(lambda T: T.nn.CosineEmbeddingLoss(margin=0.2))
    check(em, tm, a, b, np.array([1, -1, -1, 1]))
    em, tm = twin(lambda T: T.nn.MarginRankingLoss(margin=0.1, reduction="sum"))
    check(em, tm, a[:, 0], b[:, 0], np.array([1.0, -1.0, -1.0, 1.0]))


# ------------------------------------------------------------------ initialisation

@pytest.mark.parametrize("build,fan_in", [
    (lambda: nn.Linear(50, 400), 50),
    (lambda: nn.Conv2d(6, 64, (3, 5), groups=2), 3 * 15),
    (lambda: nn.Conv1d(4, 300, 3), 12),
    (lambda: nn.ConvTranspose2d(8, 20, 3, groups=4), 5 * 9),
])
def test_default_init_bounds(build, fan_in):
    ember.manual_seed(0)
    m = build()
    bound = 1 / math.sqrt(fan_in)
    w = m.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound    # uniform(-b, b)
    b = m.bias.detach().numpy()
    assert np.abs(b).max() <= bound
    assert m.weight.dtype == ember.float32 and m.weight.requires_grad


def test_norm_layer_init_and_bilinear_bound():
    bn = nn.BatchNorm2d(4)
    assert bn.weight.tolist() == [1.0] * 4 and bn.bias.tolist() == [0.0] * 4
    assert bn.running_var.tolist() == [1.0] * 4 and bn.num_batches_tracked.dtype == ember.int64
    ln = nn.LayerNorm((2, 3))
    assert ln.weight.shape == (2, 3) and float(ln.weight.sum()) == 6
    ember.manual_seed(0)
    bl = nn.Bilinear(16, 3, 200)
    assert np.abs(bl.weight.detach().numpy()).max() <= 0.25
    assert np.abs(bl.bias.detach().numpy()).max() <= 0.25


def test_init_functions():
    init = nn.init
    ember.manual_seed(0)
    for nl, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                      ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]:
        assert init.calculate_gain(nl, param) == torch.nn.init.calculate_gain(nl, param)
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("foo")
    w = ember.empty(300, 200)
    assert init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu") is w
    bound = math.sqrt(2) * math.sqrt(3 / 300)
    assert np.abs(w.numpy()).max() <= bound and np.abs(w.numpy()).max() > 0.95 * bound
    init.kaiming_normal_(w, a=0.1, nonlinearity="leaky_relu")
    assert abs(w.numpy().std() - math.sqrt(2 / 1.01) / math.sqrt(200)) < 0.005
    init.xavier_uniform_(w, gain=2.0)
    xb = 2 * math.sqrt(6 / 500)
    assert np.abs(w.numpy()).max() <= xb and np.abs(w.numpy()).max() > 0.95 * xb
    init.xavier_normal_(w)
    assert abs(w.numpy().std() - math.sqrt(2 / 500)) < 0.003
    init.trunc_normal_(w, mean=1.0, std=2.0, a=-0.5, b=1.5)
    assert w.numpy().min() >= -0.5 and w.numpy().max() <= 1.5
    init.uniform_(w, -3, -2)
    assert w.numpy().min() >= -3 and w.numpy().max() <= -2
    init.normal_(w, 5, 0.1)
    assert abs(w.numpy().mean() - 5) < 0.01
    init.constant_(w, 0.5)
    assert np.all(w.numpy() == 0.5)
    init.zeros_(w), init.ones_(w)
    assert np.all(w.numpy() == 1)
    q = ember.empty(5, 3, 2)
    init.orthogonal_(q, gain=2.0)
    flat = q.numpy().reshape(5, 6)
    np.testing.assert_allclose(flat @ flat.T, 4 * np.eye(5), atol=1e-5)
    e = init.eye_(ember.empty(3, 4))
    np.testing.assert_array_equal(e.numpy(), np.eye(3, 4))
    d = init.dirac_(ember.empty(4, 2, 3, 3), groups=2)
    x = ember.randn(1, 2, 5, 5)
    y = ember.nn.functional.conv2d(x, d, padding=1, groups=1)
    np.testing.assert_allclose(y[:, :2].numpy(), x.numpy(), atol=1e-6)
    p = nn.Parameter(ember.ones(3, 3))
    init.normal_(p)
    assert p.requires_grad and p.grad_fn is None
    for bad, f in [(ember.empty(3), init.xavier_uniform_), (ember.empty(3), init.eye_),
                   (ember.empty(3, 3), init.dirac_), (ember.empty(3), init.orthogonal_)]:
        with pytest.raises(ValueError):
            f(bad)
    with pytest.raises(ValueError, match="Mode fan_x not supported"):
        init.kaiming_uniform_(ember.empty(2, 2), mode="fan_x")


# ------------------------------------------------------------------ transforms over layers

def test_linear_under_function_transforms():
    ember.manual_seed(0)
    net = nn.Linear(2, 3)
    x = ember.randn(10, 2)
    W = net.weight.detach().numpy()
    assert vmap(net)(x).shape == (10, 3)
    np.testing.assert_allclose(vmap(jacrev(net))(x).detach().numpy(), np.broadcast_to(W, (10, 3, 2)),
                               rtol=1e-6)
    np.testing.assert_allclose(vmap(jacfwd(net))(x).detach().numpy(), np.broadcast_to(W, (10, 3, 2)),
                               rtol=1e-6)
    assert vmap(hessian(net))(x).shape == (10, 3, 2, 2)
    assert float(vmap(hessian(net))(x).abs().sum()) == 0


def test_per_sample_gradients_of_a_conv_net():
    ember.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Tanh(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(8, 3))
    params = {k: v.detach() for k, v in model.named_parameters()}
    x, t = ember.randn(4, 1, 6, 6), ember.tensor([0, 2, 1, 1])

    def loss(p, xi, ti):
        out = functional_call(model, p, (xi.unsqueeze(0),))
        return nn.functional.cross_entropy(out, ti.unsqueeze(0))

    per = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, t)
    for i in range(4):
        model.zero_grad()
        nn.functional.cross_entropy(model(x[i:i + 1]), t[i:i + 1]).backward()
        for k, p in model.named_parameters():
            np.testing.assert_allclose(per[k][i].numpy(), p.grad.numpy(), atol=1e-6, err_msg=k)
