"""``autograd.profiler``: function-level statistics of a block of code.

    with torch.autograd.profiler.profile(record_shapes=True) as prof:
        loss = model(x).sum(); loss.backward()
    print(prof.key_averages().table(sort_by="self_cpu_time_total"))

Forward ops are recorded as ``aten::<primitive name>`` (ember's primitives are named after
ATen's ops, so ``aten::mul``, ``aten::matmul``, ``aten::sum``; composites such as ``linear``
appear as the primitives they are made of), backward functions under their node names
(``MulBackward0``, ``torch::autograd::AccumulateGrad``) and ``record_function`` blocks under
their labels.  Memory (``profile_memory=True``) is the bytes of new arrays an op returns.
"""
import warnings

from ..profiler._events import EventList, FunctionEvent, FunctionEventAvg, build_events
from ..profiler._record import Recorder, record_function

__all__ = ["profile", "record_function", "EventList", "FunctionEvent", "FunctionEventAvg"]


class profile:
    """Context manager that records every op, backward node and labelled block inside it.

    ``use_cuda`` is accepted for compatibility: ember records CPU (host) time only.
    """

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False,
                 with_flops=False, profile_memory=False, with_stack=False, with_modules=False,
                 use_kineto=False, use_cpu=True, experimental_config=None, acc_events=False,
                 custom_trace_id_callback=None):
        if use_cuda or use_device not in (None, "cpu"):
            warnings.warn("ember's profiler records host (CPU) time only; device time is not "
                          "measured.", stacklevel=2)
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self._recorder = None
        self._events = None
        self.entered = False

    def __enter__(self):
        if not self.enabled:
            return self
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._recorder = Recorder(self.record_shapes, self.profile_memory, self.with_stack)
        self._recorder.start()
        return self

    def __exit__(self, *exc):
        if not self.enabled:
            return False
        rec = self._recorder
        rec.stop()
        self._events = build_events(rec.events, rec.t0, self.profile_memory,
                                    self.record_shapes)
        self._recorder = None
        return False

    # ---- results
    def _check_finished(self):
        if self._events is None:
            if not self.enabled:
                self._events = EventList()
            else:
                raise RuntimeError("Profiler didn't finish running")

    @property
    def function_events(self):
        self._check_finished()
        return self._events

    def events(self):
        return self.function_events

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False, time_unit=None):
        return self.function_events.table(sort_by, row_limit, max_src_column_width,
                                          max_name_column_width, max_shapes_column_width,
                                          header, top_level_events_only, time_unit)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0,
                     group_by_overload_name=False):
        return self.function_events.key_averages(group_by_input_shape, group_by_stack_n,
                                                 group_by_overload_name)

    def total_average(self):
        return self.function_events.total_average()

    @property
    def self_cpu_time_total(self):
        return self.function_events.self_cpu_time_total

    def export_chrome_trace(self, path):
        self.function_events.export_chrome_trace(path)

    def __str__(self):
        return self.table()
