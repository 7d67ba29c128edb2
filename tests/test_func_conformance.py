"""Differential conformance of ember.func against torch.func: the same programs run through
both and results and output structures (pytree types, tuple-vs-single returns, shapes, dtypes,
requires_grad) must agree, including which examples share a random draw; random nests of
transforms (hypothesis) are compared value for value.  Misuse: test_func_misuse.py; where ember
deliberately differs: test_func_deviations.py."""
from hypothesis import HealthCheck, given, settings, strategies as st
import numpy as np
import pytest

import ember
from _func_oracle import torch, P, X43, Y34, M23, X234, x3, y3, v2, same, _p, _call

# ------------------------------------------------------------------ results and structures

def _f(T, a):
    return (a.sin() * a.exp()).sum()


def _ag_inside(T, a):
    """autograd.grad with create_graph=True on the transformed input, differentiated again."""
    (g,) = T.autograd.grad(a.exp().sin().sum(), a, create_graph=True)
    return (g * a.tanh()).sum()


def _rg_outer(T, F, x, y):
    w = y.clone().requires_grad_()
    g = F.vmap(F.grad(lambda a: (w * a).sin().sum()))(x)
    g.sum().backward()
    return g, w.grad


def _buffer(T, a):
    y = a.clone()
    y[1:] = a[:-1] * 2
    y.mul_(a)
    return y


