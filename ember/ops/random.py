"""Random sampling with PyTorch's API, on NumPy's PCG64 generator.

Seeding (``manual_seed``, ``Generator``) makes streams reproducible; the values differ from
PyTorch's.  Every draw consults the active vmap levels as PyTorch's vmap does: in
randomness='error' a random op raises, 'same' draws one value shared by the batch, and
'different' draws with that level's batch size prepended and wraps the result at the level
(outermost first, so nested vmaps work).  Ops that take probabilities or moments as tensors
(bernoulli, normal, multinomial) draw the noise that way and then apply a deterministic
primitive, so a batched input simply batches the primitive.
"""
import os

import numpy as np

from .. import _dtype as D
from .._backend import device as _device
from .._state import STATE
from .._tensor import Tensor, make_tensor
from ._primitive import Primitive
from ._util import batch_elementwise, batch_size_of, move_bdim_to_front
from .creation import _size, _leaf, _place, _result, _write_out, zeros_like

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "rand", "randn", "randint", "randperm", "normal",
           "bernoulli", "multinomial", "rand_like", "randn_like", "randint_like"]

_DEFAULT_SEED = 67280421310721


class Generator:
    """A pseudo-random number generator (``torch.Generator``): seedable, with a saveable
    state (a uint8 tensor)."""

    def __init__(self, device="cpu"):
        self.device = _device(device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        """Reset to the stream of ``seed`` (negative seeds wrap modulo 2**64)."""
        seed = int(seed)
        if not -2 ** 63 <= seed < 2 ** 64:
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed % 2 ** 64
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self):
        """Seed from the OS's entropy; returns the seed used."""
        s = int.from_bytes(os.urandom(8), "little") & (2 ** 63 - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        st = self._rng.bit_generator.state
        words = (self._seed, st["state"]["state"], st["state"]["inc"], st["has_uint32"],
                 st["uinteger"])
        raw = b"".join(w.to_bytes(n, "little") for w, n in zip(words, _STATE_LAYOUT))
        return make_tensor(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state):
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not D.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        raw = new_state.numpy(force=True).tobytes()
        if len(raw) != sum(_STATE_LAYOUT):
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {sum(_STATE_LAYOUT)} "
                               f"but found the input RNG state size to be {len(raw)}")
        words, pos = [], 0
        for n in _STATE_LAYOUT:
            words.append(int.from_bytes(raw[pos:pos + n], "little"))
            pos += n
        self._seed = words[0]
        bg = np.random.PCG64()
        bg.state = {"bit_generator": "PCG64", "state": {"state": words[1], "inc": words[2]},
                    "has_uint32": words[3], "uinteger": words[4]}
        self._rng = np.random.Generator(bg)
        return self


_STATE_LAYOUT = (8, 16, 16, 4, 4)     # seed, PCG64 state, increment, has_uint32, uinteger
default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator; returns it."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


# ---------------------------------------------------------------- vmap randomness

_ERROR_MODE = ("vmap: called random operation while in randomness error mode. Please either "
               "use the 'same' or 'different' randomness flags on vmap or perform the "
               "randomness operation out of vmap")


def _batched_at(x, interp):
    while isinstance(x, Tensor) and x._is_wrapper:
        if x._interp is interp:
            return True
        x = x._inner
    return False


def _levels(inputs=(), inplace=None):
    """The vmap levels whose examples draw independently, outermost first; raises for
    randomness='error', for 'same' with a batched input, and for 'different' in place on an
    unbatched tensor (as PyTorch does)."""
    out = []
    for interp in STATE.stack:
        if interp.kind != "vmap":
            continue
        mode = interp.randomness
        if mode == "error":
            raise RuntimeError(_ERROR_MODE)
        if mode == "same":
            if any(_batched_at(x, interp) for x in inputs):
                raise RuntimeError("Vmap does not currently support same randomness with a "
                                   "batched tensor input. Please file an issue with functorch")
        else:
            if inplace is not None and not _batched_at(inplace, interp):
                raise RuntimeError("vmap: Cannot ask for different inplace randomness on an "
                                   "unbatched tensor. This will appear like same randomness. "
                                   "If this is necessary for your usage, please file an issue "
                                   "with functorch.")
            out.append(interp)
    return out


