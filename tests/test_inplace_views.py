"""In-place operations and views against PyTorch: version counters, the error for a saved
tensor modified in place, in-place on leaves, differentiable in-place on non-leaves
(CopySlices through views), memory shared between views and their base, and the errors of
in-place writes."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

HINT_SENTENCE = " It was modified by "


def L(t):
    return None if t is None else np.asarray(t.detach().numpy(), dtype=np.float64)


def close(a, b, atol=1e-5):
    if isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            close(x, y, atol)
        return
    if a is None or b is None:
        assert a is None and b is None
        return
    np.testing.assert_allclose(L(a), L(b), atol=atol, rtol=1e-5)


def both(fn):
    return fn(ember), fn(torch)


def errors(fn, exc=RuntimeError):
    msgs = []
    for T in (ember, torch):
        with pytest.raises(exc) as e:
            fn(T)
        msgs.append(str(e.value))
    return msgs


def same_error(fn, exc=RuntimeError):
    mine, theirs = errors(fn, exc)
    assert mine == theirs
    return mine


# ---------------------------------------------------------------- version counter

def test_version_counter():
    def run(T):
        x = T.zeros(2, 3)
        seq = [x._version]
        x.add_(1)
        seq.append(x._version)
        v = x[0]
        w = x.t()
        v.mul_(2)                       # a view shares the counter with its base
        seq += [x._version, v._version, w._version]
        x[1] = 5.0
        seq += [x._version, v._version]
        w.sub_(1)
        seq += [x._version, v._version, w._version]
        y = x * 2                       # a new tensor has its own counter
        seq.append(y._version)
        return seq, x
    e, t = both(run)
    assert e[0] == t[0]
    close(e[1], t[1])


@pytest.mark.parametrize("case", ["saved_output", "saved_input", "view_write", "no_grad_write"])
def test_saved_tensor_modified_in_place(case):
    def run(T):
        x = T.tensor([1., 2., 3.], requires_grad=True)
        if case == "saved_output":          # exp saves its result
            y = x.exp()
            y.mul_(2)
            loss = y.sum()
        elif case == "saved_input":         # sin saves its input
            w = x * 1
            s = w.sin()
            w.add_(1)
            loss = s.sum()
        elif case == "view_write":
            w = x * 1
            s = w.sin()
            w[0] = 5.0
            loss = s.sum()
        else:                               # writes under no_grad still bump the version
            w = x * 1
            s = w * w
            with T.no_grad():
                w.mul_(3)
            loss = s.sum()
        loss.backward()
    mine, theirs = errors(run)
    assert HINT_SENTENCE in mine            # ember also names the op that wrote
    op = {"saved_output": "mul_", "saved_input": "add_", "view_write": "setitem",
          "no_grad_write": "mul_"}[case]
    head, tail = mine.split(HINT_SENTENCE)
    assert tail.startswith(op + "()")
    assert head + tail[tail.index(". ") + 1:] == theirs


# which operand a node saves depends on which operands need gradients (PyTorch saves `other`
# for self's gradient and `self` for other's), so an in-place write to an operand the backward
# does not read is fine, and one to an operand it reads raises
_SAVES = {
    "mul_scalar": (lambda T, y, w: y * 2, "y"),
    "mul_const_other_write_self": (lambda T, y, w: y * w, "y"),
    "mul_const_other_write_other": (lambda T, y, w: y * w, "w"),
    "div_scalar": (lambda T, y, w: y / 2, "y"),
    "rdiv_scalar": (lambda T, y, w: 2 / y, "y"),
    "div_const_other_write_self": (lambda T, y, w: y / w, "y"),
    "div_const_self_write_self": (lambda T, y, w: w / y, "w"),
    "matmul_write_self": (lambda T, y, w: y.reshape(1, 3) @ w.reshape(3, 1), "y"),
    "matmul_write_other": (lambda T, y, w: y.reshape(1, 3) @ w.reshape(3, 1), "w"),
    "mm_write_self": (lambda T, y, w: T.mm(y.reshape(1, 3), w.reshape(3, 1)), "y"),
    "dot_write_self": (lambda T, y, w: T.dot(y, w), "y"),
    "mv_write_self": (lambda T, y, w: T.mv(w.reshape(1, 3), y), "y"),
    "linear_write_weight": (lambda T, y, w: T.nn.functional.linear(w.reshape(1, 3),
                                                                   y.reshape(1, 3)), "y"),
    "linear_write_input": (lambda T, y, w: T.nn.functional.linear(w.reshape(1, 3),
                                                                  y.reshape(1, 3)), "w"),
    "addmm_write_self": (lambda T, y, w: T.addmm(T.zeros(1, 1), y.reshape(1, 3),
                                                 w.reshape(3, 1)), "y"),
    "pow_scalar": (lambda T, y, w: y ** 2, "y"),
}


@pytest.mark.parametrize("case", sorted(_SAVES))
def test_saved_operands_follow_which_operands_need_gradients(case):
    fn, target = _SAVES[case]

    def run(T):
        x = T.tensor([1., 2., 3.], requires_grad=True)
        y = x * 1
        w = T.tensor([4., 5., 6.])
        out = fn(T, y, w)
        (y if target == "y" else w).add_(1)
        out.sum().backward()
        return x.grad

    outcome = []
    for T in (ember, torch):
        try:
            outcome.append(("ok", run(T)))
        except RuntimeError as e:
            outcome.append(("error", "modified by an inplace operation" in str(e)))
    assert outcome[0][0] == outcome[1][0], outcome
    if outcome[0][0] == "ok":
        close(outcome[0][1], outcome[1][1])
    else:
        assert outcome[0][1] and outcome[1][1]


def test_in_place_on_leaf_requires_grad():
    same_error(lambda T: T.ones(3, requires_grad=True).add_(1))
    same_error(lambda T: T.ones(3, requires_grad=True)[1:].mul_(2))

    def setitem(T):
        x = T.ones(3, requires_grad=True)
        x[0] = 2.0
    same_error(setitem)

    def run(T):                            # allowed under no_grad (an optimizer step)
        x = T.tensor([1., 2., 3.], requires_grad=True)
        (x * x).sum().backward()
        with T.no_grad():
            x.sub_(x.grad * 0.1)
            x[0] = 0.5
        x.grad = None
        (x * x).sum().backward()
        return x, x.grad, x.is_leaf, x.requires_grad
    e, t = both(run)
    close(e[:2], t[:2])
    assert e[2:] == t[2:] == (True, True)


# ---------------------------------------------------------------- differentiable in-place

def test_in_place_on_non_leaf():
    def run(T):
        x = T.tensor([1., 2., 3.], requires_grad=True)
        c = T.tensor([0.5, -1., 2.], requires_grad=True)
        y = x * 2
        y.mul_(c)
        name1 = y.grad_fn.name()
        y.add_(x.sin())
        y.exp_()
        name2 = y.grad_fn.name()
        y.sum().backward()
        return (name1, name2, y.is_leaf), y, x.grad, c.grad
    e, t = both(run)
    assert e[0] == t[0] == ("MulBackward0", "ExpBackward0", False)
    close(e[1:], t[1:])


def test_in_place_makes_a_plain_tensor_require_grad():
    def run(T):
        x = T.tensor([1., 2.], requires_grad=True)
        buf = T.zeros(2)
        buf.add_(x * 3)
        flags = (buf.requires_grad, buf.is_leaf)
        (buf * buf).sum().backward()
        return flags, x.grad
    e, t = both(run)
    assert e[0] == t[0] == (True, False)
    close(e[1], t[1])


def test_copy_slices_through_views():
    def run(T):
        x = T.tensor([1., 2., 3., 4.], requires_grad=True)
        z = T.tensor([0.5], requires_grad=True)
        y = x * 1
        y[1:].mul_(2)
        name = y.grad_fn.name()
        y[0] = (z * 3).sum()
        y[2:].add_(x[:2].exp())
        m = y.reshape(2, 2)
        m.t()[0].mul_(z)                   # a view of a view, through a reshape
        (y * y).sum().backward()
        return name, y.grad_fn.name(), y, x.grad, z.grad
    e, t = both(run)
    assert e[0] == "torch::autograd::CopySlices" == t[0]
    assert e[1] == t[1]
    close(e[2:], t[2:])


def test_in_place_double_backward():
    def run(T):
        x = T.tensor([0.5, 1.5], requires_grad=True)
        y = x.clone()
        y.mul_(x)
        y[0].mul_(3)
        (g,) = T.autograd.grad(y.sin().sum(), x, create_graph=True)
        (h,) = T.autograd.grad(g.sum(), x)
        return g, h
    close(*both(run))


# ---------------------------------------------------------------- views share memory

VIEWS = {
    "slice": lambda x: x[1:, ::2],
    "select": lambda x: x[1],
    "transpose": lambda x: x.transpose(0, 1),
    "t": lambda x: x.t(),
    "permute": lambda x: x.permute(1, 0),
    "view": lambda x: x.view(12),
    "reshape": lambda x: x.reshape(2, 6),
    "unsqueeze": lambda x: x.unsqueeze(0),
    "squeeze": lambda x: x.reshape(1, 3, 4).squeeze(0),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "split": lambda x: x.split(1)[1],
    "unbind": lambda x: x.unbind(1)[2],
    "detach": lambda x: x.detach(),
    "ellipsis": lambda x: x[..., None, 1],
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_views_share_memory(name):
    def run(T):
        base = T.arange(12, dtype=T.float32).reshape(3, 4).clone()
        v = VIEWS[name](base)
        is_view = name == "detach" or v._base is base      # detach() has no _base in torch
        v.mul_(-1)                                   # through the view into the base
        after_view = base.clone()
        base.add_(100)                               # through the base into the view
        return is_view, after_view, v.clone(), base._version == v._version
    e, t = both(run)
    assert e[0] and t[0]
    close(e[1:3], t[1:3])
    assert e[3] and t[3]


def test_view_of_non_leaf_is_differentiable_and_shares_memory():
    def run(T):
        x = T.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        y = x * 1
        v = y.t()
        v[0].mul_(10)
        (y * x).sum().backward()
        return y, x.grad, v.grad_fn is not None and y.grad_fn.name()
    e, t = both(run)
    close(e[:2], t[:2])
    assert e[2] == t[2] == "torch::autograd::CopySlices"


# ---------------------------------------------------------------- errors of writes

def test_write_into_expanded_tensor():
    same_error(lambda T: T.ones(3).expand(2, 3).add_(1))


def test_write_dtype_and_shape_errors():
    same_error(lambda T: T.ones(3, dtype=T.int64).add_(T.ones(3) * 0.5))
    same_error(lambda T: T.ones(3).add_(T.ones(2, 3)))


def test_detach_shares_the_version_counter_data_does_not():
    def detached(T):
        x = T.tensor([1., 2.], requires_grad=True)
        y = x * x
        y.detach().zero_() if hasattr(y, "zero_") else y.detach().mul_(0)
        y.sum().backward()
        return x.grad
    # mul saves x, not y: modifying y through detach() is fine for this graph
    close(*both(detached))

    def saved(T):
        x = T.tensor([1., 2.], requires_grad=True)
        y = x.exp()
        y.detach().mul_(2)
        y.sum().backward()
    mine, theirs = errors(saved)
    assert mine.split(HINT_SENTENCE)[0] == theirs.split(" Hint")[0]

    def data(T):
        x = T.tensor([1., 2.], requires_grad=True)
        y = x.exp()
        y.data.mul_(2)                      # .data is outside version tracking
        y.sum().backward()
        return y._version, x.grad
    e, t = both(data)
    assert e[0] == t[0] == 0
    close(e[1], t[1])


def test_sibling_view_history_is_refreshed_after_a_write_through_another_view():
    v = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = ember.zeros(2, 3)
    a = y[0]                        # a view taken before the write
    y[0, 1] = v[1] * 5              # writes through another view of y
    assert a.requires_grad and a.grad_fn is not None
    (a * 1).sum().backward()
    assert v.grad.tolist() == [0.0, 5.0, 0.0]


def test_stale_view_without_grad_stays_cheap_and_correct():
    y = ember.zeros(2, 3)
    a = y[1]
    y[1, 0] = 7.0
    assert (a + 0).tolist() == [7.0, 0.0, 0.0] and not a.requires_grad
