"""Grad modes against PyTorch: no_grad / enable_grad / set_grad_enabled / inference_mode as
context managers and as decorators (with and without parentheses, generators too),
is_grad_enabled / is_inference_mode_enabled, nesting, restoration after exceptions, and
thread-locality."""
import threading

import pytest

import ember

torch = pytest.importorskip("torch")

LIBS = [ember, torch]


def state(T):
    return T.is_grad_enabled(), T.is_inference_mode_enabled()


@pytest.mark.parametrize("T", LIBS, ids=["ember", "torch"])
def test_no_grad_context(T):
    x = T.ones(3, requires_grad=True)
    with T.no_grad() as ctx:
        assert ctx is None
        y = x * 2
        assert not T.is_grad_enabled()
        leaf = T.ones(2, requires_grad=True)      # factories still honour requires_grad
        with T.enable_grad():
            z = x * 2
            assert T.is_grad_enabled()
        assert not T.is_grad_enabled()
    assert T.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None
    assert leaf.requires_grad and leaf.is_leaf


@pytest.mark.parametrize("T", LIBS, ids=["ember", "torch"])
def test_decorators_with_and_without_parentheses(T):
    @T.no_grad
    def bare():
        return T.is_grad_enabled()

    @T.no_grad()
    def called():
        return T.is_grad_enabled()

    @T.enable_grad()
    def enabled():
        return T.is_grad_enabled()

    @T.enable_grad
    def enabled_bare():
        return T.is_grad_enabled()

    @T.set_grad_enabled(False)
    def disabled():
        return T.is_grad_enabled()

    @T.inference_mode
    def inf_bare():
        return state(T)

    @T.inference_mode()
    def inf_called():
        return state(T)

    @T.inference_mode(False)
    def inf_off():
        return state(T)

    assert bare.__name__ == "bare" and called.__name__ == "called"
    assert bare() is False and called() is False and disabled() is False
    with T.no_grad():
        assert enabled() is True and enabled_bare() is True
    assert T.is_grad_enabled()
    assert inf_bare() == inf_called() == (False, True)
    with T.inference_mode():
        assert inf_off() == (True, False)
    assert state(T) == (True, False)


@pytest.mark.parametrize("T", LIBS, ids=["ember", "torch"])
def test_decorated_generator(T):
    def gen():
        yield T.is_grad_enabled()
        yield T.is_grad_enabled()

    it = T.no_grad()(gen)()
    assert next(it) is False
    assert T.is_grad_enabled()          # restored between yields
    assert next(it) is False
    it = T.enable_grad()(gen)()
    with T.no_grad():
        assert next(it) is True
        assert not T.is_grad_enabled()


@pytest.mark.parametrize("T", LIBS, ids=["ember", "torch"])
def test_set_grad_enabled(T):
    x = T.ones(2, requires_grad=True)
    T.set_grad_enabled(False)                 # takes effect as a plain call
    try:
        assert not T.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        T.set_grad_enabled(True)
    assert T.is_grad_enabled()
    with T.set_grad_enabled(False):
        assert not T.is_grad_enabled()
        with T.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not T.is_grad_enabled()
    assert T.is_grad_enabled()
    with pytest.raises(TypeError):
        T.set_grad_enabled()


@pytest.mark.parametrize("T", LIBS, ids=["ember", "torch"])
def test_inference_mode(T):
    x = T.ones(2, requires_grad=True)
    normal = T.ones(2)
    with T.inference_mode():
        assert state(T) == (False, True)
        y = x * 2
        with T.inference_mode(False):
            assert state(T) == (True, False)
        with T.enable_grad():
            assert state(T) == (True, True)
        assert state(T) == (False, True)
    assert state(T) == (True, False)
    assert not y.requires_grad and y.grad_fn is None
    assert not normal.is_inference() and not x.is_inference()
    with T.no_grad():
        with T.inference_mode(False):           # InferenceMode(False) turns grad mode on
            assert state(T) == (True, False)
        assert not T.is_grad_enabled()


@pytest.mark.parametrize("T", LIBS, ids=["ember", "torch"])
def test_modes_restored_after_exceptions(T):
    for make in (T.no_grad, T.inference_mode, lambda: T.set_grad_enabled(False)):
        with pytest.raises(ValueError):
            with make():
                raise ValueError("boom")
        assert state(T) == (True, False)

    @T.no_grad()
    def fails():
        raise KeyError

    with pytest.raises(KeyError):
        fails()
    assert T.is_grad_enabled()


@pytest.mark.parametrize("T", LIBS, ids=["ember", "torch"])
def test_grad_mode_is_thread_local(T):
    seen = {}
    entered = threading.Event()
    release = threading.Event()

    def worker():
        with T.no_grad():
            seen["worker_inside"] = T.is_grad_enabled()
            entered.set()
            release.wait(5)
            x = T.ones(2, requires_grad=True)
            seen["worker_result"] = (x * 2).requires_grad

    th = threading.Thread(target=worker)
    th.start()
    entered.wait(5)
    try:
        # the other thread is inside no_grad: this one still records
        seen["main"] = T.is_grad_enabled()
        x = T.ones(2, requires_grad=True)
        seen["main_result"] = (x * 2).requires_grad
    finally:
        release.set()
        th.join()
    assert seen == {"worker_inside": False, "main": True, "main_result": True,
                    "worker_result": False}

    # a new thread starts with grad enabled whatever the spawning thread's mode
    with T.no_grad():
        out = {}
        t2 = threading.Thread(target=lambda: out.update(g=T.is_grad_enabled()))
        t2.start()
        t2.join()
    assert out["g"] is True

    with T.inference_mode():
        out = {}
        t3 = threading.Thread(target=lambda: out.update(s=state(T)))
        t3.start()
        t3.join()
    assert out["s"] == (True, False)


def test_backward_runs_under_no_grad():
    """backward() itself works inside no_grad (only the forward decides what is recorded)."""
    res = []
    for T in LIBS:
        x = T.tensor([1., 2.], requires_grad=True)
        y = (x * x).sum()
        with T.no_grad():
            y.backward()
        res.append(x.grad.tolist())
    assert res[0] == res[1] == [2.0, 4.0]


def test_create_graph_records_under_no_grad():
    res = []
    for T in LIBS:
        x = T.tensor([1., 2.], requires_grad=True)
        y = (x ** 3).sum()
        with T.no_grad():
            (g,) = T.autograd.grad(y, x, create_graph=True)
        res.append((g.requires_grad, g.tolist()))
    assert res[0] == res[1] == (True, [3.0, 12.0])


def test_inference_tensors_are_marked_and_refused_by_autograd():
    x = ember.ones(3, requires_grad=True)
    with ember.inference_mode():
        y = x * 2
        z = ember.zeros(2)
    assert y.is_inference() and z.is_inference()
    assert not x.is_inference() and not (x * 2).is_inference()
    assert not y.requires_grad
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        (x * y).sum()
    (x * y.clone()).sum().backward()       # a clone is a normal tensor
    from ember.ops._primitive import Primitive, plain_call
    assert Primitive.__call__ is plain_call  # the marking call is gone outside inference mode
