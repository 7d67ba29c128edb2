"""Profiler results: events, their averages, PyTorch's table and the Chrome trace.

``FunctionEvent`` is one recorded range (an op, a backward node or a ``record_function``
block); ``FunctionEventAvg`` sums the events that share a key; ``EventList`` holds either
and prints the table PyTorch prints (same columns, widths, units and footer).  Times are in
microseconds, memory in bytes.
"""
import json
import os

__all__ = ["FunctionEvent", "FunctionEventAvg", "EventList"]


class _Stats:
    """The attribute API shared by events and averages (PyTorch's names)."""
    cpu_time_total = self_cpu_time_total = 0.0
    cpu_memory_usage = self_cpu_memory_usage = 0
    count = 0
    # ember records no device events; these keep PyTorch code that reads them working
    cuda_time_total = self_cuda_time_total = device_time_total = self_device_time_total = 0.0
    cuda_memory_usage = self_cuda_memory_usage = 0
    device_memory_usage = self_device_memory_usage = 0

    @property
    def cpu_time(self):
        return self.cpu_time_total / self.count if self.count else 0.0

    @property
    def cuda_time(self):
        return 0.0

    device_time = cuda_time

    @property
    def cpu_time_str(self):
        return _format_time(self.cpu_time)

    @property
    def cpu_time_total_str(self):
        return _format_time(self.cpu_time_total)

    @property
    def self_cpu_time_total_str(self):
        return _format_time(self.self_cpu_time_total)


class FunctionEvent(_Stats):
    """One recorded range, with its parent and children (CPU times in microseconds)."""

    def __init__(self, id, name, thread, start_us, end_us, input_shapes=None, stack=None,
                 cpu_memory_usage=0, is_user_annotation=False, trace_name=None):
        self.id = id
        self.name = name
        self.key = name
        self.trace_name = trace_name or name
        self.thread = thread
        self.start_us = start_us
        self.end_us = end_us
        self.input_shapes = input_shapes
        self.stack = stack or []
        self.self_cpu_memory_usage = cpu_memory_usage
        self.is_user_annotation = is_user_annotation
        self.cpu_children = []
        self.cpu_parent = None
        self.count = 1

    @property
    def time_range(self):
        return (self.start_us, self.end_us)

    @property
    def cpu_time_total(self):
        return self.end_us - self.start_us

    @property
    def self_cpu_time_total(self):
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def cpu_memory_usage(self):
        return self.self_cpu_memory_usage + sum(c.cpu_memory_usage for c in self.cpu_children)

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.name} cpu_time={self.cpu_time_str} "
                f"start_us={self.start_us:.3f} end_us={self.end_us:.3f} cpu_children="
                f"{[c.id for c in self.cpu_children]} thread={self.thread} input_shapes="
                f"{self.input_shapes} cpu_memory_usage={self.cpu_memory_usage}>")


class FunctionEventAvg(_Stats):
    """The sum of the events that share a key (name, and shapes or stack when grouped)."""

    def __init__(self, key):
        self.key = key
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.input_shapes = None
        self.stack = None
        self.is_user_annotation = False
        self.cpu_parent = None
        self.cpu_children = None

    def add(self, other):
        """Accumulate an event (or another average) into this one."""
        if self.count == 0:
            self.is_user_annotation = other.is_user_annotation
        self.count += other.count
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        return self

    def __iadd__(self, other):
        return self.add(other)

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time="
                f"{_format_time(self.self_cpu_time_total)} cpu_time={self.cpu_time_str} "
                f"input_shapes={self.input_shapes or ''} cpu_memory_usage="
                f"{self.cpu_memory_usage}>")


