"""nn workloads (the tutorials' models): per-sample gradients, ensembling, the SimpleCNN's
forward+backward and convolution alone, and an MLP training step, each timed for ember,
hand-written NumPy (the closed form: the floor for a NumPy library) and PyTorch / torch.func
when installed (one thread: ``torch.set_num_threads(1)``, BLAS pinned by ``run.py``)."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import ember
import ember.nn as enn
import ember.nn.functional as EF
from ember.func import vmap, grad, functional_call, stack_module_state

try:
    import torch
    import torch.func as tf
except ImportError:
    torch = tf = None

from ._timing import measure

B = 64


# ------------------------------------------------------------------ models (ember and torch)

class SimpleCNN(enn.Module):
    """The per-sample-gradients tutorial's CNN (1x28x28 -> 10, log_softmax output)."""

    def __init__(self):
        super().__init__()
        self.conv1 = enn.Conv2d(1, 32, 3, 1)
        self.conv2 = enn.Conv2d(32, 64, 3, 1)
        self.fc1 = enn.Linear(9216, 128)
        self.fc2 = enn.Linear(128, 10)

    def forward(self, x):
        x = EF.relu(self.conv2(EF.relu(self.conv1(x))))
        x = ember.flatten(EF.max_pool2d(x, 2), 1)
        return EF.log_softmax(self.fc2(EF.relu(self.fc1(x))), dim=1)


