"""``gradcheck`` / ``gradgradcheck``: compare a function's gradients with finite differences.

The numerical Jacobian uses central differences ``(f(x + eps) - f(x - eps)) / 2 eps``,
perturbing each element of every input that requires grad *in place and in the input's own
dtype* (so float32 inputs show the round-off the seeds describe); the analytical Jacobian is
built row by row with ``autograd.grad`` and one-hot output gradients.  Fast mode compares the
single number ``v^T J u`` for random unit vectors ``u`` (inputs) and ``v`` (outputs) instead
of whole Jacobians, and recomputes the slow Jacobians only to explain a failure.  Batched
checks compare ``vmap`` of a gradient (or of a forward-mode product) with a Python loop; the
forward-mode check builds the Jacobian with ``forward_ad`` dual tensors (the ``func.jvp``
machinery, but also ordinary tensors to the tape, so ``gradgradcheck`` can check
forward-over-reverse as PyTorch does).
"""
import warnings

import numpy as np

from .._tensor import Tensor, make_tensor
from .backward import grad as _autograd_grad
from .graph import run_backward
from .anomaly_mode import user_stacklevel

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """A gradient check failed (a ``RuntimeError``, as in PyTorch)."""


_FAST_NOTE = (
    "\nThe above quantities relating the numerical and analytical jacobians are computed \n"
    "in fast mode (v^T J u for random unit vectors u over the inputs and v over the outputs). "
    "\nBelow, we recompute numerical and analytical jacobians in slow mode:\n\n")
_REENTRANT = ("Backward is not reentrant, i.e., running backward with same input and "
              "grad_output multiple times gives different values, although analytical "
              "gradient matches numerical gradient. The tolerance for nondeterminism was {}.")
_UNDEFINED_NOTE = ("Expected backward function to handle undefined output grads: a None "
                   "output gradient must act as zeros.")


def _as_tuple(x):
    return x if isinstance(x, tuple) else tuple(x) if isinstance(x, list) else (x,)


def _is_diff(t):
    return isinstance(t, Tensor) and t.requires_grad


def _arr(t):
    return t.detach()._data


def _t(a):
    return make_tensor(np.array(a, order="C"))


# ------------------------------------------------------------------ checks on the inputs

def _check_inputs(inputs):
    """Which inputs are differentiated; warns about non-double ones like PyTorch."""
    diff_idx = []
    for idx, x in enumerate(inputs):
        if not _is_diff(x):
            continue
        if x.dtype.name not in ("float64", "complex128"):
            warnings.warn(f"Input #{idx} requires gradient and is not a double precision "
                          f"floating point or complex. This check will likely fail if all the "
                          f"inputs are not of double precision floating point or complex. ",
                          UserWarning, stacklevel=user_stacklevel())
        if x.is_complex():
            raise ValueError(f"Input #{idx} is complex: ember's gradcheck checks real inputs "
                             f"only.")
        if any(st == 0 and sz > 1 for st, sz in zip(x.stride(), x.shape)):
            raise RuntimeError(f"The {idx}th input has a dimension with stride 0. gradcheck "
                               f"only supports inputs that are non-overlapping to be able to "
                               f"compute the numerical gradients correctly. You should call "
                               f".contiguous on the input before passing it to gradcheck.")
        diff_idx.append(idx)
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of them have requires_grad=True.")
    return diff_idx


# ------------------------------------------------------------------ numerical side

def _evaluate(func, inputs):
    """Copies of the tensor outputs' arrays (outputs may alias the perturbed inputs)."""
    return [np.array(_arr(o), copy=True) for o in _as_tuple(func(*inputs))
            if isinstance(o, Tensor)]


def _central_difference(func, inputs, arr, where, delta):
    """``(f(x + delta) - f(x - delta)) / (2 |delta|)`` with ``arr[where]`` perturbed in place."""
    orig = np.array(arr[where], copy=True)
    try:
        arr[where] = orig - delta
        lo = _evaluate(func, inputs)
        arr[where] = orig + delta
        hi = _evaluate(func, inputs)
    finally:
        arr[where] = orig
    return hi, lo


