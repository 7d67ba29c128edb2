"""The torch.func oracle shared by the conformance tests (test_func_conformance.py,
test_func_misuse.py): the same program runs through torch.func and ember.func and the outcomes
(structure, values, or exception type and message) are compared."""
import collections
import re

import numpy as np
import pytest

import ember
import ember.func as ef

torch = pytest.importorskip("torch")
import torch.func as tf  # noqa: E402

P = collections.namedtuple("P", "a b")
R = np.random.default_rng(1234)
x3, y3, v2 = R.standard_normal(3), R.standard_normal(3), R.standard_normal(2)
X43, Y34, M23 = R.standard_normal((4, 3)), R.standard_normal((3, 4)), R.standard_normal((2, 3))
X234 = R.standard_normal((2, 3, 4))
ENV = {torch: (torch, tf), ember: (ember, ef)}


def _conv(T, a):
    return torch.from_numpy(np.array(a)) if T is torch else ember.tensor(np.array(a))


def _call(T, prog, arrays):
    mod, fmod = ENV[T]
    try:
        return "ok", prog(mod, fmod, *[_conv(T, a) for a in arrays])
    except Exception as e:        # the outcome compared is the exception itself
        return "err", e


def struct(x):
    """A comparable description: container kinds, tensor shapes/dtypes/requires_grad."""
    if isinstance(x, (torch.Tensor, ember.Tensor)):
        return ("T", tuple(x.shape), str(x.dtype).split(".")[-1], bool(x.requires_grad))
    if isinstance(x, tuple) and hasattr(type(x), "_fields"):
        return (type(x).__name__, tuple(struct(c) for c in x))
    if isinstance(x, (tuple, list)):
        return (type(x).__name__, tuple(struct(c) for c in x))
    if isinstance(x, dict):
        return ("dict", tuple((k, struct(v)) for k, v in x.items()))
    return (type(x).__name__, x)


def _values(a, b, tol):
    if isinstance(a, torch.Tensor):
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=tol, atol=tol)
    elif isinstance(a, (tuple, list)):
        for p, q in zip(a, b):
            _values(p, q, tol)
    elif isinstance(a, dict):
        for k in a:
            _values(a[k], b[k], tol)


def same(prog, *arrays, tol=1e-9):
    """Both succeed with the same structure and values."""
    (kt, t), (ke, e) = _call(torch, prog, arrays), _call(ember, prog, arrays)
    assert kt == "ok", f"torch raised {t!r}"
    assert ke == "ok", f"ember raised {e!r} (torch gave {struct(t)})"
    assert struct(e) == struct(t)
    _values(t, e, tol)


def same_error(prog, *arrays, match=None):
    """Both raise the same exception type; ``match`` must be found in both messages."""
    (kt, t), (ke, e) = _call(torch, prog, arrays), _call(ember, prog, arrays)
    assert kt == "err", f"torch did not raise: {struct(t)}"
    assert ke == "err", f"ember did not raise (torch: {t!r}): {struct(e)}"
    assert type(e).__name__ == type(t).__name__, f"torch {t!r} vs ember {e!r}"
    if match is not None:
        assert re.search(match, str(t)), f"pattern not in torch's message: {t}"
        assert re.search(match, str(e)), f"pattern not in ember's message: {e}"


def _p(*cases):
    return [pytest.param(*c[1:], id=c[0]) for c in cases]