def _torch_cnn():
    class TorchSimpleCNN(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(1, 32, 3, 1)
            self.conv2 = torch.nn.Conv2d(32, 64, 3, 1)
            self.fc1 = torch.nn.Linear(9216, 128)
            self.fc2 = torch.nn.Linear(128, 10)

        def forward(self, x):
            TF = torch.nn.functional
            x = TF.relu(self.conv2(TF.relu(self.conv1(x))))
            x = torch.flatten(TF.max_pool2d(x, 2), 1)
            return TF.log_softmax(self.fc2(TF.relu(self.fc1(x))), dim=1)
    return TorchSimpleCNN()


def _mlp_e(sizes):
    layers = []
    for i, o in zip(sizes[:-1], sizes[1:]):
        layers += [enn.Linear(i, o), enn.ReLU()]
    return enn.Sequential(*layers[:-1])


def _mlp_t(sizes):
    layers = []
    for i, o in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(i, o), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def _np_params(model):
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def _load_torch(tmodel, params):
    with torch.no_grad():
        for k, v in tmodel.state_dict().items():
            v.copy_(torch.from_numpy(params[k]))
    return tmodel


# ------------------------------------------------------------------ hand-written NumPy

def _log_softmax_grad(z, y):
    """Per-sample d(-log softmax(z)[y])/dz."""
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p


def np_mlp_per_sample(P, x, y):
    """Per-sample gradients of a 784-128-10 ReLU MLP with cross-entropy, in closed form."""
    W1, b1, W2, b2 = P["0.weight"], P["0.bias"], P["2.weight"], P["2.bias"]
    z1 = x @ W1.T + b1
    h = np.maximum(z1, 0)
    dz2 = _log_softmax_grad(h @ W2.T + b2, y)
    dz1 = (dz2 @ W2) * (z1 > 0)
    return {"0.weight": dz1[:, :, None] * x[:, None, :], "0.bias": dz1,
            "2.weight": dz2[:, :, None] * h[:, None, :], "2.bias": dz2}


class _Im2col:
    """3x3 valid-convolution columns of one image at a time, copied into one reused buffer
    (per-image blocks stay in cache; the floor any NumPy convolution would use)."""

    def __init__(self, x, k=3):
        N, C, H, W = x.shape
        self.k, self.C, self.H, self.W = k, C, H, W
        self.oh, self.ow = H - k + 1, W - k + 1
        self.win = sliding_window_view(x, (k, k), axis=(2, 3))      # (N, C, oh, ow, k, k)
        self.buf = np.empty((C, k, k, self.oh, self.ow), x.dtype)

    def __call__(self, i):
        np.copyto(self.buf, self.win[i].transpose(0, 3, 4, 1, 2))
        return self.buf.reshape(self.C * self.k * self.k, self.oh * self.ow)


def _conv_fwd(x, W, b):
    """(N, C, H, W) * (O, C*9) + b -> (N, O, P), one GEMM per image."""
    cols = _Im2col(x)
    y = np.empty((x.shape[0], W.shape[0], cols.oh * cols.ow), x.dtype)
    for i in range(x.shape[0]):
        np.matmul(W, cols(i), out=y[i])
    y += b[:, None]
    return y


def _conv_wgrad(x, dz, per_sample):
    """dW per image (N, O, C*9), or summed over the batch (O, C*9)."""
    cols = _Im2col(x)
    parts = [dz[i] @ cols(i).T for i in range(x.shape[0])]
    return np.stack(parts) if per_sample else np.sum(parts, axis=0)


def _conv_xgrad(dz, W, C, H, Wd, k=3):
    """The input gradient: Wᵀ dz per image, its columns added back into their windows."""
    N = dz.shape[0]
    oh, ow = H - k + 1, Wd - k + 1
    dx = np.zeros((N, C, H, Wd), dz.dtype)
    for n in range(N):
        cols = (W.T @ dz[n]).reshape(C, k, k, oh, ow)
        for i in range(k):
            for j in range(k):
                dx[n, :, i:i + oh, j:j + ow] += cols[:, i, j]
    return dx


def np_cnn_grads(P, x, y, per_sample=True):
    """The SimpleCNN's gradients (per sample, or of the mean loss) by hand: im2col
    convolutions, a masked max-pool and outer products."""
    N = x.shape[0]
    W1, W2 = P["conv1.weight"].reshape(32, 9), P["conv2.weight"].reshape(64, 288)
    z1 = _conv_fwd(x, W1, P["conv1.bias"])                      # (N, 32, 676)
    a1 = np.maximum(z1, 0).reshape(N, 32, 26, 26)
    z2 = _conv_fwd(a1, W2, P["conv2.bias"])                     # (N, 64, 576)
    a2 = np.maximum(z2, 0).reshape(N, 64, 12, 2, 12, 2)
    pooled = a2.max(axis=(3, 5))
    f = pooled.reshape(N, 9216)
    z3 = f @ P["fc1.weight"].T + P["fc1.bias"]
    a3 = np.maximum(z3, 0)
    dz4 = _log_softmax_grad(a3 @ P["fc2.weight"].T + P["fc2.bias"], y)
    if not per_sample:
        dz4 /= N
    dz3 = (dz4 @ P["fc2.weight"]) * (z3 > 0)
    dp = (dz3 @ P["fc1.weight"]).reshape(N, 64, 12, 1, 12, 1)
    hit = a2 == pooled.reshape(N, 64, 12, 1, 12, 1)              # ties only where relu is 0
    dz2 = (np.where(hit, dp, 0) * (a2 > 0)).reshape(N, 64, 576)
    dz1 = _conv_xgrad(dz2, W2, 32, 26, 26).reshape(N, 32, 676) * (z1 > 0)
    dW1 = _conv_wgrad(x, dz1, per_sample)
    dW2 = _conv_wgrad(a1, dz2, per_sample)
    if per_sample:
        return {"conv1.weight": dW1.reshape(N, 32, 1, 3, 3), "conv1.bias": dz1.sum(-1),
                "conv2.weight": dW2.reshape(N, 64, 32, 3, 3), "conv2.bias": dz2.sum(-1),
                "fc1.weight": dz3[:, :, None] * f[:, None, :], "fc1.bias": dz3,
                "fc2.weight": dz4[:, :, None] * a3[:, None, :], "fc2.bias": dz4}
    return {"conv1.weight": dW1.reshape(32, 1, 3, 3), "conv1.bias": dz1.sum((0, 2)),
            "conv2.weight": dW2.reshape(64, 32, 3, 3), "conv2.bias": dz2.sum((0, 2)),
            "fc1.weight": dz3.T @ f, "fc1.bias": dz3.sum(0),
            "fc2.weight": dz4.T @ a3, "fc2.bias": dz4.sum(0)}


def np_conv2d(x, w, b):
    N, C, H, W = x.shape
    return _conv_fwd(x, w.reshape(w.shape[0], -1), b).reshape(N, w.shape[0], H - 2, W - 2)


def np_conv2d_fwd_bwd(x, w, b, g):
    """Forward, then the input, weight and bias gradients for an output gradient ``g``."""
    N, C, H, W = x.shape
    O = w.shape[0]
    wm = w.reshape(O, -1)
    y = _conv_fwd(x, wm, b)
    gm = g.reshape(N, O, -1)
    dw = _conv_wgrad(x, gm, per_sample=False).reshape(w.shape)
    return y, _conv_xgrad(gm, wm, C, H, W), dw, gm.sum((0, 2))


def np_ensemble(Ws, bs, x):
    """M stacked MLPs on their own minibatches (x: (M, B, 784)) or on one (x: (B, 784))."""
    h = x
    for i, (W, b) in enumerate(zip(Ws, bs)):
        h = np.matmul(h, W.transpose(0, 2, 1)) + b[:, None, :]
        if i < len(Ws) - 1:
            h = np.maximum(h, 0)
    return h


# ------------------------------------------------------------------ workloads

def _data(rng, shape, classes=10):
    return (rng.standard_normal((B,) + shape).astype(np.float32),
            rng.integers(0, classes, B).astype(np.int64))


def _per_sample(rng, name, model, make_torch, in_shape, np_fn, loss):
    """Rows: vmap(grad) and a Python loop of grad, each against the closed form and the same
    method in torch.func.  ``loss``: 'cross_entropy' (logits) or 'nll_loss' (log-probs)."""
    x, y = _data(rng, in_shape)
    P = _np_params(model)
    params = {k: v.detach() for k, v in model.named_parameters()}
    ex, ey = ember.tensor(x), ember.tensor(y)

    def loss_e(p, xi, yi):
        return getattr(EF, loss)(functional_call(model, p, (xi[None],)), yi[None])
    g_e = grad(loss_e)
    vm_e = vmap(g_e, in_dims=(None, 0, 0))

    def loop_e():
        return [g_e(params, ex[i], ey[i]) for i in range(B)]
    t_vm = t_loop = None
    if torch:
        tmodel = _load_torch(make_torch(), P)
        tparams = {k: v.detach() for k, v in tmodel.named_parameters()}
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)

        def loss_t(p, xi, yi):
            return getattr(torch.nn.functional, loss)(
                tf.functional_call(tmodel, p, (xi[None],)), yi[None])
        g_t = tf.grad(loss_t)
        vm_t = tf.vmap(g_t, in_dims=(None, 0, 0))
        t_vm = measure(lambda: vm_t(tparams, tx, ty), repeat=3)
        t_loop = measure(lambda: [g_t(tparams, tx[i], ty[i]) for i in range(B)], repeat=3)
    t_np = measure(lambda: np_fn(P, x, y), repeat=3)
    return [(f"per-sample grads, {name}, B={B}: vmap(grad)",
             measure(lambda: vm_e(params, ex, ey), repeat=3), t_np, t_vm),
            (f"per-sample grads, {name}, B={B}: loop of grad",
             measure(loop_e, repeat=3), t_np, t_loop)]