def _numerical_jacobian(func, inputs, diff_idx, eps):
    """``J[i][o]``: (numel of input i, numel of output o) for every tensor output o."""
    jac = []
    for idx in diff_idx:
        arr = inputs[idx]._data
        cols = None
        for j, pos in enumerate(np.ndindex(*arr.shape)):
            hi, lo = _central_difference(func, inputs, arr, pos, eps)
            if cols is None:
                cols = [np.zeros((arr.size, h.size), dtype=_float_dtype(h)) for h in hi]
            for c, h, l in zip(cols, hi, lo):
                c[j] = ((h - l) / (2 * eps)).ravel()
        if cols is None:      # an empty input
            cols = [np.zeros((0, h.size), dtype=_float_dtype(h))
                    for h in _evaluate(func, inputs)]
        jac.append(cols)
    return jac


def _float_dtype(a):
    return a.dtype if a.dtype.kind in "fc" else np.dtype(np.float64)


def _numerical_directional(func, inputs, diff_idx, us, eps):
    """``J[i][o] @ u[i]`` for every input i and tensor output o (fast mode)."""
    res = []
    for idx, u in zip(diff_idx, us):
        arr = inputs[idx]._data
        hi, lo = _central_difference(func, inputs, arr, Ellipsis, eps * u)
        res.append([((h - l) / (2 * eps)).ravel() for h, l in zip(hi, lo)])
    return res


# ------------------------------------------------------------------ analytical side

def _vjp(outputs, diff_inputs, grad_outputs, check_grad_dtypes=False):
    """``v^T J`` per input as flat arrays (zeros where a gradient is undefined)."""
    grads = _autograd_grad(outputs, diff_inputs, grad_outputs, retain_graph=True,
                           allow_unused=True)
    res = []
    for g, x in zip(grads, diff_inputs):
        if g is None:
            res.append(np.zeros(x.numel(), dtype=x.dtype.np))
            continue
        if tuple(g.shape) != tuple(x.shape):
            raise GradcheckError(f"grad is incorrect size: expected {list(x.shape)}, got "
                                 f"{list(g.shape)}")
        if check_grad_dtypes and g.dtype is not x.dtype:
            raise GradcheckError(f"Gradient has dtype mismatch: {g.dtype} for an input of "
                                 f"dtype {x.dtype}")
        res.append(_arr(g).ravel())
    return res


def _analytical_jacobian(outputs, diff_inputs, nondet_tol, check_grad_dtypes):
    """``J[i][o]`` from one backward pass per output element, run twice (reentrancy)."""
    jac = [[np.zeros((x.numel(), o.numel()), dtype=x.dtype.np) for o in outputs]
           for x in diff_inputs]
    worst = 0.0
    for oi, out in enumerate(outputs):
        for k in range(out.numel()):
            onehot = np.zeros(out.numel(), dtype=out.dtype.np)
            onehot[k] = 1
            v = _t(onehot.reshape(tuple(out.shape)))
            gos = _only(outputs, oi, v)
            first = _vjp(outputs, diff_inputs, gos, check_grad_dtypes)
            second = _vjp(outputs, diff_inputs, gos)
            for i, (a, b) in enumerate(zip(first, second)):
                jac[i][oi][:, k] = a
                if a.size:
                    worst = max(worst, float(np.max(np.abs(a - b))))
    if worst > nondet_tol:
        raise GradcheckError(_REENTRANT.format(nondet_tol))
    return jac


def _jvp(f, primals, tangents):
    """Output tangents (flat arrays, zeros where undefined) by ``forward_ad`` dual tensors,
    which are also ordinary tensors to the tape, so ``f`` may itself call autograd.grad."""
    from . import forward_ad as fwAD
    with fwAD.dual_level():
        outs = f(*[fwAD.make_dual(p, t) for p, t in zip(primals, tangents)])
        res = []
        for o in outs:
            t = fwAD.unpack_dual(o).tangent
            res.append(_arr(t).ravel() if t is not None else np.zeros(o.numel(), o.dtype.np))
        return res


