"""ember.autograd.functional against torch.autograd.functional: values, return structures
(Tensor vs tuple vs tuple of tuples), create_graph, strict-mode errors, vectorize and the
forward-mode strategies, and correct results under an outer no_grad."""
import numpy as np
import pytest

import ember
import ember.autograd.functional as AF

torch = pytest.importorskip("torch")
TF = torch.autograd.functional

RNG = np.random.default_rng(0)
X3 = RNG.standard_normal(3)
X23 = RNG.standard_normal((2, 3))
Y2 = RNG.standard_normal(2)


def both(*arrays, requires_grad=False):
    """The same float64 arrays as ember and as torch tensors."""
    e = tuple(ember.tensor(a, dtype=ember.float64, requires_grad=requires_grad) for a in arrays)
    t = tuple(torch.tensor(a, dtype=torch.float64, requires_grad=requires_grad) for a in arrays)
    return (e[0], t[0]) if len(arrays) == 1 else (e, t)


def same(a, b, atol=1e-10):
    """Equal values and the same nesting of tuples and tensors."""
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b), (type(a), a, b)
        for x, y in zip(a, b):
            same(x, y, atol)
        return
    assert isinstance(a, ember.Tensor) and isinstance(b, torch.Tensor), (type(a), type(b))
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=atol, rtol=1e-7)


# functions written once for both libraries: T is ember or torch
def f_vec(T, x):
    return T.sin(x) * x.sum()


def f_scalar(T, x):
    return (x ** 3).sum() + T.exp(x).sum()


def f_two_in(T, x, y):
    return T.matmul(y, x) + x.sum()


def f_two_out(T, x):
    return x.sin(), (x * x).sum()


def f_two_two(T, x, y):
    return x * y.sum(), T.cos(y)


def f_scalar2(T, x, y):
    return (x.pow(2).sum() * y.sum() + T.sin(y).sum())


# name: (function, input arrays, inputs passed as a tuple)
CASES = {
    "vec": (f_vec, (X3,), False),
    "vec_tuple": (f_vec, (X3,), True),
    "two_in": (f_two_in, (X3, X23), True),
    "two_out": (f_two_out, (X3,), False),
    "two_two": (f_two_two, (X3, Y2), True),
    "matrix": (lambda T, x: T.tanh(x) @ x.t(), (X23,), False),
}


def make_inputs(arrays, as_tuple, requires_grad=False):
    e, t = both(*arrays, requires_grad=requires_grad)
    if len(arrays) == 1 and as_tuple:
        return (e,), (t,)
    return e, t


def _pair(name):
    """(ember function, ember inputs), (torch function, torch inputs) for a case."""
    fn, arrays, as_tuple = CASES[name]
    xe, xt = make_inputs(arrays, as_tuple)
    return ((lambda *a: fn(ember, *a)), xe), ((lambda *a: fn(torch, *a)), xt)


def _vectors(like):
    """Random vectors shaped like ``like`` (a tensor or a tuple), for ember and torch."""
    items = like if isinstance(like, tuple) else (like,)
    vs = [RNG.standard_normal(tuple(x.shape)) for x in items]
    ve = tuple(ember.tensor(v) for v in vs)
    vt = tuple(torch.tensor(v) for v in vs)
    return (ve, vt) if isinstance(like, tuple) else (ve[0], vt[0])


# ---------------------------------------------------------------- jacobian

@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_matches_torch(name, vectorize):
    (fe, xe), (ft, xt) = _pair(name)
    same(AF.jacobian(fe, xe, vectorize=vectorize), TF.jacobian(ft, xt, vectorize=vectorize))


def _tuplify(x):
    return tuple(_tuplify(e) for e in x) if isinstance(x, (list, tuple)) else x


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_forward_mode(name, vectorize):
    (fe, xe), (ft, xt) = _pair(name)
    expected = TF.jacobian(ft, xt, vectorize=True, strategy="forward-mode")
    expected = _tuplify(expected)       # torch's forward-mode path returns lists here
    same(AF.jacobian(fe, xe, vectorize=vectorize, strategy="forward-mode"), expected)