def per_sample_rows(rng):
    ember.manual_seed(0)
    out = _per_sample(rng, "MLP 784-128-10", _mlp_e((784, 128, 10)),
                      lambda: _mlp_t((784, 128, 10)), (784,), np_mlp_per_sample,
                      "cross_entropy")
    out += _per_sample(rng, "SimpleCNN", SimpleCNN(), _torch_cnn, (1, 28, 28), np_cnn_grads,
                       "nll_loss")
    return out


def ensemble_rows(rng, M=10):
    """M MLPs 784-128-128-10 by stack_module_state + functional_call + vmap."""
    ember.manual_seed(0)
    sizes = (784, 128, 128, 10)
    models = [_mlp_e(sizes).eval() for _ in range(M)]
    params, buffers = stack_module_state(models)
    params = {k: v.detach() for k, v in params.items()}
    base = models[0]

    def fmodel(p, b, x):
        return functional_call(base, (p, b), (x,))
    Ws = [params[f"{i}.weight"].numpy() for i in (0, 2, 4)]
    bs = [params[f"{i}.bias"].numpy() for i in (0, 2, 4)]
    xs = rng.standard_normal((M, B, 784)).astype(np.float32)
    exs = ember.tensor(xs)
    rows = []
    for label, in_dims, xe, xn in (("own minibatches", (0, 0, 0), exs, xs),
                                   ("same minibatch", (0, 0, None), exs[0], xs[0])):
        vm = vmap(fmodel, in_dims=in_dims)
        with ember.no_grad():
            e = measure(lambda: vm(params, buffers, xe))
        t = None
        if torch:
            tmodels = [_mlp_t(sizes).eval() for _ in range(M)]
            for i, tm in enumerate(tmodels):
                _load_torch(tm, {k: v[i].numpy() for k, v in params.items()})
            tp, tb = tf.stack_module_state(tmodels)
            tbase = tmodels[0]
            tvm = tf.vmap(lambda p, b, x: tf.functional_call(tbase, (p, b), (x,)),
                          in_dims=in_dims)
            tx = torch.from_numpy(xn.copy())
            with torch.no_grad():
                t = measure(lambda: tvm(tp, tb, tx))
        rows.append((f"ensemble of {M} MLPs 784-128-128-10, B={B}, {label}", e,
                     measure(lambda: np_ensemble(Ws, bs, xn)), t))
    return rows