def _draw(sample, shape, generator=None, inputs=(), inplace=None):
    """``sample(rng, shape)`` as a tensor of logical shape ``shape`` at the current vmap
    levels (a batched value for every level in 'different' mode)."""
    rng = (generator if generator is not None else default_generator)._rng
    levels = _levels(inputs, inplace) if STATE.stack else ()
    if not levels:
        return make_tensor(np.asarray(sample(rng, tuple(shape))))
    full = tuple(i.batch_size for i in levels) + tuple(shape)
    t = make_tensor(np.asarray(sample(rng, full)))
    for interp in levels:
        t = interp.wrap(t)
    return t


def _tname(d):
    from .inplace import _tname as name
    return name(d)


def _float_kind(npd, kernel):
    """The float dtype to sample in for ``npd`` (NotImplementedError for integer dtypes)."""
    if npd.kind not in "fc":
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_tname(D.NP2DT[npd])}'")
    return npd


def _uniform(npd, low=0.0, high=1.0):
    def sample(rng, shape):
        if npd.kind == "c":
            re = npd.type(0).real.dtype
            return (_uniform(re, low, high)(rng, shape) +
                    1j * _uniform(re, low, high)(rng, shape)).astype(npd)
        work = np.float64 if npd == np.float64 else np.float32
        u = rng.random(shape, dtype=work)
        if low != 0.0 or high != 1.0:
            u = u * (high - low) + low
        u = u.astype(npd, copy=False)
        if npd == np.float16 and high > low:     # rounding to half must not reach ``high``
            u = np.minimum(u, np.nextafter(np.float16(high), np.float16(low)))
        return u
    return sample


def _normal(npd, mean=0.0, std=1.0):
    def sample(rng, shape):
        if npd.kind == "c":
            re = npd.type(0).real.dtype
            s = std * 0.5 ** 0.5
            return (_normal(re, 0.0, s)(rng, shape) + 1j * _normal(re, 0.0, s)(rng, shape) +
                    mean).astype(npd)
        work = np.float64 if npd == np.float64 else np.float32
        z = rng.standard_normal(shape, dtype=work)
        if mean != 0.0 or std != 1.0:
            z = z * std + mean
        return z.astype(npd, copy=False)
    return sample


def _integers(npd, low, high):
    return lambda rng, shape: rng.integers(low, high, shape, dtype=np.int64).astype(npd)


_CNAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short",
           "int32": "int", "int64": "long"}