RESULTS = _p(
    ("grad", lambda T, F, x: F.grad(lambda a: _f(T, a))(x), [x3]),
    ("grad-argnums-neg", lambda T, F, x, y: F.grad(lambda a, b: (a * b).sum(), argnums=-1)(x, y),
     [x3, y3]),
    ("grad-argnums-1-tuple", lambda T, F, x, y: F.grad(lambda a, b: (a * b).sum(),
                                                       argnums=(1,))(x, y), [x3, y3]),
    ("grad-argnums-tuple", lambda T, F, x, y: F.grad(lambda a, b: (a * b.sin()).sum(),
                                                     argnums=(1, 0))(x, y), [x3, y3]),
    ("grad-aux-pytree", lambda T, F, x: F.grad(lambda a: (a.sum(), {"n": a * 2, "s": [a]}),
                                               has_aux=True)(x), [x3]),
    ("grad-kwargs", lambda T, F, x, y: F.grad(lambda a, b: (a * b).sum())(x, b=y), [x3, y3]),
    ("grad-dict-input", lambda T, F, x, y: F.grad(lambda d: (d["b"] * d["a"].cos()).sum())(
        {"b": y, "a": x}), [x3, y3]),
    ("grad-nested-input", lambda T, F, x, y: F.grad(lambda t: (t[0] * t[1][0]).sum())(
        (x, [y])), [x3, y3]),
    ("grad-namedtuple-input", lambda T, F, x, y: F.grad(lambda p: (p.a * p.b).sum())(P(x, y)),
     [x3, y3]),
    ("grad-unused-input", lambda T, F, x, y: F.grad(lambda a, b: (b * b).sum())(x, y), [x3, y3]),
    ("grad-int-output", lambda T, F, x: F.grad(lambda a: a.sum().long())(x), [x3]),
    ("grad-const-output", lambda T, F, x: F.grad(lambda a: T.tensor(1.0, dtype=T.float64))(x),
     [x3]),
    ("grad-float32-output", lambda T, F, x: F.grad(lambda a: a.float().sum())(x), [x3]),
    ("grad_and_value", lambda T, F, x: F.grad_and_value(lambda a: _f(T, a))(x), [x3]),
    ("grad_and_value-aux", lambda T, F, x: F.grad_and_value(lambda a: (_f(T, a), a.cos()),
                                                            has_aux=True)(x), [x3]),
    ("grad-requires-grad-input", lambda T, F, x: F.grad(lambda a: _f(T, a))(
        x.clone().requires_grad_()), [x3]),
    ("vjp", lambda T, F, x: F.vjp(lambda a: a.sin(), x)[1](x), [x3]),
    ("vjp-out", lambda T, F, x: F.vjp(lambda a: (a.sin(), [a.sum()]), x)[0], [x3]),
    ("vjp-multi", lambda T, F, x, y: F.vjp(lambda a, b: (a * b, a.sum()), x, y)[1]((x, y[0])),
     [x3, y3]),
    ("vjp-dict-primal", lambda T, F, x, y: F.vjp(lambda d: d["a"] * d["b"], {"a": x, "b": y}
                                                 )[1](x), [x3, y3]),
    ("vjp-aux", lambda T, F, x: F.vjp(lambda a: (a.sin(), {"c": a.cos()}), x, has_aux=True)[2],
     [x3]),
    ("vjp-twice", lambda T, F, x: (lambda r: (r[1](x), r[1](x * 2)))(F.vjp(lambda a: a.sin(), x)),
     [x3]),
    ("vjp-output-is-input", lambda T, F, x, y: F.vjp(lambda a, b: a, x, y)[1](y), [x3, y3]),
    ("vjp-ct-float32", lambda T, F, x: F.vjp(lambda a: a * 2, x)[1](x.float()), [x3]),
    ("vjp-out-float32", lambda T, F, x: F.vjp(lambda a: (a * 2).float(), x)[1](x), [x3]),
    ("jvp", lambda T, F, x, y: F.jvp(lambda a: a.sin(), (x,), (y,)), [x3, y3]),
    ("jvp-pytree-out", lambda T, F, x, y: F.jvp(lambda a: {"s": a.sin(), "t": [a.cos()]},
                                                (x,), (y,)), [x3, y3]),
    ("jvp-dict-primal", lambda T, F, x, y: F.jvp(lambda d: d["a"] * d["b"], ({"a": x, "b": y},),
                                                 ({"a": y, "b": x},)), [x3, y3]),
    ("jvp-aux", lambda T, F, x, y: F.jvp(lambda a: (a.sin(), [a.cos()]), (x,), (y,),
                                        has_aux=True), [x3, y3]),
    ("jvp-const-out", lambda T, F, x, y: F.jvp(lambda a: T.ones(3, dtype=T.float64), (x,), (y,)),
     [x3, y3]),
    ("jvp-int-out", lambda T, F, x, y: F.jvp(lambda a: (a > 0).long(), (x,), (y,)), [x3, y3]),
    ("jvp-tangent-float32", lambda T, F, x, y: F.jvp(lambda a: a, (x,), (y.float(),)), [x3, y3]),
    ("vmap-out_dims-1", lambda T, F, x: F.vmap(lambda a: a * 2, out_dims=1)(x), [X43]),
    ("vmap-out_dims--1", lambda T, F, x: F.vmap(lambda a: a * 2, out_dims=-1)(x), [X43]),
    ("vmap-out_dims-1-tuple", lambda T, F, x: F.vmap(lambda a: a, out_dims=(1,))(x), [X43]),
    ("vmap-out_dims-nested", lambda T, F, x: F.vmap(lambda a: (a, (a, a.sum())),
                                                    out_dims=(1, 0))(x), [X43]),
    ("vmap-out_dims-dict", lambda T, F, x: F.vmap(lambda a: {"p": a, "q": a},
                                                  out_dims={"p": 0, "q": 1})(x), [X43]),
    ("vmap-out_dims-namedtuple", lambda T, F, x: F.vmap(lambda a: P(a, a), out_dims=P(0, 1))(x),
     [X43]),
    ("vmap-None-out", lambda T, F, x: F.vmap(lambda a: (a, None), out_dims=(0, None))(x), [X43]),
    ("vmap-float-out-None", lambda T, F, x: F.vmap(lambda a: (a, 3.0), out_dims=(0, None))(x),
     [X43]),
    ("vmap-unbatched-out", lambda T, F, x, y: F.vmap(lambda a: y * 2)(x), [X43, y3]),
    ("vmap-unbatched-out-None", lambda T, F, x, y: F.vmap(lambda a: y * 2, out_dims=None)(x),
     [X43, y3]),
    ("vmap-in_dims-nested", lambda T, F, x, y: F.vmap(lambda t: t[0] + t[1],
                                                      in_dims=((0, 1),))((x, y)), [X43, Y34]),
    ("vmap-in_dims-dict", lambda T, F, x, y: F.vmap(lambda d: d["p"] + d["q"],
                                                    in_dims=({"p": 0, "q": 1},))(
        {"p": x, "q": y}), [X43, Y34]),
    ("vmap-in_dims-namedtuple", lambda T, F, x, y: F.vmap(lambda p: p.a * p.b,
                                                          in_dims=(P(0, None),))(P(x, y[0])),
     [X43, y3]),
    ("vmap-None-arg", lambda T, F, x: F.vmap(lambda a, b: a, in_dims=(0, None))(x, None), [X43]),
    ("vmap-int-arg-None", lambda T, F, x: F.vmap(lambda a, n: a * n, in_dims=(0, None))(x, 3),
     [X43]),
    ("vmap-kwargs-unbatched", lambda T, F, x, y: F.vmap(lambda a, b=None: a + b)(x, b=y),
     [X43, y3]),
    ("vmap-list-out", lambda T, F, x: F.vmap(lambda a: [a, a.sum()])(x), [X43]),
    ("vmap-int-dtype", lambda T, F, x: F.vmap(lambda a: (a > 0).long().sum())(x), [X43]),
    ("vmap-batch-0", lambda T, F, x: F.vmap(lambda a: a.sin().sum())(x[:0]), [X43]),
    ("vmap-chunk", lambda T, F, x: F.vmap(lambda a: (a * 2, a.sum()), chunk_size=3,
                                          out_dims=(1, 0))(x), [X43]),
    ("vmap-nested-in_dims", lambda T, F, x, y: F.vmap(F.vmap(lambda a, b: a * b,
                                                             in_dims=(0, None)),
                                                      in_dims=(None, 1))(x[0], y), [X43, Y34]),
    ("vmap-inplace-clone", lambda T, F, x: F.vmap(lambda a: a.clone().mul_(2).add_(1))(x),
     [X43]),
    ("vmap-slice-assign", lambda T, F, x: F.vmap(lambda a: _buffer(T, a))(x), [X43]),
    ("vmap-index-put", lambda T, F, x: F.vmap(lambda a: (lambda b: (b.__setitem__(
        T.tensor([0, 2]), a[:2].sin()), b)[1])(a.clone()))(x), [X43]),
    ("jacrev", lambda T, F, x: F.jacrev(lambda a: a.sin() * a.sum())(x), [x3]),
    ("jacfwd", lambda T, F, x: F.jacfwd(lambda a: a.sin() * a.sum())(x), [x3]),
    ("jacrev-scalar-in", lambda T, F, x: F.jacrev(lambda a: a * T.arange(3.0, dtype=T.float64))(
        x[0]), [x3]),
    ("jacrev-argnums", lambda T, F, x, y: F.jacrev(lambda a, b: a[:, None] * b, argnums=(0, 1))(
        x, y), [x3, v2]),
    ("jacfwd-argnums", lambda T, F, x, y: F.jacfwd(lambda a, b: a[:, None] * b, argnums=(0, 1))(
        x, y), [x3, v2]),
    ("jacrev-argnums-1-tuple", lambda T, F, x, y: F.jacrev(lambda a, b: a[:, None] * b,
                                                           argnums=(1,))(x, y), [x3, v2]),
    ("jacrev-pytree-out", lambda T, F, x, y: F.jacrev(lambda a, b: (a * 2, {"q": b.sum() * a}),
                                                      argnums=(0, 1))(x, y), [x3, v2]),
    ("jacfwd-pytree-out", lambda T, F, x, y: F.jacfwd(lambda a, b: (a * 2, {"q": b.sum() * a}),
                                                      argnums=(0, 1))(x, y), [x3, v2]),
    ("jacrev-dict-in", lambda T, F, x, y: F.jacrev(lambda d: d["w"].sum() * d["b"])(
        {"w": x, "b": y}), [x3, v2]),
    ("jacfwd-dict-in", lambda T, F, x, y: F.jacfwd(lambda d: d["w"].sum() * d["b"])(
        {"w": x, "b": y}), [x3, v2]),
    ("jacrev-aux", lambda T, F, x: F.jacrev(lambda a: (a.sin(), {"c": a.cos()}),
                                            has_aux=True)(x), [x3]),
    ("jacfwd-aux", lambda T, F, x: F.jacfwd(lambda a: (a.sin(), {"c": a.cos()}),
                                            has_aux=True)(x), [x3]),
    ("jacrev-chunk", lambda T, F, x: F.jacrev(lambda a: a.sin() * a.sum(), chunk_size=2)(x),
     [x3]),
    ("jacrev-2d", lambda T, F, m: F.jacrev(lambda a: a @ a.T)(m), [M23]),
    ("jacfwd-2d", lambda T, F, m: F.jacfwd(lambda a: a @ a.T)(m), [M23]),
    ("jacrev-empty", lambda T, F, x: F.jacrev(lambda a: a * 2)(x[:0]), [x3]),
    ("jacrev-mixed-dtypes", lambda T, F, x: F.jacrev(lambda a: (a.float() * 2, a))(x), [x3]),
    ("jacfwd-mixed-dtypes", lambda T, F, x: F.jacfwd(lambda a, b: a * b, argnums=(0, 1))(
        x.float(), x), [x3]),
    ("jacfwd-randomness-same", lambda T, F, x: F.jacfwd(
        lambda a: a * T.rand(1, dtype=T.float64) * 0, randomness="same")(x), [x3]),
    ("hessian", lambda T, F, x: F.hessian(lambda a: _f(T, a))(x), [x3]),
    ("hessian-argnums", lambda T, F, x, y: F.hessian(lambda a, b: (a.sin() * b.sum()).sum(),
                                                     argnums=(0, 1))(x, y), [x3, v2]),
    ("hessian-vector-out", lambda T, F, x: F.hessian(lambda a: a.sin())(x), [x3]),
    ("hessian-dict", lambda T, F, x, y: F.hessian(lambda d: (d["a"].sin().sum() *
                                                             d["b"].exp()).sum())(
        {"a": x, "b": y}), [x3, v2]),
    ("linearize", lambda T, F, x, y: F.linearize(lambda a, b: (a.sin(), b.exp() * a.sum()),
                                                 x, y)[1](x, y), [x3, y3]),
    ("linearize-vmap", lambda T, F, x: F.vmap(F.linearize(lambda a: a.sin() * a.sum(), x)[1])(
        T.eye(3, dtype=T.float64)), [x3]),
    # compositions
    ("grad-grad-grad", lambda T, F, x: F.grad(F.grad(F.grad(lambda a: a.sin() * a.exp())))(x[0]),
     [x3]),
    ("vmap-grad", lambda T, F, x: F.vmap(F.grad(lambda a: _f(T, a)))(x), [X43]),
    ("grad-vmap", lambda T, F, x: F.grad(lambda A: F.vmap(lambda a: _f(T, a))(A).sum())(x),
     [X43]),
    ("jacfwd-jacrev", lambda T, F, x: F.jacfwd(F.jacrev(lambda a: a.sin() * a.sum()))(x), [x3]),
    ("jacrev-jacrev", lambda T, F, x: F.jacrev(F.jacrev(lambda a: a.sin() * a.sum()))(x), [x3]),
    ("vmap-vmap-vmap", lambda T, F, x: F.vmap(F.vmap(F.vmap(lambda a: a.sin().sum())))(
        x[..., None]), [X234]),
    ("jvp-grad", lambda T, F, x, y: F.jvp(F.grad(lambda a: _f(T, a)), (x,), (y,)), [x3, y3]),
    ("vjp-vmap", lambda T, F, x: F.vjp(F.vmap(lambda a: a.sin() * a.sum()), x)[1](x), [X43]),
    ("vmap-jvp", lambda T, F, x: F.vmap(lambda a, t: F.jvp(lambda z: z.sin() * z.sum(), (a,),
                                                           (t,)))(x, x.cos()), [X43]),
    ("hessian-vmap", lambda T, F, x: F.hessian(lambda A: F.vmap(lambda a: _f(T, a))(A).sum())(x),
     [X43]),
    ("vmap-hessian", lambda T, F, x: F.vmap(F.hessian(lambda a: _f(T, a)))(x), [X43]),
    ("vmap-vjp_fn", lambda T, F, x: F.vmap(F.vjp(lambda a: a.sin() * a.sum(), x)[1])(
        T.eye(3, dtype=T.float64)), [x3]),
    ("perturbation", lambda T, F, x: F.grad(lambda a: F.grad(lambda b: (a * b).sin())(a * 2))(
        x[0]), [x3]),
    ("perturbation-jvp", lambda T, F, x: F.jvp(lambda a: F.jvp(lambda b: a * b, (a,),
                                                               (T.ones_like(a),))[1], (x,),
                                               (T.ones_like(x),)), [x3]),
    ("vmap-grad-closure", lambda T, F, X, x: F.vmap(lambda a: F.grad(
        lambda w: (a * w).sin().sum())(x))(X), [X43, x3]),
    ("jacrev-vjp", lambda T, F, x, y: F.jacrev(lambda a: F.vjp(lambda b: b.sin() * b.sum(), a
                                                               )[1](y)[0])(x), [x3, y3]),
    ("jvp-jvp", lambda T, F, x, y: F.jvp(lambda a: F.jvp(lambda b: b.sin() * b.sum(), (a,),
                                                         (y,))[1], (x,), (y,)), [x3, y3]),
    ("vjp-vjp", lambda T, F, x, y: F.vjp(lambda a: F.vjp(lambda b: b.sin() * b.sum(), a)[1](y)[0],
                                         x)[1](y), [x3, y3]),
    ("jacrev-inplace", lambda T, F, x: F.jacrev(lambda a: a.clone().mul_(a).sin_())(x), [x3]),
    ("jacfwd-inplace", lambda T, F, x: F.jacfwd(lambda a: a.clone().mul_(a).sin_())(x), [x3]),
    ("grad-slice-assign", lambda T, F, x: F.grad(lambda a: (_buffer(T, a) * a).sum())(x), [x3]),
    ("vmap-grad-aux-argnums", lambda T, F, X, x: F.vmap(F.grad(lambda a, b: (
        (a * b).sin().sum(), a.cos()), argnums=(0, 1), has_aux=True), in_dims=(0, None))(X, x),
     [X43, x3]),
    ("vmap-jacrev-aux", lambda T, F, X: F.vmap(F.jacrev(lambda b: (b.sin(), b.cos()),
                                                        has_aux=True))(X), [X43]),
    ("grad-of-vjp_fn", lambda T, F, x: F.grad(lambda c: F.vjp(lambda a: a.sin() * a, x)[1](c)[0]
                                              .sum())(x), [x3]),
    ("jacfwd-of-vjp_fn", lambda T, F, x: F.jacfwd(lambda c: F.vjp(lambda a: a.sin() * a, x)[1](c)
                                                  [0])(x), [x3]),
    ("jacfwd-vmap-jacrev", lambda T, F, X: F.jacfwd(F.vmap(F.jacrev(lambda a: a.sin() * a.prod())
                                                           ))(X[:2, :2]), [X43]),
    # requires_grad tensors and autograd inside transforms
    ("outer-requires-grad", _rg_outer, [X43, y3]),
    ("autograd.grad-inside-grad", lambda T, F, x: F.grad(lambda a: _ag_inside(T, a))(x), [x3]),
    ("autograd.grad-inside-vmap-grad", lambda T, F, x: F.vmap(
        F.grad(lambda a: _ag_inside(T, a)))(x), [X43]),
    ("autograd.grad-inside-jacfwd-grad", lambda T, F, x: F.jacfwd(
        F.grad(lambda a: _ag_inside(T, a)))(x), [x3]),
    ("autograd.grad-inside-grad-grad", lambda T, F, x: F.grad(
        F.grad(lambda a: _ag_inside(T, a)))(x[0]), [x3]),
    ("autograd.grad-local-leaf", lambda T, F, x: F.vmap(lambda a: (T.autograd.grad(
        (T.ones(3, dtype=T.float64, requires_grad=True) * 2).sin().sum(),
        [T.ones(3, dtype=T.float64, requires_grad=True)], allow_unused=True)[0], a)[1])(x),
     [X43]),
    ("no_grad-inside-grad", lambda T, F, x: F.grad(
        lambda a: (lambda b: (a * b).sum())(T.no_grad()(lambda: a * 2)()))(x), [x3]),
    ("grad-under-no_grad", lambda T, F, x: T.no_grad()(lambda: F.grad(lambda a: _f(T, a))(x))(),
     [x3]),
    ("detach-inside", lambda T, F, x: F.jacfwd(lambda a: a.detach() * a)(x), [x3]),
)


