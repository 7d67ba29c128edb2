"""Result dtypes and errors of the elementwise families checked against PyTorch: integer, bool,
mixed and 0-d operands, Python scalars (weakly typed, wrapped into small integer dtypes),
integer division and powers, and the exception types and messages that name the op."""
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

NAN = float("nan")


def _np(x):
    if isinstance(x, ember.Tensor):
        return np.asarray(x.detach().numpy())
    return x.detach().numpy()


def _same(a, b, what=""):
    a, b = _np(a), _np(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs {b.shape}"
    np.testing.assert_allclose(a.astype(np.float64) if a.dtype != bool else a,
                               b.astype(np.float64) if b.dtype != bool else b,
                               rtol=1e-6, atol=1e-7, equal_nan=True, err_msg=what)


# ---------------------------------------------------------------- result dtypes

def _inputs():
    rng = np.random.default_rng(0)
    return {
        "int64": rng.integers(1, 5, size=4).astype(np.int64),
        "int32": rng.integers(1, 5, size=4).astype(np.int32),
        "uint8": rng.integers(1, 5, size=4).astype(np.uint8),
        "bool": np.array([True, False, True, True]),
        "float32": rng.uniform(0.2, 0.9, size=4).astype(np.float32),
        "float64": rng.uniform(0.2, 0.9, size=4),
        "float16": rng.uniform(0.2, 0.9, size=4).astype(np.float16),
    }


UNARY = ["sin", "exp", "sqrt", "abs", "neg", "sign", "square", "reciprocal", "rsqrt", "floor",
         "ceil", "round", "trunc", "sigmoid", "relu", "erf", "erfinv", "lgamma", "digamma",
         "exp2", "expm1", "log1p", "logit", "nan_to_num", "isnan", "isinf", "isfinite",
         "bitwise_not", "logical_not", "positive", "sgn", "tanh", "log", "cos", "atan",
         "deg2rad", "frac", "isposinf", "signbit"]


def _call(T, name, args, kwargs=None):
    """Result (or exception type) of ``T.<name>(*args)``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return T.__dict__[name](*args, **(kwargs or {}))
    except Exception as exc:       # noqa: BLE001 - the exception *type* is compared
        return exc


def _compare(re, rt, what):
    if isinstance(rt, Exception):
        assert isinstance(re, Exception), f"{what}: PyTorch raises {rt!r}, ember gives {re}"
        assert type(re).__name__ == type(rt).__name__ or isinstance(re, type(rt)) or (
            isinstance(rt, NotImplementedError) and isinstance(re, (TypeError, RuntimeError))), \
            f"{what}: {type(re).__name__} vs {type(rt).__name__}"
        return
    assert not isinstance(re, Exception), f"{what}: ember raises {re!r}"
    if isinstance(rt, torch.Tensor):
        assert str(re.dtype) == str(rt.dtype), f"{what}: dtype {re.dtype} vs {rt.dtype}"
        tol = 1e-2 if rt.dtype == torch.float16 else 1e-5
        a, b = _np(re), rt.numpy()
        if b.dtype.kind in "fc":
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol, equal_nan=True, err_msg=what)
        else:
            np.testing.assert_array_equal(a, b, err_msg=what)
    else:
        assert re == rt, f"{what}: {re} vs {rt}"


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dt", ["int64", "uint8", "bool", "float32", "float16"])
def test_unary_result_dtype(name, dt):
    a = _inputs()[dt]
    _compare(_call(ember, name, (ember.tensor(a),)), _call(torch, name, (torch.tensor(a),)),
             f"{name}({dt})")


BINARY = ["add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "fmod", "pow",
          "atan2", "maximum", "minimum", "fmax", "fmin", "xlogy", "eq", "lt", "ge",
          "logical_and", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
          "float_power", "hypot", "logaddexp"]
PAIRS = [("int64", "int32"), ("int64", "float32"), ("bool", "bool"), ("bool", "int64"),
         ("uint8", "int32"), ("float32", "float64"), ("int32", "float16"), ("bool", "float32"),
         ("float16", "float32")]


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_binary_result_dtype(name, pair):
    ins = _inputs()
    a, b = ins[pair[0]], ins[pair[1]]
    _compare(_call(ember, name, (ember.tensor(a), ember.tensor(b))),
             _call(torch, name, (torch.tensor(a), torch.tensor(b))), f"{name}{pair}")


SCALARS = [2, 2.5, True, -3]


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "floor_divide", "remainder",
                                  "fmod", "pow", "eq", "gt", "bitwise_and", "xlogy"])
@pytest.mark.parametrize("dt", ["int64", "int32", "bool", "float32", "uint8"])
@pytest.mark.parametrize("s", SCALARS)
def test_tensor_scalar_result_dtype(name, dt, s):
    a = _inputs()[dt]
    _compare(_call(ember, name, (ember.tensor(a), s)), _call(torch, name, (torch.tensor(a), s)),
             f"{name}({dt}, {s!r})")


@pytest.mark.parametrize("zero", ["float64", "int64", "float32"])
@pytest.mark.parametrize("dt", ["int64", "float32", "float16"])
def test_zero_dim_tensor_promotes_like_torch(zero, dt):
    a = _inputs()[dt]
    z = np.array(3, dtype=zero)
    for name in ("add", "mul", "maximum", "where_"):
        if name == "where_":
            re = ember.where(ember.tensor(a) > 0, ember.tensor(z), ember.tensor(a))
            rt = torch.where(torch.tensor(a) > 0, torch.tensor(z), torch.tensor(a))
        else:
            re = _call(ember, name, (ember.tensor(a), ember.tensor(z)))
            rt = _call(torch, name, (torch.tensor(a), torch.tensor(z)))
        _compare(re, rt, f"{name}({dt}, 0-d {zero})")


@pytest.mark.parametrize("case", [
    (lambda T, x: T.clamp(x, 0, 1), "int64"), (lambda T, x: T.clamp(x, 0.5, 1.5), "int64"),
    (lambda T, x: T.clamp(x, min=T.tensor([1.5, 0.5, 1.5, 2.5])), "int64"),
    (lambda T, x: T.clamp(x, T.tensor(0.5, dtype=T.float64)), "float32"),
    (lambda T, x: T.clamp(x, max=2), "uint8"), (lambda T, x: T.relu(x - 2), "int64"),
    (lambda T, x: T.where(x > 2, 1, 0), "int64"), (lambda T, x: T.where(x > 2, 1.0, 0), "int64"),
    (lambda T, x: T.where(x > 2, x, 2.5), "int64"), (lambda T, x: T.where(x > 2, True, 0), "int64"),
    (lambda T, x: T.where(x > 2, x, T.tensor(0.5, dtype=T.float64)), "float32"),
    (lambda T, x: T.round(x * 10, decimals=-1), "float32"),
    (lambda T, x: T.polygamma(1, x), "int64"), (lambda T, x: T.lerp(x, x * 2, 0.25), "float32"),
    (lambda T, x: T.square(x), "bool"), (lambda T, x: x ** 2, "bool"),
    (lambda T, x: 2 ** x, "int64"), (lambda T, x: 2.0 ** x, "int64"), (lambda T, x: 1 - x, "int64"),
    (lambda T, x: x / 2, "int64"), (lambda T, x: 7 // x, "int64"), (lambda T, x: 7.5 % x, "int64"),
    (lambda T, x: T.div(x, 3, rounding_mode="trunc"), "int64"),
    (lambda T, x: T.div(-x, 3, rounding_mode="floor"), "int64"),
    (lambda T, x: T.div(-x, 3, rounding_mode="trunc"), "float32"),
    (lambda T, x: T.add(x, x, alpha=3), "int64"), (lambda T, x: T.sub(x, x, alpha=2), "float32"),
    (lambda T, x: x & True, "bool"), (lambda T, x: x & 1, "bool"), (lambda T, x: 3 | x, "int64"),
    (lambda T, x: ~x, "int32"), (lambda T, x: x << 2, "int64"), (lambda T, x: x >> 1, "uint8"),
    (lambda T, x: 1 << x, "int64"), (lambda T, x: x.float_power(2), "float32"),
    (lambda T, x: T.addcmul(x, x, x, value=2), "int64"),
    (lambda T, x: T.addcdiv(x, x, x + 1, value=0.5), "float32"),
])
def test_mixed_cases_match_torch(case):
    fn, dt = case
    a = _inputs()[dt]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            re = fn(ember, ember.tensor(a))
        except Exception as exc:       # noqa: BLE001
            re = exc
        try:
            rt = fn(torch, torch.tensor(a))
        except Exception as exc:       # noqa: BLE001
            rt = exc
    _compare(re, rt, "mixed case")


def test_integer_power_with_negative_exponents():
    b = [1, -1, 2, 0, -1, 3]
    e = [-2, -3, -1, 1, -2, 0]
    _same(ember.tensor(b) ** ember.tensor(e), torch.tensor(b) ** torch.tensor(e))
    _same(ember.pow(2, ember.tensor([-1, 2])), torch.pow(2, torch.tensor([-1, 2])))
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        ember.tensor([1, 2]) ** -1


@pytest.mark.parametrize("op", ["floor_divide", "remainder", "fmod", "div_trunc", "div_floor"])
def test_integer_division_by_zero_raises(op):
    x, y = ember.tensor([4, 5]), ember.tensor([2, 0])
    fn = {"div_trunc": lambda a, b: ember.div(a, b, rounding_mode="trunc"),
          "div_floor": lambda a, b: ember.div(a, b, rounding_mode="floor")}.get(op) or getattr(
        ember, op)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        fn(x, y)


def test_float_division_edge_values_match_torch():
    a, b = [5.0, -5.0, 0.0, 5.5, -5.5], [0.0, 0.0, 0.0, 2.0, 2.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for fn in (lambda T, x, y: x // y, lambda T, x, y: x % y, lambda T, x, y: T.fmod(x, y),
                   lambda T, x, y: T.div(x, y, rounding_mode="trunc"), lambda T, x, y: x / y):
            _same(fn(ember, ember.tensor(a), ember.tensor(b)),
                  fn(torch, torch.tensor(a), torch.tensor(b)))


def test_sign_of_nan_is_zero_like_torch():
    v = [NAN, -0.0, 0.0, -2.0, 3.0]
    _same(ember.sign(ember.tensor(v)), torch.sign(torch.tensor(v)))
    _same(ember.tensor(v).sgn(), torch.tensor(v).sgn())


def test_sigmoid_is_stable_in_the_tails():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = ember.sigmoid(ember.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0]))
    assert s.tolist()[0] == 0.0 and s.tolist()[-1] == 1.0 and s.tolist()[2] == 0.5


def test_special_functions_match_torch():
    v = [-2.5, -1.5, -0.5, 0.25, 1.0, 3.5, 10.0]
    for name in ("lgamma", "digamma", "erf", "erfc", "expm1", "log1p", "sigmoid", "asinh",
                 "sinh", "exp2"):
        _same(getattr(ember, name)(ember.tensor(v, dtype=ember.float64)),
              getattr(torch, name)(torch.tensor(v, dtype=torch.float64)), name)
    for n in (0, 1, 2, 3):
        _same(ember.polygamma(n, ember.tensor(v, dtype=ember.float64)),
              torch.polygamma(n, torch.tensor(v, dtype=torch.float64)), f"polygamma {n}")
    w = [-0.99, -0.3, 0.0, 0.7]
    _same(ember.erfinv(ember.tensor(w)), torch.erfinv(torch.tensor(w)))
    _same(ember.tensor([0.0, 1e-4, 1.0]).logit(1e-3), torch.tensor([0.0, 1e-4, 1.0]).logit(1e-3))


# ---------------------------------------------------------------- error messages

@pytest.mark.parametrize("fn,exc,msg", [
    (lambda T: T.tensor([1, 2]).add_(1.5), RuntimeError,
     "result type Float can't be cast to the desired output type Long"),
    (lambda T: T.tensor([1, 2]).div_(2), RuntimeError,
     "result type Float can't be cast to the desired output type Long"),
    (lambda T: T.tensor([1, 2]).sqrt_(), RuntimeError,
     "result type Float can't be cast to the desired output type Long"),
    (lambda T: T.tensor([1, 2]).mul_(T.tensor([0.5, 1.0])), RuntimeError,
     "result type Float can't be cast to the desired output type Long"),
    (lambda T: T.tensor([True]) - T.tensor([True]), RuntimeError,
     "Subtraction, the `-` operator, with two bool tensors is not supported"),
    (lambda T: T.tensor([True]) - 1, RuntimeError,
     "Subtraction, the `-` operator, with a bool tensor is not supported"),
    (lambda T: 1 - T.tensor([True]), RuntimeError,
     "Subtraction, the `-` operator, with a bool tensor is not supported"),
    (lambda T: -T.tensor([True]), RuntimeError,
     "Negation, the `-` operator, on a bool tensor is not supported"),
    (lambda T: T.add(T.tensor([1]), T.tensor([1]), alpha=1.5), RuntimeError,
     "For integral input tensors, argument alpha must not be a floating point number"),
    (lambda T: T.add(T.tensor([1.0]), T.tensor([1.0]), alpha=True), RuntimeError,
     "Boolean alpha only supported for Boolean results"),
    (lambda T: T.div(T.tensor([1.0]), 2, rounding_mode="round"), RuntimeError,
     "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'round'"),
    (lambda T: T.maximum(T.tensor([1.0]), 2), TypeError,
     "maximum\\(\\): argument 'other' \\(position 2\\) must be Tensor, not int"),
    (lambda T: T.atan2(T.tensor([1.0]), 2.0), TypeError, "atan2\\(\\): argument 'other'"),
    (lambda T: T.clamp(T.tensor([1.0])), RuntimeError,
     "torch.clamp: At least one of 'min' or 'max' must not be None"),
    (lambda T: T.clamp(T.tensor([1j]), 0), NotImplementedError,
     "clamp is not supported for complex"),
    (lambda T: T.where(T.tensor([1, 0]), 1.0, 0.0), RuntimeError,
     "where expected condition to be a boolean tensor, but got a tensor with dtype Long"),
    (lambda T: T.tensor([1.0, 2.0]) & 1, NotImplementedError, "not implemented for 'Float'"),
    (lambda T: ~T.tensor([1.0]), TypeError,
     "~ \\(operator.invert\\) is only implemented on integer and Boolean-type tensors"),
    (lambda T: T.bitwise_not(T.tensor([1.0])), NotImplementedError, "not implemented for"),
    (lambda T: T.isclose(T.tensor([1.0]), T.tensor([1.0], dtype=T.float64)), RuntimeError,
     "Float did not match Double"),
    (lambda T: T.isclose(T.tensor([1.0]), T.tensor([1.0]), rtol=-1), RuntimeError,
     "rtol must be greater than or equal to zero, but got -1"),
    (lambda T: T.lerp(T.tensor([1.0]), T.tensor([1.0], dtype=T.float64), 0.5), RuntimeError,
     "expected dtype float for `end` but got dtype double"),
    (lambda T: T.polygamma(-1, T.tensor([1.0])), RuntimeError,
     "polygamma\\(n, x\\) does not support negative n"),
    (lambda T: T.polygamma(1.0, T.tensor([1.0])), TypeError,
     "polygamma\\(\\): argument 'n' \\(position 1\\) must be int, not float"),
    (lambda T: T.sign(T.tensor([1j])), NotImplementedError,
     "torch.sign is not intended to support complex numbers"),
    (lambda T: T.relu(T.tensor([True])), RuntimeError, "Boolean inputs not supported for relu"),
    (lambda T: T.sin(2.0), TypeError,
     "sin\\(\\): argument 'input' \\(position 1\\) must be Tensor, not float"),
    (lambda T: T.tensor([1.0]).float_power_(2), RuntimeError,
     "the base given to float_power_ has dtype Float but the operation's result requires "
     "dtype Double"),
    (lambda T: T.tensor([1.0, 2.0]) + T.tensor([1.0, 2.0, 3.0]), RuntimeError,
     "must match the size of tensor b"),
])
def test_error_types_and_messages(fn, exc, msg):
    for T in (torch, ember):
        with pytest.raises(exc, match=msg):
            fn(T)