def test_jacobian_structure():
    x, _ = both(X3)
    assert isinstance(AF.jacobian(lambda a: a * 2, x), ember.Tensor)
    one_tuple = AF.jacobian(lambda a: (a * 2,), x)
    assert isinstance(one_tuple, tuple) and len(one_tuple) == 1
    in_tuple = AF.jacobian(lambda a: a * 2, (x,))
    assert isinstance(in_tuple, tuple) and len(in_tuple) == 1
    both_tuple = AF.jacobian(lambda a: (a * 2,), (x,))
    assert isinstance(both_tuple[0], tuple) and isinstance(both_tuple[0][0], ember.Tensor)


def test_jacobian_unused_input_is_zero():
    (xe, ye), (xt, yt) = both(X3, Y2)
    je = AF.jacobian(lambda a, b: a.exp(), (xe, ye))
    jt = TF.jacobian(lambda a, b: a.exp(), (xt, yt))
    same(je, jt)
    assert np.all(je[1].numpy() == 0)


def test_jacobian_detached_results_and_create_graph():
    xe, xt = both(X3, requires_grad=True)
    j = AF.jacobian(lambda a: a.sin() * a, xe)
    assert not j.requires_grad
    jc = AF.jacobian(lambda a: a.sin() * a, xe, create_graph=True)
    assert jc.requires_grad
    jt = TF.jacobian(lambda a: a.sin() * a, xt, create_graph=True)
    same(jc, jt)
    # d/dx of sum(J) is a second derivative, the same in both libraries
    (ge,) = ember.autograd.grad(jc.sum(), xe)
    (gt,) = torch.autograd.grad(jt.sum(), xt)
    same(ge, gt)


@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_under_no_grad(vectorize):
    xe, xt = both(X3)
    with ember.no_grad():
        je = AF.jacobian(lambda a: f_vec(ember, a), xe, vectorize=vectorize)
    assert ember.is_grad_enabled()
    jt = TF.jacobian(lambda a: f_vec(torch, a), xt)
    same(je, jt)
    assert np.abs(je.numpy()).sum() > 0


def test_jacobian_closure_parameters():
    """A captured tensor that requires grad (a module weight) is a constant for jacobian."""
    we, wt = both(X23, requires_grad=True)
    xe, xt = both(X3)
    je = AF.jacobian(lambda a: ember.matmul(we, a).tanh(), xe)
    jt = TF.jacobian(lambda a: torch.matmul(wt, a).tanh(), xt)
    same(je, jt)
    assert we.grad is None and not je.requires_grad


def test_jacobian_strict_errors():
    (xe, ye), (xt, yt) = both(X3, Y2)
    msgs = []
    for lib, F, x, y in ((ember, AF, xe, ye), (torch, TF, xt, yt)):
        with pytest.raises(RuntimeError) as e1:
            F.jacobian(lambda a, b: a * 2, (x, y), strict=True)
        with pytest.raises(RuntimeError) as e2:
            F.jacobian(lambda a: lib.ones(3, dtype=lib.float64), x, strict=True)
        with pytest.raises(RuntimeError) as e3:
            F.jacobian(lambda a: a * 2, x, strict=True, vectorize=True)
        with pytest.raises(RuntimeError) as e4:
            F.jacobian(lambda a: a * 2, x, strict=True, create_graph=True)
        msgs.append([str(e.value) for e in (e1, e2, e3, e4)])
    assert msgs[0] == msgs[1]
    assert "independent of input 1" in msgs[0][0]


def test_jacobian_argument_errors():
    xe, xt = both(X3)
    for F, x in ((AF, xe), (TF, xt)):
        with pytest.raises(AssertionError, match="forward-mode"):
            F.jacobian(lambda a: a, x, strategy="sideways")
    with pytest.raises(TypeError) as me:
        AF.jacobian(lambda a: a, [xe])
    with pytest.raises(TypeError) as mt:
        TF.jacobian(lambda a: a, [xt])
    assert str(me.value).replace("ember", "torch") == str(mt.value)
    with pytest.raises(TypeError) as me:
        AF.jacobian(lambda a: a.tolist(), xe)
    with pytest.raises(TypeError) as mt:
        TF.jacobian(lambda a: a.tolist(), xt)
    assert str(me.value) == str(mt.value)
    with pytest.raises(RuntimeError, match="strict=True"):
        AF.jacobian(lambda a: a, xe, strict=True, strategy="forward-mode")


