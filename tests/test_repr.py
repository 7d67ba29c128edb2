"""Tensor printing: PyTorch's exact repr strings (seed outputs, edge cases, print options)."""
import numpy as np
import pytest

import ember


@pytest.fixture(autouse=True)
def _default_printoptions():
    yield
    ember.set_printoptions(profile="default")
    ember.set_printoptions(sci_mode=None)


# ---------------------------------------------------------------- literal expectations

def test_seed003_outer_and_3d_blocks():
    x = ember.arange(1., 4.)
    m = x[:, None] * x[None, :]
    assert repr(m) == ("tensor([[1., 2., 3.],\n"
                       "        [2., 4., 6.],\n"
                       "        [3., 6., 9.]])")
    b = ember.stack([m * v for v in (1., 4., 9.)])        # vmap(outer)(outer(x, x))
    assert repr(b) == ("tensor([[[ 1.,  2.,  3.],\n"
                       "         [ 2.,  4.,  6.],\n"
                       "         [ 3.,  6.,  9.]],\n"
                       "\n"
                       "        [[ 4.,  8., 12.],\n"
                       "         [ 8., 16., 24.],\n"
                       "         [12., 24., 36.]],\n"
                       "\n"
                       "        [[ 9., 18., 27.],\n"
                       "         [18., 36., 54.],\n"
                       "         [27., 54., 81.]]])")


def test_seed003_wrapped_vector_and_negative_zero():
    vals = [0.3396, 0.8663, 0.8830, 0.7084, 0.9351, -0.1285, -0.0045, 0.8071, -0.1174, 0.9670]
    assert repr(ember.tensor(vals)) == (
        "tensor([ 0.3396,  0.8663,  0.8830,  0.7084,  0.9351, -0.1285, -0.0045,  0.8071,\n"
        "        -0.1174,  0.9670])")
    assert repr(ember.tensor([[0.9992, 0.0, -0.1347, -0.0]])) == \
        "tensor([[ 0.9992,  0.0000, -0.1347, -0.0000]])"
    assert repr(ember.tensor(0.9999)) == "tensor(0.9999)"


@pytest.mark.parametrize("make,expected", [
    (lambda: ember.tensor([]), "tensor([])"),
    (lambda: ember.zeros(0, 3), "tensor([], size=(0, 3))"),
    (lambda: ember.zeros(0, dtype=ember.int64), "tensor([], dtype=torch.int64)"),
    (lambda: ember.tensor(3), "tensor(3)"),
    (lambda: ember.tensor(True), "tensor(True)"),
    (lambda: ember.tensor([True, False]), "tensor([ True, False])"),
    (lambda: ember.tensor([1, -200, 3]), "tensor([   1, -200,    3])"),
    (lambda: ember.tensor([1, 2], dtype=ember.int32), "tensor([1, 2], dtype=torch.int32)"),
    (lambda: ember.tensor([1., 2.], dtype=ember.float64), "tensor([1., 2.], dtype=torch.float64)"),
    (lambda: ember.tensor([1e-5, 1.]), "tensor([1.0000e-05, 1.0000e+00])"),
    (lambda: ember.tensor([0., float("nan")]), "tensor([0., nan])"),
    (lambda: ember.tensor([1.5, float("inf")]), "tensor([1.5000,    inf])"),
    (lambda: ember.tensor([1 + 2j, 3 - 4j]), "tensor([1.+2.j, 3.-4.j])"),
    (lambda: ember.tensor([1.], requires_grad=True), "tensor([1.], requires_grad=True)"),
    (lambda: ember.tensor([1.], requires_grad=True) * 2, "tensor([2.], grad_fn=<MulBackward0>)"),
    (lambda: ember.arange(2000), "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"),
])
def test_literal(make, expected):
    assert repr(make()) == expected