@pytest.mark.parametrize("prog,arrays", RESULTS)
def test_results_match_torch(prog, arrays):
    same(prog, *arrays)


# ------------------------------------------------------------------ randomness semantics

def _equal_along(r, axis):
    r = r.detach().numpy()
    return bool(np.all(r == np.take(r, [0], axis=axis)))


RANDOM = _p(
    ("same", lambda T, F, x: F.vmap(lambda a: a * 0 + T.rand(3, dtype=T.float64),
                                    randomness="same")(x), (0,)),
    ("different", lambda T, F, x: F.vmap(lambda a: T.rand_like(a), randomness="different")(x),
     (0,)),
    ("inplace-batched", lambda T, F, x: F.vmap(lambda a: a.clone().normal_(),
                                               randomness="different")(x), (0,)),
    ("dropout-same", lambda T, F, x: F.vmap(lambda a: T.nn.functional.dropout(
        T.ones(50, dtype=T.float64)), randomness="same")(x), (0,)),
    ("nested-same-in-different", lambda T, F, x: F.vmap(F.vmap(
        lambda a: T.rand(()), randomness="same"), randomness="different")(x), (0, 1)),
    ("nested-different-in-same", lambda T, F, x: F.vmap(F.vmap(
        lambda a: T.rand(()), randomness="different"), randomness="same")(x), (0, 1)),
    ("nested-different", lambda T, F, x: F.vmap(F.vmap(
        lambda a: T.randn(2), randomness="different"), randomness="different")(x), (0, 1)),
    ("chunked-same", lambda T, F, x: F.vmap(lambda a: a * 0 + T.rand(3, dtype=T.float64),
                                            randomness="same", chunk_size=2)(x), (0,)),
    ("jacfwd-same", lambda T, F, x: F.jacfwd(lambda a: a * T.rand(3, dtype=T.float64),
                                             randomness="same")(x[0]), ()),
    ("vmap-grad-different", lambda T, F, x: F.vmap(F.grad(
        lambda a: (a * T.rand(3, dtype=T.float64)).sum()), randomness="different")(x), (0,)),
    ("vmap-jacrev-same", lambda T, F, x: F.vmap(F.jacrev(
        lambda a: a * T.rand(3, dtype=T.float64)), randomness="same")(x), (0,)),
)


