"""The profilers: counts, times without their own overhead, PyTorch's table, traces."""
import json
import re

import numpy as np
import pytest

import ember
from ember.autograd import profiler as aprof
from ember.ops._primitive import Primitive
from ember.autograd.graph import Node
from ember.profiler import (profile, record_function, schedule, ProfilerActivity,
                            ProfilerAction, tensorboard_trace_handler)
from ember.profiler import _record


def _t(shape, requires_grad=False, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return ember.tensor(a, requires_grad=requires_grad)


def _avg(prof, key, **kw):
    return next(e for e in prof.key_averages(**kw) if e.key == key)


def _counts(prof):
    return {e.key: e.count for e in prof.key_averages()}


# ---------------------------------------------------------------- what is recorded

def test_counts_equal_the_number_of_calls_forward_and_backward():
    x = _t((4, 5), requires_grad=True)
    with aprof.profile() as prof:
        total = None
        for _ in range(7):
            y = ember.sin(x) * 3.0
            total = y.sum() if total is None else total + y.sum()
        total.backward()
    c = _counts(prof)
    assert c["aten::sin"] == 7 and c["aten::sum"] == 7
    assert c["SinBackward0"] == 7 and c["SumBackward0"] == 7
    assert c["MulBackward0"] == 7 and c["AddBackward0"] == 6
    assert c["torch::autograd::AccumulateGrad"] == 1
    assert c["aten::mul"] >= 7 and c["aten::cos"] == 7          # cos: in SinBackward0's rule


def test_ops_inside_a_backward_node_are_its_children():
    x = _t(3, requires_grad=True)
    with aprof.profile() as prof:
        ember.sin(x).sum().backward()
    node = next(e for e in prof.function_events if e.name == "SinBackward0")
    assert "aten::cos" in [c.name for c in node.cpu_children]
    cos = next(c for c in node.cpu_children if c.name == "aten::cos")
    assert cos.cpu_parent is node
    assert node.self_cpu_time_total == pytest.approx(
        node.cpu_time_total - sum(c.cpu_time_total for c in node.cpu_children))


def test_custom_function_backward_is_recorded_under_its_name():
    class Square(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g

    x = _t(3, requires_grad=True)
    with aprof.profile() as prof:
        for _ in range(3):
            Square.apply(x).sum().backward()
    assert _counts(prof)["SquareBackward"] == 3


def test_record_function_as_block_and_decorator():
    x = _t(3)

    @record_function("decorated")
    def work():
        return ember.exp(x)

    with aprof.profile() as prof:
        with aprof.record_function("block"):
            work()
            work()
    block = next(e for e in prof.function_events if e.name == "block")
    assert [c.name for c in block.cpu_children] == ["decorated", "decorated"]
    assert [c.name for c in block.cpu_children[0].cpu_children] == ["aten::exp"]
    assert _counts(prof)["decorated"] == 2
    with record_function("outside a profiler"):      # a no-op, not an error
        work()


def test_shapes_and_memory():
    x, w = _t((8, 5)), _t((5, 3))
    with aprof.profile(record_shapes=True, profile_memory=True) as prof:
        ember.matmul(x, w)
        ember.matmul(x, w)
        ember.matmul(w.T, w)
        ember.sin(x)
        x.view(40)
    by_shape = {str(e.input_shapes): e for e in prof.key_averages(group_by_input_shape=True)
                if e.key in ("aten::mm", "aten::matmul")}
    assert by_shape["[[8, 5], [5, 3]]"].count == 2
    assert by_shape["[[3, 5], [5, 3]]"].count == 1
    sin = _avg(prof, "aten::sin")
    assert sin.self_cpu_memory_usage == 8 * 5 * 4
    assert _avg(prof, "aten::view").self_cpu_memory_usage == 0            # a view
    table = prof.key_averages(group_by_input_shape=True).table()
    assert "Input Shapes" in table and "CPU Mem" in table and "160 B" in table


# ---------------------------------------------------------------- timing

def test_own_overhead_is_not_counted(monkeypatch):
    """A fake clock charges 10 ns to every clock read: neither the bookkeeping of the 50
    children (4 reads each) nor the reads themselves may show up, only the parent's 1000 ns
    of real work."""
    clock = [0]

    def fake_now():
        clock[0] += 10
        return clock[0]
    monkeypatch.setattr(_record, "_now", fake_now)
    with aprof.profile() as prof:
        with record_function("parent"):
            clock[0] += 1000                          # the parent's own work
            for _ in range(50):
                with record_function("child"):
                    pass
    parent = next(e for e in prof.function_events if e.name == "parent")
    children = [e for e in prof.function_events if e.name == "child"]
    assert len(children) == 50
    assert all(c.cpu_time_total == 0 for c in children)
    assert parent.cpu_time_total == pytest.approx(1.000, abs=1e-9)
    assert parent.self_cpu_time_total == pytest.approx(1.000, abs=1e-9)


def test_nested_ranges_cost_little_of_the_measured_time():
    """2000 empty ranges inside one: their bookkeeping is most of the wall time but not of
    the outer range's time (best of 5 runs, so a preempted run cannot decide)."""
    import time
    ratios = []
    for _ in range(5):
        with aprof.profile() as prof:
            t0 = time.perf_counter_ns()
            with record_function("outer"):
                for _ in range(2000):
                    with record_function("inner"):
                        pass
            wall_us = (time.perf_counter_ns() - t0) / 1000
        outer = next(e for e in prof.function_events if e.name == "outer")
        ratios.append(outer.cpu_time_total / wall_us)
    assert min(ratios) < 0.5


def test_key_averages_is_repeatable():
    x = _t(10, requires_grad=True)
    with aprof.profile(record_shapes=True) as prof:
        (ember.exp(x) * 2).sum().backward()

    def snapshot():
        return [(e.key, e.count, e.cpu_time_total, e.self_cpu_time_total)
                for e in prof.key_averages()]
    assert snapshot() == snapshot()
    assert prof.key_averages().table() == prof.key_averages().table()


# ---------------------------------------------------------------- the table

def _columns(header_line):
    return re.split(r"\s{2,}", header_line.strip())


def test_table_layout():
    x = _t(50)
    with aprof.profile() as prof:
        for _ in range(3):
            ember.sin(x)
        ember.exp(x)
    table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=1)
    lines = table.split("\n")
    assert table.endswith("\n") and lines[-1] == ""
    assert set(lines[0]) == {"-", " "} and lines[0] == lines[2] == lines[-3]
    assert _columns(lines[1]) == ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total",
                                  "CPU time avg", "# of Calls"]
    assert len(lines) == 7                                       # row_limit=1
    assert re.fullmatch(r"Self CPU time total: \d+\.\d{3}(us|ms|s)", lines[-2])
    name_width = len("aten::sin") + 4
    assert lines[0].startswith("-" * name_width + "  " + "-" * 12 + "  ")
    row = lines[3]
    assert row.endswith("  ") and len(row) == len(lines[0])
    cells = _columns(row)
    assert re.fullmatch(r"\d+\.\d\d%", cells[1]) and re.fullmatch(r"[\d.]+(us|ms|s)", cells[2])


