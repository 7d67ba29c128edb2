"""Peak extra memory (tracemalloc) of jacrev / jacfwd / vmap with different chunk sizes:
chunking bounds the memory of the batched computation; the results are identical."""
import tracemalloc

import numpy as np

import ember
from ember.func import jacrev, jacfwd, vmap


def _peak(fn):
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    out = fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak, out


def rows(n=256):
    rng = np.random.default_rng(0)
    w = ember.tensor((rng.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32))
    x = ember.tensor(rng.standard_normal(n).astype(np.float32))
    # each row of the batched computation holds an n x n intermediate (w * z), so the peak
    # grows with the number of rows processed at once
    f = lambda z: (w * z).tanh().sum(1) * z
    out = []
    ref = {}
    for name, make in (("jacrev", lambda c: jacrev(f, chunk_size=c)),
                       ("jacfwd", lambda c: jacfwd(f, chunk_size=c)),
                       ("vmap", lambda c: (lambda: vmap(f, chunk_size=c)(
                           ember.tensor(rng.standard_normal((n, n)).astype(np.float32)))))):
        for chunk in (None, 128, 32, 8):
            if name == "vmap":
                peak, _ = _peak(make(chunk))
                out.append((f"{name} over {n} rows, chunk_size={chunk}", peak, None))
                continue
            peak, J = _peak(lambda: make(chunk)(x))
            same = None
            if chunk is None:
                ref[name] = J.numpy()
            else:
                same = bool(np.array_equal(J.numpy(), ref[name]))
            out.append((f"{name} {n}x{n}, chunk_size={chunk}", peak, same))
    return out


def main():
    print("| workload | extra peak memory | identical to unchunked |")
    print("|---|---|---|")
    for name, peak, same in rows():
        print(f"| {name} | {peak / 2**20:.1f} MiB | {'—' if same is None else same} |")


if __name__ == "__main__":
    main()
