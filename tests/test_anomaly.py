"""Anomaly mode: the switches, the NaN check, and errors that name the responsible line."""
import warnings

import numpy as np
import pytest

import ember
from ember.autograd import (detect_anomaly, set_detect_anomaly, is_anomaly_enabled,
                            is_anomaly_check_nan_enabled)


@pytest.fixture(autouse=True)
def _anomaly_off():
    set_detect_anomaly(False)
    yield
    set_detect_anomaly(False)


def _t(a, requires_grad=True):
    return ember.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def _line_of(marker):
    """Line number in this file of the line that ends with ``marker`` (a code comment)."""
    with open(__file__) as f:
        return next(n for n, line in enumerate(f, 1) if line.rstrip().endswith(marker))


def _messages(record):
    return [str(w.message) for w in record]


# ---------------------------------------------------------------- switches

def test_detect_anomaly_is_a_context_manager_that_warns_and_restores():
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        with detect_anomaly():
            assert is_anomaly_enabled() and is_anomaly_check_nan_enabled()
            with detect_anomaly(check_nan=False):
                assert is_anomaly_enabled() and not is_anomaly_check_nan_enabled()
            assert is_anomaly_check_nan_enabled()
    assert not is_anomaly_enabled()
    with pytest.raises(ValueError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with detect_anomaly():
            raise ValueError
    assert not is_anomaly_enabled()


def test_detect_anomaly_as_decorator():
    with pytest.warns(UserWarning):
        @detect_anomaly()
        def f():
            return is_anomaly_enabled()
    assert f() and f()
    assert not is_anomaly_enabled()


def test_set_detect_anomaly_as_function_and_context_manager():
    set_detect_anomaly(True)
    assert is_anomaly_enabled()
    with set_detect_anomaly(False):
        assert not is_anomaly_enabled()
    assert is_anomaly_enabled()
    with set_detect_anomaly(True, check_nan=False):
        assert not is_anomaly_check_nan_enabled()
    assert is_anomaly_check_nan_enabled()


# ---------------------------------------------------------------- NaN

def test_nan_in_backward_names_the_node_and_its_forward_line():
    x = _t([0.0, 1.0])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with detect_anomaly():
            y = ember.sqrt(x)  # forward-sqrt
            z = y * 0
            with pytest.raises(RuntimeError) as info:
                z.sum().backward()
    assert str(info.value) == "Function 'SqrtBackward0' returned nan values in its 0th output."
    report = [m for m in _messages(rec) if m.startswith("Error detected in SqrtBackward0")]
    assert len(report) == 1
    assert "Traceback of forward call that caused the error:" in report[0]
    assert f'test_anomaly.py", line {_line_of("# forward-sqrt")}' in report[0]
    assert "y = ember.sqrt(x)" in report[0]
    assert "z = y * 0" not in report[0]
    trace_warning = next(w for w in rec if str(w.message).startswith("Error detected"))
    assert trace_warning.category is UserWarning
    assert trace_warning.filename == __file__          # points at the user's backward call


def test_without_anomaly_mode_nan_flows_through():
    x = _t([0.0, 1.0])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        (ember.sqrt(x) * 0).sum().backward()
    assert np.isnan(x.grad.numpy()[0])


def test_check_nan_false_keeps_traces_but_skips_the_check():
    x = _t([0.0, 1.0])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with detect_anomaly(check_nan=False):
            y = ember.sqrt(x)
            assert y.grad_fn.trace is not None
            (y * 0).sum().backward()
    assert np.isnan(x.grad.numpy()[0])


class NanSigmoid(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = 1 / (1 + ember.exp(-x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * y * (1 - y) * ember.log(y - 1)      # log of a negative number: NaN


def test_nan_from_a_custom_function():
    x = _t([0.5, -0.5])
    with np.errstate(all="ignore"), warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with detect_anomaly():
            y = NanSigmoid.apply(x)  # forward-custom
            with pytest.raises(RuntimeError, match=r"^Function 'NanSigmoidBackward' returned "
                                                   r"nan values in its 0th output\.$"):
                y.sum().backward()
    report = [m for m in _messages(rec) if m.startswith("Error detected in NanSigmoidBackward")]
    assert report and f'line {_line_of("# forward-custom")}' in report[0]


def test_nan_messages_match_torch():
    torch = pytest.importorskip("torch")

    def scenario(T, x):
        a = T.sqrt(x)
        b = a * x
        return (b / (x - 1)).sum()

    msgs = []
    for T in (ember, torch):
        x = T.tensor([0.0, 1.0, 4.0], requires_grad=True, dtype=T.float64)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with T.autograd.detect_anomaly():
                with pytest.raises(RuntimeError) as info:
                    scenario(T, x).backward()
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]


def test_double_backward_reports_the_node_that_induced_it():
    x = _t([0.0, 1.0])
    with np.errstate(all="ignore"), warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        set_detect_anomaly(True)
        y = x.sqrt()  # forward-first-order
        g, = ember.autograd.grad(y.sum(), x, create_graph=True)  # grad-create-graph
        with pytest.raises(RuntimeError, match="Function 'DivBackward0' returned nan values "
                                               "in its 1th output."):
            (g * 0).sum().backward()
    msgs = _messages(rec)
    first = next(m for m in msgs if m.startswith("Error detected in DivBackward0"))
    assert f'line {_line_of("# grad-create-graph")}' in first
    induced = next(m for m in msgs if "Previous calculation was induced by SqrtBackward0" in m)
    assert induced.startswith("\n\nPrevious calculation was induced by SqrtBackward0. "
                              "Traceback of forward call that induced the previous calculation:")
    assert f'line {_line_of("# forward-first-order")}' in induced


def test_graph_built_outside_anomaly_mode_has_no_forward_information():
    x = _t([0.0, 1.0])
    z = ember.sqrt(x) * 0
    with np.errstate(all="ignore"), warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with set_detect_anomaly(True):
            with pytest.raises(RuntimeError, match="SqrtBackward0"):
                z.sum().backward()
    assert any("Error detected in SqrtBackward0. No forward pass information available."
               in m for m in _messages(rec))


# ---------------------------------------------------------------- errors naming lines

def test_inplace_error_names_the_modifying_line():
    a = _t([1.0, 2.0, 3.0])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with set_detect_anomaly(True):
            b = a.exp()  # forward-exp
            b.mul_(2)  # inplace-mul
            with pytest.raises(RuntimeError) as info:
                b.sum().backward()
    msg = str(info.value)
    assert msg.startswith("one of the variables needed for gradient computation has been "
                          "modified by an inplace operation")
    assert f"test_anomaly.py:{_line_of('# inplace-mul')} (b.mul_(2)" in msg
    assert msg.endswith("The variable in question was changed in there or anywhere later. "
                        "Good luck!")
    report = next(m for m in _messages(rec) if m.startswith("Error detected in ExpBackward0"))
    assert f'line {_line_of("# forward-exp")}' in report


def test_inplace_error_without_anomaly_mode_suggests_it():
    a = _t([1.0, 2.0])
    b = a.exp()
    b.mul_(2)
    with pytest.raises(RuntimeError, match="enable anomaly detection") as info:
        b.sum().backward()
    assert "Good luck" not in str(info.value)


def test_second_backward_names_the_backward_that_freed_the_graph():
    a = _t([1.0, 2.0])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with set_detect_anomaly(True):
            s = a.exp().sum()
            s.backward()  # first-backward
            with pytest.raises(RuntimeError) as info:
                s.backward()
    msg = str(info.value)
    assert msg.startswith("Trying to backward through the graph a second time")
    assert f"test_anomaly.py:{_line_of('# first-backward')} (s.backward()" in msg
    assert any(m.startswith("Error detected in") for m in _messages(rec))


def test_error_raised_inside_a_backward_warns_with_its_forward_trace():
    class Broken(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            raise ValueError("broken backward")

    x = _t([1.0])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with set_detect_anomaly(True):
            y = Broken.apply(x) + 1  # forward-broken
            with pytest.raises(ValueError, match="broken backward"):
                y.sum().backward()
    report = next(m for m in _messages(rec) if m.startswith("Error detected in BrokenBackward"))
    assert f'line {_line_of("# forward-broken")}' in report


def test_anomaly_mode_does_not_change_results():
    rng = np.random.default_rng(0)
    w, x = _t(rng.standard_normal((4, 3))), _t(rng.standard_normal((5, 4)), False)
    (x @ w).tanh().sum().backward()
    expected = w.grad.numpy().copy()
    w.grad = None
    with set_detect_anomaly(True):
        (x @ w).tanh().sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), expected)
