"""Anomaly detection: find the forward line behind a failing backward.

While anomaly mode is on, every graph node remembers where it was created (``Node.trace``,
captured by ``graph.Node.__init__``) and, when it is created by a backward pass
(``create_graph=True``), the node whose backward created it.  The engine then runs each
node through ``anomaly_apply``: a backward function that fails, or returns NaN, warns with
the forward traceback of that node (and of the nodes that induced it) and raises.

The mode is process-wide, as in PyTorch.  The capture is cheap: a frame walk that keeps
code objects and instruction offsets; line numbers and source lines are only looked up when
a report is printed.
"""
import functools
import linecache
import os
import sys
import threading
import traceback
import warnings
import weakref

import numpy as np

from .._tensor import Tensor
from .graph import ANOMALY

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled"]

_ENABLED_MSG = ("Anomaly Detection has been enabled. This mode will increase the runtime and "
                "should only be enabled for debugging.")
_NO_INFO = ("No forward pass information available. Enable detect anomaly during forward pass "
            "for more information.")


def is_anomaly_enabled():
    """True while anomaly detection is on."""
    return ANOMALY.enabled


def is_anomaly_check_nan_enabled():
    """True when anomaly mode also checks backward results for NaN."""
    return ANOMALY.check_nan


def _set(mode, check_nan):
    ANOMALY.enabled = bool(mode)
    ANOMALY.check_nan = bool(check_nan)


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly detection on inside its block.

    ``check_nan=False`` keeps the forward tracebacks but does not check for NaN.
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        self._prev = []
        warnings.warn(_ENABLED_MSG, stacklevel=2)

    def __enter__(self):
        self._prev.append((ANOMALY.enabled, ANOMALY.check_nan))
        _set(True, self.check_nan)
        return self

    def __exit__(self, *exc):
        _set(*self._prev.pop())
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off: a plain call sets it, ``with`` restores it after."""

    def __init__(self, mode, check_nan=True):
        self.prev = ANOMALY.enabled
        self.prev_check_nan = ANOMALY.check_nan
        _set(mode, check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(self.prev, self.prev_check_nan)
        return False


# ------------------------------------------------------------------ forward tracebacks

_EMBER = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
# frames in these places are ember's machinery (dispatch, rules, engine), not user code;
# ember.nn stays visible, as torch/nn/modules does in PyTorch's traces
_INTERNAL = tuple(_EMBER + d for d in ("ops" + os.sep, "autograd" + os.sep, "func" + os.sep, "_"))


_IS_INTERNAL = {}       # code object -> whether it is ember machinery (cached: hot in capture)


def _internal(code):
    r = _IS_INTERNAL.get(code)
    if r is None:
        r = _IS_INTERNAL[code] = code.co_filename.startswith(_INTERNAL)
    return r


class _Local(threading.local):
    node = None          # the node whose backward is running in this thread


_CURRENT = _Local()


class Trace:
    """Where a node was created: (code, instruction offset) pairs from the innermost user
    frame outwards, the node whose backward created it (if any), and where its last backward
    pass was called from."""
    __slots__ = ("frames", "_parent", "site")

    def __init__(self, frames, parent):
        self.frames = frames
        self._parent = weakref.ref(parent) if parent is not None else None
        self.site = None

    @property
    def parent(self):
        """The node whose backward pass created this node (``create_graph=True``), if any."""
        return self._parent() if self._parent is not None else None

    def user_frames(self):
        """``traceback.FrameSummary``s, outermost first."""
        return [traceback.FrameSummary(c.co_filename, _line(c, i), c.co_name)
                for c, i in reversed(self.frames)]

    def format(self):
        return "".join(traceback.format_list(self.user_frames()))

    def __str__(self):
        return self.format()


def capture_trace():
    """The trace of the op being recorded now (called by ``Node.__init__``).

    Keeps (code, instruction offset) pairs: reading ``f_lineno`` costs twice as much, so
    line numbers are looked up only when a report is printed."""
    f = sys._getframe(1)
    while f.f_back is not None and _internal(f.f_code):
        f = f.f_back
    frames = []
    append = frames.append
    while f is not None:
        append((f.f_code, f.f_lasti))
        f = f.f_back
    return Trace(frames, _CURRENT.node)


def _line(code, lasti):
    for start, end, line in code.co_lines():
        if start <= lasti < end:
            return line
    return code.co_firstlineno


def _user_site():
    """(code, instruction offset) of the innermost frame outside ember's machinery."""
    f = sys._getframe(1)
    while f is not None and _internal(f.f_code):
        f = f.f_back
    return (f.f_code, f.f_lasti) if f is not None else None


