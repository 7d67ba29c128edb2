"""Seed workloads for the function transforms, each timed for ember, the hand-written NumPy
closed form, and torch.func when installed (W1..W9 of the transforms issue)."""
import math

import numpy as np

import ember
from ember.func import vmap, vjp, jvp, grad, jacrev, jacfwd, hessian

try:
    import torch
    import torch.func as tf
except ImportError:
    torch = tf = None

from ._timing import measure


def _predict_e(weight, bias, x):
    return (x @ weight.mT + bias).tanh() if x.ndim > 1 else (weight @ x + bias).tanh()


def _predict_t(weight, bias, x):
    return torch.nn.functional.linear(x, weight, bias).tanh()


def _data(rng, dout, din, batch=None):
    w = rng.standard_normal((dout, din)).astype(np.float32)
    b = rng.standard_normal(dout).astype(np.float32)
    x = rng.standard_normal((din,) if batch is None else (batch, din)).astype(np.float32)
    return w, b, x


def _tensors(w, b, x):
    e = tuple(ember.tensor(a) for a in (w, b, x))
    t = tuple(torch.from_numpy(a.copy()) for a in (w, b, x)) if torch else None
    return e, t


def _jac_rows(rng):
    w, b, x = _data(rng, 16, 16)
    (ew, eb, ex), T = _tensors(w, b, x)
    eye = ember.eye(16)
    exp_ = ex.clone().requires_grad_()

    def rows_e():
        return ember.stack([ember.autograd.grad(_predict_e(ew, eb, exp_), exp_, v)[0]
                            for v in eye])
    out = []
    t_rows = None
    if torch:
        tw, tb, tx = T
        txp = tx.clone().requires_grad_()
        teye = torch.eye(16)
        t_rows = measure(lambda: torch.stack([torch.autograd.grad(_predict_t(tw, tb, txp), txp, v)[0]
                                              for v in teye]))
    np_t = measure(lambda: (1 - np.tanh(w @ x + b) ** 2)[:, None] * w)
    out.append(("W1b jacobian row by row with autograd.grad, D=16", measure(rows_e), np_t, t_rows))
    out.append(("W1 jacrev tanh(linear), D=16", measure(lambda: jacrev(_predict_e, argnums=2)(ew, eb, ex)),
                np_t, measure(lambda: tf.jacrev(_predict_t, argnums=2)(*T)) if torch else None))
    return out


def _fwd_rev(rng):
    out = []
    for din, dout in ((32, 2048), (2048, 32)):
        w, b, x = _data(rng, dout, din)
        E, T = _tensors(w, b, x)
        np_t = measure(lambda: (1 - np.tanh(w @ x + b) ** 2)[:, None] * w)
        for name, fe, ft in (("jacfwd", jacfwd, tf and tf.jacfwd), ("jacrev", jacrev, tf and tf.jacrev)):
            out.append((f"W2 {name} {din}->{dout}", measure(lambda: fe(_predict_e, argnums=2)(*E)),
                        np_t, measure(lambda: ft(_predict_t, argnums=2)(*T)) if torch else None))
    return out


def _hessian_closed(w, b, x):
    y = np.tanh(w @ x + b)
    c = -2 * y * (1 - y * y)
    return c[:, None, None] * w[:, :, None] * w[:, None, :]


