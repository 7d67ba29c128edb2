"""``ember.utils.benchmark``: PyTorch's ``Timer``, ``Measurement`` and ``Compare``.

    from ember.utils.benchmark import Timer
    m = Timer(stmt="jacrev(f)(x)", globals=globals()).timeit(500)
    print(m)        # stmt, median time per run, "1 measurement, 500 runs , 1 thread"

Statements are timed with Python's ``timeit`` machinery; ``torch`` in a statement's globals
defaults to ember, so PyTorch benchmark code runs unchanged.  ``num_threads`` limits the
BLAS thread pool while timing when ``threadpoolctl`` is installed, and is recorded (and
printed) either way.
"""
import collections
import contextlib
import dataclasses
import enum
import math
import textwrap
import timeit as _timeit

import numpy as np

__all__ = ["Timer", "Measurement", "Compare", "TaskSpec", "Language", "select_unit"]

_IQR_WARN = 0.1
_IQR_GROSS_WARN = 0.25
_MAX_SIGFIGS = 4


class Language(enum.Enum):
    PYTHON = 0
    CPP = 1


def select_unit(t):
    """(unit, scale) that prints ``t`` seconds with 1 to 3 integer digits."""
    k = math.floor(math.log10(t) / 3) if t > 0 else 0
    unit = {-1: "ms", -2: "us"}.get(k, "ns" if k <= -3 else "s")
    return unit, {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


def _english(unit):
    return {"ns": "nanosecond", "us": "microsecond", "ms": "millisecond", "s": "second"}[unit]


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    """What was timed: the statement, its setup and the labels used to print it."""
    stmt: str
    setup: str
    global_setup: str = ""
    label: str = None
    sub_label: str = None
    description: str = None
    env: str = None
    num_threads: int = 1

    @property
    def title(self):
        if self.label is not None:
            return self.label + (f": {self.sub_label}" if self.sub_label else "")
        if "\n" not in self.stmt:
            return self.stmt + (f": {self.sub_label}" if self.sub_label else "")
        sub = f" ({self.sub_label})" if self.sub_label else ""
        return f"stmt:{sub}\n{textwrap.indent(self.stmt, '  ')}"

    def setup_str(self):
        if not self.setup or self.setup == "pass":
            return ""
        if "\n" in self.setup:
            return f"setup:\n{textwrap.indent(self.setup, '  ')}"
        return f"setup: {self.setup}"

    def summarize(self):
        parts = [p for p in (self.title, self.description or "", self.setup_str()) if p]
        return "\n".join(p + "\n" if "\n" in p else p for p in parts)


class Measurement:
    """The times of one or more blocks of ``number_per_run`` runs of a statement."""

    def __init__(self, number_per_run, raw_times, task_spec, metadata=None):
        self.number_per_run = number_per_run
        self.raw_times = list(raw_times)
        self.task_spec = task_spec
        self.metadata = metadata
        t = np.asarray(self.times, dtype=np.float64)
        self._median = float(np.median(t)) if t.size else float("nan")
        self._mean = float(t.mean()) if t.size else float("nan")
        self._p25, self._p75 = ((float(np.quantile(t, 0.25)), float(np.quantile(t, 0.75)))
                                if t.size else (float("nan"),) * 2)

    def __getattr__(self, name):
        spec = self.__dict__.get("task_spec")
        if spec is not None and name in TaskSpec.__dataclass_fields__:
            return getattr(spec, name)
        raise AttributeError(f"'Measurement' object has no attribute '{name}'")

    @property
    def times(self):
        """Seconds per run, one entry per block."""
        return [t / self.number_per_run for t in self.raw_times]

    @property
    def median(self):
        return self._median

    @property
    def mean(self):
        return self._mean

    @property
    def iqr(self):
        return self._p75 - self._p25

    @property
    def significant_figures(self):
        """Digits of the median that the spread of the blocks supports (1 to 4)."""
        n = len(self.raw_times)
        if n < 2 or self.iqr <= 0:
            return _MAX_SIGFIGS
        # standard error of the median from the IQR (sigma ~ IQR / 1.349), 95% interval
        half_ci = 1.96 * 1.2533 * (self.iqr / 1.349) / math.sqrt(n)
        digits = math.floor(math.log10(self._median / half_ci))
        return min(max(digits, 1), _MAX_SIGFIGS)

    def meets_confidence(self, threshold=_IQR_WARN):
        return self.iqr / self._median < threshold

    @property
    def has_warnings(self):
        return bool(self._warnings())

    def _warnings(self):
        if len(self.raw_times) < 4 or not self._median > 0:
            return []
        rel = self.iqr / self._median * 100
        if not self.meets_confidence(_IQR_GROSS_WARN):
            msg = "This suggests significant environmental influence."
        elif not self.meets_confidence(_IQR_WARN):
            msg = "This could indicate system fluctuation."
        else:
            return []
        return [f"  WARNING: Interquartile range is {rel:.1f}% of the median measurement.\n"
                f"           {msg}"]

    @property
    def title(self):
        return self.task_spec.title

    @property
    def env(self):
        return "Unspecified env" if self.task_spec.env is None else self.task_spec.env

    @property
    def as_row_name(self):
        return self.sub_label or self.stmt or "[Unknown]"

    def __repr__(self):
        n = len(self.raw_times)
        unit, scale = select_unit(self._median)
        lines = [object.__repr__(self), self.task_spec.summarize()]
        lines.append(f"  {'Median: ' if n > 1 else ''}{self._median / scale:.2f} {unit}")
        if n >= 4:
            lines.append(f"  IQR:    {self.iqr / scale:.2f} {unit} ({self._p25 / scale:.2f} "
                         f"to {self._p75 / scale:.2f})")
        threads = self.num_threads
        lines.append(f"  {n} measurement{'s' if n > 1 else ''}, {self.number_per_run} runs "
                     f"{'per measurement,' if n > 1 else ','} {threads} "
                     f"thread{'s' if threads > 1 else ''}")
        lines += self._warnings()
        return "\n".join(lines)

    @staticmethod
    def merge(measurements):
        """One Measurement per TaskSpec, pooling their per-run times."""
        groups = collections.defaultdict(list)
        for m in measurements:
            groups[m.task_spec].append(m)
        return [Measurement(1, [t for m in ms for t in m.times], spec)
                for spec, ms in groups.items()]


@contextlib.contextmanager
def _limit_threads(n):
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=n):
        yield