def test_set_printoptions_literal():
    ember.set_printoptions(precision=2)
    assert repr(ember.tensor([1.12345])) == "tensor([1.12])"
    ember.set_printoptions(threshold=5)
    assert repr(ember.arange(10)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    ember.set_printoptions(profile="default")
    assert repr(ember.tensor([1.12345])) == "tensor([1.1235])"
    assert repr(ember.arange(10)) == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"


def test_default_dtype_changes_suffix():
    ember.set_default_dtype(ember.float64)
    try:
        assert repr(ember.tensor([1.5])) == "tensor([1.5000])"
        assert repr(ember.tensor([1.5], dtype=ember.float32)) == \
            "tensor([1.5000], dtype=torch.float32)"
        assert repr(ember.tensor([1j])) == "tensor([0.+1.j])"
    finally:
        ember.set_default_dtype(ember.float32)


def test_format_and_str():
    assert format(ember.tensor(1.5)) == "1.5"
    assert f"{ember.tensor(2.25):.1f}" == "2.2"
    assert str(ember.tensor([1., 2.])) == "tensor([1., 2.])"
    with pytest.raises(TypeError, match="unsupported format string"):
        format(ember.tensor([1., 2.]), ".2f")


# ---------------------------------------------------------------- against PyTorch

CASES = [
    "T.arange(1., 4.)", "T.tensor(0.9999)", "T.tensor([1e10, 1.])", "T.tensor([1e3, 1.])",
    "T.tensor([1001., 1.])", "T.tensor([1e9])", "T.tensor([123456789.])", "T.tensor([0.])",
    "T.tensor([float('inf'), -float('inf'), float('nan')])", "T.tensor([100., float('nan')])",
    "T.tensor([-0.])", "T.tensor([1., 2.], dtype=T.float16)",
    "T.tensor([1.123456, 2.], dtype=T.float16)", "T.tensor([1.5+2j, -3-4.25j])",
    "T.tensor(1+2j)", "T.tensor([1e-6+2j])", "T.tensor([0j, -0j])",
    "T.tensor([1+2j], dtype=T.complex128)", "T.zeros(2, 0, dtype=T.int32)",
    "T.zeros(0, dtype=T.float64)", "T.arange(2000.)", "T.arange(2000.).reshape(40, 50)",
    "T.arange(3000.).reshape(10, 10, 30)", "T.arange(1001).reshape(7, 11, 13)",
    "T.arange(24.).reshape(2, 3, 4)", "T.arange(48.).reshape(2, 2, 3, 4)", "T.arange(100.) / 7",
    "T.arange(30.) * 1e5", "T.arange(30.) - 15", "T.ones(5, 30) / 3",
    "T.arange(60.).requires_grad_()", "T.arange(30.).requires_grad_() * 2",
    "T.arange(60., dtype=T.float64).requires_grad_()",
    "T.tensor([1.], dtype=T.float64, requires_grad=True) + 1",
    "T.tensor([[1, 2], [3, 4]], dtype=T.int8)", "T.tensor([[True]] * 3)",
    "T.tensor([1e-4, 1.])", "T.tensor([9.9999e-5, 1.])", "T.tensor([0.1, 100.])",
    "T.tensor([0.1, 101.])", "T.tensor([1e8])", "T.tensor([1.00001e8])",
    "T.tensor([2 ** 60])", "T.tensor([[1.1234e-10, 1e10], [3, 4]])",
    "T.arange(10 ** 6.).reshape(1000, 1000)", "T.arange(10 ** 4).reshape(100, 100)",
    "T.ones(1, 1, 1, 1)", "T.tensor([1 + 0j] * 40)", "T.tensor([0.5 + 1e5j] * 10)",
    "T.tensor(float('nan'))", "T.tensor(-float('inf'))", "T.tensor(1e-20)",
    "T.tensor(123456.7)", "T.full((3,), 0.1, dtype=T.float64)", "T.arange(1200, dtype=T.int16)",
    "T.tensor([12345.678, 1.])", "T.eye(3, dtype=T.bool)", "T.tensor(5, dtype=T.uint8)",
]
OPTIONS = [dict(), dict(precision=2), dict(threshold=5), dict(edgeitems=1, threshold=10),
           dict(linewidth=40), dict(sci_mode=True), dict(sci_mode=False), dict(profile="short"),
           dict(profile="full"), dict(edgeitems=0, threshold=10), dict(precision=0)]


@pytest.mark.parametrize("opts", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items())
                         or "default")
