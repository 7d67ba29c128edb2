"""Core workloads: per-op overhead (no grad, recording, backward per node) and an MLP step."""
import numpy as np

import ember

try:
    import torch
except ImportError:
    torch = None

from ._timing import measure

SMALL = 16


def per_op_rows():
    """(name, ember s, numpy s, torch s) for the op-overhead rows."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal(SMALL).astype(np.float32)
    b = rng.standard_normal(SMALL).astype(np.float32)
    x, y = ember.tensor(a), ember.tensor(b)
    tx = ty = None
    if torch is not None:
        torch.set_num_threads(1)
        tx, ty = torch.from_numpy(a.copy()), torch.from_numpy(b.copy())
    rows = []
    rows.append(("mul, no grad (16 floats)", measure(lambda: x * y), measure(lambda: a * b),
                 measure(lambda: tx * ty) if torch else None))
    rows.append(("sin, no grad", measure(lambda: ember.sin(x)), measure(lambda: np.sin(a)),
                 measure(lambda: torch.sin(tx)) if torch else None))
    xr = ember.tensor(a, requires_grad=True)
    rows.append(("mul, recording a node", measure(lambda: xr * y), measure(lambda: a * b),
                 measure(lambda: tx.requires_grad_() * ty) if torch else None))

    n = 100

    def chain_e():
        z = xr
        for _ in range(n):
            z = z * y
        z.sum().backward()

    def chain_np():
        z = a
        zs = []
        for _ in range(n):
            zs.append(z)
            z = z * b
        g = np.ones_like(z)
        for _ in range(n):
            g = g * b
        return g

    def chain_t():
        z = txr
        for _ in range(n):
            z = z * ty
        z.sum().backward()
    if torch is not None:
        txr = torch.from_numpy(a.copy()).requires_grad_()
    rows.append(("mul forward + backward, per op (chain of 100)", measure(chain_e) / n,
                 measure(chain_np) / n, measure(chain_t) / n if torch else None))
    return rows


def mlp_rows():
    """One SGD step of a 784-256-256-10 MLP, batch 64, cross-entropy."""
    rng = np.random.default_rng(0)
    B, sizes = 64, (784, 256, 256, 10)
    X = rng.standard_normal((B, sizes[0])).astype(np.float32)
    Y = rng.integers(0, 10, size=B)
    Ws = [(rng.standard_normal((o, i)) / np.sqrt(i)).astype(np.float32)
          for i, o in zip(sizes[:-1], sizes[1:])]
    bs = [np.zeros(o, np.float32) for o in sizes[1:]]
    lr = 0.01

    # hand-written NumPy
    nW = [w.copy() for w in Ws]
    nb = [b.copy() for b in bs]

    def np_step():
        h0 = X
        z1 = h0 @ nW[0].T + nb[0]
        h1 = np.maximum(z1, 0)
        z2 = h1 @ nW[1].T + nb[1]
        h2 = np.maximum(z2, 0)
        z3 = h2 @ nW[2].T + nb[2]
        m = z3.max(1, keepdims=True)
        e = np.exp(z3 - m)
        p = e / e.sum(1, keepdims=True)
        g3 = p
        g3[np.arange(B), Y] -= 1
        g3 /= B
        gW2 = g3.T @ h2
        gb2 = g3.sum(0)
        g2 = (g3 @ nW[2]) * (z2 > 0)
        gW1 = g2.T @ h1
        gb1 = g2.sum(0)
        g1 = (g2 @ nW[1]) * (z1 > 0)
        gW0 = g1.T @ h0
        gb0 = g1.sum(0)
        for w, g in zip(nW, (gW0, gW1, gW2)):
            w -= lr * g
        for b_, g in zip(nb, (gb0, gb1, gb2)):
            b_ -= lr * g

    F = ember.nn.functional
    net = ember.nn.Sequential(ember.nn.Linear(784, 256), ember.nn.ReLU(), ember.nn.Linear(256, 256),
                              ember.nn.ReLU(), ember.nn.Linear(256, 10))
    with ember.no_grad():
        for lin, w, b in zip(net[::2], Ws, bs):
            lin.weight.copy_(ember.tensor(w))
            lin.bias.copy_(ember.tensor(b))
    opt = ember.optim.SGD(net.parameters(), lr=lr)
    eX, eY = ember.tensor(X), ember.tensor(Y)

    def ember_step():
        opt.zero_grad()
        F.cross_entropy(net(eX), eY).backward()
        opt.step()

    t_step = None
    if torch is not None:
        tnet = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                   torch.nn.Linear(256, 256), torch.nn.ReLU(),
                                   torch.nn.Linear(256, 10))
        with torch.no_grad():
            for lin, w, b in zip(tnet[::2], Ws, bs):
                lin.weight.copy_(torch.from_numpy(w))
                lin.bias.copy_(torch.from_numpy(b))
        topt = torch.optim.SGD(tnet.parameters(), lr=lr)
        tX, tY = torch.from_numpy(X), torch.from_numpy(Y)

        def torch_step():
            topt.zero_grad()
            torch.nn.functional.cross_entropy(tnet(tX), tY).backward()
            topt.step()
        t_step = measure(torch_step, repeat=5)
    e = measure(ember_step, repeat=5)
    rows = [("MLP 784-256-256-10 step (nn.Linear, cross_entropy, SGD), batch 64", e,
             measure(np_step, repeat=5), t_step)]
    with ember.autograd.detect_anomaly():
        e_anomaly = measure(ember_step, repeat=5)
    t_anomaly = None
    if torch is not None:
        with torch.autograd.detect_anomaly():
            t_anomaly = measure(torch_step, repeat=5)
    rows.append(("same step under detect_anomaly() [NumPy column: ember without it]", e_anomaly,
                 e, t_anomaly))
    return rows