class EventList(list):
    """A list of events (or of averages) with PyTorch's table and trace export."""

    def __init__(self, *args, profile_memory=None, with_shapes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._profile_memory = profile_memory
        self._with_shapes = with_shapes

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shapes=False, group_by_stack_n=0,
                     group_by_overload_name=False):
        """One ``FunctionEventAvg`` per key, in order of first appearance."""
        groups = {}
        for e in self:
            name = _step_key(e.key)
            key = (name,)
            if group_by_input_shapes:
                key += (str(e.input_shapes),)
            if group_by_stack_n > 0:
                key += (tuple(e.stack[:group_by_stack_n]),)
            avg = groups.get(key)
            if avg is None:
                avg = groups[key] = FunctionEventAvg(name)
                if group_by_input_shapes:
                    avg.input_shapes = e.input_shapes
                if group_by_stack_n > 0:
                    avg.stack = list(e.stack[:group_by_stack_n])
            avg.add(e)
        return EventList(groups.values(), profile_memory=self._profile_memory,
                         with_shapes=group_by_input_shapes and self._with_shapes)

    def total_average(self):
        total = FunctionEventAvg("Total")
        for e in self:
            total.add(e)
        return total

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False, time_unit=None):
        """The table PyTorch prints: one row per entry, sorted by ``sort_by`` (descending)."""
        return _build_table(self, sort_by, row_limit, max_src_column_width,
                            max_name_column_width, max_shapes_column_width, header,
                            top_level_events_only, time_unit,
                            self._profile_memory, self._with_shapes)

    def __str__(self):
        return self.table()

    def export_chrome_trace(self, path):
        """Write the events in the Trace Event Format (chrome://tracing, Perfetto)."""
        pid = os.getpid()
        events = [{"ph": "M", "name": "process_name", "pid": pid, "tid": 0,
                   "args": {"name": "python (ember)"}}]
        for tid in sorted({e.thread for e in self if isinstance(e, FunctionEvent)}):
            events.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                           "args": {"name": f"thread {tid}"}})
        for e in self:
            if not isinstance(e, FunctionEvent):
                raise ValueError("export_chrome_trace needs the recorded events, not their "
                                 "averages")
            args = {}
            if e.input_shapes is not None:
                args["Input Dims"] = e.input_shapes
            if e.stack:
                args["Call stack"] = ";".join(e.stack)
            if e.self_cpu_memory_usage:
                args["Bytes"] = e.self_cpu_memory_usage
            events.append({"ph": "X", "cat": "user_annotation" if e.is_user_annotation else
                           "cpu_op", "name": e.trace_name, "pid": pid, "tid": e.thread,
                           "ts": e.start_us, "dur": e.cpu_time_total, "args": args})
        with open(path, "w") as f:
            json.dump({"traceEvents": events, "displayTimeUnit": "ms",
                       "otherData": {"producer": "ember.profiler"}}, f)


def _step_key(name):
    return "ProfilerStep*" if name.startswith("ProfilerStep#") else name


# ------------------------------------------------------------------ from raw events

def build_events(raw, t0, profile_memory, record_shapes):
    """``FunctionEvent``s (ordered by start) from a recorder's raw events."""
    by_raw = {}
    out = EventList(profile_memory=profile_memory, with_shapes=record_shapes)
    if raw:      # virtual clocks may start a little before t0 (estimated clock-read costs)
        t0 = min(t0, min(r.start for r in raw))
    for k, r in enumerate(raw):
        ev = FunctionEvent(k, r.name, r.tid, (r.start - t0) / 1000.0, (r.end - t0) / 1000.0,
                           input_shapes=(r.shapes or []) if record_shapes else None,
                           stack=_format_frames(r.frames), cpu_memory_usage=r.mem,
                           is_user_annotation=r.kind == "user_annotation")
        by_raw[id(r)] = ev
        parent = by_raw.get(id(r.parent)) if r.parent is not None else None
        if parent is not None:
            ev.cpu_parent = parent
            parent.cpu_children.append(ev)
        out.append(ev)
    return out


def _format_frames(frames):
    if not frames:
        return []
    return [f"{_short(c.co_filename)}({ln}): {c.co_name}" for c, ln in frames]