@pytest.mark.parametrize("prog,axes", RANDOM)
def test_randomness_modes_match_torch(prog, axes):
    """Draws differ between the libraries; which examples share a draw must not."""
    sig = []
    for T in (torch, ember):
        kind, out = _call(T, prog, [X234 if len(axes) == 2 else X43])
        assert kind == "ok", out
        sig.append((tuple(out.shape), tuple(_equal_along(out, a) for a in axes)))
    assert sig[0] == sig[1]


# ------------------------------------------------------------------ random nests (hypothesis)

def _cumsum(T, x):
    return x.reshape(-1).cumsum(0).reshape(x.shape) * x.cos()


def _inplace(T, x):
    y = x.clone()
    y.mul_(x)
    y.add_(0.5)
    return y.sin()


# name -> (fn(T, x), whether the output is a scalar (else it has x's shape))
BASES = {
    "sin_exp": (lambda T, x: x.sin() * x.exp(), False),
    "sq_tanh": (lambda T, x: (x * x).sum() * x.tanh(), False),
    "softmax": (lambda T, x: T.softmax(x.reshape(-1), 0).reshape(x.shape) * x, False),
    "where": (lambda T, x: T.where(x > 0, x ** 3, x.sin()), False),
    "cumsum": (_cumsum, False),
    "inplace": (_inplace, False),
    "sqrt": (lambda T, x: (x * x + 1).sqrt(), False),
    "index": (lambda T, x: x.reshape(-1)[0] * x + x.reshape(-1)[-1:].exp().sum(), False),
    "logsumexp": (lambda T, x: x.reshape(-1).logsumexp(0), True),
}
KINDS = ("grad", "vmap", "jacrev", "jacfwd", "jvp", "vjp")