# ---------------------------------------------------------------- hessian

HESS = {
    "one": (f_scalar, X3),
    "matrix": (lambda T, x: (T.sin(x) * x).sum(), X23),
    "two": (f_scalar2, (X3, Y2)),
    "two_indep": (lambda T, x, y: (x ** 3).sum(), (X3, Y2)),
}


def _hpair(name):
    fn, inputs = HESS[name]
    if isinstance(inputs, tuple):
        e, t = both(*inputs)
    else:
        e, t = both(inputs)
    return (lambda *a: fn(ember, *a)), e, (lambda *a: fn(torch, *a)), t


@pytest.mark.parametrize("name", list(HESS))
@pytest.mark.parametrize("vectorize", [False, True])
def test_hessian_matches_torch(name, vectorize):
    fe, xe, ft, xt = _hpair(name)
    same(AF.hessian(fe, xe, vectorize=vectorize), TF.hessian(ft, xt, vectorize=vectorize))


@pytest.mark.parametrize("name", list(HESS))
@pytest.mark.parametrize("vectorize", [False, True])
def test_hessian_forward_over_reverse(name, vectorize):
    fe, xe, ft, xt = _hpair(name)
    expected = _tuplify(TF.hessian(ft, xt, vectorize=True,
                                   outer_jacobian_strategy="forward-mode"))
    same(AF.hessian(fe, xe, vectorize=vectorize, outer_jacobian_strategy="forward-mode"),
         expected)


def test_hessian_structure_and_create_graph():
    fe, xe, ft, xt = _hpair("two")
    h = AF.hessian(fe, xe)
    assert isinstance(h, tuple) and len(h) == 2 and all(len(r) == 2 for r in h)
    assert tuple(h[0][1].shape) == (3, 2)
    h1 = AF.hessian(lambda a: (a ** 3).sum(), (xe[0],))
    assert isinstance(h1, tuple) and isinstance(h1[0], tuple) and len(h1[0]) == 1
    xe, xt = both(X3, requires_grad=True)
    he = AF.hessian(lambda a: (a ** 4).sum(), xe, create_graph=True)
    ht = TF.hessian(lambda a: (a ** 4).sum(), xt, create_graph=True)
    assert he.requires_grad and not AF.hessian(lambda a: (a ** 4).sum(), xe).requires_grad
    same(ember.autograd.grad(he.sum(), xe), torch.autograd.grad(ht.sum(), xt))


def test_hessian_under_no_grad():
    fe, xe, ft, xt = _hpair("one")
    with ember.no_grad():
        he = AF.hessian(fe, xe)
    same(he, TF.hessian(ft, xt))


def test_hessian_errors():
    (xe, ye), (xt, yt) = both(X3, Y2)
    for lib, F, x, y in ((ember, AF, xe, ye), (torch, TF, xt, yt)):
        with pytest.raises(RuntimeError, match="should return a single Tensor"):
            F.hessian(lambda a: (a.sum(), a.sum()), x)
        with pytest.raises(RuntimeError, match="should contain a single element"):
            F.hessian(lambda a: a * a, x)
    msgs = []
    for F, x, y in ((AF, xe, ye), (TF, xt, yt)):
        with pytest.raises(RuntimeError) as e1:     # linear: the jacobian is constant
            F.hessian(lambda a: (a * 2).sum(), x, strict=True)
        with pytest.raises(RuntimeError) as e2:     # y unused
            F.hessian(lambda a, b: (a ** 3).sum(), (x, y), strict=True)
        msgs.append((str(e1.value), str(e2.value)))
    assert msgs[0] == msgs[1]


# ---------------------------------------------------------------- vjp / jvp / vhp / hvp

@pytest.mark.parametrize("name", list(CASES))
def test_vjp_matches_torch(name):
    (fe, xe), (ft, xt) = _pair(name)
    ve, vt = _vectors(ft(*(xt if isinstance(xt, tuple) else (xt,))))
    same(AF.vjp(fe, xe, ve), TF.vjp(ft, xt, vt))