def _check_int_range(npd, low, high, what="random_"):
    if low >= high:
        raise RuntimeError(f"{what} expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    if npd.kind in "iub":
        lo, hi = (0, 1) if npd.kind == "b" else (int(np.iinfo(npd).min), int(np.iinfo(npd).max))
        cname = _CNAMES[D.NP2DT[npd].name]
        if low < lo:
            raise RuntimeError(f"from is out of bounds for {cname}")
        if high - 1 > hi:
            raise RuntimeError(f"to - 1 is out of bounds for {cname}")


# ---------------------------------------------------------------- shape-only factories

def _factory(sample_for, size, generator, out, dtype, device, requires_grad, op, kw=None):
    if not size and not kw:
        opts = ("torch.dtype dtype = None, torch.layout layout = None, torch.device device = "
                "None, bool pin_memory = False, bool requires_grad = False)")
        raise TypeError(f"{op}() received an invalid combination of arguments - got (), but "
                        f"expected one of:\n * (tuple of ints size, *, torch.Generator "
                        f"generator, Tensor out = None, {opts}\n * (tuple of ints size, *, "
                        f"Tensor out = None, {opts}\n")
    if dtype is None:
        dtype = out.dtype if out is not None else D.get_default_dtype()
    npd = D.to_numpy_dtype(dtype)
    t = _draw(sample_for(npd), _size(size, op, kw), generator)
    if device is not None and not t._is_wrapper:
        t._data = _place(t._data, device)
    return _result(t, out, requires_grad)


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False, **kw):
    """Uniform samples on [0, 1)."""
    return _factory(lambda npd: _uniform(_float_kind(npd, "check_uniform_bounds")), size,
                    generator, out, dtype, device, requires_grad, "rand", kw)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False, **kw):
    """Standard normal samples."""
    return _factory(lambda npd: _normal(_float_kind(npd, "normal_kernel_cpu")), size,
                    generator, out, dtype, device, requires_grad, "randn", kw)


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad=False, pin_memory=False):
    """Integers uniform on [low, high); ``randint(high, size)`` or ``randint(low, high, size)``."""
    if size is None:
        low, high, size = 0, low, high
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' (position 2) must be tuple of ints, not "
                        f"{type(size).__name__}")
    npd = D.to_numpy_dtype(dtype if dtype is not None else
                           (out.dtype if out is not None else D.int64))
    low, high = int(low), int(high)
    _check_int_range(npd, low, high)
    return _factory(lambda npd: _integers(npd, low, high), (size,), generator, out,
                    D.NP2DT[npd], device, requires_grad, "randint")


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of ``0 .. n-1``."""
    npd = D.to_numpy_dtype(dtype if dtype is not None else D.int64)
    if npd.kind == "b":
        raise NotImplementedError("\"randperm\" not implemented for 'Bool'")

    def sample_for(npd):
        return lambda rng, shape: rng.permuted(
            np.broadcast_to(np.arange(shape[-1]), shape), axis=-1).astype(npd)
    return _factory(sample_for, (n,), generator, out, D.NP2DT[npd], device, requires_grad,
                    "randperm")


def _like(sample, input, dtype, device, requires_grad, generator=None):
    npd = D.to_numpy_dtype(dtype) if dtype is not None else input.dtype.np
    t = _draw(sample(npd), input.shape, generator)
    if device is not None and not t._is_wrapper:
        t._data = _place(t._data, device)
    return _leaf(t, requires_grad)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None, generator=None):
    return _like(lambda npd: _uniform(_float_kind(npd, "check_uniform_bounds")), input, dtype,
                 device, requires_grad, generator)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None, generator=None):
    return _like(lambda npd: _normal(_float_kind(npd, "normal_kernel_cpu")), input, dtype,
                 device, requires_grad, generator)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None, generator=None):
    if high is None:
        low, high = 0, low
    npd = D.to_numpy_dtype(dtype) if dtype is not None else input.dtype.np
    _check_int_range(npd, int(low), int(high))
    return _like(lambda npd: _integers(npd, int(low), int(high)), input, dtype, device,
                 requires_grad, generator)


# ---------------------------------------------------------------- noise-driven primitives

def _zero_grad(g, out, *args, **params):
    return zeros_like(g)


_bernoulli = Primitive("bernoulli", lambda p, u: (u < p).astype(p.dtype),
                       vjp=(_zero_grad, None), jvp=(None, None), batch=batch_elementwise,
                       saves=(), node_name="BernoulliBackward0")


def _normal_prim(name):
    return Primitive(f"normal_{name}", lambda mean, std, eps: mean + std * eps,
                     vjp=(_zero_grad, _zero_grad, None), jvp=(None, None, None),
                     batch=batch_elementwise, saves=(), node_name=f"NormalBackward{name}")


_normal_ts, _normal_st, _normal_tt = _normal_prim("1"), _normal_prim("2"), _normal_prim("3")


def _plain(x):
    return isinstance(x, Tensor) and x.__class__ is Tensor


def _check_p(p):
    if _plain(p) and p.numel() and not bool(np.all((p._data >= 0) & (p._data <= 1))):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could "
                           "this error message be improved?  If so, please report an "
                           "enhancement request to PyTorch.)")


def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples: with probabilities ``input``, or with the scalar ``p`` in input's shape."""
    if p is not None:
        res = _fill_random(input, _bernoulli_sample(p), "bernoulli_p", generator, (input,))
        return _write_out(out, res) if out is not None else res
    npd = input.dtype.np
    if npd.kind not in "fc":
        raise NotImplementedError("\"bernoulli_tensor_cpu_p_\" not implemented for "
                                  f"'{_tname(input.dtype)}'")
    _check_p(input)
    u = _draw(_uniform(npd), input.shape, generator, inputs=(input,))
    res = _bernoulli(input, u)
    return _write_out(out, res) if out is not None else res


