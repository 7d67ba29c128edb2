"""make_dot: the DOT picture of an autograd graph, and rendering it with Graphviz."""
import re
import shutil
import sys

import numpy as np
import pytest

import ember
from ember.autograd.graphviz import make_dot


def _p(*shape, seed=0):
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def _mlp():
    params = {"fc1.weight": _p(3, 4, seed=1), "fc1.bias": _p(4, seed=2),
              "fc2.weight": _p(4, 2, seed=3)}
    x = ember.tensor(np.random.default_rng(4).standard_normal((5, 3)))
    h = ember.tanh(x @ params["fc1.weight"] + params["fc1.bias"])
    loss = (h @ params["fc2.weight"]).pow(2).mean()
    return loss, params


def _nodes(src):
    """{dot id: (label, fillcolor)} parsed from the DOT source."""
    return {m[0]: (m[1].replace("\\n", "\n"), m[2])
            for m in re.findall(r'^\t(\w+) \[label="((?:[^"\\]|\\.)*)" fillcolor=(\w+)\]', src,
                                re.M)}


def _edges(src):
    return re.findall(r"^\t(\w+) -> (\w+)$", src, re.M)


def _count_graph(root):
    """Backward nodes and (producer, consumer) edges reachable from ``root.grad_fn``."""
    seen, edges, todo = set(), 0, [root.grad_fn]
    while todo:
        n = todo.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        for nxt, _ in n.next_functions:
            if nxt is not None:
                edges += 1
                todo.append(nxt)
    return len(seen), edges


def test_nodes_are_backward_functions_and_named_leaves():
    loss, params = _mlp()
    src = make_dot(loss, params=params).source
    assert src.startswith("digraph {") and src.rstrip().endswith("}")
    nodes = _nodes(src)
    labels = [lab for lab, _ in nodes.values()]
    for name in ("MeanBackward0", "PowBackward0", "TanhBackward0", "AddBackward0"):
        assert name in labels
    assert labels.count("MmBackward0") == 2
    leaves = sorted(lab for lab, color in nodes.values() if color == "lightblue")
    assert leaves == ["fc1.bias\n (4)", "fc1.weight\n (3, 4)", "fc2.weight\n (4, 2)"]
    assert [lab for lab, c in nodes.values() if c == "darkolivegreen1"] == ["()"]
    n_nodes, n_edges = _count_graph(loss)
    assert len(nodes) == n_nodes + 1                       # + the output tensor
    assert len(_edges(src)) == n_edges + 1                 # + grad_fn -> output


def test_edges_follow_the_forward_direction():
    a, b = _p(2), _p(2, seed=1)
    y = ember.sin(a) * b
    src = make_dot(y, params={"a": a, "b": b}).source
    ids = {lab.split("\n")[0]: k for k, (lab, _) in _nodes(src).items()}
    edges = set(_edges(src))
    assert (ids["a"], ids["SinBackward0"]) in edges
    assert (ids["SinBackward0"], ids["MulBackward0"]) in edges
    assert (ids["b"], ids["MulBackward0"]) in edges


def test_show_attrs_and_show_saved():
    x = _p(3, 4)
    y = ember.exp(x).sum(1)
    plain = _nodes(make_dot(y).source)
    assert all(c != "orange" for _, c in plain.values())
    src = make_dot(y, show_attrs=True, show_saved=True).source
    nodes = _nodes(src)
    sum_label = next(lab for lab, _ in nodes.values() if lab.startswith("SumBackward"))
    assert "dim" in sum_label
    saved = [lab for lab, c in nodes.values() if c == "orange"]
    assert "result\n(3, 4)" in saved                        # exp saves its output
    assert re.search(r"^\t\w+_result -> \w+ \[dir=none style=dashed\]$", src, re.M)


def test_custom_function_and_unnamed_leaf():
    class Double(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = _p(3)
    nodes = _nodes(make_dot(Double.apply(x), show_saved=True).source)
    labels = [lab for lab, _ in nodes.values()]
    assert "DoubleBackward" in labels and "(3)" in labels and "saved0\n(3)" in labels


def test_deep_graph_needs_no_recursion():
    x = _p(2)
    y = x
    for _ in range(3000):
        y = y * 1.0
    src = make_dot(y).source
    assert len(_edges(src)) == 3001


def test_quotes_in_names_are_escaped():
    x = _p(2)
    src = make_dot(x * 2, params={'w"eird\\name': x}).source
    assert 'label="w\\"eird\\\\name\\n (2)"' in src


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_renders_a_png_and_svg_of_an_mlp(tmp_path, monkeypatch):
    loss, params = _mlp()
    dot = make_dot(loss, params=params, show_saved=True)
    out = dot.render("mlp", directory=str(tmp_path), format="png")
    data = open(out, "rb").read()
    assert out.endswith("mlp.png") and data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
    assert (tmp_path / "mlp").read_text() == dot.source
    svg = dot.pipe("svg").decode()
    assert "<svg" in svg and "MmBackward0" in svg and "fc1.weight" in svg
    assert dot._repr_svg_() == svg
    monkeypatch.setitem(sys.modules, "graphviz", None)      # without the Python package
    assert dot.pipe("png")[:8] == b"\x89PNG\r\n\x1a\n"
