"""Run every benchmark and print one table of ratios (ember vs hand-written NumPy vs PyTorch).

    python -m benchmarks.run            # everything
    python -m benchmarks.run core       # only the core rows (sections: core, func, nn)
"""
import os
import sys

# One BLAS/OpenMP thread for NumPy and PyTorch alike: comparable, repeatable numbers on a
# shared machine (PyTorch is also set to one thread in the workloads).
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

from ._timing import fmt, ratio  # noqa: E402


def _table(title, rows):
    print(f"\n### {title}\n")
    print("| workload | ember | NumPy | PyTorch | ember/NumPy | ember/PyTorch |")
    print("|---|---|---|---|---|---|")
    for name, e, n, t in rows:
        print(f"| {name} | {fmt(e)} | {fmt(n)} | {fmt(t)} | {ratio(e, n)} | {ratio(e, t)} |")
    sys.stdout.flush()


def main(argv):
    which = set(argv) or {"core", "func", "nn", "memory"}
    import numpy as np
    try:
        import torch
        tv = torch.__version__
    except ImportError:
        tv = "not installed"
    print(f"NumPy {np.__version__}, PyTorch {tv}; one BLAS thread "
          f"(OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')})")
    if "core" in which:
        from . import core
        _table("Per-op overhead", core.per_op_rows())
        _table("Training step", core.mlp_rows())
    if "func" in which:
        try:
            from . import func
        except ImportError:
            func = None
        if func is not None:
            _table("Function transforms (seed workloads)", func.rows())
            _table("Transform overheads", func.overhead_rows())
    if "memory" in which:
        from . import memory
        print("\n### Peak extra memory of chunked transforms (tracemalloc)\n")
        memory.main()
    if "nn" in which:
        from . import nn as nn_bench
        _table("nn: per-sample gradients, ensembling, convolution, training step "
               "(PyTorch: torch.set_num_threads(1))", nn_bench.rows())


if __name__ == "__main__":
    main(sys.argv[1:])