def _restricted(func, inputs, diff_idx, out_idx):
    """``func`` as a function of its differentiable inputs, returning its checked outputs."""
    def f(*xs):
        full = list(inputs)
        for i, x in zip(diff_idx, xs):
            full[i] = x
        outs = [o for o in _as_tuple(func(*full)) if isinstance(o, Tensor)]
        return tuple(outs[o] for o in out_idx)
    return f


def _only(outputs, k, v):
    """Output gradients that select output ``k``: ``v`` there, zeros elsewhere (every
    output gets a defined gradient; undefined ones are the subject of their own check)."""
    return tuple(v if j == k else _t(np.zeros(tuple(o.shape), o.dtype.np))
                 for j, o in enumerate(outputs))


def _forward_jacobian(func, inputs, diff_idx, out_idx, sizes, tangent_fn):
    """``J[i][o]`` with one row ``J_o e`` per tangent ``e`` of input i that ``tangent_fn``
    gives (one-hots: the forward-mode Jacobian; a random u: fast mode's ``J u``)."""
    f = _restricted(func, inputs, diff_idx, out_idx)
    primals = tuple(inputs[i] for i in diff_idx)
    res = []
    for i, x in enumerate(primals):
        rows = []
        for tan in tangent_fn(i, x):
            tangents = [_t(tan) if k == i else _t(np.zeros(tuple(p.shape), p.dtype.np))
                        for k, p in enumerate(primals)]
            rows.append(_jvp(f, primals, tangents))
        res.append([np.array([r[o] for r in rows]).reshape(len(rows), n)
                    for o, n in enumerate(sizes)])
    return res


# ------------------------------------------------------------------ comparison

def _mismatch(a, n, atol, rtol):
    """Index of the worst violation of ``|a - n| <= atol + rtol |n|``, or None if none."""
    if a.size == 0:
        return None
    a64, n64 = a.astype(np.float64), n.astype(np.float64)
    excess = np.abs(a64 - n64) - (atol + rtol * np.abs(n64))
    excess = np.where(np.isnan(a64) | np.isnan(n64), np.inf, excess)
    k = int(np.argmax(excess))
    return np.unravel_index(k, a.shape) if excess.flat[k] > 0 else None


def _worst_line(a, n, oi, ii, where):
    av, nv = float(a[where]), float(n[where])
    err = abs(av - nv)
    rel = err / abs(nv) if nv != 0 else float("inf")
    pos = ", ".join(str(int(w)) for w in where)
    return (f"The largest difference is for output {oi}, input {ii} at index ({pos}) "
            f"(input element, output element): numerical {nv:.6g}, analytical {av:.6g}, "
            f"absolute error {err:.6g}, relative error {rel:.6g}.\n")


def _mismatch_msg(a, n, oi, ii, forward, where=None):
    mode = "computed with forward mode " if forward else ""
    msg = (f"Jacobian {mode}mismatch for output {oi:d} with respect to input {ii:d},\n"
           f"numerical:{_t(n)}\nanalytical:{_t(a)}\n")
    return msg + _worst_line(a, n, oi, ii, where) if where is not None else msg


def _compare(analytical, numerical, atol, rtol, forward):
    for ii, (a_in, n_in) in enumerate(zip(analytical, numerical)):
        for oi, (a, n) in enumerate(zip(a_in, n_in)):
            where = _mismatch(a, n, atol, rtol)
            if where is not None:
                raise GradcheckError(_mismatch_msg(a, n, oi, ii, forward, where))


# ------------------------------------------------------------------ the checks

