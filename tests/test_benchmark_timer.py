"""ember.utils.benchmark: Timer, Measurement and Compare print what PyTorch prints."""
import re

import numpy as np
import pytest

import ember
from ember.utils.benchmark import Timer, Measurement, Compare, TaskSpec


class FakeClock:
    """A timer whose time advances only when the timed statement calls ``tick``."""

    def __init__(self, step):
        self.t, self.step = 0.0, step

    def __call__(self):
        return self.t

    def tick(self):
        self.t += self.step


def _torch_measurement(torch, number, raw, **spec):
    from torch.utils.benchmark.utils import common
    return common.Measurement(number, raw, common.TaskSpec(**spec))


# ---------------------------------------------------------------- Timer

def test_timeit_prints_like_the_seed():
    clock = FakeClock(1.99e-3)
    m = Timer(stmt="clock.tick()", globals={"clock": clock}, timer=clock).timeit(500)
    lines = repr(m).split("\n")
    assert re.fullmatch(r"<ember\.utils\.benchmark\.Measurement object at 0x[0-9a-f]+>", lines[0])
    assert lines[1:] == ["clock.tick()", "  1.99 ms", "  1 measurement, 500 runs , 1 thread"]
    assert str(m) == repr(m)
    assert m.number_per_run == 500 and m.raw_times == [pytest.approx(500 * 1.99e-3)]
    assert m.times == [pytest.approx(1.99e-3)] and m.median == pytest.approx(1.99e-3)
    assert m.mean == pytest.approx(1.99e-3) and m.iqr == 0


def test_setup_runs_once_and_globals_are_copied():
    env = {"calls": []}
    t = Timer(stmt="calls.append(1)", setup="calls.clear(); calls.append('setup')",
              globals=env)
    t.timeit(10)
    assert env["calls"][0] == "setup" and env["calls"].count("setup") == 1
    assert Timer(stmt="torch.zeros(2)").timeit(3).times[0] > 0      # torch means ember


def test_repeat_gives_one_measurement_of_several_blocks():
    clock = FakeClock(1e-6)
    m = Timer("clock.tick()", globals={"clock": clock}, timer=clock).repeat(repeat=4, number=7)
    assert m.number_per_run == 7 and len(m.raw_times) == 4
    assert "4 measurements, 7 runs per measurement, 1 thread" in repr(m)


def test_blocked_autorange_reaches_min_run_time_with_equal_blocks():
    clock = FakeClock(1e-4)
    calls = []
    m = Timer("clock.tick()", globals={"clock": clock}, timer=clock).blocked_autorange(
        callback=lambda n, t: calls.append((n, t)), min_run_time=0.05)
    assert sum(m.raw_times) >= 0.05 - 1e-12
    assert len(calls) == len(m.raw_times) and all(n == m.number_per_run for n, _ in calls)
    assert m.median == pytest.approx(1e-4)


def test_adaptive_autorange_stops_when_confident():
    x = ember.tensor(np.arange(100.0))
    m = Timer("x.sin()", globals={"x": x}, label="sin", sub_label="n=100",
              description="float64", num_threads=2).adaptive_autorange(max_run_time=0.5)
    assert len(m.raw_times) >= 4 and m.median > 0
    text = repr(m)
    assert "sin: n=100\nfloat64\n  Median: " in text and "2 threads" in text
    assert m.meets_confidence(0.1) or sum(m.raw_times) >= 0.5


def test_only_python_statements():
    with pytest.raises(ValueError):
        Timer("x", language="c++")
    with pytest.raises(ValueError, match="global_setup is C\\+\\+ only"):
        Timer("x", global_setup="int x;")


# ---------------------------------------------------------------- Measurement vs torch

RAW = [1.2e-3, 1.0e-3, 1.1e-3, 1.6e-3, 0.9e-3, 1.05e-3, 2.5e-3]


@pytest.mark.parametrize("raw,spec", [
    ([0.99], dict(stmt="compute_jac(xp)", setup="pass")),
    (RAW, dict(stmt="f(x)", setup="import numpy", label="jac", sub_label="small",
               description="vmap", num_threads=4)),
    (RAW[:3], dict(stmt="a = 1\nb = 2", setup="x = 1\ny = 2", sub_label="two")),
    ([1e-3, 1.01e-3, 1.02e-3, 0.99e-3], dict(stmt="g()", setup="pass")),
])
def test_measurement_repr_and_statistics_match_torch(raw, spec):
    torch = pytest.importorskip("torch")
    ours = Measurement(100, raw, TaskSpec(**spec))
    theirs = _torch_measurement(torch, 100, raw, **spec)
    assert repr(ours).split("\n")[1:] == repr(theirs).split("\n")[1:]
    for attr in ("median", "mean", "iqr"):
        assert getattr(ours, attr) == pytest.approx(getattr(theirs, attr))
    assert ours.times == pytest.approx(theirs.times)
    assert ours.has_warnings == theirs.has_warnings
    assert ours.title == theirs.title and ours.as_row_name == theirs.as_row_name


# ---------------------------------------------------------------- Compare

def _results(make):
    out = []
    for threads in (1, 2):
        for n, base in ((10, 7.5e-7), (1000, 4.4e-6)):
            for k, desc in enumerate(("sin", "cos")):
                if threads == 2 and desc == "cos":
                    continue
                raw = [base * (1 + 0.01 * k + 0.002 * j) * 1000 for j in range(5)]
                out.append(make(1000, raw, dict(stmt=f"y.{desc}()", setup="pass", label="trig",
                                                sub_label=f"n={n}", description=desc,
                                                num_threads=threads)))
    return out


def test_compare_table_matches_torch():
    torch = pytest.importorskip("torch")
    from torch.utils.benchmark import Compare as TCompare
    ours = Compare(_results(lambda n, raw, spec: Measurement(n, raw, TaskSpec(**spec))))
    theirs = TCompare(_results(lambda n, raw, spec: _torch_measurement(torch, n, raw, **spec)))
    assert str(ours) == str(theirs)
    ours.colorize()
    theirs.colorize()
    assert str(ours) == str(theirs)


def test_compare_layout():
    c = Compare(_results(lambda n, raw, spec: Measurement(n, raw, TaskSpec(**spec))))
    lines = str(c).split("\n")
    assert re.fullmatch(r"\[-+ trig -+\]", lines[0])
    assert [s.strip() for s in lines[1].split("|")] == ["", "sin", "cos"]
    assert lines[2].startswith("1 threads: ---") and lines[5].startswith("2 threads: ---")
    assert lines[3].strip().startswith("n=10") and lines[-2] == "Times are in nanoseconds (ns)."
    c.trim_significant_figures()
    c.highlight_warnings()
    assert "Times are in" in str(c)
    with pytest.raises(ValueError):
        Compare([1.0])
