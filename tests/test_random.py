"""Random sampling: seeding and generator state, PyTorch's signatures, dtypes and errors,
distribution sanity, in-place initialisers, and randomness under vmap."""
import warnings

import numpy as np
import pytest

import ember
from ember.func import grad, jacfwd, jacrev, vmap

DRAWS = {
    "rand": lambda g=None: ember.rand(3, 4, generator=g),
    "randn": lambda g=None: ember.randn(5, generator=g),
    "randint": lambda g=None: ember.randint(0, 100, (6,), generator=g),
    "randperm": lambda g=None: ember.randperm(10, generator=g),
    "normal": lambda g=None: ember.normal(ember.zeros(4), ember.ones(4), generator=g),
    "normal_sized": lambda g=None: ember.normal(2., 3., (4,), generator=g),
    "bernoulli": lambda g=None: ember.bernoulli(ember.full((20,), 0.5), generator=g),
    "multinomial": lambda g=None: ember.multinomial(ember.ones(10), 5, generator=g),
    "multinomial_repl": lambda g=None: ember.multinomial(ember.ones(3), 9, True, generator=g),
    "rand_like": lambda g=None: ember.rand_like(ember.zeros(3), generator=g),
    "uniform_": lambda g=None: ember.empty(4).uniform_(-1, 1, generator=g),
    "normal_": lambda g=None: ember.empty(4).normal_(generator=g),
    "bernoulli_": lambda g=None: ember.empty(20).bernoulli_(0.3, generator=g),
    "random_": lambda g=None: ember.empty(4, dtype=ember.int64).random_(0, 1000, generator=g),
    "exponential_": lambda g=None: ember.empty(4).exponential_(generator=g),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_same_seed_same_stream(name):
    draw = DRAWS[name]
    ember.manual_seed(1234)
    a, b = draw().tolist(), draw().tolist()
    ember.manual_seed(1234)
    assert draw().tolist() == a and draw().tolist() == b
    assert a != b or name == "randperm" and sorted(a) == a
    g = ember.Generator().manual_seed(1234)
    state = ember.get_rng_state()
    assert draw(g).tolist() == a                    # a generator with the same seed
    assert ember.get_rng_state().tolist() == state.tolist()   # did not touch the default one


def test_seed_api():
    assert ember.Generator().initial_seed() == 67280421310721
    g = ember.manual_seed(7)
    assert isinstance(g, ember.Generator) and g is ember.default_generator
    assert ember.initial_seed() == 7
    assert ember.manual_seed(-1).initial_seed() == 2 ** 64 - 1
    assert ember.manual_seed(3.5).initial_seed() == 3
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        ember.manual_seed(2 ** 64)
    s = ember.seed()
    assert isinstance(s, int) and ember.initial_seed() == s
    gen = ember.Generator(device="cpu")
    assert gen.device == ember.device("cpu") and gen.manual_seed(5) is gen


def test_rng_state_roundtrip():
    ember.manual_seed(0)
    ember.rand(3)
    state = ember.get_rng_state()
    assert state.dtype is ember.uint8 and state.ndim == 1
    a = ember.randn(5).tolist()
    ember.rand(7)
    ember.set_rng_state(state)
    assert ember.randn(5).tolist() == a
    g = ember.Generator().manual_seed(3)
    st = g.get_state()
    x = ember.rand(4, generator=g).tolist()
    assert g.set_state(st) is g and ember.rand(4, generator=g).tolist() == x
    assert g.initial_seed() == 3
    with pytest.raises(TypeError, match="RNG state must be a torch.ByteTensor"):
        ember.set_rng_state(ember.zeros(3))
    with pytest.raises(TypeError, match="expected a torch.ByteTensor, but got list"):
        ember.set_rng_state([1])
    with pytest.raises(RuntimeError, match="input RNG state size to be 3"):
        ember.set_rng_state(ember.zeros(3, dtype=ember.uint8))


# ---------------------------------------------------------------- signatures against torch

META = """T.rand(2, 3)
T.rand((2, 3))
T.rand(size=(2, 3))
T.rand([2])
T.rand(2, dtype=T.float64)
T.rand(2, dtype=T.complex64)
T.rand(2, dtype=T.float16)
T.rand(2, requires_grad=True).requires_grad
T.rand(3, dtype=T.int64)
T.rand()
T.rand(-1)
T.randn(2, -1)
T.randn(2, dtype=T.int64)
T.randn(2, dtype=T.complex128)
T.randint(0, 10, (3,))
T.randint(10, (3,))
T.randint(high=3, size=(2,))
T.randint(3, 10, (3,), dtype=T.float32)
T.randint(0, 2, (3,), dtype=T.bool)
T.randint(5, (2,), dtype=T.bool)
T.randint(-1, 300, (3,), dtype=T.uint8)
T.randint(5, 5, (2,))
T.randint(3, 2)
T.randperm(4)
T.randperm(0)
T.randperm(3, dtype=T.float32)
T.randperm(3, dtype=T.bool)
T.randperm(-1)
T.normal(0., 1., size=(2,))
T.normal(0., 1., (2,), dtype=T.float64)
T.normal(T.zeros(2), 1.)
T.normal(0., T.ones(3))
T.normal(T.zeros(2, 1), T.ones(3))
T.normal(T.zeros(2), T.ones(3))
T.normal(T.zeros(4), T.ones(2, 2))
T.normal(T.zeros(2, dtype=T.float64), T.ones(2))
T.normal(T.zeros(2), T.ones(2, dtype=T.float64))
T.normal(T.tensor([1, 2]), 1.)
T.normal(T.zeros(2), -1.)
T.normal(T.zeros(2), T.tensor([1., -2]))
T.normal(0., T.tensor([1., -2]))
T.normal(0., -1., size=(2,))
T.normal(T.tensor([0.], requires_grad=True), 1.)
T.normal(0., T.tensor([1.], requires_grad=True))
T.normal(T.tensor([0.], requires_grad=True), T.tensor([1.]))
T.bernoulli(T.full((3,), 1.))
T.bernoulli(T.zeros(3), 1.)
T.bernoulli(T.tensor([0.5, 2.]))
T.bernoulli(T.tensor([1, 0]))
T.bernoulli(T.tensor([0.5]), 2.)
T.bernoulli(T.tensor([1, 0]), 1.)
T.bernoulli(T.tensor([1.], requires_grad=True))
T.multinomial(T.tensor([0., 1., 0.]), 2, replacement=True)
T.multinomial(T.tensor([0., 1., 0.]), 2)
T.multinomial(T.tensor([[0., 1., 0.], [1, 0, 0]]), 1)
T.multinomial(T.tensor([1., 1., 1.]), 4)
T.multinomial(T.tensor([1, 2]), 1)
T.multinomial(T.tensor([1., -2]), 1)
T.multinomial(T.tensor([0., 0.]), 1)
T.multinomial(T.tensor([1., float('nan')]), 1)
T.multinomial(T.ones(2, 2, 2), 1)
T.multinomial(T.ones(2), 0)
T.multinomial(T.ones(()), 1)
T.rand_like(T.tensor([1, 2]))
T.rand_like(T.zeros(2, dtype=T.float64))
T.randn_like(T.zeros(2, 3))
T.randint_like(T.zeros(2), 3)
T.randint_like(T.zeros(2), low=1, high=3)
T.randint_like(T.zeros(2, dtype=T.int32), 3)
T.empty(3).uniform_(2, 2)
T.empty(3).uniform_(2, 1)
T.empty(3).normal_(2, 0)
T.empty(3).normal_(0, -1)
T.empty(3).bernoulli_(1.)
T.empty(3).bernoulli_(2)
T.empty(3).bernoulli_(T.tensor([0.5, 2, 0.1]))
T.empty(3, dtype=T.int64).bernoulli_(1.)
T.empty(3, dtype=T.int64).random_(1, 2)
T.empty(3).random_(1, 2)
T.empty(3).random_(0)
T.empty(3, dtype=T.bool).random_(1)
T.empty(3, dtype=T.uint8).random_(1, 0)
T.empty(3, dtype=T.uint8).random_(0, 300)
T.empty(3).exponential_(0)
T.empty(3, dtype=T.int64).exponential_()
T.empty(3).geometric_(0)
T.empty(3).log_normal_(0, -1)
T.empty(3).cauchy_(0, -1)
T.empty(3, dtype=T.int64).uniform_()
T.empty(3, dtype=T.int64).normal_()
T.zeros(3, requires_grad=True).uniform_()
(T.zeros(3, requires_grad=True) * 1).uniform_()
(T.zeros(3, requires_grad=True) * 1).normal_()
(T.zeros(3, requires_grad=True) * 1).exponential_()
T.get_rng_state().dtype""".split("\n")

_DETERMINISTIC = ("uniform_(2, 2)", "normal_(2, 0)", "bernoulli_(1.)", "random_(1, 2)",
                  "T.full((3,), 1.)", "T.zeros(3), 1.", "[0., 1., 0.]), 2)",
                  "[[0., 1., 0.], [1, 0, 0]]", "T.tensor([1, 0]), 1.")


def _describe(T, expr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = eval(expr, {"T": T})
        except Exception as e:
            return f"{type(e).__name__}: {e}"
    if not isinstance(r, ember.Tensor) and not type(r).__name__ == "Tensor":
        return repr(r)
    desc = (tuple(r.shape), repr(r.dtype), r.requires_grad,
            r.grad_fn.name() if r.grad_fn is not None else None)
    if any(k in expr for k in _DETERMINISTIC):
        desc += (r.tolist(),)
    return desc


@pytest.mark.parametrize("expr", META)
def test_signature_matches_torch(expr):
    torch = pytest.importorskip("torch")
    assert _describe(ember, expr) == _describe(torch, expr)


# ---------------------------------------------------------------- distributions

def test_distribution_sanity():
    ember.manual_seed(0)
    u = ember.rand(20000).numpy()
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    z = ember.randn(20000, dtype=ember.float64).numpy()
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    c = ember.randn(20000, dtype=ember.complex64).numpy()
    assert abs(np.mean(np.abs(c) ** 2) - 1) < 0.05
    r = ember.randint(-3, 4, (5000,)).numpy()
    assert set(r.tolist()) == set(range(-3, 4))
    assert sorted(ember.randperm(50).tolist()) == list(range(50))
    n = ember.normal(ember.full((20000,), 5.), 2.).numpy()
    assert abs(n.mean() - 5) < 0.1 and abs(n.std() - 2) < 0.1
    b = ember.bernoulli(ember.full((20000,), 0.25)).numpy()
    assert set(np.unique(b)) <= {0., 1.} and abs(b.mean() - 0.25) < 0.02
    e = ember.empty(20000).exponential_(2.).numpy()
    assert abs(e.mean() - 0.5) < 0.02
    v = ember.empty(20000, dtype=ember.float64).uniform_(-2, 3).numpy()
    assert v.min() >= -2 and v.max() < 3 and v.dtype == np.float64


def test_multinomial():
    ember.manual_seed(0)
    p = ember.tensor([0.1, 0.0, 0.6, 0.3])
    s = ember.multinomial(p, 20000, replacement=True).numpy()
    freq = np.bincount(s, minlength=4) / s.size
    np.testing.assert_allclose(freq, [0.1, 0.0, 0.6, 0.3], atol=0.02)
    for _ in range(20):
        w = ember.multinomial(ember.tensor([[1., 2., 0., 4.], [0., 1., 1., 0.]]), 2).numpy()
        assert all(len(set(row)) == 2 for row in w.tolist())
        assert 2 not in w[0] and set(w[1].tolist()) == {1, 2}
    first = [ember.multinomial(ember.tensor([1., 9.]), 1).item() for _ in range(2000)]
    assert abs(np.mean(first) - 0.9) < 0.03


def test_inplace_initialisers():
    x = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x.uniform_()
    with ember.no_grad():
        assert x.normal_() is x
    assert x.requires_grad and x.grad_fn is None and x._version > 0
    y = ember.zeros(2, 3, dtype=ember.float64)
    assert y.uniform_(5, 6) is y and y.dtype is ember.float64
    assert (y.numpy() >= 5).all()
    v = y[0]
    v.fill_(0.)
    v.normal_()
    assert y[0].tolist() == v.tolist()                # a view writes through to its base
    z = ember.empty(6, dtype=ember.int8).random_()
    assert z.dtype is ember.int8


# ---------------------------------------------------------------- vmap randomness

X = ember.zeros(4, 3)


def _rows_equal(t):
    a = t.numpy()
    return bool((a == a[:1]).all())


def test_vmap_randomness_modes():
    f = lambda x: x + ember.rand(3)
    with pytest.raises(RuntimeError) as e:
        vmap(f)(X)
    assert str(e.value) == ("vmap: called random operation while in randomness error mode. "
                            "Please either use the 'same' or 'different' randomness flags on "
                            "vmap or perform the randomness operation out of vmap")
    same = vmap(f, randomness="same")(X)
    diff = vmap(f, randomness="different")(X)
    assert same.shape == diff.shape == (4, 3)
    assert _rows_equal(same) and not _rows_equal(diff)
    ember.manual_seed(5)
    a = vmap(f, randomness="different")(X)
    ember.manual_seed(5)
    assert vmap(f, randomness="different")(X).tolist() == a.tolist()


@pytest.mark.parametrize("fn", [
    lambda x: ember.randn(2), lambda x: ember.randint(0, 1000, (2,)),
    lambda x: ember.randperm(6), lambda x: ember.rand_like(x),
    lambda x: ember.normal(0., 1., (2,)), lambda x: ember.multinomial(ember.ones(8), 3),
    lambda x: ember.bernoulli(ember.full((30,), 0.5)), lambda x: x.clone().normal_(),
    lambda x: ember.empty_like(x).bernoulli_(0.5)])
def test_every_random_op_follows_the_modes(fn):
    with pytest.raises(RuntimeError, match="randomness error mode"):
        vmap(fn)(X)
    assert _rows_equal(vmap(fn, randomness="same")(X))
    assert not _rows_equal(vmap(fn, randomness="different")(X))


def test_batched_inputs():
    p = ember.tensor([[0., 0., 0.], [1., 1., 1.], [0., 1., 0.], [1., 0., 1.]])
    out = vmap(ember.bernoulli, randomness="different")(p)
    assert out.tolist() == p.tolist()
    with pytest.raises(RuntimeError, match="same randomness with a batched tensor input"):
        vmap(ember.bernoulli, randomness="same")(p)
    means = ember.tensor([[0.], [100.], [200.], [300.]])
    n = vmap(lambda m: ember.normal(m, 0.01), randomness="different")(means)
    assert np.allclose(n.numpy(), means.numpy(), atol=0.1)
    with pytest.raises(RuntimeError, match="same randomness with a batched tensor input"):
        vmap(lambda m: ember.normal(m, 1.), randomness="same")(means)
    assert _rows_equal(vmap(lambda x: ember.normal(0., ember.ones(3)), randomness="same")(X))
    assert _rows_equal(vmap(lambda x: ember.rand_like(x), randomness="same")(X))
    with pytest.raises(RuntimeError, match="same randomness with a batched tensor input"):
        vmap(lambda x: ember.bernoulli(x, 0.5), randomness="same")(X)
    assert not _rows_equal(vmap(lambda x: ember.bernoulli(x, 0.5), randomness="different")(
        ember.zeros(4, 30)))
    probs = ember.tensor([[1., 0., 0.], [0., 1., 0.], [0., 0., 1.], [0., 1., 0.]])
    m = vmap(lambda q: ember.multinomial(q, 2, replacement=True), randomness="different")(probs)
    assert m.tolist() == [[0, 0], [1, 1], [2, 2], [1, 1]]
    m = vmap(lambda q: ember.multinomial(q, 1), randomness="different")(probs)
    assert m.tolist() == [[0], [1], [2], [1]]


def test_inplace_rules():
    with pytest.raises(RuntimeError, match="Cannot ask for different inplace randomness"):
        vmap(lambda x: ember.ones(3).normal_(), randomness="different")(X)
    assert _rows_equal(vmap(lambda x: ember.ones(3).normal_(), randomness="same")(X))
    assert _rows_equal(vmap(lambda x: x.clone().uniform_(), randomness="same")(X))
    assert not _rows_equal(vmap(lambda x: x.clone().uniform_(), randomness="different")(X))
    masks = vmap(lambda x: ember.empty_like(x).bernoulli_(0.5), randomness="same")(
        ember.zeros(4, 100))
    assert _rows_equal(masks)


def test_chunked_vmap_same_randomness_is_shared_across_chunks():
    f = lambda x: x + ember.rand(())
    assert _rows_equal(vmap(f, randomness="same", chunk_size=2)(ember.zeros(5, 1)))
    assert len(set(vmap(f, randomness="different", chunk_size=2)(ember.zeros(5)).tolist())) == 5


def test_nested_vmap():
    f = lambda x: ember.rand(())
    x = ember.zeros(2, 3)
    a = vmap(vmap(f, randomness="same"), randomness="different")(x).numpy()
    assert (a == a[:, :1]).all() and a[0, 0] != a[1, 0]
    b = vmap(vmap(f, randomness="different"), randomness="same")(x).numpy()
    assert (b == b[:1]).all() and len(set(b[0].tolist())) == 3
    c = vmap(vmap(f, randomness="different"), randomness="different")(x).numpy()
    assert len(set(c.ravel().tolist())) == 6
    for outer, inner in [("error", "different"), ("same", "error")]:
        with pytest.raises(RuntimeError, match="randomness error mode"):
            vmap(vmap(f, randomness=inner), randomness=outer)(x)
    d = vmap(vmap(lambda x: x + ember.randn(5), randomness="different"),
             randomness="different")(ember.zeros(2, 3, 5))
    assert d.shape == (2, 3, 5) and len(set(d.numpy()[:, :, 0].ravel().tolist())) == 6


def test_jacobians_and_grad_with_randomness():
    x = ember.ones(3)
    f = lambda x: x * ember.rand(3)
    with pytest.raises(RuntimeError, match="randomness error mode"):
        jacfwd(f)(x)
    j = jacfwd(f, randomness="same")(x).numpy()
    assert np.count_nonzero(j - np.diag(np.diag(j))) == 0 and (np.diag(j) > 0).all()
    ember.manual_seed(0)
    r = jacrev(f)(x)                                   # jacrev's vmap only runs the backward
    assert np.count_nonzero(r.numpy() - np.diag(np.diag(r.numpy()))) == 0
    jd = jacfwd(lambda x: x.sum() * ember.rand(()), randomness="different")(x).numpy()
    assert len(set(jd.tolist())) == 3                  # each basis direction drew its own
    g = vmap(grad(lambda x: (x * ember.rand(3)).sum()), randomness="different")(ember.ones(2, 3))
    assert g.shape == (2, 3) and not _rows_equal(g)
    g = vmap(grad(lambda x: (x * ember.rand(3)).sum()), randomness="same")(ember.ones(2, 3))
    assert _rows_equal(g)
    jr = vmap(jacrev(f), randomness="different")(ember.ones(2, 3))
    assert jr.shape == (2, 3, 3) and not _rows_equal(jr)
