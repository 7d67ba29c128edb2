"""Collects the op table rows from every family file in this package."""
import importlib
import pkgutil

from ._opinfo import OpInfo, Sample, S, rand, unary_samples, binary_samples  # noqa: F401


def all_ops():
    ops = []
    for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if m.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{m.name}")
        ops.extend(getattr(mod, "OPS", []))
    names = [o.name for o in ops]
    dup = {n for n in names if names.count(n) > 1}
    assert not dup, f"duplicate op table names: {dup}"
    return ops