class _Check:
    """One gradcheck run: inputs, outputs and options shared by the individual checks."""

    def __init__(self, func, inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes):
        self.func, self.inputs = func, inputs
        self.eps, self.atol, self.rtol, self.nondet_tol = eps, atol, rtol, nondet_tol
        self.check_grad_dtypes = check_grad_dtypes
        self.diff_idx = _check_inputs(inputs)
        self.diff_inputs = [inputs[i] for i in self.diff_idx]
        outs = [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]
        self.out_idx = [k for k, o in enumerate(outs) if o.requires_grad]
        self.outputs = [outs[k] for k in self.out_idx]

    def fresh_outputs(self):
        outs = [o for o in _as_tuple(self.func(*self.inputs)) if isinstance(o, Tensor)]
        return [outs[k] for k in self.out_idx]

    def numerical(self):
        full = _numerical_jacobian(self.func, self.inputs, self.diff_idx, self.eps)
        return [[cols[k] for k in self.out_idx] for cols in full]

    def no_differentiable_outputs(self):
        full = _numerical_jacobian(self.func, self.inputs, self.diff_idx, self.eps)
        for cols in full:
            for c in cols:
                if c.size and not np.allclose(c, 0, rtol=self.rtol, atol=self.atol):
                    raise GradcheckError("Numerical gradient for function expected to be zero")

    def backward_slow(self):
        numerical = self.numerical()
        analytical = _analytical_jacobian(self.outputs, self.diff_inputs, self.nondet_tol,
                                          self.check_grad_dtypes)
        _compare(analytical, numerical, self.atol, self.rtol, False)

    def forward_slow(self):
        numerical = self.numerical()
        _compare(self.forward_jacobian(_one_hots), numerical, self.atol, self.rtol, True)

    def forward_jacobian(self, tangent_fn):
        return _forward_jacobian(self.func, self.inputs, self.diff_idx, self.out_idx,
                                 [o.numel() for o in self.outputs], tangent_fn)

    # ---- fast mode
    def random_uv(self):
        rng = _rng()
        us = [_unit(rng, x) for x in self.diff_inputs]
        vs = [_unit(rng, o) for o in self.outputs]
        return us, vs

    def fast(self, forward):
        us, vs = self.random_uv()
        ju = _numerical_directional(self.func, self.inputs, self.diff_idx, us, self.eps)
        num = [[float(np.dot(v.ravel(), ju_i[k])) for k, v in zip(self.out_idx, vs)]
               for ju_i in ju]
        if forward:
            fwd = self.forward_jacobian(lambda i, x: [us[i]])
            ana = [[float(np.dot(v.ravel(), ju[0])) for ju, v in zip(per_out, vs)]
                   for per_out in fwd]
        else:
            ana = [[0.0] * len(vs) for _ in us]
            for oi, (out, v) in enumerate(zip(self.outputs, vs)):
                gos = _only(self.outputs, oi, _t(v))
                first = _vjp(self.outputs, self.diff_inputs, gos, self.check_grad_dtypes)
                second = _vjp(self.outputs, self.diff_inputs, gos)
                for ii, (g1, g2, u) in enumerate(zip(first, second, us)):
                    ana[ii][oi] = float(np.dot(g1, u.ravel()))
                    if abs(ana[ii][oi] - float(np.dot(g2, u.ravel()))) > self.nondet_tol:
                        raise GradcheckError(_REENTRANT.format(self.nondet_tol))
        for ii, u in enumerate(us):
            for oi, v in enumerate(vs):
                a, n = ana[ii][oi], num[ii][oi]
                # |v^T (A - N) u| <= sum |v_r| |u_c| (atol + rtol |N_rc|) elementwise
                tol = self.atol * np.abs(u).sum() * np.abs(v).sum() + self.rtol * abs(n)
                if not abs(a - n) <= tol:
                    raise GradcheckError(self.fast_failure(a, n, oi, ii, forward))

    def fast_failure(self, a, n, oi, ii, forward):
        mode = "computed with forward mode " if forward else ""
        msg = (f"Jacobian {mode}mismatch for output {oi:d} with respect to input {ii:d},\n"
               f"numerical:{n!r}\nanalytical:{a!r}\n" + _FAST_NOTE)
        slow_n = self.numerical()[ii][oi]
        if forward:
            slow_a = self.forward_jacobian(_one_hots)[ii][oi]
        else:
            slow_a = _analytical_jacobian(self.outputs, self.diff_inputs, np.inf,
                                          False)[ii][oi]
        diff = float(np.max(np.abs(slow_a - slow_n))) if slow_a.size else 0.0
        msg += (f"Numerical:\n {_t(slow_n)}\nAnalytical:\n{_t(slow_a)}\n\n"
                f"The max per-element difference (slow mode) is: {diff}.\n")
        where = _mismatch(slow_a, slow_n, self.atol, self.rtol)
        return msg + _worst_line(slow_a, slow_n, oi, ii, where) if where is not None else msg

    # ---- other properties of the backward
    def backward_scales_with_grad_output(self):
        zeros = tuple(_t(np.zeros(tuple(o.shape), o.dtype.np)) for o in self.outputs)
        for g in _vjp(tuple(self.outputs), self.diff_inputs, zeros):
            if not np.allclose(g, 0):
                raise GradcheckError("backward not multiplied by grad_output")

    def undefined_grad(self):
        """Backward must treat a None (undefined) output gradient as zeros."""
        variants = [None]
        if len(self.outputs) > 1:
            variants += list(range(len(self.outputs)))
        for undefined in variants:
            outs = self.fresh_outputs()
            grads = [None if undefined is None or k == undefined else
                     _t(np.zeros(tuple(o.shape), o.dtype.np)) for k, o in enumerate(outs)]
            roots = [_edge(o) for o in outs]
            try:
                res = run_backward(roots, grads, retain_graph=True,
                                   capture=[_edge(x) for x in self.diff_inputs],
                                   accumulate=False)
            except Exception as exc:
                raise GradcheckError(_UNDEFINED_NOTE) from exc
            for g in res:
                if g is not None and np.any(_arr(g) != 0):
                    raise GradcheckError("Expected all input grads to be undefined or zero when "
                                         "all output grads are undefined or zero.")

    def batched_grad(self):
        """``vmap`` over output gradients equals a loop of ``autograd.grad`` calls."""
        from ..func import vmap
        rng = _rng()
        for oi, out in enumerate(self.outputs):
            vs = [rng.standard_normal(tuple(out.shape)).astype(out.dtype.np) for _ in range(3)]
            expected = [np.stack(r) for r in zip(*[
                _vjp(self.outputs, self.diff_inputs, _only(self.outputs, oi, _t(v)))
                for v in vs])]

            def one(v, oi=oi):
                return _autograd_grad(self.outputs, self.diff_inputs,
                                      _only(self.outputs, oi, v), retain_graph=True,
                                      allow_unused=True, materialize_grads=True)
            try:
                result = vmap(one)(_t(np.stack(vs)))
            except RuntimeError as ex:
                raise GradcheckError(f"While computing batched gradients, got: {ex}\n\n"
                                     f"{_BATCHED_NOTE}") from ex
            for ii, (r, e) in enumerate(zip(result, expected)):
                r = _arr(r).reshape(e.shape)
                if not np.allclose(r, e, rtol=self.rtol, atol=self.atol):
                    raise GradcheckError(_batched_msg(oi, ii, r, e, "vmap of autograd.grad"))

    def batched_forward_grad(self):
        """``vmap`` over tangents equals a loop of forward-mode products."""
        from ..func import vmap
        from . import forward_ad as fwAD
        rng = _rng()
        for ii, idx in enumerate(self.diff_idx):
            x = self.inputs[idx]
            f = _restricted(self.func, self.inputs, [idx], self.out_idx)

            def tangent_out(t, x=x, f=f):
                with fwAD.dual_level():
                    outs = f(fwAD.make_dual(x, t))
                    return tuple(_tangent_or_zeros(fwAD.unpack_dual(o).tangent, o)
                                 for o in outs)
            ts = [rng.standard_normal(tuple(x.shape)).astype(x.dtype.np) for _ in range(3)]
            expected = [np.stack(rs) for rs in zip(*[[_arr(r) for r in tangent_out(_t(t))]
                                                      for t in ts])]
            try:
                result = vmap(tangent_out)(_t(np.stack(ts)))
            except RuntimeError as ex:
                raise GradcheckError(f"While computing batched gradients, got: {ex}\n\n"
                                     f"{_BATCHED_NOTE}") from ex
            for oi, (r, e) in enumerate(zip(result, expected)):
                if not np.allclose(_arr(r), e, rtol=self.rtol, atol=self.atol):
                    raise GradcheckError(_batched_msg(oi, ii, _arr(r), e,
                                                      "vmap of a forward-mode product"))