def test_sort_by_orders_rows_descending():
    x = _t(10)
    with aprof.profile() as prof:
        for _ in range(5):
            ember.sin(x)
        for _ in range(2):
            ember.exp(x)
        ember.cos(x)
    rows = prof.key_averages().table(sort_by="count").split("\n")[3:6]
    assert [_columns(r)[0] for r in rows] == ["aten::sin", "aten::exp", "aten::cos"]
    avgs = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    first = prof.key_averages().table(sort_by="self_cpu_time_total").split("\n")[3]
    assert _columns(first)[0] == avgs[0].key


def test_table_columns_match_torch():
    torch = pytest.importorskip("torch")
    tables = []
    for T, prof_mod in ((ember, aprof), (torch, torch.autograd.profiler)):
        x = T.ones(3, 4)
        with prof_mod.profile(record_shapes=True, profile_memory=True) as p:
            T.sin(x)
        tables.append(p.key_averages(group_by_input_shape=True).table().split("\n"))
    assert _columns(tables[0][1]) == _columns(tables[1][1])
    assert tables[0][-2].startswith("Self CPU time total: ")


def test_long_names_are_truncated_like_torch():
    with aprof.profile() as prof:
        with record_function("a" * 70):
            pass
    row = prof.key_averages().table().split("\n")[3]
    assert row.startswith("a" * 52 + "...  ")