def test_matches_torch(opts):
    torch = pytest.importorskip("torch")
    try:
        for T in (ember, torch):
            T.set_printoptions(**opts)
        for case in CASES:
            got, want = (repr(eval(case, {"T": T})) for T in (ember, torch))
            assert got == want, case
    finally:
        torch.set_printoptions(profile="default")
        torch.set_printoptions(sci_mode=None)


def test_random_tensors_match_torch():
    """Random shapes, dtypes, scales, non-finite values and print options."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    dtypes = ["float32", "float64", "float16", "int64", "int32", "uint8", "bool", "complex64",
              "complex128"]
    try:
        for _ in range(400):
            shape = tuple(int(s) for s in rng.integers(0, 7, size=rng.integers(0, 4)))
            dt = str(rng.choice(dtypes))
            a = rng.standard_normal(shape) * 10.0 ** rng.integers(-12, 12)
            if rng.random() < 0.3:
                a = np.round(a)
            if rng.random() < 0.2 and a.size:
                a.flat[rng.integers(0, a.size)] = rng.choice([np.nan, np.inf, -np.inf, -0.0])
            if dt.startswith("complex"):
                a = a + 1j * rng.standard_normal(shape) * 10.0 ** rng.integers(-6, 6)
            elif dt == "bool":
                a = a > 0
            elif dt[0] in "iu":
                info = np.iinfo(dt)
                a = np.clip(np.nan_to_num(a, nan=0, posinf=0, neginf=0), info.min, info.max)
            with np.errstate(all="ignore"):
                arr = a.astype(dt)
            opts = dict(profile="default")
            if rng.random() < 0.3:
                opts = dict(precision=int(rng.integers(0, 8)),
                            linewidth=int(rng.integers(20, 150)),
                            sci_mode=[None, True, False][rng.integers(0, 3)],
                            threshold=int(rng.integers(5, 2000)),
                            edgeitems=int(rng.integers(0, 5)))
            for T in (ember, torch):
                T.set_printoptions(**opts)
            req = dt.startswith("float") and rng.random() < 0.2
            got = repr(ember.tensor(arr, requires_grad=req))
            want = repr(torch.tensor(arr, requires_grad=req))
            for T in (ember, torch):
                T.set_printoptions(profile="default", sci_mode=None)
            assert got == want, (dt, shape, opts)
    finally:
        torch.set_printoptions(profile="default", sci_mode=None)


def test_printoptions_state_matches_torch():
    torch = pytest.importorskip("torch")
    from torch._tensor_str import get_printoptions as torch_get
    from ember._repr import get_printoptions, printoptions
    try:
        for opts in [dict(sci_mode=True, precision=2), dict(threshold=5), dict(profile="short"),
                     dict(profile="full", linewidth=100), dict(profile="nonexistent")]:
            ember.set_printoptions(**opts)
            torch.set_printoptions(**opts)
            assert get_printoptions() == torch_get()
    finally:
        torch.set_printoptions(profile="default", sci_mode=None)
    ember.set_printoptions(profile="default")
    with printoptions(precision=1):
        assert repr(ember.tensor([1.25])) == "tensor([1.2])"
    assert repr(ember.tensor([1.25])) == "tensor([1.2500])"


def test_subclass_prefix():
    class MyTensor(ember.Tensor):
        pass
    t = ember.tensor([1., 2.])
    t.__class__ = MyTensor
    assert repr(t) == "MyTensor([1., 2.])"