def _hessians(rng):
    w, b, x = _data(rng, 32, 512)
    E, T = _tensors(w, b, x)
    out = [("W4 hessian 512->32", measure(lambda: hessian(_predict_e, argnums=2)(*E), repeat=3),
            measure(lambda: _hessian_closed(w, b, x), repeat=3),
            measure(lambda: tf.hessian(_predict_t, argnums=2)(*T), repeat=3) if torch else None)]
    w, b, x = _data(rng, 33, 31, batch=64)
    E, T = _tensors(w, b, x)

    def np_bjac():
        y = np.tanh(x @ w.T + b)
        return (1 - y * y)[:, :, None] * w[None]

    def np_bhess():
        y = np.tanh(x @ w.T + b)
        c = -2 * y * (1 - y * y)
        return c[:, :, None, None] * (w[:, :, None] * w[:, None, :])[None]
    out.append(("W5 batch jacobian B=64, 31->33",
                measure(lambda: vmap(jacrev(_predict_e, argnums=2), in_dims=(None, None, 0))(*E)),
                measure(np_bjac),
                measure(lambda: tf.vmap(tf.jacrev(_predict_t, argnums=2), in_dims=(None, None, 0))(*T))
                if torch else None))
    out.append(("W6 batch hessian B=64, 31->33",
                measure(lambda: vmap(hessian(_predict_e, argnums=2), in_dims=(None, None, 0))(*E)),
                measure(np_bhess),
                measure(lambda: tf.vmap(tf.hessian(_predict_t, argnums=2), in_dims=(None, None, 0))(*T))
                if torch else None))
    return out


def _hvp(rng):
    x = rng.standard_normal(2048).astype(np.float32)
    t = rng.standard_normal(2048).astype(np.float32)
    ex, et = ember.tensor(x), ember.tensor(t)
    f = lambda z: z.sin().sum()
    np_t = measure(lambda: -np.sin(x) * t)
    out = [("W7 hvp via jvp(grad), n=2048", measure(lambda: jvp(grad(f), (ex,), (et,))[1]), np_t,
            measure(lambda: tf.jvp(tf.grad(f), (torch.from_numpy(x),), (torch.from_numpy(t),))[1])
            if torch else None)]

    def revrev_e():
        _, fn = vjp(grad(f), ex)
        return fn(et)

    def revrev_t():
        _, fn = tf.vjp(tf.grad(f), torch.from_numpy(x))
        return fn(torch.from_numpy(t))
    out.append(("W7 hvp via vjp(grad), n=2048", measure(revrev_e), np_t,
                measure(revrev_t) if torch else None))
    return out