def _bernoulli_sample(p):
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
    return lambda npd: (lambda rng, shape: (rng.random(shape) < p).astype(npd))


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, pin_memory=False, requires_grad=False):
    """Normal samples; ``mean`` and ``std`` are tensors or floats (with ``size`` for floats)."""
    tm, ts = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not tm and not ts:
        if size is None:
            raise TypeError(f"normal() received an invalid combination of arguments - got "
                            f"({type(mean).__name__}, {type(std).__name__})")
        _check_std(std)
        return _factory(lambda npd: _normal(_float_kind(npd, "normal_kernel_cpu"), mean, std),
                        (size,), generator, out, dtype, device, requires_grad, "normal")
    if ts:
        if _plain(std) and std.numel() and not bool(np.all(std._data >= 0)):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    else:
        _check_std(std)
    ref = mean if tm else std
    npd = _float_kind(ref.dtype.np, "normal_kernel_cpu")
    shape = _broadcast(tuple(mean.shape), tuple(std.shape)) if tm and ts else tuple(ref.shape)
    eps = _draw(_normal(npd), shape, generator, inputs=(mean, std))
    if tm and ts:
        res = _normal_tt(mean, std.to(ref.dtype), eps)
    else:
        res = (_normal_ts if tm else _normal_st)(mean, std, eps)
    return _write_out(out, res) if out is not None else res


def _broadcast(a, b):
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {i}")
    return tuple(max(x, y) if min(x, y) else 0 for x, y in zip(a, b))


def _check_std(std):
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")


def _multinomial_impl(p, u, n, replacement):
    """Row-wise sampling from (unnormalised) probabilities ``p`` given uniform noise ``u``:
    inverse CDF with replacement, an exponential race (Efraimidis-Spirakis) without."""
    lead = np.broadcast_shapes(p.shape[:-1], u.shape[:-1])
    k = p.shape[-1]
    p = np.broadcast_to(p, lead + (k,)).astype(np.float64).reshape(-1, k)
    u = np.broadcast_to(u, lead + u.shape[-1:]).reshape(-1, u.shape[-1])
    if replacement:
        cdf = np.cumsum(p, axis=-1)
        out = np.empty((p.shape[0], n), dtype=np.int64)
        for r in range(p.shape[0]):
            out[r] = np.searchsorted(cdf[r], u[r] * cdf[r, -1], side="right")
        np.minimum(out, k - 1, out=out)
    else:
        with np.errstate(divide="ignore"):
            keys = -np.log(u) / p
        out = np.argsort(keys, axis=-1, kind="stable")[:, :n]
    return out.reshape(lead + (n,))


_multinomial = Primitive("multinomial", _multinomial_impl,
                         batch=lambda prim, args, batched, **params: prim(*args, **params),
                         differentiable=False)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices sampled from the rows of ``input`` (unnormalised probabilities)."""
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_tname(input.dtype)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    k = input.shape[-1]
    if not replacement and num_samples > k:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if _plain(input):
        a = input._data
        if not np.all(np.isfinite(a) & (a >= 0)):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if np.any(a.sum(-1) <= 0):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    shape = tuple(input.shape[:-1]) + (num_samples if replacement else k,)
    u = _draw(_uniform(np.dtype(np.float64)), shape, generator, inputs=(input,))
    res = _multinomial(input, u, n=int(num_samples), replacement=bool(replacement))
    return _write_out(out, res) if out is not None else res


# ---------------------------------------------------------------- in-place initialisers

def _fill_batch(prim, args, batched, **params):
    x, v = args
    B = batch_size_of(args, batched)
    return prim(move_bdim_to_front(x, batched[0], B), move_bdim_to_front(v, batched[1], B),
                **params)


def _fill_prim(node):
    return Primitive(f"random_fill_{node}", lambda x, v: v.astype(x.dtype),
                     vjp=(_zero_grad, None), jvp=(None, None), batch=_fill_batch, saves=(),
                     node_name=node)


_FILLS = {}


def _fill_random(self, sample_for, node, generator, inputs=None):
    """``self``'s shape and dtype filled by ``sample_for(npd)`` (the out-of-place half of an
    in-place initialiser; ``inputs=None`` marks an in-place draw for vmap's rules)."""
    prim = _FILLS.get(node)
    if prim is None:
        prim = _FILLS[node] = _fill_prim(_NODE_NAMES[node])
    npd = self.dtype.np
    v = _draw(sample_for(npd), self.shape, generator,
              inplace=self if inputs is None else None, inputs=inputs or ())
    return prim(self, v)


