"""Rows for the shrink activations, prelu and the extra losses of ``nn.functional``
(``ember/nn/functional/extra_losses.py``)."""
import numpy as np

from ._opinfo import OpInfo, S, rand, unary_samples


def F(T):
    return T.nn.functional


def _signs(rng, *shape):
    return np.where(rng.uniform(size=shape) > 0.5, 1.0, -1.0)


def _red(name, call, samples, diff_args=None, reductions=("mean", "sum", "none"), **kw):
    return [OpInfo(f"{name}.{r}", (lambda r: lambda T, *a, **k: call(T, *a, reduction=r, **k))(r),
                   samples, diff_args=diff_args, **kw) for r in reductions]


def _softshrink(x, l):
    return np.where(x > l, x - l, np.where(x < -l, x + l, 0.0))


ACTIVATIONS = [
    OpInfo("nn.hardshrink", lambda T, x: F(T).hardshrink(x, 0.7), unary_samples(),
           ref=lambda x: np.where(np.abs(x) > 0.7, x, 0.0)),
    OpInfo("nn.softshrink", lambda T, x: F(T).softshrink(x), unary_samples(),
           ref=lambda x: _softshrink(x, 0.5)),
    OpInfo("nn.prelu", lambda T, x, w: F(T).prelu(x, w),
           lambda rng: [S(rand(rng, 2, 3, 4), rand(rng, 3, lo=0.1, hi=0.9)),
                        S(rand(rng, 4, 3), rand(rng, 1, lo=0.1, hi=0.9)),
                        S(rand(rng, 5), rand(rng, 1, lo=0.1, hi=0.9))],
           ref=lambda x, w: np.where(x > 0, x, x * (w.reshape((-1,) + (1,) * (x.ndim - 2))
                                                    if w.size > 1 else w))),
]




LOSSES = (
    _red("nn.gaussian_nll_loss",
         lambda T, x, y, v, **k: F(T).gaussian_nll_loss(x, y, v, **k),
         lambda rng: [S(rand(rng, 3, 4), rand(rng, 3, 4), rand(rng, 3, 4, lo=0.2, hi=2)),
                      S(rand(rng, 3, 4), rand(rng, 3, 4), rand(rng, 3, lo=0.2, hi=2)),
                      S(rand(rng, 3, 4), rand(rng, 3, 4), rand(rng, 3, 1, lo=0.2, hi=2))]) +
    _red("nn.gaussian_nll_loss.full",
         lambda T, x, y, v, **k: F(T).gaussian_nll_loss(x, y, v, full=True, **k),
         lambda rng: [S(rand(rng, 5), rand(rng, 5), rand(rng, 5, lo=0.2, hi=2))],
         reductions=("mean",)) +
    _red("nn.poisson_nll_loss",
         lambda T, x, y, **k: F(T).poisson_nll_loss(x, y, **k),
         lambda rng: [S(rand(rng, 3, 4), rand(rng, 3, 4, lo=0, hi=3))], diff_args=(0, 1)) +
    _red("nn.poisson_nll_loss.full",
         lambda T, x, y, **k: F(T).poisson_nll_loss(x, y, log_input=False, full=True, **k),
         lambda rng: [S(rand(rng, 3, 4, lo=0.2, hi=3), rand(rng, 3, 4, lo=0, hi=4))],
         diff_args=(0,)) +
    _red("nn.hinge_embedding_loss",
         lambda T, x, t, **k: F(T).hinge_embedding_loss(x, t, margin=0.6, **k),
         lambda rng: [S(rand(rng, 3, 4), _signs(rng, 3, 4)), S(rand(rng, 5), _signs(rng, 5))],
         diff_args=(0,)) +
    _red("nn.soft_margin_loss",
         lambda T, x, t, **k: F(T).soft_margin_loss(x, t, **k),
         lambda rng: [S(rand(rng, 3, 4), _signs(rng, 3, 4))], diff_args=(0,)) +
    _red("nn.multilabel_soft_margin_loss",
         lambda T, x, t, w, **k: F(T).multilabel_soft_margin_loss(x, t, weight=w, **k),
         lambda rng: [S(rand(rng, 3, 4), (rng.uniform(size=(3, 4)) > 0.5).astype(np.float64),
                        rand(rng, 4, lo=0.5, hi=2))], diff_args=(0,)) +
    _red("nn.multilabel_soft_margin_loss.plain",
         lambda T, x, t, **k: F(T).multilabel_soft_margin_loss(x, t, **k),
         lambda rng: [S(rand(rng, 3, 4), rand(rng, 3, 4, lo=0, hi=1))]) +
    _red("nn.triplet_margin_loss",
         lambda T, a, p, n, **k: F(T).triplet_margin_loss(a, p, n, margin=1.5, **k),
         lambda rng: [S(rand(rng, 4, 3), rand(rng, 4, 3), rand(rng, 4, 3))]) +
    _red("nn.triplet_margin_loss.swap_p1",
         lambda T, a, p, n, **k: F(T).triplet_margin_loss(a, p, n, margin=1.5, p=1, swap=True,
                                                          **k),
         lambda rng: [S(rand(rng, 4, 3), rand(rng, 4, 3), rand(rng, 4, 3))],
         reductions=("mean", "none"))
)

OPS = ACTIVATIONS + LOSSES