def test_with_stack_groups_by_source_location():
    x = _t(3)
    with aprof.profile(with_stack=True) as prof:
        ember.sin(x)  # stack-line
    table = prof.key_averages(group_by_stack_n=1).table()
    assert "Source Location" in table
    with open(__file__) as f:
        line = next(n for n, l in enumerate(f, 1) if l.rstrip().endswith("# stack-line"))
    assert f"test_profiler.py({line}): test_with_stack_groups_by_source_location" in table


# ---------------------------------------------------------------- trace, lifecycle

def test_chrome_trace_is_valid_trace_event_format(tmp_path):
    x = _t(4, requires_grad=True)
    with aprof.profile(record_shapes=True) as prof:
        with record_function("step"):
            ember.sin(x).sum().backward()
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    doc = json.loads(path.read_text())
    events = doc["traceEvents"]
    complete = [e for e in events if e["ph"] == "X"]
    assert len(complete) == len(prof.function_events)
    for e in complete:
        assert {"name", "ph", "ts", "dur", "pid", "tid", "cat", "args"} <= set(e)
        assert isinstance(e["ts"], float) and e["dur"] >= 0
    assert all(e["ph"] == "M" for e in events if e["ph"] != "X")
    step = next(e for e in complete if e["name"] == "step")
    assert step["cat"] == "user_annotation"
    sin = next(e for e in complete if e["name"] == "aten::sin")
    assert sin["args"]["Input Dims"] == [[4]]
    assert step["ts"] <= sin["ts"] and sin["ts"] + sin["dur"] <= step["ts"] + step["dur"]


def test_profiler_off_leaves_the_fast_path_untouched():
    call = Primitive.__dict__["__call__"]
    apply = Node.__dict__["apply"]
    x = _t(3)
    with pytest.raises(ValueError):
        with aprof.profile():
            assert Primitive.__dict__["__call__"] is not call
            raise ValueError
    assert Primitive.__dict__["__call__"] is call and Node.__dict__["apply"] is apply
    assert _record.ACTIVE is None
    ember.sin(x)


def test_nested_profilers_and_unfinished_results_raise():
    with aprof.profile() as prof:
        with pytest.raises(RuntimeError, match="already enabled"):
            with aprof.profile():
                pass
        with pytest.raises(RuntimeError, match="didn't finish"):
            prof.key_averages()
    assert aprof.profile(enabled=False).__enter__().function_events == []


# ---------------------------------------------------------------- torch.profiler API

def test_schedule_matches_torch():
    torch = pytest.importorskip("torch")
    for kw in (dict(wait=1, warmup=1, active=2), dict(wait=1, warmup=1, active=2, repeat=1),
               dict(wait=0, warmup=2, active=3, repeat=2, skip_first=3),
               dict(wait=2, warmup=1, active=1, skip_first_wait=1)):
        ours = schedule(**kw)
        theirs = torch.profiler.schedule(**kw)
        assert [ours(i).name for i in range(20)] == [theirs(i).name for i in range(20)], kw


def test_scheduled_profile_saves_each_cycle():
    x = _t(3)
    seen = []

    def ready(p):
        seen.append((p.step_num, _counts(p)))
    with profile(activities=[ProfilerActivity.CPU], on_trace_ready=ready,
                 schedule=schedule(wait=1, warmup=1, active=2, repeat=2)) as p:
        for _ in range(10):
            with record_function("work"):
                ember.sin(x)
            p.step()
    assert [s for s, _ in seen] == [4, 8]
    for _, counts in seen:
        assert counts == {"ProfilerStep*": 2, "work": 2, "aten::sin": 2}
    assert p.current_action is ProfilerAction.NONE


def test_profile_without_schedule_records_everything(tmp_path):
    x = _t(3)
    with profile(record_shapes=True,
                 on_trace_ready=tensorboard_trace_handler(str(tmp_path), "w")) as p:
        for _ in range(4):
            ember.exp(x)
            p.step()
    assert _counts(p) == {"aten::exp": 4}
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].name.startswith("w.")
    assert json.loads(files[0].read_text())["traceEvents"]
