"""nn.functional beyond the op table: option matrices and error messages against PyTorch,
graph node names, dropout statistics and randomness under vmap, embedding gradients."""
import itertools
import warnings

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.func import vmap, grad

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def both(a, dtype=None):
    a = np.asarray(a) if dtype is None else np.asarray(a, dtype=dtype)
    return ember.tensor(a), torch.tensor(a)


def err(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


def same_error(fe, ft):
    assert err(fe) == err(ft)


def close(a, b, atol=1e-10):
    np.testing.assert_allclose(np.asarray(a.detach().numpy(), np.float64),
                               b.detach().numpy().astype(np.float64), atol=atol, rtol=1e-7)


# ------------------------------------------------------------------ graph node names

def test_node_names_match_torch():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    img, k = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    t = np.array([1, 0, 3])
    cases = [
        lambda T, f: f.relu(T.tensor(x, requires_grad=True)),
        lambda T, f: f.linear(T.tensor(x, requires_grad=True), T.tensor(w), T.tensor(b)),
        lambda T, f: f.cross_entropy(T.tensor(x, requires_grad=True), T.tensor(t)),
        lambda T, f: f.nll_loss(T.tensor(x, requires_grad=True), T.tensor(t)),
        lambda T, f: f.conv2d(T.tensor(img, requires_grad=True), T.tensor(k)),
        lambda T, f: f.conv_transpose2d(T.tensor(img, requires_grad=True),
                                        T.tensor(k.transpose(1, 0, 2, 3).copy())),
        lambda T, f: f.max_pool2d(T.tensor(img, requires_grad=True), 2),
        lambda T, f: f.mse_loss(T.tensor(x, requires_grad=True), T.tensor(x * 2)),
        lambda T, f: f.smooth_l1_loss(T.tensor(x, requires_grad=True), T.tensor(x * 2)),
        lambda T, f: f.huber_loss(T.tensor(x, requires_grad=True), T.tensor(x * 2)),
        lambda T, f: f.binary_cross_entropy(T.tensor(x, requires_grad=True).sigmoid(),
                                            T.tensor(x > 0).double()),
        lambda T, f: f.binary_cross_entropy_with_logits(T.tensor(x, requires_grad=True),
                                                        T.tensor(x > 0).double()),
        lambda T, f: f.embedding(T.tensor(t), T.tensor(w, requires_grad=True)),
        lambda T, f: f.softmax(T.tensor(x, requires_grad=True), 1),
        lambda T, f: f.log_softmax(T.tensor(x, requires_grad=True), 1),
        lambda T, f: f.dropout(T.tensor(x, requires_grad=True), 0.5),
        lambda T, f: f.normalize(T.tensor(x, requires_grad=True)),
    ] + [(lambda n: lambda T, f: getattr(f, n)(T.tensor(x, requires_grad=True)))(n)
         for n in ("relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish",
                   "softplus", "softsign", "hardtanh", "hardsigmoid", "hardswish", "sigmoid",
                   "tanh", "logsigmoid")]
    for case in cases:
        assert case(ember, F).grad_fn.name() == case(torch, TF).grad_fn.name()
    ce = F.cross_entropy(ember.tensor(x, requires_grad=True), ember.tensor(t))
    assert ce.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"


# ------------------------------------------------------------------ cross entropy and nll

@pytest.mark.parametrize("shape,reduction,weighted,ignore,smoothing", list(itertools.product(
    [(5, 4), (3, 4, 2, 3), (4,)], ["mean", "sum", "none"], [False, True], [-100, 2],
    [0.0, 0.3])))
def test_cross_entropy_class_indices_vs_torch(shape, reduction, weighted, ignore, smoothing):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    C = shape[0] if len(shape) == 1 else shape[1]
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    t = rng.integers(0, C, size=tshape)
    if ignore == 2 and t.ndim:
        t.flat[0] = 2
    wt = rng.uniform(0.5, 2.0, size=C) if weighted else None
    res = []
    for T, f in ((ember, F), (torch, TF)):
        xx = T.tensor(x, requires_grad=True)
        out = f.cross_entropy(xx, T.tensor(t), weight=None if wt is None else T.tensor(wt),
                              ignore_index=ignore, reduction=reduction,
                              label_smoothing=smoothing)
        out.backward(T.ones_like(out))
        res.append((out, xx.grad))
    close(res[0][0], res[1][0])
    close(res[0][1], res[1][1])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2)])