@pytest.mark.parametrize("name", list(CASES))
def test_jvp_matches_torch(name):
    (fe, xe), (ft, xt) = _pair(name)
    ve, vt = _vectors(xt)
    same(AF.jvp(fe, xe, ve), TF.jvp(ft, xt, vt))


@pytest.mark.parametrize("fn_name", ["vhp", "hvp"])
def test_hessian_vector_products(fn_name):
    mine, theirs = getattr(AF, fn_name), getattr(TF, fn_name)
    for name in HESS:
        fe, xe, ft, xt = _hpair(name)
        ve, vt = _vectors(xt)
        same(mine(fe, xe, ve), theirs(ft, xt, vt))


def test_products_default_v_and_structure():
    xe, xt = both(np.array([0.7]))
    same(AF.vjp(lambda a: (a ** 3).sum(), xe), TF.vjp(lambda a: (a ** 3).sum(), xt))
    same(AF.jvp(lambda a: a.exp(), xe), TF.jvp(lambda a: a.exp(), xt))
    same(AF.hvp(lambda a: (a ** 3).sum(), xe), TF.hvp(lambda a: (a ** 3).sum(), xt))
    same(AF.vhp(lambda a: (a ** 3).sum(), (xe,)), TF.vhp(lambda a: (a ** 3).sum(), (xt,)))
    out, v = AF.vjp(lambda a: (a * 2, a.sum()), xe, (ember.ones(1, dtype=ember.float64),
                                                   ember.tensor(1.0, dtype=ember.float64)))
    assert isinstance(out, tuple) and isinstance(v, ember.Tensor)


def test_products_create_graph_and_no_grad():
    xe, xt = both(X3, requires_grad=True)
    ve, vt = both(RNG.standard_normal(3))
    for fn in ("vjp", "jvp", "vhp", "hvp"):
        f = (lambda T: (lambda a: (T.sin(a) * a).sum())) if fn in ("vhp", "hvp") else \
            (lambda T: (lambda a: T.sin(a) * a))
        _, re = getattr(AF, fn)(f(ember), xe, ve, create_graph=True)
        _, rt = getattr(TF, fn)(f(torch), xt, vt, create_graph=True)
        assert re.requires_grad
        same(re, rt)
        same(ember.autograd.grad(re.sum(), xe), torch.autograd.grad(rt.sum(), xt))
        out, re = getattr(AF, fn)(f(ember), xe, ve)
        assert not re.requires_grad and not out.requires_grad
        with ember.no_grad():
            _, rn = getattr(AF, fn)(f(ember), xe, ve)
        same(rn, rt)


def test_products_errors():
    (xe, ye), (xt, yt) = both(X3, Y2)
    for F, x, y, lib in ((AF, xe, ye, ember), (TF, xt, yt, torch)):
        with pytest.raises(RuntimeError, match="v can only be None if the user-provided "
                                               "function returns a single Tensor with a single"):
            F.vjp(lambda a: a * a, x)
        for fn in ("jvp", "vhp", "hvp"):
            with pytest.raises(RuntimeError, match="v can only be None if the input to"):
                getattr(F, fn)(lambda a: (a * a).sum(), x)
        with pytest.raises(RuntimeError, match=r"v has invalid size: should be torch.Size\(\[3\]\)"
                                                r" but got torch.Size\(\[2\]\)"):
            F.vjp(lambda a: a * 2, x, y)
        with pytest.raises(RuntimeError, match="v is a tuple of invalid length: should be 2 but "
                                               "got 1"):
            F.jvp(lambda a, b: a, (x, y), (y,))
        with pytest.raises(RuntimeError, match="Entry 1 in v has invalid size"):
            F.jvp(lambda a, b: a, (x, y), (x, x))
        with pytest.raises(RuntimeError, match="The given v should contain a single Tensor"):
            F.vjp(lambda a: a * 2, x, (x, x))
        with pytest.raises(RuntimeError, match="The function given to hvp should return a "
                                               "single Tensor"):
            F.hvp(lambda a: (a.sum(), a.sum()), x, x)
    msgs = []
    for F, x, y, lib in ((AF, xe, ye, ember), (TF, xt, yt, torch)):
        got = []
        for call in (lambda: F.vjp(lambda a, b: a * 2, (x, y), x, strict=True),
                     lambda: F.vjp(lambda a: lib.ones(3, dtype=lib.float64), x, x, strict=True),
                     lambda: F.jvp(lambda a: lib.ones(3, dtype=lib.float64), x, x, strict=True),
                     lambda: F.vhp(lambda a: (a * 2).sum(), x, x, strict=True)):
            with pytest.raises(RuntimeError) as e:
                call()
            got.append(str(e.value))
        msgs.append(got)
    assert msgs[0] == msgs[1]


