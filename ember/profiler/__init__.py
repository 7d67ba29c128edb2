"""``ember.profiler``: PyTorch's ``torch.profiler`` API on ember's recorder.

    from ember.profiler import profile, ProfilerActivity, schedule, record_function
    with profile(activities=[ProfilerActivity.CPU], schedule=schedule(wait=1, warmup=1,
                 active=2), on_trace_ready=handler) as prof:
        for batch in data:
            train_step(batch)
            prof.step()

Ops appear as ``aten::<primitive name>``, backward functions under their node names and
``record_function`` blocks under their labels (see ``ember.autograd.profiler``).  With a
schedule every step is wrapped in a ``ProfilerStep#<n>`` range (``ProfilerStep*`` in
``key_averages``).  Only host (CPU) time is recorded.
"""
import enum
import gzip
import os
import socket
import time
import warnings

from ._events import EventList, FunctionEvent, FunctionEventAvg, build_events
from ._record import Recorder, record_function

__all__ = ["profile", "record_function", "ProfilerActivity", "ProfilerAction", "schedule",
           "supported_activities", "tensorboard_trace_handler", "EventList", "FunctionEvent",
           "FunctionEventAvg"]


class ProfilerActivity(enum.Enum):
    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


_RECORDING = (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)


def supported_activities():
    return {ProfilerActivity.CPU}


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """Cycles of ``wait`` idle, ``warmup`` and ``active`` recorded steps, ``repeat`` times
    (0: forever) after ``skip_first`` steps; the last active step of a cycle saves it."""
    if not (wait >= 0 and warmup >= 0 and active > 0 and repeat >= 0 and skip_first >= 0):
        raise AssertionError("Invalid profiler schedule arguments")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results",
                      stacklevel=2)
    cycle = wait + warmup + active

    def schedule_fn(step):
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait:
            step += wait
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        pos = step % cycle
        if pos < wait:
            return ProfilerAction.NONE
        if pos < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if pos < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return schedule_fn


def _always_record(step):
    return ProfilerAction.RECORD


class profile:
    """Records ops, backward nodes and labelled blocks; see the module docstring.

    Without ``schedule`` everything between start and stop is one recording; with one,
    ``step()`` moves through the schedule and ``on_trace_ready(prof)`` is called at the end
    of each recorded cycle (``key_averages()``/``events()`` then describe that cycle, or all
    cycles so far with ``acc_events=True``).
    """

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None,
                 record_shapes=False, profile_memory=False, with_stack=False, with_flops=False,
                 with_modules=False, experimental_config=None, execution_trace_observer=None,
                 acc_events=False, use_cuda=None, custom_trace_id_callback=None):
        acts = set(activities) if activities is not None else supported_activities()
        if use_cuda or acts - {ProfilerActivity.CPU}:
            warnings.warn("ember's profiler records host (CPU) activity only; other "
                          "activities are ignored.", stacklevel=2)
        self.activities = acts
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.schedule = schedule if schedule is not None else _always_record
        self.record_steps = schedule is not None
        self.on_trace_ready = on_trace_ready
        self.acc_events = acc_events
        self.step_num = 0
        self.current_action = self.schedule(0)
        self._recorder = None
        self._events = None
        self._step_range = None

    # ---- lifecycle
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        self._transit(ProfilerAction.NONE, self.current_action)
        self._open_step()

    def stop(self):
        self._close_step()
        self._transit(self.current_action, None)

    def step(self):
        """Signal that the next step starts: advances the schedule."""
        self._close_step()
        prev = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transit(prev, self.current_action)
        self._open_step()

    def _open_step(self):
        if self.record_steps:
            self._step_range = record_function(f"ProfilerStep#{self.step_num}")
            self._step_range.__enter__()

    def _close_step(self):
        if self._step_range is not None:
            self._step_range.__exit__(None, None, None)
            self._step_range = None

    def _transit(self, prev, cur):
        """Stop and save after a cycle's last recorded step; start at a recorded step."""
        if self._recorder is not None and (prev is ProfilerAction.RECORD_AND_SAVE or
                                           cur not in _RECORDING):
            self._finish()
        if cur in _RECORDING and self._recorder is None:
            self._recorder = Recorder(self.record_shapes, self.profile_memory,
                                      self.with_stack)
            self._recorder.start()

    def _finish(self):
        rec, self._recorder = self._recorder, None
        rec.stop()
        events = build_events(rec.events, rec.t0, self.profile_memory, self.record_shapes)
        if self.acc_events and self._events is not None:
            events = EventList(list(self._events) + list(events),
                               profile_memory=self.profile_memory,
                               with_shapes=self.record_shapes)
        self._events = events
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    # ---- results
    def events(self):
        """The recorded events of the last saved cycle (an ``EventList``)."""
        if self._events is None:
            raise RuntimeError("Profiler didn't finish running")
        return self._events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0,
                     group_by_overload_name=False):
        return self.events().key_averages(group_by_input_shape, group_by_stack_n,
                                          group_by_overload_name)

    def export_chrome_trace(self, path):
        """Write the last saved cycle in the Trace Event Format (gzip if ``path`` ends .gz)."""
        if path.endswith(".gz"):
            tmp = path[:-3]
            self.events().export_chrome_trace(tmp)
            with open(tmp, "rb") as src, gzip.open(path, "wb") as dst:
                dst.write(src.read())
            os.remove(tmp)
        else:
            self.events().export_chrome_trace(path)


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False):
    """An ``on_trace_ready`` that writes each cycle's trace into ``dir_name``."""
    def handler(prof):
        os.makedirs(dir_name, exist_ok=True)
        name = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        path = os.path.join(dir_name, f"{name}.{time.time_ns()}.pt.trace.json")
        prof.export_chrome_trace(path + ".gz" if use_gzip else path)
    return handler
