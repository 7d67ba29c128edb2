"""ember's main demonstration: runs the seeds' examples (001-004), PyTorch's torch.func
tutorials (per-sample gradients, model ensembling, neural tangent kernels) and the digits
training run, and prints their results.

    python examples/demo.py
"""
import importlib.util
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import seed001_autograd  # noqa: E402
import seed002_whirlwind  # noqa: E402
import seed003_scientific  # noqa: E402
import seed004_jacobians_hessians  # noqa: E402
import tutorial_per_sample_grads  # noqa: E402
import tutorial_ensembling  # noqa: E402
import tutorial_ntk  # noqa: E402
import digits  # noqa: E402


def main():
    # the digits run writes its checkpoints and plots to a fresh temporary directory
    digits_out = tempfile.mkdtemp(prefix="ember_digits_")
    for mod, kwargs in ((seed001_autograd, {}), (seed002_whirlwind, {}),
                        (seed003_scientific, {}), (seed004_jacobians_hessians, {"runs": 50}),
                        (tutorial_per_sample_grads, {"runs": 3}), (tutorial_ensembling, {}),
                        (tutorial_ntk, {}), (digits, {"out": digits_out})):
        print(f"\n=============== {mod.__name__}: {mod.__doc__.splitlines()[0]}")
        missing = [m for m in getattr(mod, "NEEDS", ()) if importlib.util.find_spec(m) is None]
        if missing:
            print(f"--- skipped: needs {', '.join(missing)} (pip install -e '.[examples]')")
            continue
        t0 = time.perf_counter()
        mod.main(**kwargs)
        print(f"--- {mod.__name__} done in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