_NODE_NAMES = {"uniform": "UniformBackward0", "normal": "NormalBackward0",
               "bernoulli": "BernoulliBackward1", "bernoulli_p": "BernoulliBackward1",
               "random": "RandomBackward0", "exponential": "ExponentialBackward0",
               "geometric": "GeometricBackward0", "log_normal": "LogNormalBackward0",
               "cauchy": "CauchyBackward0"}


def uniform_(self, from_=0, to=1, *, generator=None):
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={from_:g} > to={to:g}")
    return _fill_random(self, lambda npd: _uniform(_float_kind(npd, "check_uniform_bounds"),
                                                   from_, to), "uniform", generator)


def normal_(self, mean=0, std=1, *, generator=None):
    _check_std(std)
    return _fill_random(self, lambda npd: _normal(_float_kind(npd, "normal_kernel_cpu"),
                                                  mean, std), "normal", generator)


def bernoulli_(self, p=0.5, *, generator=None):
    if isinstance(p, Tensor):
        _check_p(p)
        prim = _FILLS.get("bernoulli_t")
        if prim is None:
            prim = _FILLS["bernoulli_t"] = _fill_prim("BernoulliBackward2")
        u = _draw(_uniform(np.dtype(np.float64)), self.shape, generator, inputs=(p,),
                  inplace=self)
        from .comparison import lt
        return prim(self, lt(u, p))
    return _fill_random(self, _bernoulli_sample(p), "bernoulli", generator)


def random_(self, from_=None, to=None, *, generator=None):
    """Integers on [from, to); ``random_(to)`` starts at 0 and ``random_()`` spans the dtype
    (floats: [0, 2**mantissa])."""
    npd = self.dtype.np
    if to is None:
        if from_ is not None:
            from_, to = 0, from_
        elif npd.kind in "fc":
            from_, to = 0, 2 ** (np.finfo(npd).nmant + 1) + 1
        else:
            from_, to = 0, 2 if npd.kind == "b" else int(np.iinfo(npd).max) + 1
    from_, to = int(from_), int(to)
    _check_int_range(npd, from_, to)
    return _fill_random(self, lambda npd: _integers(npd, from_, to), "random", generator)


def _continuous(npd, name):
    if npd.kind not in "fc":
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{_tname(D.NP2DT[npd])}")
    return npd


def exponential_(self, lambd=1.0, *, generator=None):
    if lambd <= 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    return _fill_random(self, lambda npd: (lambda rng, shape: rng.exponential(
        1.0 / lambd, shape).astype(_continuous(npd, "Exponential"))), "exponential", generator)


def geometric_(self, p, *, generator=None):
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
    return _fill_random(self, lambda npd: (lambda rng, shape: rng.geometric(p, shape).astype(
        npd)), "geometric", generator)


def log_normal_(self, mean=1, std=2, *, generator=None):
    if std <= 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
    return _fill_random(self, lambda npd: (lambda rng, shape: rng.lognormal(
        mean, std, shape).astype(_continuous(npd, "LogNormal"))), "log_normal", generator)


def cauchy_(self, median=0, sigma=1, *, generator=None):
    if sigma <= 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma:g}")
    return _fill_random(self, lambda npd: (lambda rng, shape: (
        median + sigma * rng.standard_cauchy(shape)).astype(_continuous(npd, "Cauchy"))),
        "cauchy", generator)


METHODS = {"bernoulli": bernoulli, "multinomial": multinomial}
INPLACE = {"uniform_": uniform_, "normal_": normal_, "bernoulli_": bernoulli_,
           "random_": random_, "exponential_": exponential_, "geometric_": geometric_,
           "log_normal_": log_normal_, "cauchy_": cauchy_}
