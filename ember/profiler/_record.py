"""The recorder behind both profilers: instrumentation that exists only while profiling.

Starting a recorder swaps ``Primitive.__call__`` (every op: the single dispatch point),
``apply`` of ``Node`` and of its subclasses (every backward function, custom Functions
included) and the engine's leaf accumulation for timed versions; stopping puts the
originals back.  With no profiler running, ember runs exactly the code it runs without
this module: no flag is tested on the fast path.

Times exclude the profiler's own bookkeeping: each thread keeps the nanoseconds it spent
in bookkeeping, and events are placed on a "virtual" clock (wall clock minus bookkeeping),
so the nested recording of children does not inflate their parents.
"""
import os
import sys
import threading
import time

from .._tensor import Tensor

_now = time.perf_counter_ns
ACTIVE = None                   # the running Recorder, or None


class RawEvent:
    """One timed range: an op, a backward node or a ``record_function`` block."""
    __slots__ = ("name", "kind", "tid", "start", "end", "parent", "shapes", "mem", "frames")

    def __init__(self, name, kind, tid, parent):
        self.name, self.kind, self.tid, self.parent = name, kind, tid, parent
        self.start = self.end = 0
        self.shapes = None
        self.mem = 0
        self.frames = None


class _Thread(threading.local):
    def __init__(self):
        self.stack = []
        self.overhead = 0       # ns of bookkeeping so far in this thread
        self.tid = threading.get_native_id()


class Recorder:
    """Collects ``RawEvent``s between ``start()`` and ``stop()``."""

    def __init__(self, record_shapes=False, profile_memory=False, with_stack=False):
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.events = []
        self.threads = _Thread()
        self._swapped = []
        self.t0 = 0
        self.read_cost = 0

    # ---- ranges
    def open(self, t_in, name, kind, args=None):
        """Begin a range whose bookkeeping began at ``t_in`` (read first thing by the caller).

        Bookkeeping, and the cost of the clock reads that bracket it, go to the thread's
        overhead; the event starts at the virtual time of the end of the bookkeeping."""
        th = self.threads
        stack = th.stack
        ev = RawEvent(name, kind, th.tid, stack[-1] if stack else None)
        if args is not None and self.record_shapes:
            ev.shapes = [list(a.shape) if isinstance(a, Tensor) else [] for a in args]
        if self.with_stack:
            ev.frames = _user_frames(sys._getframe(2))
        self.events.append(ev)
        stack.append(ev)
        t = _now()
        th.overhead += t - t_in + self.read_cost
        ev.start = t - th.overhead
        return ev

    def close(self, ev, t, result=None):
        """End a range at ``t`` (read first thing by the caller)."""
        th = self.threads
        ev.end = t - th.overhead - self.read_cost
        stack = th.stack
        if stack and stack[-1] is ev:
            stack.pop()
        elif ev in stack:
            stack.remove(ev)
        if result is not None and self.profile_memory:
            ev.mem = _allocated(result)
        th.overhead += self.read_cost + _now() - t

    # ---- instrumentation
    def start(self):
        global ACTIVE
        if ACTIVE is not None:
            raise RuntimeError("Profiler is already enabled on this thread")
        from ..ops._primitive import Primitive
        from ..autograd import graph
        self.read_cost = _clock_read_cost()
        self.t0 = _now()
        self._swap(Primitive, "__call__", _timed_primitive(self, Primitive.__call__))
        for cls in _node_classes(graph.Node):
            if "apply" in cls.__dict__:
                self._swap(cls, "apply", _timed_apply(self, cls.__dict__["apply"]))
        self._swap(graph, "_accumulate", _timed_accumulate(self, graph._accumulate))
        ACTIVE = self

    def stop(self):
        global ACTIVE
        if ACTIVE is self:
            ACTIVE = None
        for owner, attr, orig in reversed(self._swapped):
            setattr(owner, attr, orig)
        self._swapped = []

    def _swap(self, owner, attr, new):
        self._swapped.append((owner, attr, getattr(owner, attr) if not isinstance(owner, type)
                              else owner.__dict__[attr]))
        setattr(owner, attr, new)


def _clock_read_cost(n=200):
    """Nanoseconds one clock read takes (the part of a range's bracketing reads that no
    timestamp can see, subtracted as overhead)."""
    best = None
    for _ in range(5):
        t0 = _now()
        for _ in range(n):
            _now()
        per = (_now() - t0) / (n + 1)
        best = per if best is None else min(best, per)
    return best


def _node_classes(root):
    out, todo = [], [root]
    while todo:
        c = todo.pop()
        out.append(c)
        todo.extend(c.__subclasses__())
    return out


def _timed_primitive(rec, call):
    def __call__(prim, *args, **params):
        ev = rec.open(_now(), "aten::" + prim.name, "cpu_op", args)
        out = None
        try:
            out = call(prim, *args, **params)
            return out
        finally:
            rec.close(ev, _now(), out)
    return __call__


def _timed_apply(rec, apply):
    def timed_apply(node, grads, needed):
        ev = rec.open(_now(), node.name(), "cpu_op")
        try:
            return apply(node, grads, needed)
        finally:
            rec.close(ev, _now())
    return timed_apply


def _timed_accumulate(rec, accumulate):
    def timed_accumulate(node, g, create_graph):
        ev = rec.open(_now(), "torch::autograd::AccumulateGrad", "cpu_op")
        try:
            return accumulate(node, g, create_graph)
        finally:
            rec.close(ev, _now())
    return timed_accumulate


def _allocated(result):
    """Bytes of new memory among an op's outputs (views allocate nothing)."""
    n = 0
    for t in (result if isinstance(result, tuple) else (result,)):
        if isinstance(t, Tensor) and not t._is_wrapper:
            a = t._data
            if a.base is None:
                n += a.nbytes
    return n


_EMBER = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_NN = _EMBER + "nn" + os.sep


def _user_frames(f):
    """(code, line) pairs from the innermost frame outside ember's machinery outwards."""
    while f is not None and f.f_code.co_filename.startswith(_EMBER) and not \
            f.f_code.co_filename.startswith(_NN):
        f = f.f_back
    frames = []
    while f is not None:
        frames.append((f.f_code, f.f_lineno))
        f = f.f_back
    return frames


class record_function:
    """Label a block (``with``) or a function (decorator) in the profile.

    Outside a profiler this costs one global lookup; inside, the block appears in the
    table under ``name`` with its own and its children's time.
    """

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self._events = []

    def __enter__(self):
        t_in = _now()
        rec = ACTIVE
        self._events.append((rec, rec.open(t_in, self.name, "user_annotation")
                             if rec is not None else None))
        return self

    def __exit__(self, *exc):
        t = _now()
        rec, ev = self._events.pop()
        if ev is not None:
            rec.close(ev, t)
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return wrapper