def user_stacklevel():
    """``warnings`` stacklevel that points at the user's code."""
    f, level = sys._getframe(1), 1
    while f is not None and _internal(f.f_code):
        f, level = f.f_back, level + 1
    return level


# ------------------------------------------------------------------ the engine's hook

def anomaly_apply(node, grads, needed):
    """``node.apply`` under anomaly mode: parent tracking, NaN check and the report."""
    cur = _CURRENT
    prev = cur.node
    cur.node = node
    try:
        in_grads = node.apply(grads, needed)
        if ANOMALY.check_nan:
            _check_nan(node, in_grads)
    except Exception as exc:
        if getattr(node, "freed", False) or getattr(getattr(node, "ctx", None), "_freed", False):
            _name_freeing_call(node, exc)
        warn_trace(node)
        raise
    finally:
        cur.node = prev
    tr = node.trace
    if tr is not None:
        tr.site = _user_site()       # the pass that may now free this node's saved tensors
    return in_grads


def _name_freeing_call(node, exc):
    """Add to a 'backward a second time' error the user line whose backward freed the graph."""
    site = node.trace.site if node.trace is not None else None
    if site is None or not exc.args or not isinstance(exc.args[0], str):
        return
    fn, ln = site[0].co_filename, _line(*site)
    code = linecache.getline(fn, ln).strip()
    exc.args = (f"{exc.args[0]} The saved tensors of {node.name()} were freed by the backward "
                f"pass started at {fn}:{ln} ({code}).",) + exc.args[1:]


def _has_nan(arr):
    kind = arr.dtype.kind
    if kind == "f":
        if arr.size == 0:
            return False
        m = arr.min()                # min propagates NaN; cheaper than isnan(arr).any()
        return m != m
    return kind == "c" and bool(np.isnan(arr).any())


def _check_nan(node, in_grads):
    for i, g in enumerate(in_grads):
        if g is None:
            continue
        while g._is_wrapper:         # transform wrappers: check the array underneath
            g = g._inner
        if _has_nan(g._data):
            args = node.args if type(node.args) is tuple else ()
            k = sum(isinstance(a, Tensor) for a in args[:i]) if len(args) >= i else i
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {k}th "
                               f"output.")


def warn_trace(node):
    """Warn with the forward traceback of ``node`` and of the nodes that induced it."""
    level = user_stacklevel()
    tr = node.trace
    if tr is None:
        warnings.warn(f"Error detected in {node.name()}. {_NO_INFO}", stacklevel=level)
        return
    warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the "
                  f"error:\n{tr.format()}", stacklevel=level)
    parent = tr.parent
    seen = {id(node)}
    while parent is not None and id(parent) not in seen:
        seen.add(id(parent))
        ptr = parent.trace
        head = f"\n\nPrevious calculation was induced by {parent.name()}."
        if ptr is None:
            warnings.warn(f"{head} {_NO_INFO}", stacklevel=level)
            return
        warnings.warn(f"{head} Traceback of forward call that induced the previous "
                      f"calculation:\n{ptr.format()}", stacklevel=level)
        parent = ptr.parent


def modified_hint():
    """The end of the 'modified by an inplace operation' error while anomaly mode is on."""
    return (" Hint: the backtrace further above shows the operation that failed to compute its "
            "gradient. The variable in question was changed in there or anywhere later. Good "
            "luck!")