def test_nll_loss_double_backward_vs_torch(reduction, weighted, shape):
    """The input gradient of nll_loss is its own primitive (NllLossBackwardBackward0): its
    gradient in the output gradient, and the node names, match PyTorch."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    t = rng.integers(0, shape[1], size=(shape[0],) + shape[2:])
    t.flat[0] = 1                                   # an ignored target
    wt = rng.uniform(0.5, 2.0, size=shape[1]) if weighted else None
    res = []
    for T, f in ((ember, F), (torch, TF)):
        xx = T.tensor(x, requires_grad=True)
        out = f.nll_loss(xx, T.tensor(t), weight=None if wt is None else T.tensor(wt),
                         ignore_index=1, reduction=reduction)
        n = int(np.prod(tuple(out.shape)))
        g = T.tensor(np.linspace(0.5, 1.5, n).reshape(tuple(out.shape)), requires_grad=True)
        gx, = T.autograd.grad(out, xx, g, create_graph=True)
        v = T.tensor(np.cos(np.arange(gx.numel())).reshape(tuple(gx.shape)))
        gg, = T.autograd.grad((gx * v).sum(), g)
        res.append((gx, gg, gx.grad_fn.name()))
    close(res[0][0], res[1][0])
    close(res[0][1], res[1][1])
    if len(shape) == 2:                 # PyTorch reshapes the (N, C, d) case around its node
        assert res[0][2] == res[1][2]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_input_gradient_batches_like_a_loop(reduction, weighted):
    from ember.nn.functional._loss_prims import _nll_grad
    rng = np.random.default_rng(3)
    B, N, C = 3, 5, 4
    gs = ember.tensor(rng.standard_normal((B,) if reduction != "none" else (B, N)))
    ts = ember.tensor(rng.integers(0, C, size=(B, N)))
    ws = ember.tensor(rng.uniform(0.5, 2, size=(B, 1, C)))

    def f(g, t, w):
        return _nll_grad(g, t, w if weighted else None, shape=(N, C), dtype=np.dtype("float64"),
                         ignore_index=2, reduction=reduction, cdim=1)
    for dims in itertools.product((0, None), repeat=3):
        if dims == (None, None, None):
            continue
        args = [a if d == 0 else a[0] for a, d in zip((gs, ts, ws), dims)]
        got = vmap(f, in_dims=dims)(*args)
        want = ember.stack([f(*(a[b] if d == 0 else a for a, d in zip(args, dims)))
                            for b in range(B)])
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
def test_cross_entropy_probabilities_vs_torch(reduction, smoothing):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4, 2))
    p = rng.uniform(size=(3, 4, 2))
    p /= p.sum(1, keepdims=True)
    w = rng.uniform(0.5, 2, size=4)
    outs = []
    for T, f in ((ember, F), (torch, TF)):
        xx, pp = T.tensor(x, requires_grad=True), T.tensor(p, requires_grad=True)
        out = f.cross_entropy(xx, pp, weight=T.tensor(w), reduction=reduction,
                              label_smoothing=smoothing)
        out.sum().backward()
        outs.append((out, xx.grad, pp.grad))
    for a, b in zip(*outs):
        close(a, b)


def test_nll_and_cross_entropy_errors_match_torch():
    x = np.random.default_rng(0).standard_normal((3, 4))
    cases = [
        lambda T, f: f.nll_loss(T.tensor(x), T.tensor([1, 0, 5])),
        lambda T, f: f.nll_loss(T.tensor(x), T.tensor([1, 0])),
        lambda T, f: f.nll_loss(T.tensor(x), T.tensor([1, 0, 2], dtype=T.int32)),
        lambda T, f: f.nll_loss(T.tensor(x), T.tensor([1.0, 0, 2])),
        lambda T, f: f.nll_loss(T.tensor(x), T.tensor([1, 0, 2]), weight=T.ones(3)),
        lambda T, f: f.nll_loss(T.tensor(x), T.tensor([1, 0, 2]), reduction="avg"),
        lambda T, f: f.nll_loss(T.randn(3, 4, 5), T.tensor([1, 0, 2])),
        lambda T, f: f.cross_entropy(T.tensor(x), T.tensor([1, 0, 2]), label_smoothing=1.5),
        lambda T, f: f.cross_entropy(T.tensor(x), T.rand(3, 5)),
        lambda T, f: f.binary_cross_entropy(T.tensor(x), T.rand(3, 4, dtype=T.float64)),
        lambda T, f: f.binary_cross_entropy(T.rand(3, 1), T.rand(3)),
        lambda T, f: f.binary_cross_entropy_with_logits(T.tensor(x), T.rand(3)),
        lambda T, f: f.mse_loss(T.tensor(x), T.tensor(x), weight=T.ones(4)),
        lambda T, f: f.kl_div(T.tensor(x), T.tensor(x), reduction="avg"),
    ]
    for case in cases:
        same_error(lambda: case(ember, F), lambda: case(torch, TF))


def test_nll_loss_all_ignored_and_unbatched():
    x = np.random.default_rng(0).standard_normal((3, 4))
    for T, f in ((ember, F), (torch, TF)):
        assert np.isnan(float(f.nll_loss(T.tensor(x), T.tensor([-100, -100, -100]))))
    xe, xt = both(x[0])
    close(F.nll_loss(xe, ember.tensor(1), reduction="none"),
          TF.nll_loss(xt, torch.tensor(1), reduction="none"))
    assert F.cross_entropy(xe, ember.tensor(2), reduction="none").shape == ()


# ------------------------------------------------------------------ other losses

def test_loss_warnings_and_legacy_arguments():
    xe, xt = both(np.ones((3, 4)))
    ye, yt = both(np.zeros(4))
    with pytest.warns(UserWarning, match="Using a target size"):
        close(F.mse_loss(xe, ye), TF.mse_loss(xt, yt))
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(xe, xe)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        out = F.l1_loss(xe, xe * 3, size_average=False)
    assert float(out) == 24.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert F.mse_loss(xe, xe * 2, reduce=False).shape == (3, 4)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_weighted_regression_losses_vs_torch(reduction):
    rng = np.random.default_rng(0)
    x, y, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.uniform(size=(3, 4))
    for name in ("mse_loss", "l1_loss", "huber_loss"):
        outs = []
        for T, f in ((ember, F), (torch, TF)):
            xx = T.tensor(x, requires_grad=True)
            out = getattr(f, name)(xx, T.tensor(y), reduction=reduction, weight=T.tensor(w))
            out.sum().backward()
            outs.append((out, xx.grad))
        close(outs[0][0], outs[1][0])
        close(outs[0][1], outs[1][1])


def test_bce_clamps_log_and_smooth_l1_beta_zero():
    xe, xt = both([0.0, 1.0, 0.5])
    ye, yt = both([1.0, 0.0, 0.5])
    close(F.binary_cross_entropy(xe, ye, reduction="none"),
          TF.binary_cross_entropy(xt, yt, reduction="none"))
    ae, at = both([0.5, -2.0])
    be, bt = both([0.0, 0.0])
    close(F.smooth_l1_loss(ae, be, beta=0.0), TF.smooth_l1_loss(at, bt, beta=0.0))


# ------------------------------------------------------------------ dropout

def test_dropout_statistics_and_gradient():
    ember.manual_seed(0)
    x = ember.ones(200, 100, requires_grad=True)
    y = F.dropout(x, 0.3)
    kept = (y.detach().numpy() != 0)
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y.detach().numpy()[kept], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy(), rtol=1e-6)
    assert F.dropout(x, 0.3, training=False) is x
    assert float(F.dropout(x, 1.0).abs().sum()) == 0
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        F.dropout(x, -0.1)


def test_feature_dropout_zeroes_whole_channels():
    ember.manual_seed(1)
    y = F.dropout2d(ember.ones(8, 16, 3, 3), 0.5).numpy()
    per_channel = y.reshape(8, 16, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    y1 = F.dropout1d(ember.ones(16, 5), 0.5).numpy()
    assert np.all((y1 == 0).all(-1) | (y1 == 2).all(-1))
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        F.dropout2d(ember.ones(2, 3, 4))
    same_error(lambda: F.dropout1d(ember.ones(2, 3, 4, 5)),
               lambda: TF.dropout1d(torch.ones(2, 3, 4, 5)))


def test_dropout_randomness_under_vmap():
    x = ember.ones(4, 50)
    with pytest.raises(RuntimeError):
        vmap(lambda r: F.dropout(r, 0.5))(x)
    ember.manual_seed(0)
    diff = vmap(lambda r: F.dropout(r, 0.5), randomness="different")(x).numpy()
    assert not all(np.array_equal(diff[0], r) for r in diff[1:])
    same = vmap(lambda r: F.dropout(r, 0.5), randomness="same")(x).numpy()
    assert all(np.array_equal(same[0], r) for r in same[1:])
    assert vmap(lambda r: F.dropout(r, 0.5, training=False))(x).shape == (4, 50)


# ------------------------------------------------------------------ embedding, one_hot

def test_embedding_padding_idx_gradient_vs_torch():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((6, 3))
    idx = np.array([[0, 2, 2], [5, 0, 1]])
    grads = []
    for T, f in ((ember, F), (torch, TF)):
        ww = T.tensor(w, requires_grad=True)
        out = f.embedding(T.tensor(idx), ww, padding_idx=0)
        (out * T.tensor(rng.standard_normal(out.shape) * 0 + 1.5)).sum().backward()
        grads.append(ww.grad)
    close(*grads)
    assert float(grads[0][0].abs().sum()) == 0
    same_error(lambda: F.embedding(ember.tensor([6]), ember.tensor(w)),
               lambda: TF.embedding(torch.tensor([6]), torch.tensor(w)))
    same_error(lambda: F.embedding(ember.tensor([1.0]), ember.tensor(w)),
               lambda: TF.embedding(torch.tensor([1.0]), torch.tensor(w)))


def test_embedding_with_batched_weights_under_vmap():
    ws = ember.randn(3, 5, 2)
    idx = ember.tensor([[1, 4], [0, 0]])
    out = vmap(F.embedding, in_dims=(None, 0))(idx, ws)
    for b in range(3):
        np.testing.assert_array_equal(out[b].numpy(), ws[b].numpy()[idx.numpy()])
    g = vmap(grad(lambda w: F.embedding(idx, w, padding_idx=4).sum()))(ws)
    expect = np.zeros((5, 2))
    np.add.at(expect, idx.numpy().ravel(), 1.0)
    expect[4] = 0
    for b in range(3):
        np.testing.assert_array_equal(g[b].numpy(), expect)


def test_one_hot():
    assert F.one_hot(ember.tensor([0, 2, 1])).tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    out = F.one_hot(ember.tensor([[1], [3]]), 5)
    assert out.dtype == ember.int64 and out.shape == (2, 1, 5)
    for bad in ([-1, 0], [5]):
        same_error(lambda: F.one_hot(ember.tensor(bad), 5),
                   lambda: TF.one_hot(torch.tensor(bad), 5))
    same_error(lambda: F.one_hot(ember.tensor([1.0])), lambda: TF.one_hot(torch.tensor([1.0])))


# ------------------------------------------------------------------ activations, softmax

def test_softmax_implicit_dim_and_dtype():
    xe, xt = both(np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        a = F.softmax(xe)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        close(a, TF.softmax(xt), atol=1e-6)
        close(F.log_softmax(xe[0]), TF.log_softmax(xt[0]), atol=1e-6)
    out = F.softmin(xe, 1, dtype=ember.float64)
    assert out.dtype == ember.float64
    close(out, TF.softmin(xt, 1, dtype=torch.float64), atol=1e-6)


def test_activation_argument_errors_and_inplace():
    same_error(lambda: F.gelu(ember.ones(2), approximate="fast"),
               lambda: TF.gelu(torch.ones(2), approximate="fast"))
    x = ember.tensor([-1.0, 2.0])
    assert F.relu(x, inplace=True) is x and x.tolist() == [0.0, 2.0]
    y = ember.tensor([-1.0, 2.0])
    F.leaky_relu_(y, 0.5)
    assert y.tolist() == [-0.5, 2.0]
    xe, xt = both([-50.0, -1.0, 0.0, 30.0, 100.0])
    for name in ("softplus", "logsigmoid", "silu", "mish", "gelu", "elu", "selu"):
        close(getattr(F, name)(xe), getattr(TF, name)(xt), atol=1e-12)


# ------------------------------------------------------------------ conv, pooling, norms

def test_conv_and_pool_errors_match_torch():
    x = np.zeros((2, 3, 8, 8))
    w = np.zeros((4, 3, 3, 3))
    cases = [
        lambda T, f: f.conv2d(T.tensor(x[0, 0]), T.tensor(w)),
        lambda T, f: f.conv2d(T.tensor(x), T.tensor(w[:, :2])),
        lambda T, f: f.conv2d(T.tensor(x), T.tensor(w), groups=2),
        lambda T, f: f.conv2d(T.tensor(x), T.tensor(w), padding="same", stride=2),
        lambda T, f: f.conv2d(T.tensor(x), T.tensor(w), padding="full"),
        lambda T, f: f.conv2d(T.tensor(x), T.zeros(4, 3, 9, 9, dtype=T.float64)),
        lambda T, f: f.conv2d(T.tensor(x), T.tensor(w), bias=T.zeros(3, dtype=T.float64)),
        lambda T, f: f.conv2d(T.tensor(x).float(), T.tensor(w)),
        lambda T, f: f.conv2d(T.tensor(x), T.tensor(w), stride=0),
        lambda T, f: f.conv2d(T.tensor(x), T.tensor(w), padding=-1),
        lambda T, f: f.conv2d(T.tensor(x), T.tensor(w), stride=(1, 1, 1)),
        lambda T, f: f.conv_transpose2d(T.tensor(x), T.zeros(3, 2, 3, 3, dtype=T.float64),
                                        stride=2, output_padding=2),
        lambda T, f: f.conv_transpose2d(T.tensor(x), T.zeros(4, 2, 3, 3, dtype=T.float64)),
        lambda T, f: f.max_pool2d(T.tensor(x), 3, padding=2),
        lambda T, f: f.max_pool2d(T.tensor(x), 9),
        lambda T, f: f.avg_pool2d(T.tensor(x), 3, padding=2),
        lambda T, f: f.max_pool2d(T.tensor(x[0, 0]), 2),
        lambda T, f: f.max_pool1d(T.tensor(x[0, 0, 0]), 2),
        lambda T, f: f.adaptive_avg_pool2d(T.tensor(x[0, 0, 0]), 2),
        lambda T, f: f.batch_norm(T.tensor(x), None, None, training=False),
        lambda T, f: f.batch_norm(T.tensor(x[:1, :, :1, :1]), None, None, training=True),
        lambda T, f: f.layer_norm(T.tensor(x), (4,)),
        lambda T, f: f.group_norm(T.tensor(x), 2),
        lambda T, f: f.instance_norm(T.tensor(x), use_input_stats=False),
    ]
    for case in cases:
        same_error(lambda: case(ember, F), lambda: case(torch, TF))


def test_batch_norm_functional_updates_running_stats():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 3, 2))
    stats = []
    for T, f in ((ember, F), (torch, TF)):
        rm, rv = T.zeros(3, dtype=T.float64), T.ones(3, dtype=T.float64)
        out = f.batch_norm(T.tensor(x), rm, rv, training=True, momentum=0.2)
        stats.append((out, rm, rv))
    for a, b in zip(*stats):
        close(a, b)


def test_pad_is_reexported():
    from ember.ops.pad import pad
    assert F.pad is pad
    xe, xt = both(np.arange(6.0).reshape(1, 2, 3))
    close(F.pad(xe, (1, 2), value=-1.0), TF.pad(xt, (1, 2), value=-1.0))


# ------------------------------------------------------------------ attention, distances

def test_sdpa_fully_masked_rows_and_gqa():
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal(s) for s in ((2, 4, 3, 8), (2, 2, 5, 8), (2, 2, 5, 6)))
    mask = rng.uniform(size=(3, 5)) > 0.5
    mask[1] = False
    outs = []
    for T, f in ((ember, F), (torch, TF)):
        qq = T.tensor(q, requires_grad=True)
        out = f.scaled_dot_product_attention(qq, T.tensor(k), T.tensor(v),
                                             attn_mask=T.tensor(mask), enable_gqa=True)
        out.sum().backward()
        outs.append((out, qq.grad))
    close(outs[0][0], outs[1][0])
    close(outs[0][1], outs[1][1])
    assert float(outs[0][0][:, :, 1].abs().sum()) == 0
    assert np.isfinite(outs[0][1].numpy()).all()


def test_sdpa_dropout():
    q = ember.randn(2, 5, 4)
    v = ember.randn(2, 5, 3)
    ember.manual_seed(0)
    a = F.scaled_dot_product_attention(q, q, v, dropout_p=0.5)
    ember.manual_seed(0)
    b = F.scaled_dot_product_attention(q, q, v, dropout_p=0.5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    plain = F.scaled_dot_product_attention(q, q, v)
    assert not np.allclose(a.numpy(), plain.numpy())
    ones = ember.ones(1, 400, 1)
    avg = F.scaled_dot_product_attention(ember.zeros(1, 1, 1), ember.zeros(1, 400, 1), ones,
                                         dropout_p=0.25)
    assert abs(float(avg) - 1.0) < 0.1        # kept weights are rescaled by 1 / (1 - p)


def test_distance_functions_vs_torch():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    a[0] = 0.0
    for fn in (lambda f, x, y: f.cosine_similarity(x, y),
               lambda f, x, y: f.pairwise_distance(x, y, p=1.0, keepdim=True),
               lambda f, x, y: f.normalize(x, dim=0) + f.normalize(y, p=1.0)):
        outs = []
        for T, f in ((ember, F), (torch, TF)):
            x, y = T.tensor(a, requires_grad=True), T.tensor(b, requires_grad=True)
            out = fn(f, x, y)
            out.sum().backward()
            outs.append((out, x.grad, y.grad))
        for p, q in zip(*outs):
            close(p, q)


# ------------------------------------------------------------------ special values

_ROWS = {"plain": [1.0, 2.0, 3.0, 4.0], "zero": [0.0, 2.0, 3.0, 4.0],
         "inf": [float("inf"), 2.0, 3.0, 4.0], "nan": [float("nan"), 2.0, 3.0, 4.0],
         "ties": [2.0, 2.0, 1.0, 2.0], "const": [3.0, 3.0, 3.0, 3.0]}
_LOSSES = {
    "mse": lambda T, f, x: f.mse_loss(x, T.ones(4, dtype=x.dtype)),
    "l1": lambda T, f, x: f.l1_loss(x, T.full((4,), 2.0, dtype=x.dtype)),
    "smooth_l1": lambda T, f, x: f.smooth_l1_loss(x, T.full((4,), 2.0, dtype=x.dtype)),
    "huber": lambda T, f, x: f.huber_loss(x, T.full((4,), 3.0, dtype=x.dtype)),
    "cross_entropy": lambda T, f, x: f.cross_entropy(x[None], T.tensor([1])),
    "bce_with_logits": lambda T, f, x: f.binary_cross_entropy_with_logits(
        x, T.tensor([1., 0., 1., 0.], dtype=x.dtype)),
    "layer_norm": lambda T, f, x: (f.layer_norm(x, (4,)) * T.arange(4.)).sum(),
    "normalize": lambda T, f, x: (f.normalize(x, dim=0) * T.arange(4.)).sum(),
    "cosine_similarity": lambda T, f, x: f.cosine_similarity(
        x, T.tensor([1., 2., 0., 1.], dtype=x.dtype), dim=0),
    "dist": lambda T, f, x: T.dist(x, T.tensor([1., 2., 3., 4.], dtype=x.dtype)),
    "bce": lambda T, f, x: f.binary_cross_entropy(T.sigmoid(x) if x.requires_grad else x,
                                                  T.tensor([1., 0., 1., 0.], dtype=x.dtype)),
    "var": lambda T, f, x: x.var(), "std": lambda T, f, x: x.std(),
    "logsumexp": lambda T, f, x: T.logsumexp(x, 0),
    "log_softmax": lambda T, f, x: (T.log_softmax(x, 0) * T.arange(4.)).sum(),
}


@pytest.mark.parametrize("row", sorted(_ROWS))
@pytest.mark.parametrize("name", sorted(_LOSSES))
def test_losses_and_reductions_at_special_values_match_torch(name, row):
    """NaN and inf inputs give PyTorch's values, gradients, or errors (a NaN difference keeps
    smooth_l1's and huber's gradient NaN; binary_cross_entropy rejects NaN)."""
    out = []
    for T, f in ((ember, F), (torch, TF)):
        x = T.tensor(_ROWS[row], dtype=T.float64, requires_grad=True)
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                y = _LOSSES[name](T, f, x)
                y.backward()
            out.append((np.asarray(y.detach().numpy()), np.asarray(x.grad.numpy())))
        except RuntimeError as e:
            out.append(str(e))
    if isinstance(out[0], str) or isinstance(out[1], str):
        assert out[0] == out[1]
        return
    for k in (0, 1):
        np.testing.assert_allclose(out[0][k], out[1][k], rtol=1e-6, atol=1e-9, equal_nan=True)