def _tangent_or_zeros(t, o):
    if t is not None:
        return t
    from ..ops.creation import zeros_like
    return zeros_like(o)


_BATCHED_NOTE = ("The batching rule of an operation used by the function (or of a custom "
                 "Function's vmap) is wrong or missing. Pass check_batched_grad=False (or "
                 "check_batched_forward_grad=False) to skip this check.")


def _batched_msg(oi, ii, got, expected, what):
    return (f"For output {oi} and input {ii}:\n\n{what} gave a different result than a loop "
            f"over the batch.\n{_BATCHED_NOTE}\n\nGot:\n{_t(got)}\n\nExpected:\n"
            f"{_t(expected)}\n")


def _edge(t):
    return (t._grad_fn, t._output_nr) if t._grad_fn is not None else (t._get_accum(), 0)


def _rng():
    """A NumPy generator seeded from ember's default generator (``manual_seed`` applies)."""
    from ..ops.random import randint
    return np.random.default_rng(int(randint(0, 2 ** 62, (1,)).item()))


def _one_hots(i, x):
    n = x.numel()
    for j in range(n):
        e = np.zeros(n, dtype=x.dtype.np)
        e[j] = 1
        yield e.reshape(tuple(x.shape))


def _unit(rng, t):
    v = rng.standard_normal(tuple(t.shape))
    norm = np.linalg.norm(v)
    return (v / norm if norm > 0 else v).astype(t.dtype.np)


