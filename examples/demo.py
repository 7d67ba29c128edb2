"""ember's main demonstration: runs the seeds' examples (001-004) and prints their results.

    python examples/demo.py
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import seed001_autograd  # noqa: E402
import seed002_whirlwind  # noqa: E402
import seed003_scientific  # noqa: E402
import seed004_jacobians_hessians  # noqa: E402


def main():
    for mod, kwargs in ((seed001_autograd, {}), (seed002_whirlwind, {}),
                        (seed003_scientific, {}), (seed004_jacobians_hessians, {"runs": 50})):
        print(f"\n=============== {mod.__name__}: {mod.__doc__.splitlines()[0]}")
        t0 = time.perf_counter()
        mod.main(**kwargs)
        print(f"--- {mod.__name__} done in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