def _pinn(rng):
    x = rng.standard_normal((1000, 2)).astype(np.float32)
    w = rng.standard_normal((3, 2)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    ex, ew, eb = ember.tensor(x), ember.tensor(w), ember.tensor(b)
    net_e = lambda z: ew @ z + eb
    np_t = measure(lambda: np.broadcast_to(w, (1000, 3, 2)).copy())
    rows = [("W9 PINN vmap(jacrev(Linear(2,3))), B=1000", measure(lambda: vmap(jacrev(net_e))(ex)),
             np_t, None),
            ("W9 PINN vmap(jacfwd), B=1000", measure(lambda: vmap(jacfwd(net_e))(ex)), np_t, None),
            ("W9 PINN vmap(hessian), B=1000", measure(lambda: vmap(hessian(net_e))(ex)),
             measure(lambda: np.zeros((1000, 3, 2, 2), np.float32)), None)]
    if torch:
        net_t = torch.nn.Linear(2, 3)
        with torch.no_grad():
            net_t.weight.copy_(torch.from_numpy(w))
            net_t.bias.copy_(torch.from_numpy(b))
        tx = torch.from_numpy(x)
        tts = [measure(lambda: tf.vmap(tf.jacrev(net_t))(tx)),
               measure(lambda: tf.vmap(tf.jacfwd(net_t))(tx)),
               measure(lambda: tf.vmap(tf.hessian(net_t))(tx))]
        rows = [(n, e, npt, t) for (n, e, npt, _), t in zip(rows, tts)]
    return rows


def _rte_numpy(Tini, sigma, t=1.0):
    """The RTE solver written by hand on batched NumPy arrays (the floor)."""
    N = 400
    dx = 1 / N
    dt = 0.8 * dx
    xg, wg = np.polynomial.legendre.leggauss(8)
    mu, wmu = xg.astype(np.float32), wg.astype(np.float32)
    B = Tini.shape[0]
    T = Tini.copy()
    I = np.repeat((0.5 * Tini ** 4)[:, None, :], 8, axis=1)
    I = np.concatenate([I[..., -1:], I, I[..., :1]], axis=-1)
    I0 = np.einsum("v,bvn->bn", wmu, I)
    sig = np.repeat(sigma[:, None, :], 4, axis=1)
    Es, Ts = [], []
    for loop in range(int(t / dt)):
        Io, To, I0o = I.copy(), T.copy(), I0.copy()
        src = (0.5 * To ** 4)[:, None, :]
        I[:, 4:, 1:-1] = Io[:, 4:, 1:-1] - dt / dx * mu[4:, None] * (Io[:, 4:, 1:-1] - Io[:, 4:, :-2]) \
            + dt * sig * (src - Io[:, 4:, 1:-1])
        I[:, :4, 1:-1] = Io[:, :4, 1:-1] - dt / dx * mu[:4, None] * (Io[:, :4, 2:] - Io[:, :4, 1:-1]) \
            + dt * sig * (src - Io[:, :4, 1:-1])
        I[..., 0] = I[..., -2]
        I[..., -1] = I[..., 1]
        T = To + dt * sig[:, 0, :] * (I0o[:, 1:-1] - To ** 4)
        I0 = np.einsum("v,bvn->bn", wmu, I)
        if loop % 10 == 0:
            Es.append(I0[:, 1:-1].copy())
            Ts.append(T.copy())
    return np.stack(Es, 1), np.stack(Ts, 1)


def overhead_rows():
    """Per-op overhead inside vmap vs outside, and func.grad vs autograd.grad on the same f."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal(16).astype(np.float32)
    A = rng.standard_normal((4, 16)).astype(np.float32)
    x, X = ember.tensor(a), ember.tensor(A)
    n = 50

    def chain(z):
        for _ in range(n):
            z = z.sin()
        return z

    def chain_np(z):
        for _ in range(n):
            z = np.sin(z)
        return z
    plain = (measure(lambda: chain(x)) - measure(lambda: chain_np(a))) / n
    # vmap's fixed cost (entry and exit, one input) is its own row, not spread over the ops
    ident = lambda z: z
    fixed = measure(lambda: vmap(ident)(X))
    batched = (measure(lambda: vmap(chain)(X)) - fixed - measure(lambda: chain_np(A))) / n
    fixed_t = None
    if torch:
        TX = torch.from_numpy(A)
        fixed_t = measure(lambda: tf.vmap(ident)(TX))
    f = lambda z: chain(z).sum()
    xr = ember.tensor(a, requires_grad=True)
    g_func = measure(lambda: grad(f)(x))
    g_tape = measure(lambda: ember.autograd.grad(f(xr), xr))
    return [("overhead of one op inside vmap (chain of 50 sin, less vmap's fixed cost) "
             "[NumPy column: outside vmap]", batched, plain, None),
            ("vmap's fixed cost: vmap(lambda z: z)(x), x of shape (4, 16)", fixed, None, fixed_t),
            ("func.grad(f)(x), f = 50 sin + sum [NumPy column: autograd.grad on the same f]",
             g_func, g_tape, None)]


def rows():
    rng = np.random.default_rng(0)
    if torch:
        torch.set_num_threads(1)
    out = []
    for part in (_jac_rows, _fwd_rev, _hessians, _hvp, _pinn):
        try:
            out.extend(part(rng))
        except Exception as exc:       # a transform or op not available yet
            out.append((f"{part.__name__} failed: {exc!r}"[:90], None, None, None))
    try:
        import os
        import sys
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
        import seed003_scientific as s
        Tini, sigma = s.rte_setup()
        e = measure(lambda: vmap(s.solve)(Tini, sigma), min_time=0.5, repeat=2)
        T0, S0 = Tini.numpy(), sigma.numpy()
        n = measure(lambda: _rte_numpy(T0, S0), min_time=0.5, repeat=2)
        t = None
        if torch:
            from _as_torch import load_with_torch
            ts = load_with_torch("seed003_scientific")
            tT, tS = ts.rte_setup()
            t = measure(lambda: tf.vmap(ts.solve)(tT, tS), min_time=0.5, repeat=2)
        out.append(("W8 vmapped RTE solver, 4 cases, N=400, t=1.0", e, n, t))
    except Exception as exc:
        out.append((f"W8 failed: {exc!r}"[:90], None, None, None))
    return out