def _layer(T, F, f, kind, p):
    if kind == "grad":
        return F.grad(lambda x: f(x).sin().sum())
    if kind == "vmap":
        return F.vmap(f, in_dims=p[0], out_dims=p[1])
    if kind == "jacrev":
        return F.jacrev(f)
    if kind == "jacfwd":
        return F.jacfwd(f)
    if kind == "jvp":
        return lambda x: F.jvp(f, (x,), (x.cos(),))[1]
    return lambda x: (lambda r: r[1](r[0].tanh())[0])(F.vjp(f, x))


def _build(T, F, base, layers):
    fn = BASES[base][0]
    f = lambda x: fn(T, x)     # noqa: E731
    for kind, p in layers:
        f = _layer(T, F, f, kind, p)
    return f


@st.composite
def nests(draw):
    """A base function, an input shape and up to 3 transform layers (innermost first), with
    the vmap dims drawn against the shapes the layers produce."""
    base = draw(st.sampled_from(sorted(BASES)))
    in_shape = draw(st.sampled_from([(), (2,), (3,), (2, 2)]))
    out_shape = () if BASES[base][1] else in_shape
    layers = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(KINDS))
        p = None
        if kind == "grad":
            out_shape = in_shape
        elif kind == "vmap":
            d = draw(st.integers(0, len(in_shape)))
            e = draw(st.integers(0, len(out_shape)))
            p = (d, e)
            in_shape = in_shape[:d] + (2,) + in_shape[d:]
            out_shape = out_shape[:e] + (2,) + out_shape[e:]
        elif kind in ("jacrev", "jacfwd"):
            out_shape = out_shape + in_shape
        elif kind == "vjp":
            out_shape = in_shape
        layers.append((kind, p))
    return base, in_shape, tuple(layers), draw(st.integers(0, 2 ** 16))


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(nests())
def test_random_nests_match_torch(case):
    base, shape, layers, seed = case
    x = np.random.default_rng(seed).standard_normal(shape)
    same(lambda T, F, a: _build(T, F, base, layers)(a), x, tol=1e-8)


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(nests(), st.sampled_from(KINDS))
def test_random_nests_with_outer_capture(case, outer):
    """The nest runs on a value of an outer transform's level (no perturbation confusion:
    inner transforms differentiate only their own inputs)."""
    base, shape, layers, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    w = rng.standard_normal(())

    def prog(T, F, a, c):
        inner = lambda z: _build(T, F, base, layers)(z * c)       # noqa: E731
        outer_f = lambda c2: _build(T, F, base, layers)(a * c2).sin().sum()   # noqa: E731
        g = _layer(T, F, outer_f, outer, (0, 0) if outer == "vmap" else None)
        return g(c.reshape(1).expand(2) if outer == "vmap" else c), inner(a)
    same(prog, x, w, tol=1e-8)