def _short(path):
    cwd = os.getcwd() + os.sep
    return path[len(cwd):] if path.startswith(cwd) else path


# ------------------------------------------------------------------ the table

def _format_time(us, unit=None):
    if unit == "s" or unit is None and us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if unit == "ms" or unit is None and us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _format_memory(nbytes):
    kb, mb, gb = 1024, 1024 ** 2, 1024 ** 3
    a = abs(nbytes)
    if a >= gb:
        return f"{nbytes / gb:.2f} GB"
    if a >= mb:
        return f"{nbytes / mb:.2f} MB"
    if a >= kb:
        return f"{nbytes / kb:.2f} KB"
    return f"{int(nbytes)} B"


def _pct(part, whole):
    return f"{part / whole * 100 if whole else 0.0:.2f}%"


def _truncate(s, width):
    return s if len(s) <= width - 3 or len(s) <= width and width < 4 else s[:width - 3] + "..."


def _build_table(events, sort_by, row_limit, max_src, max_name, max_shapes, header,
                 top_level_only, time_unit, profile_memory, with_shapes):
    rows = list(events)
    if sort_by is not None:
        rows.sort(key=lambda e: getattr(e, sort_by), reverse=True)
    if top_level_only:
        rows = [e for e in rows if e.cpu_parent is None]
    if not rows:
        return ""
    show_mem = profile_memory if profile_memory is not None else any(
        e.cpu_memory_usage for e in rows)
    show_shapes = with_shapes if with_shapes is not None else any(
        e.input_shapes for e in rows)
    show_shapes = bool(show_shapes) and any(e.input_shapes is not None for e in rows)
    show_src = any(e.stack for e in rows) and all(
        isinstance(e, FunctionEventAvg) for e in rows)

    name_w = min(max(len(e.key) for e in rows) + 4, max_name)
    cols = [("Name", name_w)] + [(h, 12) for h in (
        "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg")]
    if show_mem:
        cols += [("CPU Mem", 12), ("Self CPU Mem", 12)]
    cols.append(("# of Calls", 12))
    if show_shapes:
        cols.append(("Input Shapes", min(max(len(str(e.input_shapes)) for e in rows) + 4,
                                          max_shapes)))
    if show_src:
        src_w = min(max(len(s) for e in rows for s in (e.stack or [""])) + 4, max_src)
        cols.append(("Source Location", src_w))

    def line(cells):
        return "".join(str(c).rjust(w) + "  " for c, (_, w) in zip(cells, cols))

    sep = "".join("-" * w + "  " for _, w in cols)
    total_self = sum(e.self_cpu_time_total for e in events)
    out = []
    if header is not None:
        out += ["=" * (len(sep) - 2), header]
    if top_level_only:
        out += ["=" * (len(sep) - 2), "This report only display top-level ops statistics"]
    out += [sep, line([h for h, _ in cols]), sep]
    for e in rows[:row_limit] if row_limit is not None and row_limit > 0 else rows:
        cells = [_truncate(e.key, name_w),
                 _pct(e.self_cpu_time_total, total_self),
                 _format_time(e.self_cpu_time_total, time_unit),
                 _pct(e.cpu_time_total, total_self),
                 _format_time(e.cpu_time_total, time_unit),
                 _format_time(e.cpu_time, time_unit)]
        if show_mem:
            cells += [_format_memory(e.cpu_memory_usage), _format_memory(e.self_cpu_memory_usage)]
        cells.append(e.count)
        if show_shapes:
            cells.append(_truncate(str(e.input_shapes), cols[len(cells)][1]))
        if show_src:
            stack = e.stack or [""]
            cells.append(_truncate(stack[0], src_w))
            out.append(line(cells))
            for s in stack[1:]:
                out.append(line([""] * (len(cols) - 1) + [_truncate(s, src_w)]))
            continue
        out.append(line(cells))
    out.append(sep)
    out.append(f"Self CPU time total: {_format_time(total_self, time_unit)}")
    return "\n".join(out) + "\n"

