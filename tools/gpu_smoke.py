"""Smoke test of ember on CuPy arrays (device='cuda'); run on a machine with a GPU and CuPy:

    python tools/gpu_smoke.py

Prints one line per check and a summary; not part of the test suite (CI has no GPU)."""
import sys
import time
import traceback

sys.path.insert(0, __file__.rsplit("/tools/", 1)[0])
import numpy as np  # noqa: E402

import ember  # noqa: E402
from ember.func import grad, vmap, jacrev, hessian  # noqa: E402

results = []


def check(name):
    def deco(fn):
        try:
            t0 = time.perf_counter()
            fn()
            results.append((name, "ok", time.perf_counter() - t0))
        except Exception as e:
            results.append((name, f"FAIL {type(e).__name__}: {str(e)[:150]}", 0))
            traceback.print_exc()
        return fn
    return deco


def on_gpu(t):
    import cupy
    return isinstance(t._data if t.__class__ is ember.Tensor else t, cupy.ndarray)


@check("creation on cuda")
def _():
    x = ember.randn(3, 4, device="cuda")
    assert on_gpu(x) and x.device.type == "cuda", x.device
    y = ember.tensor([1.0, 2.0], device="cuda")
    assert on_gpu(y)
    z = ember.zeros(5, device="cuda")
    assert on_gpu(z)


@check("to('cuda') and back")
def _():
    x = ember.arange(6.0).reshape(2, 3)
    g = x.to("cuda")
    assert on_gpu(g)
    assert np.allclose(g.cpu().numpy(), x.numpy())


@check("elementwise, reductions, matmul forward")
def _():
    x = ember.randn(64, 32, device="cuda")
    w = ember.randn(32, 16, device="cuda")
    y = ((x @ w).tanh() * 2 + 1).sum(1).mean()
    assert on_gpu(y)


@check("backward (MLP step)")
def _():
    m = ember.nn.Sequential(ember.nn.Linear(32, 64), ember.nn.ReLU(), ember.nn.Linear(64, 10))
    m.to("cuda")
    x = ember.randn(16, 32, device="cuda")
    t = ember.randint(0, 10, (16,), device="cuda")
    loss = ember.nn.functional.cross_entropy(m(x), t)
    loss.backward()
    assert on_gpu(m[0].weight.grad)


@check("func transforms")
def _():
    x = ember.randn(8, 5, device="cuda")
    f = lambda z: (z.sin() * z).sum()
    g = vmap(grad(f))(x)
    assert on_gpu(g._data if g.__class__ is ember.Tensor else g)
    h = hessian(f)(x[0])
    assert tuple(h.shape) == (5, 5)
    j = jacrev(lambda z: z.exp())(x[0])
    assert tuple(j.shape) == (5, 5)


@check("large matmul speed vs cpu")
def _():
    import cupy
    a = ember.randn(4096, 4096, device="cuda")
    (a @ a).sum().item()
    cupy.cuda.Device().synchronize()
    t0 = time.perf_counter()
    for _ in range(10):
        (a @ a).sum().item()
    print(f"  4096^2 matmul on GPU: {(time.perf_counter() - t0) / 10 * 1e3:.2f} ms")


for name, status, dt in results:
    print(f"{status[:4]:4} {name} {'' if status == 'ok' else status} ({dt * 1e3:.1f} ms)")
print(f"{sum(s == 'ok' for _, s, _ in results)}/{len(results)} checks passed")