# ------------------------------------------------------------------ public API

def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Check the gradients of ``func`` at ``inputs`` against finite differences.

    Returns True when every check passes; raises ``GradcheckError`` (or returns False with
    ``raise_exception=False``) otherwise.  ``masked`` only concerns sparse tensors, which
    ember does not have; it is accepted for PyTorch compatibility.
    """
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad "
                             "to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError("Setting check_batched_grad=True requires check_backward_ad to "
                             "be True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError("Setting check_batched_forward_grad=True requires "
                             "check_forward_ad to be True")
    c = _Check(func, _as_tuple(inputs), eps, atol, rtol, nondet_tol, check_grad_dtypes)
    try:
        if not c.outputs:
            c.no_differentiable_outputs()
            return True
        if check_backward_ad:
            c.fast(False) if fast_mode else c.backward_slow()
            c.backward_scales_with_grad_output()
            if check_undefined_grad:
                c.undefined_grad()
            if check_batched_grad:
                c.batched_grad()
        if check_forward_ad:
            c.fast(True) if fast_mode else c.forward_slow()
            if check_batched_forward_grad:
                c.batched_forward_grad()
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Check second derivatives: ``gradcheck`` of the map (inputs, v) -> v^T J(inputs).

    Without ``grad_outputs``, random ones in [-1, 1) that require grad are generated
    (non-contiguous with ``gen_non_contig_grad_outputs``).
    """
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or "
                             "check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev "
                             "to be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_batched_grad=True requires check_rev_over_rev to "
                             "be True")
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outs = [o for o in _as_tuple(func(*inputs)) if _is_diff(o)]
        rng = _rng()
        grad_outputs = tuple(_random_grad_output(rng, o, gen_non_contig_grad_outputs)
                             for o in outs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n = len(grad_outputs)

    def new_func(*args):
        ins, gos = args[:len(args) - n], args[len(args) - n:]
        outs = [o for o in _as_tuple(func(*ins)) if _is_diff(o)]
        diff_ins = [x for x in ins if _is_diff(x)]
        grads = _autograd_grad(outs, diff_ins, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(new_func, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad,
                     check_forward_ad=check_fwd_over_rev, check_backward_ad=check_rev_over_rev,
                     fast_mode=fast_mode, masked=masked)


def _random_grad_output(rng, o, non_contiguous):
    dt = o.dtype.np if o.dtype.is_floating_point else np.float64
    shape = tuple(o.shape)
    if non_contiguous and o.numel() > 1:
        buf = rng.uniform(-1, 1, shape + (2,)).astype(dt)
        arr = buf[..., 0]
    else:
        arr = rng.uniform(-1, 1, shape).astype(dt)
    g = make_tensor(arr)
    g.requires_grad_(True)
    return g
