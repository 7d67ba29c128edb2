"""dtypes, the default dtype, PyTorch's type promotion, can_cast, finfo and iinfo."""
import pickle
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import ember

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
         "complex64", "complex128"]


def _torch():
    return pytest.importorskip("torch")


def test_dtype_objects():
    assert repr(ember.float32) == "torch.float32" and str(ember.int64) == "torch.int64"
    assert ember.float is ember.float32 and ember.double is ember.float64
    assert ember.half is ember.float16 and ember.long is ember.int64
    assert ember.int is ember.int32 and ember.short is ember.int16
    assert ember.cfloat is ember.complex64 and ember.cdouble is ember.complex128
    for name in NAMES:
        d = getattr(ember, name)
        assert isinstance(d, ember.dtype)
        assert pickle.loads(pickle.dumps(d)) is d
    assert ember.complex64.to_real() is ember.float32
    assert ember.float64.to_complex() is ember.complex128


def test_dtype_attributes_match_torch():
    torch = _torch()
    for name in NAMES:
        d, t = getattr(ember, name), getattr(torch, name)
        assert (d.itemsize, d.is_floating_point, d.is_complex, d.is_signed) == \
            (t.itemsize, t.is_floating_point, t.is_complex, t.is_signed), name


def test_python_types_as_dtypes():
    assert ember.zeros(2, dtype=float).dtype is ember.float64
    assert ember.zeros(2, dtype=int).dtype is ember.int64
    assert ember.zeros(2, dtype=bool).dtype is ember.bool
    assert ember.zeros(2, dtype=complex).dtype is ember.complex128


def test_default_dtype():
    assert ember.get_default_dtype() is ember.float32
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.tensor(1.).dtype is ember.float64
        assert ember.tensor(1j).dtype is ember.complex128
        assert ember.arange(1., 3.).dtype is ember.float64
        assert (ember.tensor([1, 2]) / 2).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    assert ember.tensor(1j).dtype is ember.complex64
    with pytest.raises(TypeError, match="only floating-point types are supported as the "
                                         "default type"):
        ember.set_default_dtype(ember.int64)
    with pytest.raises(TypeError, match="invalid dtype object"):
        ember.set_default_dtype(float)
    assert ember.get_default_dtype() is ember.float32


def test_promote_types_table_matches_torch():
    torch = _torch()
    for a in NAMES:
        for b in NAMES:
            got = ember.promote_types(getattr(ember, a), getattr(ember, b))
            want = torch.promote_types(getattr(torch, a), getattr(torch, b))
            assert repr(got) == repr(want), (a, b)
    with pytest.raises(TypeError, match="must be torch.dtype, not str"):
        ember.promote_types(ember.float32, "float64")


def test_can_cast_table_matches_torch():
    torch = _torch()
    for a in NAMES:
        for b in NAMES:
            assert ember.can_cast(getattr(ember, a), getattr(ember, b)) == \
                torch.can_cast(getattr(torch, a), getattr(torch, b)), (a, b)


SCALARS = [True, 2, 2.5, 1 + 1j]


def _operand(T, kind, name):
    """A tensor with dimensions ('dim'), a 0-d tensor ('zero') or a Python scalar."""
    if kind == "dim":
        return T.ones(2, dtype=getattr(T, name))
    if kind == "zero":
        return T.ones((), dtype=getattr(T, name))
    return name


def test_result_type_matches_torch():
    torch = _torch()
    kinds = [("dim", n) for n in NAMES] + [("zero", n) for n in NAMES] + \
        [("scalar", s) for s in SCALARS]
    for ka, a in kinds:
        for kb, b in kinds:
            if ka == kb == "scalar":
                continue
            want = torch.result_type(_operand(torch, ka, a), _operand(torch, kb, b))
            if want == torch.complex32:
                continue                      # ember has no complex32 (no NumPy counterpart)
            got = ember.result_type(_operand(ember, ka, a), _operand(ember, kb, b))
            assert repr(got) == repr(want), (ka, a, kb, b)
    assert ember.result_type(1, 2.) is ember.float32
    assert ember.result_type(True, 2) is ember.int64


def test_finfo_iinfo_match_torch():
    torch = _torch()
    for name in ["float16", "float32", "float64", "complex64", "complex128"]:
        e, t = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
        assert repr(e) == repr(t)
        for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution",
                     "dtype"):
            assert getattr(e, attr) == getattr(t, attr), (name, attr)
    assert repr(ember.finfo()) == repr(torch.finfo())
    for name in ["uint8", "int8", "int16", "int32", "int64"]:
        e, t = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
        assert repr(e) == repr(t)
        assert (e.bits, e.max, e.min, e.dtype) == (t.bits, t.max, t.min, t.dtype)
    for fn, arg in [("finfo", "int32"), ("iinfo", "float32"), ("iinfo", "bool")]:
        with pytest.raises(TypeError) as ee:
            getattr(ember, fn)(getattr(ember, arg))
        with pytest.raises(TypeError) as te:
            getattr(torch, fn)(getattr(torch, arg))
        assert str(ee.value) == str(te.value)


# ---------------------------------------------------------------- promotion through the ops

OPS = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
       "eq": lambda a, b: a == b, "lt": lambda a, b: a < b}


def _make(T, spec):
    kind, val = spec
    if kind == "scalar":
        return val
    name, zero = val
    return T.ones(() if zero else (3,), dtype=getattr(T, name))


operand = st.one_of(
    st.tuples(st.just("tensor"), st.tuples(st.sampled_from(NAMES), st.booleans())),
    st.tuples(st.just("scalar"), st.sampled_from(SCALARS)))


@settings(max_examples=300, deadline=None)
@given(a=operand, b=operand, op=st.sampled_from(sorted(OPS)))
def test_promotion_through_ops_matches_torch(a, b, op):
    """dtype (and values) of add/mul/div/comparisons for random dtype pairs, 0-d-ness and
    Python scalars, against PyTorch."""
    torch = _torch()
    assume(a[0] == "tensor" or b[0] == "tensor")
    fn = OPS[op]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # torch warns that complex32 is experimental
            want = fn(_make(torch, a), _make(torch, b))
    except RuntimeError:
        return                                # e.g. ordering comparisons on complex
    assume(want.dtype != torch.complex32)
    got = fn(_make(ember, a), _make(ember, b))
    assert repr(got.dtype) == repr(want.dtype), (a, b, op)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy().astype(np.complex128),
                               want.numpy().astype(np.complex128), rtol=1e-3)


def test_promotion_rules_without_torch():
    i32 = ember.ones(3, dtype=ember.int32)
    assert (i32 + 1).dtype is ember.int32                      # scalar of same category
    assert (i32 + 1.5).dtype is ember.float32                  # higher category: default float
    assert (i32 + ember.tensor(1, dtype=ember.int64)).dtype is ember.int32    # 0-d same cat.
    assert (i32 + ember.tensor(1., dtype=ember.float64)).dtype is ember.float64
    assert (ember.ones(3, dtype=ember.float16) + ember.tensor(1.,
                                                                dtype=ember.float64)).dtype \
        is ember.float16
    assert (ember.tensor([1, 2]) / ember.tensor([2, 2])).dtype is ember.float32
    assert (ember.tensor([True]) + ember.tensor([True])).dtype is ember.bool
    assert (ember.tensor([True]) + 1).dtype is ember.int64
    assert (ember.ones(2) + ember.tensor(1j, dtype=ember.complex128)).dtype is ember.complex64
    assert (ember.ones(2, dtype=ember.uint8) + ember.ones(2, dtype=ember.int8)).dtype \
        is ember.int16