def cnn_rows(rng):
    """Convolution alone (conv2 of the SimpleCNN) and the SimpleCNN's training forward and
    backward (mean nll loss)."""
    x = rng.standard_normal((B, 32, 26, 26)).astype(np.float32)
    w = (rng.standard_normal((64, 32, 3, 3)) / 17).astype(np.float32)
    b = rng.standard_normal(64).astype(np.float32)
    g = rng.standard_normal((B, 64, 24, 24)).astype(np.float32)
    ex, ew, eb, eg = (ember.tensor(a) for a in (x, w, b, g))
    exr, ewr, ebr = (ember.tensor(a, requires_grad=True) for a in (x, w, b))
    rows = []
    tt = tfb = None
    if torch:
        tx, tw, tb, tg = (torch.from_numpy(a.copy()) for a in (x, w, b, g))
        txr, twr, tbr = (torch.from_numpy(a.copy()).requires_grad_() for a in (x, w, b))
        tt = measure(lambda: torch.nn.functional.conv2d(tx, tw, tb))
        tfb = measure(lambda: torch.autograd.grad(torch.nn.functional.conv2d(txr, twr, tbr),
                                                  (txr, twr, tbr), tg))
    rows.append(("conv2d 64x32x26x26 * 64x32x3x3, forward", measure(lambda: EF.conv2d(ex, ew, eb)),
                 measure(lambda: np_conv2d(x, w, b)), tt))
    rows.append(("conv2d 64x32x26x26 * 64x32x3x3, forward + backward",
                 measure(lambda: ember.autograd.grad(EF.conv2d(exr, ewr, ebr), (exr, ewr, ebr),
                                                     eg)),
                 measure(lambda: np_conv2d_fwd_bwd(x, w, b, g)), tfb))

    ember.manual_seed(0)
    model = SimpleCNN()
    P = _np_params(model)
    xd, yd = _data(rng, (1, 28, 28))
    exd, eyd = ember.tensor(xd), ember.tensor(yd)

    def step_e():
        model.zero_grad()
        EF.nll_loss(model(exd), eyd).backward()
    t = None
    if torch:
        tmodel = _load_torch(_torch_cnn(), P)
        txd, tyd = torch.from_numpy(xd), torch.from_numpy(yd)

        def step_t():
            tmodel.zero_grad()
            torch.nn.functional.nll_loss(tmodel(txd), tyd).backward()
        t = measure(step_t, repeat=3)
    rows.append((f"SimpleCNN forward + backward, B={B}", measure(step_e, repeat=3),
                 measure(lambda: np_cnn_grads(P, xd, yd, per_sample=False), repeat=3), t))
    return rows


def mlp_step_rows(rng):
    """One training step: nn.Linear layers, F.cross_entropy, optim.SGD with momentum."""
    sizes, lr, mom = (784, 128, 10), 0.01, 0.9
    ember.manual_seed(0)
    net = _mlp_e(sizes)
    opt = ember.optim.SGD(net.parameters(), lr=lr, momentum=mom)
    x, y = _data(rng, (784,))
    ex, ey = ember.tensor(x), ember.tensor(y)
    P = _np_params(net)
    nW = [P["0.weight"], P["2.weight"]]
    nb = [P["0.bias"], P["2.bias"]]
    bufs = [np.zeros_like(a) for a in nW + nb]

    def np_step():
        z1 = x @ nW[0].T + nb[0]
        h = np.maximum(z1, 0)
        dz2 = _log_softmax_grad(h @ nW[1].T + nb[1], y) / B
        dz1 = (dz2 @ nW[1]) * (z1 > 0)
        for p, gr, buf in zip(nW + nb, (dz1.T @ x, dz2.T @ h, dz1.sum(0), dz2.sum(0)), bufs):
            buf *= mom
            buf += gr
            p -= lr * buf

    def step_e():
        opt.zero_grad()
        EF.cross_entropy(net(ex), ey).backward()
        opt.step()
    t = None
    if torch:
        tnet = _load_torch(_mlp_t(sizes), P)
        topt = torch.optim.SGD(tnet.parameters(), lr=lr, momentum=mom)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)

        def step_t():
            topt.zero_grad()
            torch.nn.functional.cross_entropy(tnet(tx), ty).backward()
            topt.step()
        t = measure(step_t)
    return [(f"MLP 784-128-10 step (nn.Linear, cross_entropy, SGD momentum), B={B}",
             measure(step_e), measure(np_step), t)]


def rows():
    rng = np.random.default_rng(0)
    if torch:
        torch.set_num_threads(1)
    out = []
    for part in (per_sample_rows, ensemble_rows, cnn_rows, mlp_step_rows):
        try:
            out.extend(part(rng))
        except Exception as exc:       # report, never abort the whole run
            out.append((f"{part.__name__} failed: {exc!r}"[:90], None, None, None))
    return out
