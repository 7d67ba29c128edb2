"""Grad modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

The mode lives in thread-local ``STATE`` (as in PyTorch, each thread has its own), which also
holds the stack of active function transforms.  Every manager works as a context manager and
as a decorator, with or without parentheses where PyTorch allows it.
"""
import functools
import inspect

from .._state import STATE

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


def is_grad_enabled():
    """True when operations are being recorded for backward in this thread."""
    return STATE.grad_enabled


def is_inference_mode_enabled():
    return STATE.inference


class _DecoratorContextManager:
    """Base for managers usable as ``with m():`` and ``@m()`` / ``@m``."""

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def gen_wrapper(*args, **kwargs):
                gen = func(*args, **kwargs)
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self.clone():
                            gen.close()
                        raise
                    except BaseException as e:
                        with self.clone():
                            response = gen.throw(e)
                    else:
                        with self.clone():
                            response = gen.send(request)
            return gen_wrapper

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return wrapper

    def clone(self):
        return self.__class__()


class _FixedGradMode(_DecoratorContextManager):
    """A manager that sets grad mode to ``_mode`` (usable bare as ``@no_grad``)."""
    _mode = None

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if orig_func is not None and callable(orig_func):   # bare @no_grad
            return self(orig_func)
        return self

    def __init__(self, orig_func=None):
        self.prev = None

    def __enter__(self):
        self.prev = STATE.grad_enabled
        STATE.grad_enabled = self._mode

    def __exit__(self, *exc):
        STATE.grad_enabled = self.prev


class no_grad(_FixedGradMode):
    """Disable gradient recording (results have ``requires_grad=False``)."""
    _mode = False


class enable_grad(_FixedGradMode):
    """Enable gradient recording inside a ``no_grad`` region."""
    _mode = True


class set_grad_enabled(_DecoratorContextManager):
    """Set grad mode: takes effect at once (function form) and restores on ``__exit__``."""

    def __init__(self, mode):
        self.prev = STATE.grad_enabled
        self.mode = bool(mode)
        STATE.grad_enabled = self.mode

    def __call__(self, func):
        STATE.grad_enabled = self.prev
        return super().__call__(func)

    def __enter__(self):
        STATE.grad_enabled = self.mode

    def __exit__(self, *exc):
        STATE.grad_enabled = self.prev

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):
    """Like ``no_grad``; tensors made inside are inference tensors (``is_inference()``)."""

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode) and not isinstance(mode, bool):
            self.__init__(True)
            return self(mode)
        return self

    def __init__(self, mode=True):
        self.mode = bool(mode) if isinstance(mode, bool) else True
        self.prev = None

    def __enter__(self):
        self.prev = (STATE.grad_enabled, STATE.inference)
        # as PyTorch's InferenceMode(mode): grad mode becomes ``not mode``
        STATE.grad_enabled = not self.mode
        STATE.inference = self.mode
        if self.mode:
            _marking.enter()

    def __exit__(self, *exc):
        STATE.grad_enabled, STATE.inference = self.prev
        if self.mode:
            _marking.exit()

    def clone(self):
        return self.__class__(self.mode)


class _Marking:
    """While any thread is in inference mode, op results made in inference mode are marked as
    inference tensors; outside it, ops run their unmarked (fast) call."""

    def __init__(self):
        import threading
        self.active = 0
        self.lock = threading.Lock()
        self.seen = False          # an inference tensor exists: _record checks saved inputs

    def enter(self):
        from ..ops._primitive import Primitive, marking_call
        with self.lock:
            self.active += 1
            self.seen = True
            if self.active == 1:
                Primitive.__call__ = marking_call

    def exit(self):
        from ..ops._primitive import Primitive, plain_call
        with self.lock:
            self.active -= 1
            if self.active == 0:
                Primitive.__call__ = plain_call


_marking = _Marking()