class Timer:
    """Times a Python statement; ``globals`` are the names it sees."""

    def __init__(self, stmt="pass", setup="pass", global_setup="", timer=_timeit.default_timer,
                 globals=None, label=None, sub_label=None, description=None, env=None,
                 num_threads=1, language=Language.PYTHON):
        if language not in (Language.PYTHON, "py", "python"):
            raise ValueError(f"Invalid language `{language}`: ember's Timer times Python "
                             f"statements only.")
        if global_setup:
            raise ValueError(f"global_setup is C++ only, got `{global_setup}`. Put Python "
                             f"setup code in `setup`.")
        if not isinstance(stmt, str) and not callable(stmt):
            raise ValueError("Currently only a `str` stmt (or a callable) is supported.")
        g = dict(globals or {})
        if "torch" not in g:
            import ember
            g["torch"] = ember
        self._globals = g
        self._stmt = stmt
        self._setup = setup
        self._timer = timer
        spec_stmt = stmt if isinstance(stmt, str) else getattr(stmt, "__name__", repr(stmt))
        spec_setup = setup if isinstance(setup, str) else getattr(setup, "__name__", "setup")
        self._task_spec = TaskSpec(textwrap.dedent(spec_stmt).strip(),
                                   textwrap.dedent(spec_setup).strip(), "", label, sub_label,
                                   description, env, num_threads)
        self._runner = None

    def _time(self, number):
        """Seconds for ``number`` runs (setup runs once, when first needed)."""
        if self._runner is None:
            stmt = textwrap.dedent(self._stmt) if isinstance(self._stmt, str) else self._stmt
            setup = textwrap.dedent(self._setup) if isinstance(self._setup, str) else self._setup
            self._runner = _timeit.Timer(stmt, setup, self._timer, globals=self._globals)
        with _limit_threads(self._task_spec.num_threads):
            return self._runner.timeit(number)

    def _measure(self, number, raw):
        return Measurement(number, raw, self._task_spec)

    def timeit(self, number=1000000):
        """One block of ``number`` runs (after one warm-up block of up to 100 runs)."""
        self._time(max(int(number // 100), 2))
        return self._measure(number, [self._time(number)])

    def repeat(self, repeat=5, number=1000000):
        """``repeat`` blocks of ``number`` runs, as one Measurement of ``repeat`` blocks.

        (PyTorch leaves this unimplemented; this mirrors ``timeit.Timer.repeat``.)"""
        self._time(max(int(number // 100), 2))
        return self._measure(number, [self._time(number) for _ in range(repeat)])

    def _block_size(self, min_block):
        """Runs per block so that one block takes at least ``min_block`` seconds."""
        number = 1
        while True:
            t = self._time(number)
            if t >= min_block or number >= 10 ** 9:
                return number
            number *= 10 if t < min_block / 10 else 2

    def blocked_autorange(self, callback=None, min_run_time=0.2):
        """Blocks of equal size (each >= ~1/100 of ``min_run_time``) until the total time
        reaches ``min_run_time``; each block is one measurement."""
        number = self._block_size(min(min_run_time / 100, 0.01))
        raw, total = [], 0.0
        while total < min_run_time or not raw:
            t = self._time(number)
            raw.append(t)
            total += t
            if callback is not None:
                callback(number, t)
        return self._measure(number, raw)

    def adaptive_autorange(self, threshold=0.1, *, min_run_time=0.01, max_run_time=10.0,
                           callback=None):
        """Blocks until the IQR is below ``threshold`` of the median (at least
        ``min_run_time`` and 3 blocks) or ``max_run_time`` is spent."""
        number = self._block_size(0.01)
        raw, total = [], 0.0
        while True:
            t = self._time(number)
            raw.append(t)
            total += t
            if callback is not None:
                callback(number, t)
            if total >= max_run_time:
                break
            if total >= min_run_time and len(raw) > 3 and \
                    self._measure(number, raw).meets_confidence(threshold):
                break
        return self._measure(number, raw)


# ------------------------------------------------------------------ Compare

_BEST, _GOOD, _BAD, _VERY_BAD = "\033[92m", "\033[34m", "\033[2m\033[91m", "\033[31m"
_BOLD, _END = "\033[1m", "\033[0m"


class Compare:
    """A table of measurements: one table per label, a row per sub_label (and thread
    count), a column per description."""

    def __init__(self, results):
        self._results = []
        self.extend_results(results)
        self._trim = False
        self._colorize = None          # None, "columnwise" or "rowwise"
        self._highlight = False

    def extend_results(self, results):
        for r in results:
            if not isinstance(r, Measurement):
                raise ValueError(f"Expected an instance of `Measurement`, got {type(r)} "
                                 f"instead.")
        self._results.extend(results)

    def trim_significant_figures(self):
        self._trim = True

    def colorize(self, rowwise=False):
        self._colorize = "rowwise" if rowwise else "columnwise"

    def highlight_warnings(self):
        self._highlight = True

    def print(self):
        print(str(self))

    def __str__(self):
        groups = collections.defaultdict(list)
        for m in Measurement.merge(self._results):
            groups[m.label].append(m)
        return "\n".join(self._table(ms) for ms in groups.values())

    def _table(self, results):
        unit, scale = select_unit(min(m.median for m in results))
        cols = list(dict.fromkeys(m.description for m in results))
        row_keys = list(dict.fromkeys((m.num_threads, m.env, m.as_row_name) for m in results))
        row_keys.sort(key=lambda k: (k[0], k[1]))
        cell = {((m.num_threads, m.env, m.as_row_name), m.description): m for m in results}
        envs = {m.env for m in results}
        env_w = max(len(e) for e in envs) if len(envs) > 1 else 0
        fmts = [self._column_format(
            [cell.get((k, c)) for k in row_keys], scale) for c in cols]

        names, grid, prev_env = [], [], None
        for k in row_keys:
            env = f"({k[1]})" if len(envs) > 1 and k[1] != prev_env else ""
            prev_env = k[1]
            names.append("  " + env.ljust(env_w + 4) + k[2])
            grid.append([fmt(cell.get((k, c))) for c, fmt in zip(cols, fmts)])
        header = [""] + ["" if c is None else c for c in cols]
        widths = [max(len(s) for s in [header[0]] + names)] + [
            max([len(header[j + 1])] + [len(row[j]) for row in grid]) for j in range(len(cols))]
        head = "  |  ".join(h.center(w) for h, w in zip(header, widths))
        out = [head]
        prev_threads = None
        for k, name, row in zip(row_keys, names, grid):
            if k[0] != prev_threads:
                prev_threads = k[0]
                out.append(f"{k[0]} threads: ".ljust(len(head), "-"))
            cells = [name.ljust(widths[0])]
            for j, (c, s) in enumerate(zip(cols, row)):
                s = s.center(widths[j + 1])
                m = cell.get((k, c))
                if m is not None and self._colorize:
                    s = _color(s, m.median, self._best(m, k, c, row_keys, cols, cell))
                cells.append(s)
            out.append("  |  ".join(cells))
        title = "[" + f" {results[0].label or ''} ".center(len(head) - 2, "-") + "]"
        note = ""
        if self._highlight and any(m.has_warnings for m in results):
            note = ("(! XX%) Measurement has high variance, where XX is the IQR / median * "
                    "100.\n")
        return (f"{title}\n" + "\n".join(out) +
                f"\n\nTimes are in {_english(unit)}s ({unit}).\n{note}")

    def _column_format(self, ms, scale):
        present = [m for m in ms if m is not None]
        lead = [max(math.ceil(math.log10(m.median / scale)), 1) for m in present]
        if self._trim:
            decimals = min(max(m.significant_figures - d, 0) for m, d in zip(present, lead))
        else:
            decimals = 1
        width = max(lead) + decimals + (1 if decimals else 0)
        warn = self._highlight and any(m.has_warnings for m in present)

        def fmt(m):
            if m is None:
                return " " * (width + (7 if warn else 0))
            v = m.median / scale
            if self._trim:
                v = _trim_sigfig(v, m.significant_figures)
            s = f"{v:>{width}.{decimals}f}"
            if warn:
                s += f" (! {m.iqr / m.median * 100:.0f}%)" if m.has_warnings else " " * 7
            return s
        return fmt

    def _best(self, m, key, col, row_keys, cols, cell):
        if self._colorize == "rowwise":
            return min(cell[(key, c)].median for c in cols if (key, c) in cell)
        group = [k for k in row_keys if k[0] == key[0]]
        return min(cell[(k, col)].median for k in group if (k, col) in cell)


def _trim_sigfig(x, n):
    if x == 0:
        return 0.0
    scale = 10.0 ** (math.ceil(math.log10(abs(x))) - n)
    return round(x / scale) * scale


def _color(segment, value, best):
    if value <= best * 1.01 or value <= best + 100e-9:
        return _BEST + _BOLD + segment + _END * 2
    if value <= best * 1.1:
        return _GOOD + _BOLD + segment + _END * 2
    if value >= best * 5:
        return _VERY_BAD + _BOLD + segment + _END * 2
    if value >= best * 2:
        return _BAD + segment + _END * 2
    return segment