# ---------------------------------------------------------------- seed 001

def test_seed_jacobian_hessian_examples():
    """The jacobian/hessian walkthrough of seed 001: a scalar function, a Linear layer and
    2x2 average pooling followed by a square."""
    fc_t = torch.nn.Linear(4, 2)
    fc_e = ember.nn.Linear(4, 2)
    with ember.no_grad():
        fc_e.weight.copy_(ember.tensor(fc_t.weight.detach().numpy()))
        fc_e.bias.copy_(ember.tensor(fc_t.bias.detach().numpy()))

    def funcs(T, fc):
        pool = T.nn.AvgPool2d(kernel_size=2)

        def scalar_func(x):
            return T.sum(x ** 2)

        def vector_func(x):
            return fc(x)

        def mat_func(x):
            x = x.reshape((1, 1,) + tuple(x.shape))
            x = pool(x)
            x = x.reshape(tuple(x.shape[2:]))
            return x ** 2
        return scalar_func, vector_func, mat_func

    fe, ft = funcs(ember, fc_e), funcs(torch, fc_t)
    x4 = RNG.standard_normal(4).astype(np.float32)
    m44 = RNG.standard_normal((4, 4)).astype(np.float32)
    ve, vt = ember.tensor(x4, requires_grad=True), torch.tensor(x4, requires_grad=True)
    me, mt = ember.tensor(m44, requires_grad=True), torch.tensor(m44, requires_grad=True)

    j = AF.jacobian(fe[0], ve)
    assert tuple(j.shape) == (4,)
    np.testing.assert_array_equal(j.numpy(), (2 * ve).detach().numpy())
    h = AF.hessian(fe[0], ve)
    assert tuple(h.shape) == (4, 4)
    np.testing.assert_array_equal(h.numpy(), np.diag(np.full(4, 2.0, dtype=np.float32)))
    j = AF.jacobian(fe[1], ve)
    assert tuple(j.shape) == (2, 4)
    np.testing.assert_array_equal(j.numpy(), fc_e.weight.detach().numpy())
    same(j, TF.jacobian(ft[1], vt))
    j = AF.jacobian(fe[2], me)
    assert tuple(j.shape) == (2, 2, 4, 4)
    same(j, TF.jacobian(ft[2], mt), atol=1e-6)


@pytest.mark.parametrize("vectorize", [False, True])
def test_forward_mode_create_graph(vectorize):
    """Forward-mode Jacobians and forward-over-reverse Hessians stay differentiable with
    create_graph=True (PyTorch refuses this combination; the values match its reverse mode)."""
    xe, xt = both(X3, requires_grad=True)
    je = AF.jacobian(lambda a: a.sin() * a.sum(), xe, create_graph=True,
                     strategy="forward-mode", vectorize=vectorize)
    jt = TF.jacobian(lambda a: a.sin() * a.sum(), xt, create_graph=True)
    he = AF.hessian(lambda a: (a.sin() * a.sum()).sum(), xe, create_graph=True,
                    outer_jacobian_strategy="forward-mode", vectorize=vectorize)
    ht = TF.hessian(lambda a: (a.sin() * a.sum()).sum(), xt, create_graph=True)
    assert je.requires_grad and he.requires_grad
    same((je, he), (jt, ht))
    same(ember.autograd.grad((je.sum(), he.sum()), xe),
         torch.autograd.grad((jt.sum(), ht.sum()), xt))
