"""Hypothesis: broadcasting of binary ops (values, shapes, gradients reduced back to each
operand's shape, vmap of broadcasting ops) against NumPy, and the error for incompatible
shapes."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import ember

OPS = [("add", np.add), ("sub", np.subtract), ("mul", np.multiply), ("maximum", np.maximum),
       ("atan2", np.arctan2), ("hypot", np.hypot)]


@st.composite
def broadcastable_pair(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                    max_side=4))
    a = draw(hnp.arrays(np.float64, shapes.input_shapes[0],
                        elements=st.floats(-3, 3, allow_subnormal=False)))
    b = draw(hnp.arrays(np.float64, shapes.input_shapes[1],
                        elements=st.floats(-3, 3, allow_subnormal=False)))
    return a, b, shapes.result_shape


@settings(max_examples=60, deadline=None)
@given(broadcastable_pair(), st.sampled_from(OPS))
def test_binary_broadcasting_values_and_gradients(pair, op):
    a, b, result_shape = pair
    name, ref = op
    x = ember.tensor(a, requires_grad=True)
    y = ember.tensor(b, requires_grad=True)
    out = getattr(ember, name)(x, y)
    assert tuple(out.shape) == tuple(result_shape)
    np.testing.assert_allclose(out.detach().numpy(), ref(a, b), rtol=1e-12, atol=1e-12)
    out.sum().backward()
    assert tuple(x.grad.shape) == a.shape and tuple(y.grad.shape) == b.shape
    if name in ("add", "sub", "mul"):
        ones = np.ones(result_shape)
        gx = {"add": ones, "sub": ones, "mul": np.broadcast_to(b, result_shape)}[name]
        gy = {"add": ones, "sub": -ones, "mul": np.broadcast_to(a, result_shape)}[name]
        np.testing.assert_allclose(x.grad.numpy(), _reduce_to(gx, a.shape), atol=1e-12)
        np.testing.assert_allclose(y.grad.numpy(), _reduce_to(gy, b.shape), atol=1e-12)


def _reduce_to(g, shape):
    g = np.asarray(g, dtype=np.float64)
    while g.ndim > len(shape):
        g = g.sum(0)
    for i, s in enumerate(shape):
        if s == 1 and g.shape[i] != 1:
            g = g.sum(i, keepdims=True)
    return g


@settings(max_examples=40, deadline=None)
@given(broadcastable_pair(), st.sampled_from(OPS[:3]))
def test_vmap_of_broadcasting_op_matches_loop(pair, op):
    a, b, _ = pair
    name, ref = op
    A = np.stack([a, a * 0.5 + 1, -a])
    res = ember.vmap(lambda u, v: getattr(ember, name)(u, v), in_dims=(0, None))(
        ember.tensor(A), ember.tensor(b))
    for k in range(3):
        np.testing.assert_allclose(res[k].numpy(), ref(A[k], b), rtol=1e-12, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(2, 5), min_size=1, max_size=3))
def test_incompatible_shapes_raise_runtime_error_naming_sizes(shape):
    other = list(shape)
    other[-1] += 1
    with pytest.raises(RuntimeError, match=r"size of tensor a \(\d+\) must match the size of "
                                           r"tensor b \(\d+\)"):
        ember.add(ember.ones(shape), ember.ones(other))
