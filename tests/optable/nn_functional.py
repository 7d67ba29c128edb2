"""Rows for ``nn.functional``: activations, linear maps, convolutions, pooling, normalisation,
embeddings, distances, attention and losses."""
import numpy as np

import ember
from ._opinfo import OpInfo, S, rand, unary_samples


def F(T):
    return T.nn.functional


def _cases(*fns):
    return lambda rng: [f(rng) for f in fns]


def _ints(rng, hi, *shape, lo=0):
    return rng.integers(lo, hi, size=shape).astype(np.int64)


def _probs(rng, *shape):
    p = rng.uniform(0.1, 1.0, size=shape)
    return p / p.sum(1, keepdims=True)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


_SELU_A, _SELU_S = 1.6732632423543772, 1.0507009873554805


def _act(name, call, ref=None, samples=None, **kw):
    return OpInfo(name, call, samples or unary_samples(), ref=ref, **kw)


ACTIVATIONS = [
    _act("nn.relu", lambda T, x: F(T).relu(x), lambda x: np.maximum(x, 0)),
    _act("nn.relu6", lambda T, x: F(T).relu6(x), lambda x: np.clip(x, 0, 6),
         unary_samples(-9, 9)),
    _act("nn.leaky_relu", lambda T, x: F(T).leaky_relu(x, 0.2),
         lambda x: np.where(x > 0, x, 0.2 * x)),
    _act("nn.elu", lambda T, x: F(T).elu(x, 1.5), lambda x: np.where(x > 0, x, 1.5 * np.expm1(x))),
    _act("nn.selu", lambda T, x: F(T).selu(x),
         lambda x: _SELU_S * np.where(x > 0, x, _SELU_A * np.expm1(x))),
    _act("nn.celu", lambda T, x: F(T).celu(x, 0.7),
         lambda x: np.where(x > 0, x, 0.7 * np.expm1(x / 0.7))),
    _act("nn.gelu", lambda T, x: F(T).gelu(x)),
    _act("nn.gelu.tanh", lambda T, x: F(T).gelu(x, approximate="tanh"),
         lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    _act("nn.silu", lambda T, x: F(T).silu(x), lambda x: x * _sigmoid(x)),
    _act("nn.mish", lambda T, x: F(T).mish(x), lambda x: x * np.tanh(_softplus(x))),
    _act("nn.softplus", lambda T, x: F(T).softplus(x, beta=2.0, threshold=3.0),
         lambda x: np.where(2 * x > 3, x, _softplus(2 * x) / 2), unary_samples(-3, 3)),
    _act("nn.softsign", lambda T, x: F(T).softsign(x), lambda x: x / (1 + np.abs(x))),
    _act("nn.hardtanh", lambda T, x: F(T).hardtanh(x, -0.5, 1.5), lambda x: np.clip(x, -0.5, 1.5)),
    _act("nn.hardsigmoid", lambda T, x: F(T).hardsigmoid(x),
         lambda x: np.clip(x / 6 + 0.5, 0, 1), unary_samples(-5, 5)),
    _act("nn.hardswish", lambda T, x: F(T).hardswish(x),
         lambda x: x * np.clip(x + 3, 0, 6) / 6, unary_samples(-5, 5)),
    _act("nn.sigmoid", lambda T, x: F(T).sigmoid(x), _sigmoid),
    _act("nn.tanh", lambda T, x: F(T).tanh(x), np.tanh),
    _act("nn.logsigmoid", lambda T, x: F(T).logsigmoid(x), lambda x: -_softplus(-x),
         unary_samples(-30, 30)),
    _act("nn.threshold", lambda T, x: F(T).threshold(x, 0.3, -2.0),
         lambda x: np.where(x > 0.3, x, -2.0)),
    _act("nn.tanhshrink", lambda T, x: F(T).tanhshrink(x), lambda x: x - np.tanh(x)),
    OpInfo("nn.glu", lambda T, x: F(T).glu(x, 1), lambda rng: [S(rand(rng, 3, 4))],
           ref=lambda x: x[:, :2] * _sigmoid(x[:, 2:])),
    OpInfo("nn.softmax", lambda T, x: F(T).softmax(x, dim=1),
           lambda rng: [S(rand(rng, 3, 4)), S(rand(rng, 2, 3, 4))]),
    OpInfo("nn.softmax.dtype", lambda T, x: F(T).softmax(x, -1, dtype=T.float64),
           lambda rng: [S(rand(rng, 3, 4))]),
    OpInfo("nn.log_softmax", lambda T, x: F(T).log_softmax(x, dim=-1),
           lambda rng: [S(rand(rng, 3, 4)), S(rand(rng, 5))]),
    OpInfo("nn.softmin", lambda T, x: F(T).softmin(x, dim=0),
           lambda rng: [S(rand(rng, 3, 4))],
           ref=lambda x: np.exp(-x) / np.exp(-x).sum(0, keepdims=True)),
    OpInfo("nn.dropout.eval", lambda T, x: F(T).dropout(x, 0.5, training=False),
           unary_samples(), ref=lambda x: x),
    OpInfo("nn.dropout.seeded", lambda T, x: (T.manual_seed(3), F(T).dropout(x, 0.4))[1],
           lambda rng: [S(rand(rng, 4, 5))], torch_compare=False, vmap=False,
           ref=lambda x: x * (ember.manual_seed(3), F(ember).dropout(
               ember.ones(x.shape, dtype=str(x.dtype)), 0.4))[1].numpy()),
    OpInfo("nn.dropout2d.seeded", lambda T, x: (T.manual_seed(5), F(T).dropout2d(x, 0.5))[1],
           lambda rng: [S(rand(rng, 2, 6, 2, 2))], torch_compare=False, vmap=False,
           ref=lambda x: x * (ember.manual_seed(5), F(ember).dropout2d(
               ember.ones(x.shape, dtype=str(x.dtype)), 0.5))[1].numpy()),
]


def _conv_case(x, w, b=None, **kw):
    return lambda rng: S(rand(rng, *x), rand(rng, *w), rand(rng, *b) if b else None, **kw)


LINEAR = [
    OpInfo("nn.linear", lambda T, x, w, b: F(T).linear(x, w, b),
           lambda rng: [S(rand(rng, 3, 4), rand(rng, 5, 4), rand(rng, 5)),
                        S(rand(rng, 4), rand(rng, 5, 4), rand(rng, 5)),
                        S(rand(rng, 2, 3, 4), rand(rng, 5, 4), None)],
           ref=lambda x, w, b: x @ w.T + (0 if b is None else b)),
    OpInfo("nn.bilinear", lambda T, a, b, w, c: F(T).bilinear(a, b, w, c),
           lambda rng: [S(rand(rng, 3, 2), rand(rng, 3, 4), rand(rng, 5, 2, 4), rand(rng, 5))],
           ref=lambda a, b, w, c: np.einsum("ni,oij,nj->no", a, w, b) + c),
    OpInfo("nn.conv1d", lambda T, x, w, b, **kw: F(T).conv1d(x, w, b, **kw),
           _cases(_conv_case((2, 3, 7), (4, 3, 3), (4,), stride=2, padding=1),
                  _conv_case((2, 4, 6), (4, 2, 2), None, dilation=2, groups=2, padding="same"),
                  _conv_case((3, 7), (2, 3, 3), (2,), padding="valid"))),
    OpInfo("nn.conv2d", lambda T, x, w, b, **kw: F(T).conv2d(x, w, b, **kw),
           _cases(_conv_case((2, 2, 5, 4), (3, 2, 3, 2), (3,), stride=(2, 1), padding=(1, 0)),
                  _conv_case((1, 4, 5, 5), (2, 2, 2, 3), None, groups=2, dilation=(2, 1),
                             padding="same"),
                  _conv_case((2, 4, 4), (3, 2, 2, 2), (3,), groups=1, padding=1))),
    OpInfo("nn.conv_transpose2d", lambda T, x, w, b, **kw: F(T).conv_transpose2d(x, w, b, **kw),
           _cases(_conv_case((2, 2, 3, 3), (2, 3, 2, 3), (3,), stride=2, padding=(1, 0),
                             output_padding=1),
                  _conv_case((1, 4, 3, 2), (4, 1, 3, 2), None, groups=2, dilation=2,
                             output_padding=1),
                  _conv_case((2, 3, 3), (2, 2, 2, 2), (2,), stride=(1, 2)))),
    OpInfo("nn.embedding", lambda T, i, w: F(T).embedding(i, w),
           lambda rng: [S(_ints(rng, 5, 2, 3), rand(rng, 5, 3)), S(_ints(rng, 4, 6), rand(rng, 4, 2))],
           ref=lambda i, w: w[i], diff_args=(1,)),
    OpInfo("nn.one_hot", lambda T, i: F(T).one_hot(i, 5),
           lambda rng: [S(_ints(rng, 5, 2, 3)), S(_ints(rng, 5, 4))],
           ref=lambda i: np.eye(5, dtype=np.int64)[i], grad=False, jvp=False),
    OpInfo("nn.normalize", lambda T, x: F(T).normalize(x, p=3.0, dim=-1),
           lambda rng: [S(rand(rng, 3, 4)), S(rand(rng, 2, 3, 4))],
           ref=lambda x: x / (np.abs(x) ** 3).sum(-1, keepdims=True) ** (1 / 3)),
    OpInfo("nn.cosine_similarity", lambda T, a, b: F(T).cosine_similarity(a, b, dim=-1),
           lambda rng: [S(rand(rng, 3, 4), rand(rng, 3, 4)), S(rand(rng, 2, 3, 4), rand(rng, 4))],
           ref=lambda a, b: (a * b).sum(-1) / np.sqrt((a * a).sum(-1) * (b * b).sum(-1))),
    OpInfo("nn.pairwise_distance", lambda T, a, b: F(T).pairwise_distance(a, b),
           lambda rng: [S(rand(rng, 3, 4), rand(rng, 3, 4)), S(rand(rng, 4), rand(rng, 2, 4))],
           ref=lambda a, b: np.sqrt(((a - b + 1e-6) ** 2).sum(-1))),
]


def _pool(name, call, *cases, **kw):
    return OpInfo(name, call, lambda rng: [S(rand(rng, *shape), **opts) for shape, opts in cases],
                  **kw)


POOLING = [
    _pool("nn.max_pool2d", lambda T, x, **kw: F(T).max_pool2d(x, **kw),
          ((2, 2, 5, 6), dict(kernel_size=3, stride=2, padding=1)),
          ((1, 2, 5, 5), dict(kernel_size=(2, 3), stride=(2, 1), dilation=(2, 1),
                              ceil_mode=True)),
          ((2, 4, 4), dict(kernel_size=2))),
    _pool("nn.max_pool2d.indices",
          lambda T, x, **kw: F(T).max_pool2d(x, 2, padding=1, return_indices=True, **kw),
          ((2, 2, 4, 5), {}), ((3, 3, 3), dict(ceil_mode=True))),
    _pool("nn.max_pool1d", lambda T, x, **kw: F(T).max_pool1d(x, **kw),
          ((2, 3, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
          ((3, 6), dict(kernel_size=2, dilation=2))),
    _pool("nn.avg_pool2d", lambda T, x, **kw: F(T).avg_pool2d(x, **kw),
          ((2, 2, 5, 6), dict(kernel_size=3, stride=2, padding=1)),
          ((1, 2, 5, 5), dict(kernel_size=2, padding=1, ceil_mode=True,
                              count_include_pad=False)),
          ((2, 4, 4), dict(kernel_size=(2, 3), divisor_override=4))),
    _pool("nn.avg_pool1d", lambda T, x, **kw: F(T).avg_pool1d(x, **kw),
          ((2, 3, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
          ((3, 6), dict(kernel_size=2, count_include_pad=False, padding=1))),
    _pool("nn.adaptive_avg_pool2d", lambda T, x, **kw: F(T).adaptive_avg_pool2d(x, **kw),
          ((2, 2, 5, 7), dict(output_size=(3, 4))), ((2, 4, 4), dict(output_size=(None, 3)))),
    _pool("nn.adaptive_avg_pool1d", lambda T, x, **kw: F(T).adaptive_avg_pool1d(x, **kw),
          ((2, 3, 7), dict(output_size=3)), ((3, 5), dict(output_size=5))),
]


def _norm_samples(x, C):
    return lambda rng: [S(rand(rng, *x), rand(rng, C), rand(rng, C))]


NORMS = [
    OpInfo("nn.batch_norm.train",
           lambda T, x, w, b: F(T).batch_norm(x, None, None, w, b, training=True),
           lambda rng: [S(rand(rng, 4, 3), rand(rng, 3), rand(rng, 3)),
                        S(rand(rng, 2, 3, 4, 2), rand(rng, 3), rand(rng, 3))]),
    OpInfo("nn.batch_norm.eval",
           lambda T, x, m, v, w, b: F(T).batch_norm(x, m, v, w, b, training=False),
           lambda rng: [S(rand(rng, 4, 3, 2), rand(rng, 3), rand(rng, 3, lo=0.5, hi=2.0),
                          rand(rng, 3), rand(rng, 3))], diff_args=(0, 3, 4)),
    OpInfo("nn.layer_norm", lambda T, x, w, b: F(T).layer_norm(x, w.shape, w, b),
           lambda rng: [S(rand(rng, 3, 4), rand(rng, 4), rand(rng, 4)),
                        S(rand(rng, 2, 3, 4), rand(rng, 3, 4), rand(rng, 3, 4))]),
    OpInfo("nn.layer_norm.plain", lambda T, x: F(T).layer_norm(x, (4,), eps=1e-3),
           lambda rng: [S(rand(rng, 3, 4))]),
    OpInfo("nn.group_norm", lambda T, x, w, b: F(T).group_norm(x, 2, w, b),
           lambda rng: [S(rand(rng, 2, 4, 3), rand(rng, 4), rand(rng, 4)),
                        S(rand(rng, 2, 4, 2, 2), rand(rng, 4), rand(rng, 4))]),
    OpInfo("nn.instance_norm", lambda T, x, w, b: F(T).instance_norm(x, weight=w, bias=b),
           lambda rng: [S(rand(rng, 2, 3, 4), rand(rng, 3), rand(rng, 3))]),
]


def _sdpa(T, q, k, v, m=None, **kw):
    return F(T).scaled_dot_product_attention(q, k, v, attn_mask=m, **kw)


def _bool_mask(rng, *shape):
    m = rng.uniform(size=shape) > 0.4
    m[..., 0] = True
    return m


ATTENTION = [
    OpInfo("nn.sdpa", _sdpa,
           lambda rng: [S(rand(rng, 2, 3, 4), rand(rng, 2, 5, 4), rand(rng, 2, 5, 3)),
                        S(rand(rng, 2, 3, 4), rand(rng, 2, 3, 4), rand(rng, 2, 3, 2),
                          is_causal=True),
                        S(rand(rng, 3, 4), rand(rng, 5, 4), rand(rng, 5, 2), rand(rng, 3, 5),
                          scale=0.3),
                        S(rand(rng, 2, 3, 4), rand(rng, 2, 5, 4), rand(rng, 2, 5, 3),
                          _bool_mask(rng, 3, 5))]),
]


def _red(name, call, samples, reductions=("mean", "sum", "none"), **kw):
    return [OpInfo(f"{name}.{r}", (lambda r: lambda T, *a, **k: call(T, *a, reduction=r, **k))(r),
                   samples, **kw) for r in reductions]


def _pair(*shape, lo=-2.0, hi=2.0, lo2=None, hi2=None):
    return lambda rng: S(rand(rng, *shape, lo=lo, hi=hi),
                         rand(rng, *shape, lo=lo if lo2 is None else lo2,
                              hi=hi if hi2 is None else hi2))


def _targets(C, *shape, ignore=None):
    """Class targets; with ``ignore``, exactly the first one is the ignored class."""
    def gen(rng):
        if ignore is None:
            return _ints(rng, C, *shape)
        others = np.array([c for c in range(C) if c != ignore])
        t = others[rng.integers(0, len(others), size=shape)].astype(np.int64)
        t.flat[0] = ignore
        return t
    return gen


LOSSES = (
    _red("nn.mse_loss", lambda T, x, y, **k: F(T).mse_loss(x, y, **k),
         _cases(_pair(3, 4), _pair(5))) +
    _red("nn.mse_loss.weight", lambda T, x, y, w, **k: F(T).mse_loss(x, y, weight=w, **k),
         lambda rng: [S(rand(rng, 3, 4), rand(rng, 3, 4), rand(rng, 3, 4, lo=0.1, hi=1))],
         diff_args=(0, 1)) +
    _red("nn.l1_loss", lambda T, x, y, **k: F(T).l1_loss(x, y, **k), _cases(_pair(3, 4))) +
    _red("nn.smooth_l1_loss", lambda T, x, y, **k: F(T).smooth_l1_loss(x, y, beta=0.5, **k),
         _cases(_pair(3, 4))) +
    _red("nn.huber_loss", lambda T, x, y, **k: F(T).huber_loss(x, y, delta=0.7, **k),
         _cases(_pair(3, 4))) +
    _red("nn.nll_loss", lambda T, x, t, **k: F(T).nll_loss(x, t, **k),
         lambda rng: [S(rand(rng, 4, 3), _targets(3, 4)(rng)),
                      S(rand(rng, 2, 3, 2, 2), _targets(3, 2, 2, 2)(rng)),
                      S(rand(rng, 3), np.array(1, dtype=np.int64))]) +
    _red("nn.nll_loss.weight_ignore",
         lambda T, x, t, w, **k: F(T).nll_loss(x, t, weight=w, ignore_index=2, **k),
         lambda rng: [S(rand(rng, 5, 4), _targets(4, 5, ignore=2)(rng),
                        rand(rng, 4, lo=0.2, hi=2.0))], diff_args=(0,)) +
    _red("nn.cross_entropy", lambda T, x, t, **k: F(T).cross_entropy(x, t, **k),
         lambda rng: [S(rand(rng, 4, 3), _targets(3, 4)(rng)),
                      S(rand(rng, 2, 3, 4), _targets(3, 2, 4)(rng)),
                      S(rand(rng, 4, 3), _probs(rng, 4, 3))]) +
    _red("nn.cross_entropy.options",
         lambda T, x, t, w, **k: F(T).cross_entropy(x, t, weight=w, ignore_index=0,
                                                    label_smoothing=0.2, **k),
         lambda rng: [S(rand(rng, 5, 4), _targets(4, 5, ignore=0)(rng),
                        rand(rng, 4, lo=0.2, hi=2.0)),
                      S(rand(rng, 2, 4, 3), _targets(4, 2, 3, ignore=0)(rng),
                        rand(rng, 4, lo=0.2, hi=2.0))], diff_args=(0,)) +
    _red("nn.cross_entropy.probs_smoothing",
         lambda T, x, t, w, **k: F(T).cross_entropy(x, t, weight=w, label_smoothing=0.1, **k),
         lambda rng: [S(rand(rng, 4, 3), _probs(rng, 4, 3), rand(rng, 3, lo=0.2, hi=2))],
         diff_args=(0, 1)) +
    _red("nn.binary_cross_entropy",
         lambda T, x, y, w, **k: F(T).binary_cross_entropy(x, y, weight=w, **k),
         lambda rng: [S(rand(rng, 3, 4, lo=0.05, hi=0.95), rand(rng, 3, 4, lo=0, hi=1),
                        rand(rng, 4, lo=0.5, hi=2))], diff_args=(0, 1)) +
    _red("nn.binary_cross_entropy_with_logits",
         lambda T, x, y, w, pw, **k: F(T).binary_cross_entropy_with_logits(
             x, y, w, pos_weight=pw, **k),
         lambda rng: [S(rand(rng, 3, 4), rand(rng, 3, 4, lo=0, hi=1), rand(rng, 4, lo=0.5, hi=2),
                        rand(rng, 4, lo=0.5, hi=3))], diff_args=(0, 1)) +
    _red("nn.binary_cross_entropy_with_logits.plain",
         lambda T, x, y, **k: F(T).binary_cross_entropy_with_logits(x, y, **k),
         _cases(_pair(3, 4, lo2=0, hi2=1))) +
    _red("nn.kl_div", lambda T, x, y, **k: F(T).kl_div(x, y, **k),
         _cases(_pair(3, 4, lo=-3, hi=0, lo2=0.1, hi2=1)), ("batchmean", "sum", "none")) +
    _red("nn.kl_div.log_target", lambda T, x, y, **k: F(T).kl_div(x, y, log_target=True, **k),
         _cases(_pair(3, 4, lo=-3, hi=0)), ("batchmean", "sum")) +
    _red("nn.cosine_embedding_loss",
         lambda T, a, b, t, **k: F(T).cosine_embedding_loss(a, b, t, margin=0.1, **k),
         lambda rng: [S(rand(rng, 4, 3), rand(rng, 4, 3),
                        np.array([1, -1, 1, -1], dtype=np.int64))]) +
    _red("nn.margin_ranking_loss",
         lambda T, a, b, t, **k: F(T).margin_ranking_loss(a, b, t, margin=0.3, **k),
         lambda rng: [S(rand(rng, 5), rand(rng, 5), np.array([1., -1., 1., -1., 1.]))],
         diff_args=(0, 1))
)

OPS = ACTIVATIONS + LINEAR + POOLING + NORMS + ATTENTION + LOSSES
